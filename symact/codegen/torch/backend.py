"""The PyTorch backend: every verified element-wise activation and loss as a function on tensors,
differentiated by a ``torch.autograd.Function`` whose backward is the verified derivative.

The text is printed by the shared array printer (:mod:`symact.codegen.arrays`); the check imports it
and measures every kernel in float64 and float32 (:mod:`symact.codegen.arrays.check`).  Without
PyTorch the module is written unchecked and the outcome's note says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from symact.codegen.arrays.backend import ArrayBackend
from symact.codegen.arrays.check import ArrayIO, kernel_note
from symact.codegen.arrays.emit import Framework, Group
from symact.codegen.arrays.printer import translate
from symact.codegen.arrays.vector import VectorGroup
from symact.codegen.emit import HEADER
from symact.codegen.generate import KernelResult
from symact.codegen.printer import literal
from symact.codegen.torch.vector import NN_VECTOR, TORCH_VECTOR, nn_vector_module

__all__ = ["TORCH", "TorchBackend"]

_FUNCTION = '''class {cls}(torch.autograd.Function):
    @staticmethod
    def forward(x{pargs}):
        return xp.unary({fwd}, x, {ptuple}, {limf})

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])
        ctx.params = inputs[1:]

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * xp.unary({grad}, x, ctx.params, {limg}){nones}


def {name}({sig}) -> torch.Tensor:
    """{doc}

    Differentiable: the backward pass is the verified derivative `{name}_grad`.
    """
    return {cls}.apply(x{pargs})
'''

_LOSS = '''class {cls}(torch.autograd.Function):
    @staticmethod
    def forward(a, y{pargs}):
        return xp.binary({fwd}, a, y, {ptuple}, {limf})

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0], inputs[1])
        ctx.params = inputs[2:]

    @staticmethod
    def backward(ctx, g):
        a, y = ctx.saved_tensors
        xp.no_target_gradient(ctx.needs_input_grad[1], "{name}")
        return g * xp.binary({grad}, a, y, ctx.params, {limg}), None{nones}


def {name}({sig}) -> torch.Tensor:
    """{doc}

    Element-wise, no reduction.  Differentiable in `a` (the verified derivative `{name}_grad`);
    the target `y` is data: asking for its gradient is an error.
    """
    return {cls}.apply(a, xp.target(y, a){pargs})
'''

TORCH = Framework(
    name="torch",
    imports=(
        "import torch\nfrom torch.autograd.function import once_differentiable\n\n"
        "from symact.frameworks import torch_ns as xp\nfrom symact.frameworks.torch_ns import rt as _rt\n"
    ),
    array="torch.Tensor",
    function=_FUNCTION,
    loss=_LOSS,
    doc=(
        "Verified PyTorch kernels of the symact catalogue.\n\n"
        "Every function takes tensors of any floating dtype on any device (computed in float64, the result\n"
        "rounded once to the input's dtype), keyword-only parameters with the catalogue's defaults, and\n"
        "is differentiated by a `torch.autograd.Function` whose backward is the verified derivative.\n"
        "Each kernel is the derivation's expression after proved stable rewrites, the same as\n"
        "`symact.kernels` (ACCURACY.md), checked against correctly rounded references before this file\n"
        "is written.  The vector functions take `dim=-1` and are differentiated by their verified\n"
        "vector-Jacobian product (`NAME_vjp`); the vector losses give one value per row and are\n"
        "differentiated by their verified gradient (`NAME_grad`).\n"
    ),
    vector=TORCH_VECTOR,
)


NN_NAMES: tuple[str, ...] = (
    "CELU", "ELU", "GELU", "GLU", "Hardshrink", "Hardsigmoid", "Hardswish", "Hardtanh", "Identity",
    "LeakyReLU", "LogSigmoid", "Mish", "PReLU", "ReLU", "ReLU6", "RReLU", "SELU", "Sigmoid", "SiLU",
    "Softplus", "Softshrink", "Softsign", "Tanh", "Tanhshrink", "Threshold",
)  # fmt: skip
"""The activation modules of ``torch.nn``: a catalogue activation whose name, without underscores,
is one of these (ignoring case) gets PyTorch's spelling (``leaky_relu`` -> ``LeakyReLU``)."""


def nn_name(name: str) -> str:
    """The ``symact.torch.nn`` class of catalogue activation `name`: PyTorch's name where torch.nn has
    one, otherwise the PascalCase of the catalogue name."""
    flat = name.replace("_", "").lower()
    return next((n for n in NN_NAMES if n.lower() == flat), "".join(p.capitalize() for p in name.split("_")))


def _module(g: Group) -> str:
    params = [(p.symbol.name, translate(literal(p.default), "math")) for p in g.fwd.record.params]
    init = ", ".join(["self", *(["*"] if params else []), *[f"{n}: float = {v}" for n, v in params]])
    body = "".join(f"        self.{n} = {n}\n" for n, _ in params)
    kw = ", ".join(f"{n}=self.{n}" for n, _ in params)
    rep = ", ".join(f"{n}={{self.{n}!r}}" for n, _ in params)
    return (
        f"class {nn_name(g.name)}(torch.nn.Module):\n"
        f'    """{g.fwd.record.description} (`symact.torch.{g.name}`)."""\n\n'
        f"    def __init__({init}) -> None:\n        super().__init__()\n{body}\n"
        f"    def forward(self, x: torch.Tensor) -> torch.Tensor:\n"
        f"        return _generated.{g.name}(x{', ' + kw if kw else ''})\n"
        + (f'\n    def extra_repr(self) -> str:\n        return f"{rep}"\n' if params else "")
    )


def nn_text(gs: list[Group], vgs: list[VectorGroup] | None = None) -> dict[str, str]:
    """``nn.py``: one ``torch.nn.Module`` per element-wise activation, and per vector function that
    ``torch.nn`` has a module for (:data:`~symact.codegen.torch.vector.NN_VECTOR`)."""
    mods = [g for g in gs if not g.loss]
    vmods = [g for g in vgs or [] if g.name in NN_VECTOR]
    names = sorted([*(nn_name(g.name) for g in mods), *(NN_VECTOR[g.name] for g in vmods)])
    text = (
        HEADER
        + "# ruff: noqa: E501, RUF022\n# fmt: off\n"
        + '"""`torch.nn.Module` classes of the verified activations of `symact.torch` (named as\n'
        + 'PyTorch names them where `torch.nn` has the activation)."""\n\n'
        + "from __future__ import annotations\n\nimport math\n\nimport torch\n\n"
        + "from symact.torch import _generated\n\n"
        + "__all__ = [\n"
        + "".join(f'    "{n}",\n' for n in names)
        + "]\n"
        + "".join("\n\n" + _module(g) for g in mods)
        + "".join("\n\n" + nn_vector_module(g) for g in vmods)
    )
    return {"nn.py": text}


def _io() -> ArrayIO | None:
    try:
        import torch
    except ImportError:
        return None
    return ArrayIO(lambda a: torch.from_numpy(np.array(a)), lambda t: t.detach().cpu().numpy())


SUBSTITUTES: dict[str, str] = {
    "ndtr": "erfcx: torch.special.erfcx",
    "ndtr_scaled": "erfcx: torch.special.erfcx",
    "xlog_minus": "log y in double-double on every element (both paths computed, one selected: no mask)",
    "sigmoid_poly_scaled": "both exponent paths computed and selected with where (no host-side branch)",
}
"""How the torch namespace serves a routine differently from ``symact.kernels._runtime``."""


_VECTOR_NOTES = {
    ("vector", "fwd"): "backward: NAME_vjp(x, g), the verified vector-Jacobian product",
    ("vector_loss", "fwd"): "backward: g * NAME_grad(z, y), the verified gradient",
}


def _notes(r: KernelResult, text: str) -> str:
    if r.record.kind not in ("vector", "vector_loss"):
        return kernel_note(r, text, "torch", SUBSTITUTES)
    head = "torch operations in float64 (float32 widened, rounded once), branch-free row routines"
    tail = _VECTOR_NOTES.get((r.record.kind, r.plan.role))
    return f"{head}; {tail}" if tail else head


@dataclass(frozen=True)
class TorchBackend(ArrayBackend):
    """``symact/torch/``: ``_generated.py``, ``__init__.py`` and ``nn.py``."""

    name: str = "torch"
    framework: Framework | None = TORCH
    io: Callable[[], ArrayIO | None] = _io
    notes: Callable[[KernelResult, str], str] = _notes
    extra_names: tuple[str, ...] = ("nn.py",)
    extra: Callable[[list[Group]], dict[str, str]] = field(default=nn_text)
    vector_extra: Callable[[list[Group], list[VectorGroup]], dict[str, str]] | None = field(default=nn_text)
