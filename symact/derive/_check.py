"""The two checks every claimed equality passes: a symbolic zero and a 50-digit numeric spot check.

``is_zero`` tries cheap normal forms before ``simplify``; ``spot_check`` evaluates both sides with
mpmath at 50 digits at reproducible random points.  A symbolic result is a proof; the numeric one is
a guard against a wrong simplification (or a wrong proof engine) and never replaces it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import mpmath
import sympy as sp

from symact.budget import with_budget

__all__ = ["is_zero", "spot_check", "zero_method"]

_STRATEGIES: tuple[tuple[str, Callable[[sp.Expr], sp.Expr]], ...] = (
    ("expand", sp.expand),
    ("cancel", lambda e: sp.cancel(sp.together(e))),
    ("simplify", sp.simplify),
    ("exp-rewrite + simplify", lambda e: sp.simplify(e.rewrite(sp.exp))),
    ("factor after exp-rewrite", lambda e: sp.factor(sp.expand(e.rewrite(sp.exp)))),
)


def zero_method(expr: sp.Expr) -> str | None:
    """The name of the first normal form that reduces `expr` to 0, or None if none does.

    Each normal form runs under the time budget (``symact.budget``); one that runs out counts as
    not reaching 0, so a slow simplification can only leave an identity unproved, never hang.
    """
    expr = sp.piecewise_fold(sp.sympify(expr))
    if isinstance(expr, sp.Piecewise):
        names = [zero_method(branch) for branch, _ in expr.args]
        return None if None in names else "by cases: " + ", ".join(dict.fromkeys(n for n in names if n))
    for name, strategy in _STRATEGIES:
        if with_budget(strategy, expr, fallback=None)[0] == 0:
            return name
    return None


def is_zero(expr: sp.Expr) -> bool:
    """True when `expr` is proved identically zero by symbolic simplification."""
    return zero_method(expr) is not None


def spot_check(
    lhs: sp.Expr,
    rhs: sp.Expr,
    symbols: Sequence[sp.Symbol],
    *,
    ranges: Mapping[sp.Symbol, tuple[float, float]] | None = None,
    points: int = 20,
    seed: int = 0,
    dps: int = 50,
) -> int:
    """Evaluate lhs and rhs at `points` random points with mpmath at `dps` digits.

    Points are drawn uniformly from `ranges` (default (-5, 5) for every symbol) as short decimals,
    so they are exact.  Returns the number of points checked; raises AssertionError naming the first
    point where the two sides differ by more than 10^-(dps-10) relative.
    """
    ranges = dict(ranges or {})
    fl = sp.lambdify(list(symbols), lhs, modules="mpmath")
    fr = sp.lambdify(list(symbols), rhs, modules="mpmath")
    rng = random.Random(seed)
    checked = 0
    attempts = 0
    tol = mpmath.mpf(10) ** (-(dps - 5))
    while checked < points:
        attempts += 1
        if attempts > 20 * points:
            raise AssertionError(f"only {checked} of {points} points were inside the domain")
        point = []
        for s in symbols:
            lo, hi = ranges.get(s, (-5.0, 5.0))
            point.append(f"{rng.uniform(lo, hi):.6f}")
        try:
            left, right = _value(fl, point, dps), _value(fr, point, dps)
        except (ZeroDivisionError, ValueError):
            continue
        if left is None or right is None:
            continue
        if abs(left - right) > tol * (1 + abs(left)):
            where = ", ".join(f"{s}={v}" for s, v in zip(symbols, point, strict=True))
            raise AssertionError(
                f"sides differ at {where}: {mpmath.nstr(left, 25)} != {mpmath.nstr(right, 25)}"
            )
        checked += 1
    return checked


def _value(f: Callable[..., Any], point: Sequence[str], dps: int) -> Any:
    """f at `point` to `dps` correct digits: working precision doubles until two results agree."""
    previous = None
    work = dps + 10
    for _ in range(6):
        with mpmath.workdps(work):
            value = f(*[mpmath.mpf(p) for p in point])
            if isinstance(value, mpmath.mpc):
                if abs(value.imag) > mpmath.mpf(10) ** (-work + 5) * (1 + abs(value.real)):
                    return None
                value = value.real
            if not mpmath.isfinite(value):
                return None
            if previous is not None and abs(value - previous) <= mpmath.mpf(10) ** (-dps) * (1 + abs(value)):
                return +value
        previous = value
        work *= 2
    raise AssertionError(f"no {dps}-digit value at {', '.join(point)} (cancellation beyond {work} digits)")
