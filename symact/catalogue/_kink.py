"""A compact constructor for kinks, so records read as tables."""

from __future__ import annotations

import sympy as sp

from symact.catalogue._record import Kink

__all__ = ["kink", "param"]


def param(name: str) -> sp.Symbol:
    """The symbol of the parameter `name` (the same symbol as ``Param(name, ...).symbol``)."""
    return sp.Symbol(name, real=True)


def kink(
    at: sp.Expr | int,
    left: sp.Expr | int,
    right: sp.Expr | int,
    pytorch: sp.Expr | int | None,
    jax: sp.Expr | int | None,
    *,
    jump: bool = False,
    note: str = "",
) -> Kink:
    """A :class:`Kink` at `at` with one-sided derivatives `left` | `right` and the value PyTorch's and
    JAX's derivative returns exactly there (None where the framework has no such op)."""

    def exact(v: sp.Expr | int | None) -> sp.Expr | None:
        return None if v is None else sp.sympify(v)

    return Kink(
        at=sp.sympify(at),
        left=sp.sympify(left),
        right=sp.sympify(right),
        conventions={"pytorch": exact(pytorch), "jax": exact(jax)},
        jump=jump,
        note=note,
    )
