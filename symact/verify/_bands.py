r"""Kinks that are not floats: the floats whose branch test can round either way accept both sides.

PyTorch's Softplus switches on the rounded product ``x * beta > threshold``; the kink
$c = \mathrm{threshold}/\beta$ is not a float for most $\beta$, and at the floats next to it the
rounded test and the exact one can disagree.  A branch test rounds its operands once or twice
(relative error at most $2u$ each), so the floats within :data:`BAND_ULPS` ULP of $c$ are the band:
there a value within budget of either side's expression is right.  Outside the band the branch is
determined, and the wrong side's value still fails.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from symact.numeric import float_format, reference
from symact.verify._target import Target

__all__ = ["BAND_ULPS", "band_points", "either_values"]

BAND_ULPS = 2
"""Floats within this many ULP of a non-float kink are in its band (on each side)."""


def band_points(target: Target, dtype: object = np.float64) -> dict[float, sp.Expr]:
    """The floats (as float64) in the band of each kink that is not exactly a float, with the kink."""
    fmt = float_format(dtype)
    out: dict[float, sp.Expr] = {}
    for k in target.kinks:
        if k.exact or not k.at.is_finite:
            continue
        c = float(fmt.round(k.x))
        pts = [c]
        lo = hi = c
        for _ in range(BAND_ULPS):
            lo, hi = fmt.next(lo, up=False), fmt.next(hi, up=True)
            pts += [lo, hi]
        for p in pts:
            if math.isfinite(p) and target.in_domain(p):
                out[p] = k.at
    return out


def _side(expr: sp.Expr, var: sp.Symbol, at: sp.Expr, sign: int) -> sp.Expr:
    """The branch of `expr` that holds just beyond the band on one side of `at`."""
    folded = sp.piecewise_fold(expr.rewrite(sp.Piecewise) if expr.has(sp.Max, sp.Min) else expr)
    if not isinstance(folded, sp.Piecewise):
        return folded
    c = sp.nsimplify(at) if not at.is_rational else at
    probe = sp.Rational(float(c)) + sign * sp.Rational(abs(float(c)) or 1.0) * sp.Rational(1, 2**40)
    for branch, cond in folded.args:
        if cond == sp.true or bool(cond.subs(var, probe)):
            return branch
    return folded


def either_values(
    target: Target, expr: sp.Expr, dtype: object = np.float64
) -> dict[float, tuple[float, float]]:
    """At each band float: the correctly rounded values of the left and the right branch of `expr`."""
    out: dict[float, tuple[float, float]] = {}
    for x, at in band_points(target, dtype).items():
        left, right = (_side(expr, target.var, at, s) for s in (-1, 1))
        pts = np.array([x])
        a = float(reference(left, target.var, pts, dtype=dtype)[0])
        b = float(reference(right, target.var, pts, dtype=dtype)[0])
        out[x] = (a, b)
    return out
