"""A compact constructor for kinks, so records read as tables."""

from __future__ import annotations

import sympy as sp

from symact.catalogue._record import Kink

__all__ = ["JAX_READ", "PYTORCH_READ", "kink", "param"]

PYTORCH_READ = "2.13.0"
"""The PyTorch version every kink's "pytorch" value was executed on (torch autograd, float64, CPU);
``tests/test_conventions.py`` re-reads them from the installed torch."""

JAX_READ = "0.10.2"
"""The JAX version the "jax" values were read from (jax.grad, float64, CPU), as measured in the
project's framework reference; ``tests/test_conventions.py`` re-reads them when JAX is installed."""


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
        versions={"pytorch": PYTORCH_READ, "jax": JAX_READ},
        legacy={k: sp.sympify(v) for k, v in (legacy or {}).items()},
    )
