"""A compact constructor for kinks, so records read as tables."""

from __future__ import annotations

import sympy as sp

from symact.catalogue._record import JAX_READ, PYTORCH_READ, Kink

__all__ = ["JAX_READ", "PYTORCH_READ", "kink", "param"]


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
    legacy: dict[str, sp.Expr | int] | None = None,
) -> Kink:
    """A :class:`Kink` at `at` with one-sided derivatives `left` | `right` and the value PyTorch's and
    JAX's derivative returns exactly there (None where the framework has no such op), read from
    :data:`PYTORCH_READ` and :data:`JAX_READ`; `legacy` holds older behaviour (``"pytorch-legacy"``)."""

    def exact(v: sp.Expr | int | None) -> sp.Expr | None:
        return None if v is None else sp.sympify(v)

    return Kink(
        at=sp.sympify(at),
        left=sp.sympify(left),
        right=sp.sympify(right),
        conventions={"pytorch": exact(pytorch), "jax": exact(jax)},
        jump=jump,
        note=note,
        legacy={k: sp.sympify(v) for k, v in (legacy or {}).items()},
    )
