"""The symbols every record is written in."""

import sympy as sp

X = sp.Symbol("x", real=True)
"""The input of an element-wise function."""

A = sp.Symbol("a", real=True)
"""The output a = f(x) (output forms), and the prediction of a loss."""

Y = sp.Symbol("y", real=True)
"""The target of a loss."""


def vector_symbols(prefix: str, n: int) -> tuple[sp.Symbol, ...]:
    """`n` real symbols ``prefix_1 .. prefix_n``."""
    return tuple(sp.Symbol(f"{prefix}_{i}", real=True) for i in range(1, n + 1))
