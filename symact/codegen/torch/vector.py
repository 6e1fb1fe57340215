"""PyTorch's texts of the vector functions and losses (:class:`~symact.codegen.arrays.vector.VectorTable`)
and their ``symact.torch.nn`` modules.

The backward pass of each is the verified VJP (a loss: its gradient times the cotangent of each row),
from the saved input, in float64 and rounded once.  No second derivative is derived for them, so the
backward is ``once_differentiable``: differentiating it again is an error, not unverified numbers.
"""

from __future__ import annotations

from symact.codegen.arrays.vector import VectorGroup, VectorTable

__all__ = ["NN_VECTOR", "TORCH_VECTOR", "nn_vector_module"]

_FUNCTION = '''class {cls}(torch.autograd.Function):
    @staticmethod
    def forward(x, dim):
        return xp.vector({fwd}, (x,), dim)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])
        ctx.dim = inputs[1]

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return xp.vector({vjp}, (x, g), ctx.dim), None


def {name}(x: torch.Tensor, *, dim: int = -1) -> torch.Tensor:
    """{doc}

    Along `dim`.  Differentiable: the backward pass is the verified vector-Jacobian product
    `{name}_vjp`.
    """
    return {cls}.apply(x, dim)
'''

_LOSS = '''class {cls}(torch.autograd.Function):
    @staticmethod
    def forward(z, y, dim{pargs}):
        return xp.vector({fwd}, (z, y), dim, {ptuple})

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0], inputs[1])
        ctx.dim = inputs[2]
        ctx.params = inputs[3:]

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        z, y = ctx.saved_tensors
        xp.no_target_gradient(ctx.needs_input_grad[1], "{name}")
        return xp.vector({grad}, (z, y), ctx.dim, ctx.params, scale=g), None, None{nones}


def {name}(z: torch.Tensor, y: torch.Tensor | float, *, {sig}dim: int = -1) -> torch.Tensor:
    """{doc}

    One value per row along `dim` (reduced; no mean).  The targets `y` are rows of class
    probabilities (one-hot, soft labels) broadcast against `z`, not class indices.  Differentiable in
    `z` (the verified gradient `{name}_grad`); the target is data: asking for its gradient is an
    error.
    """
    return {cls}.apply(z, xp.target(y, z), dim{pargs})
'''

TORCH_VECTOR = VectorTable(function=_FUNCTION, loss=_LOSS)

NN_VECTOR: dict[str, str] = {
    "softmax": "Softmax",
    "softmin": "Softmin",
    "log_softmax": "LogSoftmax",
    "glu": "GLU",
}
"""The vector functions with a ``torch.nn`` module, and PyTorch's name of it."""


def nn_vector_module(g: VectorGroup) -> str:
    """The ``torch.nn.Module`` of vector function `g` (``dim=-1`` by default, as a keyword)."""
    cls = NN_VECTOR[g.name]
    return (
        f"class {cls}(torch.nn.Module):\n"
        f'    """{g.fwd.record.description} Along `dim` (`symact.torch.{g.name}`)."""\n\n'
        "    def __init__(self, dim: int = -1) -> None:\n"
        "        super().__init__()\n        self.dim = dim\n\n"
        "    def forward(self, x: torch.Tensor) -> torch.Tensor:\n"
        f"        return _generated.{g.name}(x, dim=self.dim)\n\n"
        '    def extra_repr(self) -> str:\n        return f"dim={self.dim}"\n'
    )
