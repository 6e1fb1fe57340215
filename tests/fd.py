"""A small, reusable central-difference check with a per-point error bound (no global rtol).

The derivative under test, g, and the function f are SymPy expressions lambdified to float64
(``math``) and to mpmath.  At a point x the central difference D = (f(x+) - f(x-)) / (x+ - x-) is
formed from float64 values of f at the float64 points x+ = fl(x + h), x- = fl(x - h) (the
denominator is exact).  Its distance from g(x) may be at most

    truncation  r^2/6 * max|f3| + |f2(x)| * 2|m - x|   with r = (x+ - x-)/2, m = (x+ + x-)/2;
                f2, f3 the second and third derivatives from SymPy (f3 sampled near x, margin 4)
  + rounding    (|e(x+)| + |e(x-)|) / (2r) + 4u|D|     e = float64 f minus 40-digit f
  + rounding    |float64 g(x) - 40-digit g(x)| + 4u|g(x)|

so every term is a truncation bound or a measured rounding error of the very float64 evaluation
being used; nothing is a fixed relative tolerance.  h balances truncation against rounding.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import mpmath
import sympy as sp

EPS = 2.0**-52


@dataclass(frozen=True)
class FDResult:
    x: float
    claimed: float
    difference: float
    tolerance: float

    @property
    def ok(self) -> bool:
        return abs(self.claimed - self.difference) <= self.tolerance


@dataclass(frozen=True)
class Compiled:
    f: Callable[[float], float]
    g: Callable[[float], float]
    f_mp: Callable[[object], object]
    g_mp: Callable[[object], object]
    second_mp: Callable[[object], object]
    third_mp: Callable[[object], object]


def compile_pair(f: sp.Expr, g: sp.Expr, second: sp.Expr, third: sp.Expr, x: sp.Symbol) -> Compiled:
    """Lambdify f, the claimed derivative g, f'' and f''' for :func:`central_difference_check`."""
    return Compiled(
        f=sp.lambdify(x, f, "math"),
        g=sp.lambdify(x, g, "math"),
        f_mp=sp.lambdify(x, f, "mpmath"),
        g_mp=sp.lambdify(x, g, "mpmath"),
        second_mp=sp.lambdify(x, second, "mpmath"),
        third_mp=sp.lambdify(x, third, "mpmath"),
    )


def _mp(fn: Callable[[object], object], t: float) -> float:
    with mpmath.workdps(40):
        return float(fn(mpmath.mpf(t)))  # type: ignore[arg-type]


def _error(value: float, fn: Callable[[object], object], t: float) -> float:
    """|value - fn(t)| with fn evaluated at 40 digits (the rounding error of a float64 value)."""
    with mpmath.workdps(40):
        return float(abs(mpmath.mpf(value) - fn(mpmath.mpf(t))))  # type: ignore[operator]


def central_difference_check(c: Compiled, x: float, *, scale: float = 1.0) -> FDResult:
    """Compare `scale * g(x)` with a central difference of f at x within the derived bound."""
    width = 1e-4 * max(1.0, abs(x))
    m3 = 4.0 * max(abs(_mp(c.third_mp, t)) for t in (x - width, x, x + width)) + 1e-300
    f_scale = max(abs(c.f(x)), 1e-300)
    h = (3.0 * f_scale * 4 * EPS / m3) ** (1.0 / 3.0)
    h = min(max(h, 1e-9 * max(1.0, abs(x))), width)
    xp, xm = x + h, x - h
    fp, fm = c.f(xp), c.f(xm)
    with mpmath.workdps(40):
        span = mpmath.mpf(xp) - mpmath.mpf(xm)
        offset = float(abs((mpmath.mpf(xp) + mpmath.mpf(xm)) / 2 - mpmath.mpf(x)))
        d = float((mpmath.mpf(fp) - mpmath.mpf(fm)) / span)
        r = float(span / 2)
    g = scale * c.g(x)
    truncation = r * r / 6.0 * m3 + abs(_mp(c.second_mp, x)) * offset * 2
    rounding_f = (_error(fp, c.f_mp, xp) + _error(fm, c.f_mp, xm)) / (2 * r) + 4 * EPS * abs(d)
    rounding_g = _error(c.g(x), c.g_mp, x) * abs(scale) + 4 * EPS * abs(g)
    return FDResult(x=x, claimed=g, difference=d, tolerance=truncation + rounding_f + rounding_g)


def is_finite(*values: float) -> bool:
    return all(math.isfinite(v) for v in values)
