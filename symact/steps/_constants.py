"""Named constants of a record shown as symbols (SELU's lambda and alpha), with their exact values.

A derivation is written in the symbols (so no long decimal is carried through its lines) and states
each value once, to 12 significant digits, in its definition; the checks use the exact values where
the algebra needs them (the one-sided derivatives at a kink).
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symact.catalogue.activations_rectifiers import SELU_ALPHA, SELU_SCALE

__all__ = ["CONSTANTS", "TEX", "constants_of", "symbolic_expr"]

_LAMBDA = sp.Symbol("lambda", positive=True)
_ALPHA = sp.Symbol("alpha", positive=True)

CONSTANTS: dict[str, tuple[tuple[sp.Symbol, sp.Expr, str], ...]] = {
    "selu": (
        (_LAMBDA, SELU_SCALE, "scale, PyTorch's 32-digit literal taken exactly"),
        (_ALPHA, SELU_ALPHA, "saturation, PyTorch's 32-digit literal taken exactly"),
    ),
}
"""Record name -> (symbol, exact value, description) of each constant shown as a symbol."""

TEX = {"lambda": r"\lambda", "alpha": r"\alpha"}
"""LaTeX names of the constants' symbols."""


def constants_of(record: Any) -> tuple[tuple[sp.Symbol, sp.Expr, str], ...]:
    """The constants `record` shows as symbols (none for most records)."""
    return CONSTANTS.get(record.name, ())


def symbolic_expr(record: Any) -> tuple[sp.Expr, tuple[tuple[sp.Symbol, sp.Expr, str], ...]]:
    """`record.expr` with its named constants replaced by their symbols, and the constants.

    **Raises:** ValueError if putting the values back does not give `record.expr` exactly.
    """
    consts = constants_of(record)
    if not consts:
        return record.expr, ()
    mapping: dict[sp.Expr, sp.Expr] = {}
    values = [v for _, v, _ in consts]
    symbols = [s for s, _, _ in consts]
    # products first (lambda alpha is one Rational in the expression), then single constants
    prod_value = sp.Mul(*values)
    mapping[prod_value] = sp.Mul(*symbols)
    mapping[-prod_value] = -sp.Mul(*symbols)
    for s, v, _ in consts:
        mapping[v] = s
    expr = record.expr.xreplace(mapping)
    if isinstance(expr, sp.Piecewise):
        expr = sp.Piecewise(*[(sp.factor_terms(e), c) for e, c in expr.args])
    back = expr.xreplace({s: v for s, v, _ in consts})
    if back != record.expr:
        raise ValueError(f"{record.name}: its constants do not write back to the catalogue expression")
    return expr, consts
