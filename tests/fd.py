"""A small, reusable central-difference check with a per-point error bound (no global rtol).

For f evaluated in float64 at x +- h, the central difference D = (f(x+h) - f(x-h)) / (2h) differs
from f'(x) by at most

    truncation  h^2/6 * max|f'''| on [x-h, x+h]
  + rounding    (|f(x+h)| + |f(x-h)|) * u_f / (2h) + |D| * 2u     (u_f: f's own relative error)

and the claimed derivative g(x) carries its own rounding error u_g * |g(x)|.  The step h balances
the two leading terms.  The bound uses f''' from SymPy evaluated in float64 with a margin.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

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


def central_difference_check(
    f: Callable[[float], float],
    claimed: Callable[[float], float],
    third: Callable[[float], float],
    x: float,
    *,
    u_f: float = 64 * EPS,
    u_g: float = 64 * EPS,
) -> FDResult:
    """Compare `claimed(x)` with a central difference of `f` at `x` within a derived error bound.

    **Arguments:** `f`, `claimed` (the derivative under test) and `third` (f''') as float functions;
    `u_f`, `u_g` the relative rounding error allowed for f and for the claimed derivative.
    """
    m3 = max(abs(third(t)) for t in (x - 1e-3 * max(1.0, abs(x)), x, x + 1e-3 * max(1.0, abs(x))))
    m3 = 4.0 * m3 + 1e-300
    scale = max(abs(f(x)), 1e-300)
    h = (3.0 * scale * u_f / m3) ** (1.0 / 3.0)
    h = min(max(h, 1e-8 * max(1.0, abs(x))), 1e-3 * max(1.0, abs(x)))
    h = (x + h) - x  # a representable step
    fp, fm = f(x + h), f(x - h)
    d = (fp - fm) / (2 * h)
    g = claimed(x)
    truncation = h * h / 6.0 * m3
    rounding = (abs(fp) + abs(fm)) * u_f / (2 * h) + abs(d) * 4 * EPS
    tolerance = truncation + rounding + u_g * abs(g)
    return FDResult(x=x, claimed=g, difference=d, tolerance=tolerance)


def finite(v: float) -> bool:
    return math.isfinite(v)
