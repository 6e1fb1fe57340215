"""Identities: a derived left-hand side, a target right-hand side, and the proof that they agree.

:func:`prove_identity` is the one place an identity is accepted: the difference must simplify to 0
(symbolic proof) and the two sides must agree at random points at 50 digits (spot check).
:func:`refute_identity` shows that a tempting identity is false with a witness point.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import mpmath
import sympy as sp

from symact.derive._check import spot_check, zero_method
from symact.errors import VerificationError

__all__ = ["Identity", "Refutation", "prove_identity", "refute_identity"]


@dataclass(frozen=True)
class Identity:
    """A proved equality ``lhs == rhs``; `method` says how it was proved and checked."""

    name: str
    lhs: sp.Expr
    rhs: sp.Expr
    method: str
    checked_points: int
    description: str = ""
    assumptions: str = ""
    symbols: tuple[sp.Symbol, ...] = field(default=(), repr=False)
    where: Mapping[sp.Symbol, sp.Expr] = field(default_factory=dict)
    substitutions: Mapping[sp.Symbol, sp.Expr] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "lhs": sp.sstr(self.lhs),
            "rhs": sp.sstr(self.rhs),
            "method": self.method,
            "checked_points": self.checked_points,
            "description": self.description,
            "assumptions": self.assumptions,
            "where": {str(k): sp.sstr(v) for k, v in self.where.items()},
            "proved": True,
        }


@dataclass(frozen=True)
class Refutation:
    """A disproved equality: `lhs` and `rhs` differ at `witness`."""

    name: str
    lhs: sp.Expr
    rhs: sp.Expr
    witness: Mapping[str, str]
    lhs_value: str
    rhs_value: str
    description: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "lhs": sp.sstr(self.lhs),
            "rhs": sp.sstr(self.rhs),
            "witness": dict(self.witness),
            "lhs_value": self.lhs_value,
            "rhs_value": self.rhs_value,
            "description": self.description,
            "proved": False,
        }


def prove_identity(
    name: str,
    lhs: sp.Expr,
    rhs: sp.Expr,
    symbols: Sequence[sp.Symbol],
    *,
    ranges: Mapping[sp.Symbol, tuple[float, float]] | None = None,
    substitutions: Mapping[sp.Symbol, sp.Expr] | None = None,
    where: Mapping[sp.Symbol, sp.Expr] | None = None,
    description: str = "",
    assumptions: str = "",
    points: int = 20,
    seed: int = 0,
) -> Identity:
    """Prove ``lhs == rhs`` symbolically and spot-check it at `points` points with mpmath (50 digits).

    `substitutions` encode constraints before proving (for example y_n = 1 - y_1 - ... - y_{n-1} for
    a normalised target; say so in `assumptions`).  `where` defines shorthand symbols used in `rhs`
    (for example a = sigma(z)); it is substituted before proving and kept for display.  `symbols` are
    the free symbols to sample, after
    substitution; `ranges` restrict them (default (-5, 5)).

    **Raises:** VerificationError if the difference does not simplify to 0 or a spot check fails.
    """
    subs = dict(substitutions or {})
    left = sp.sympify(lhs).subs(subs)
    right = sp.sympify(rhs).subs(dict(where or {})).subs(subs)
    method = zero_method(left - right)
    if method is None:
        raise VerificationError(f"identity {name}: {sp.sstr(lhs)} - ({sp.sstr(rhs)}) does not simplify to 0")
    try:
        n = spot_check(left, right, symbols, ranges=ranges, points=points, seed=seed)
    except AssertionError as exc:
        raise VerificationError(f"identity {name}: numeric check failed: {exc}") from None
    return Identity(
        name=name,
        lhs=lhs,
        rhs=rhs,
        method=f"symbolic ({method}) + mpmath 50 digits at {n} random points",
        checked_points=n,
        description=description,
        assumptions=assumptions,
        symbols=tuple(symbols),
        where=dict(where or {}),
        substitutions=subs,
    )


def refute_identity(
    name: str,
    lhs: sp.Expr,
    rhs: sp.Expr,
    symbols: Sequence[sp.Symbol],
    *,
    ranges: Mapping[sp.Symbol, tuple[float, float]] | None = None,
    description: str = "",
    seed: int = 0,
    tries: int = 50,
) -> Refutation:
    """Find a point where `lhs` and `rhs` differ (at 50 digits) and return it as a witness.

    **Raises:** VerificationError if no such point is found in `tries` random points.
    """
    import random

    ranges = dict(ranges or {})
    fl = sp.lambdify(list(symbols), lhs, modules="mpmath")
    fr = sp.lambdify(list(symbols), rhs, modules="mpmath")
    rng = random.Random(seed)
    with mpmath.workdps(50):
        for _ in range(tries):
            point = {s: mpmath.mpf(f"{rng.uniform(*ranges.get(s, (-5.0, 5.0))):.3f}") for s in symbols}
            try:
                left, right = fl(*point.values()), fr(*point.values())
            except (ZeroDivisionError, ValueError):
                continue
            if (
                mpmath.isfinite(left)
                and mpmath.isfinite(right)
                and abs(left - right) > 1e-30 * (1 + abs(left))
            ):
                return Refutation(
                    name=name,
                    lhs=lhs,
                    rhs=rhs,
                    witness={str(s): mpmath.nstr(v, 10) for s, v in point.items()},
                    lhs_value=mpmath.nstr(left, 15),
                    rhs_value=mpmath.nstr(right, 15),
                    description=description,
                )
    raise VerificationError(f"identity {name}: no point found where the sides differ")
