r"""Saturated tails: beyond a threshold a function *rounds* to its asymptote (a checked numeric claim).

Some kernels overflow in lanes whose result is already decided: GELU's tanh approximation holds
$x + 0.044715x^3$ inside the tanh, which overflows for $|x| > 1.6 \cdot 10^{102}$, although
$\tfrac{x}{2}(1 + \tanh u)$ has rounded to $x$ (and to 0 on the left) since $|x| \approx 22$.
Clamping the cubic is not an identity of real functions, so no rewrite rule can do it.  It is a
claim about float64 rounding instead:

    for every float x > T, the correctly rounded f(x) equals L(x),

with $L(x) = ax + b$ the asymptote ($a = \lim f/x$, $b = \lim (f - ax)$, found by SymPy and
required to be rationals).  This module *checks* that claim, it does not prove it: the correctly
rounded reference (:func:`symact.numeric.reference`, adaptive precision) must equal $L(x)$ at every
point of a grid from the threshold to the largest float (log-spaced, plus a dense part just past
the threshold).  The kernel is then the Piecewise ``L+ for x > T+, f for -T- <= x <= T+, L- below``
(the middle branch evaluated on its clamped range, so nothing overflows), and it is measured like
every other kernel before it is written.  It is offered only when every exact candidate of a kernel
has missed its target.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import sympy as sp

from symact.codegen.functions import to_textbook
from symact.numeric import reference

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


def _asymptote(truth: sp.Expr, x: sp.Symbol, at: sp.Expr) -> sp.Expr | None:
    try:
        a = sp.limit(truth / x, x, at)
        b = sp.limit(truth - a * x, x, at)
    except (NotImplementedError, ValueError, TypeError):
        return None
    if not (a.is_Rational and b.is_Rational):
        return None
    return a * x + b


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
