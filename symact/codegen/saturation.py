r"""Saturated tails: beyond a threshold a function *rounds* to its asymptote (a checked numeric claim).

Some kernels overflow in lanes whose result is already decided: GELU's tanh approximation holds
$x + 0.044715x^3$ inside the tanh, which overflows for $|x| > 1.6 \cdot 10^{102}$, although
$\tfrac{x}{2}(1 + \tanh u)$ has rounded to $x$ (and to 0 on the left) since $|x| \approx 22$.
Clamping the cubic is not an identity of real functions, so no rewrite rule can do it.  It is a
claim about float64 rounding instead:

    for every float x > T, the correctly rounded f(x) equals L(x),

with $L(x) = ax + b$ the asymptote ($a = \lim f/x$, $b = \lim (f - ax)$, required to be rationals
of small denominator, read off f at $\pm 2^{60}$ and $\pm 2^{120}$ to 200 bits: a candidate).
This module *checks* that claim, it does not prove it: the correctly rounded reference
(:func:`symact.numeric.reference`, adaptive precision) must equal $L(x)$ at every point of a grid
from the threshold to the largest float (log-spaced, plus a dense part just past the threshold).
The kernel is then the Piecewise ``L+ for x > T+, f for -T- <= x <= T+, L- below``
(the middle branch evaluated on its clamped range, so nothing overflows), and it is measured like
every other kernel before it is written.  It is offered only when every exact candidate of a kernel
has missed its target.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp

from symact.codegen.functions import to_textbook
from symact.numeric import compile_mp, exact_fraction, reference

__all__ = ["THRESHOLDS", "Saturation", "find_saturation", "saturated"]

THRESHOLDS: tuple[int, ...] = (8, 16, 24, 32, 64, 128, 256)
"""Candidate thresholds |x|, tried in order (the smallest that holds is kept)."""

GRID = 400
_TOP = 1.0e308  # the grid's last point; numpy.geomspace overflows on the largest float itself


@dataclass(frozen=True)
class Saturation:
    """For x beyond `threshold` on `side` (+1 or -1), f(x) rounds to `asymptote` (checked at `points`)."""

    side: int
    threshold: int
    asymptote: sp.Expr
    points: int

    def describe(self) -> str:
        rel = ">" if self.side > 0 else "<"
        t = self.threshold if self.side > 0 else -self.threshold
        return f"x {rel} {t}: rounds to {self.asymptote} (checked at {self.points} points)"


_FAR = (60, 120)
"""The exponents of the points the asymptote's slope and intercept are read off (both must agree)."""
_BITS = 200
_DENOMINATOR = 1 << 32


def _rational(v: mpmath.mpf) -> Fraction | None:
    """The rational of denominator below 2^32 within 2^-100 (relative, or absolute below 1) of `v`."""
    if not mpmath.isfinite(v) or (v and mpmath.mag(v) > 1000):
        return None
    if not v or mpmath.mag(v) < -200:
        return Fraction(0)  # within 2^-100 of 0 (and no huge power of two is formed)
    exact = exact_fraction(v)
    q = exact.limit_denominator(_DENOMINATOR)
    return q if abs(exact - q) <= max(abs(q), Fraction(1)) * Fraction(1, 1 << 100) else None


def _asymptote(truth: sp.Expr, x: sp.Symbol, at: sp.Expr) -> sp.Expr | None:
    """The line ax + b that `truth` approaches at `at` (+oo or -oo), with a and b rationals of small
    denominator, or None.  A candidate, read off high-precision values far out (SymPy's limits took
    seconds here): the slope of the secant through the points at 2^60 and 2^120, then the intercept
    at each; :func:`find_saturation` checks what matters, the rounded values."""
    fn = compile_mp(truth, x)
    side = 1 if at == sp.oo else -1
    far = [math.ldexp(side, e) for e in _FAR]
    found = [fn.value(p, bits=_BITS) for p in far]
    values = [v for v in found if v is not None and mpmath.isfinite(v)]
    if len(values) < len(far) or any(v and mpmath.mag(v) > e + 40 for v, e in zip(values, _FAR, strict=True)):
        return None  # undefined, or growing faster than a line
    with mpmath.workprec(_BITS + 2 * max(_FAR)):
        a = _rational((values[1] - values[0]) / (mpmath.mpf(far[1]) - far[0]))
        if a is None:
            return None
        slope = mpmath.mpf(a.numerator) / a.denominator
        intercepts = {_rational(v - slope * p) for v, p in zip(values, far, strict=True)}
    if len(intercepts) != 1 or None in intercepts:
        return None
    b = intercepts.pop()
    assert b is not None
    return sp.Rational(a.numerator, a.denominator) * x + sp.Rational(b.numerator, b.denominator)


def _grid(threshold: int, side: int) -> np.ndarray:
    far = np.geomspace(threshold, _TOP, GRID)
    near = np.linspace(threshold, 4 * threshold, GRID // 4)
    top = np.finfo(np.float64).max
    pts = np.unique(np.concatenate([near, far, [np.nextafter(float(threshold), np.inf), top]]))
    return side * pts[pts > threshold]


@functools.lru_cache(maxsize=256)
def find_saturation(truth: sp.Expr, x: sp.Symbol, side: int) -> Saturation | None:
    """The smallest threshold of :data:`THRESHOLDS` past which `truth` rounds to its asymptote."""
    lim = _asymptote(to_textbook(truth), x, side * sp.oo)
    if lim is None:
        return None
    value = sp.lambdify(x, lim, "numpy")
    for t in THRESHOLDS:
        xs = _grid(t, side)
        want = np.broadcast_to(np.asarray(value(xs), dtype=np.float64), xs.shape)
        got = reference(to_textbook(truth), x, xs)
        if np.array_equal(got, want):
            return Saturation(side, t, lim, int(xs.size))
    return None


def saturated(expr: sp.Expr, truth: sp.Expr, x: sp.Symbol) -> tuple[sp.Expr, list[Saturation]] | None:
    """`expr` with its tails replaced by the asymptotes where the saturation check holds; None if
    neither tail saturates."""
    found = [s for s in (find_saturation(truth, x, side) for side in (1, -1)) if s is not None]
    if not found:
        return None
    branches: list[tuple[sp.Expr, sp.Basic]] = []
    upper = next((s for s in found if s.side > 0), None)
    lower = next((s for s in found if s.side < 0), None)
    if upper is not None:
        branches.append((upper.asymptote, x > upper.threshold))
    if lower is not None:
        branches += [(expr, x >= -lower.threshold), (lower.asymptote, True)]
    else:
        branches.append((expr, True))
    return sp.Piecewise(*branches), found
