"""Vector-valued functions: the records."""

import sympy as sp

from symact.catalogue._record import VectorFunction

__all__ = ["VECTOR_FUNCTIONS"]


def _softmax(xs: tuple[sp.Symbol, ...]) -> sp.Matrix:
    total = sp.Add(*[sp.exp(x) for x in xs])
    return sp.Matrix([sp.exp(x) / total for x in xs])


VECTOR_FUNCTIONS: tuple[VectorFunction, ...] = (
    VectorFunction(
        name="softmax",
        build=_softmax,
        description="Normalised exponentials e^{x_i} / sum_j e^{x_j}: a probability vector.",
        frameworks="PyTorch Softmax(dim); JAX softmax(axis=-1); Keras softmax(axis=-1)",
    ),
)
