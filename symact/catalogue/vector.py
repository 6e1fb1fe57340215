"""Vector-valued functions: the records.

Each record's ``build(xs)`` returns the output column for input symbols `xs`; the size is free
(records give a default size for reports).  GLU needs an even size and halves it; logsumexp returns
a 1x1 matrix.
"""

import sympy as sp

from symact.catalogue._record import VectorFunction

__all__ = ["VECTOR_FUNCTIONS"]


def _exp_sum(xs: tuple[sp.Symbol, ...], sign: int = 1) -> sp.Expr:
    return sp.Add(*[sp.exp(sign * x) for x in xs])


def _softmax(xs: tuple[sp.Symbol, ...]) -> sp.Matrix:
    total = _exp_sum(xs)
    return sp.Matrix([sp.exp(x) / total for x in xs])


def _softmin(xs: tuple[sp.Symbol, ...]) -> sp.Matrix:
    total = _exp_sum(xs, -1)
    return sp.Matrix([sp.exp(-x) / total for x in xs])


def _log_softmax(xs: tuple[sp.Symbol, ...]) -> sp.Matrix:
    lse = sp.log(_exp_sum(xs))
    return sp.Matrix([x - lse for x in xs])


def _logsumexp(xs: tuple[sp.Symbol, ...]) -> sp.Matrix:
    return sp.Matrix([sp.log(_exp_sum(xs))])


def _glu(xs: tuple[sp.Symbol, ...]) -> sp.Matrix:
    if len(xs) % 2:
        raise ValueError(f"glu needs an even number of inputs, got {len(xs)}")
    half = len(xs) // 2
    return sp.Matrix([u / (1 + sp.exp(-v)) for u, v in zip(xs[:half], xs[half:], strict=True)])


VECTOR_FUNCTIONS: tuple[VectorFunction, ...] = (
    VectorFunction(
        name="softmax",
        build=_softmax,
        description="Normalised exponentials e^{x_i} / sum_j e^{x_j}: a probability vector.",
        frameworks="PyTorch Softmax(dim); JAX softmax(axis=-1); Keras softmax(axis=-1)",
    ),
    VectorFunction(
        name="softmin",
        build=_softmin,
        description="softmax(-x): e^{-x_i} / sum_j e^{-x_j}.",
        frameworks="PyTorch Softmin(dim)",
        notes="Its Jacobian is minus softmax's Jacobian written in the outputs: -(diag(a) - a a^T).",
    ),
    VectorFunction(
        name="log_softmax",
        build=_log_softmax,
        description="x_i - log sum_j e^{x_j}: log-probabilities, values in (-oo, 0).",
        aliases=("logsoftmax",),
        frameworks="PyTorch LogSoftmax(dim); JAX log_softmax(axis=-1); Keras log_softmax(axis=-1)",
        notes="Jacobian I - 1 p^T with p = softmax(x) = e^a; JAX wraps its max shift in stop_gradient.",
    ),
    VectorFunction(
        name="glu",
        build=_glu,
        description="Gated linear unit: split x = [u, v] in halves, output u_i sigmoid(v_i).",
        n_default=4,
        even_only=True,
        frameworks="PyTorch GLU(dim=-1); JAX glu(axis=-1); Keras glu(axis=-1)",
        notes="The input size must be even; the output has half as many entries.",
    ),
    VectorFunction(
        name="logsumexp",
        build=_logsumexp,
        description="log sum_j e^{x_j}, a smooth maximum; a 1x1 output whose gradient is softmax(x).",
        frameworks="torch.logsumexp; JAX logsumexp; Keras ops.logsumexp",
        notes="JAX's logmeanexp is logsumexp - log n (same gradient).",
    ),
)
