r"""Layer 2: a float kernel against the correctly rounded reference, with a budget from the truth.

At each point the tolerance is the budget of :mod:`symact.verify._budget`: $(N + 4\kappa)$ ULP of
the correctly rounded reference $r$, $\kappa$ the condition number of the true function there and
$N$ the precision budget (``--ulp``).  The rounding of the catalogue's own formula plays no part.

Verdicts: FAIL when the error exceeds the budget, or the value is nan or infinite where the truth is
finite; each FAIL says whether the value is *wrong* (off by more than $2^{-10}$ relative, a wrong
sign, a zero or non-finite value) or *imprecise* (beyond the budget only).  When the expression the
code evaluates is given (`bound_expr`), a FAIL notes whether its first-order rounding-error bound
explains the error (an unstable formula rather than a coding mistake); it never excuses it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import sympy as sp

from symact.numeric import floored, reference, ulp, ulp_error
from symact.verify._bound import bound_float
from symact.verify._budget import DEFAULT_ULP, budgets, classify, wrong_relative
from symact.verify._report import FAIL, Finding

__all__ = ["FidelityResult", "check_fidelity"]


@dataclass(frozen=True)
class FidelityResult:
    """Per point: the reference, the error and the tolerance (both in ULPs of the reference)."""

    xs: np.ndarray
    got: np.ndarray
    ref: np.ndarray
    error: np.ndarray
    tolerance: np.ndarray
    verdict: np.ndarray  # "" or "FAIL"
    findings: list[Finding]
    banded: int = 0  # points accepted with the other branch's value (a kink that is not a float)

    @property
    def checked(self) -> int:
        return int(np.sum(~np.isnan(self.tolerance)))


def _explained(tree: sp.Expr, var: sp.Symbol, x: float, error_abs: float, dtype: object) -> str:
    b = bound_float(tree, var, x, dtype=dtype)
    if not math.isfinite(b):
        return "; the given expression overflows here as written"
    if error_abs <= 2 * b:
        return "; the given expression's rounding-error bound explains it (an unstable formula)"
    return ""


def check_fidelity(
    name: str,
    layer: str,
    xs: np.ndarray,
    got: np.ndarray,
    expr: sp.Expr,
    var: sp.Symbol,
    *,
    bound_expr: sp.Expr | None = None,
    dtype: object = np.float64,
    allowed: Mapping[float, tuple[float, float]] | None = None,
    either: Mapping[float, tuple[float, float]] | None = None,
    nan_propagates: bool = True,
    floor: float | None = None,
    ulps: float = DEFAULT_ULP,
    extra: sp.Expr | None = None,
    flush_floor: float = 0.0,
) -> FidelityResult:
    """Compare `got` (a kernel's values at `xs`) with `expr`, point by point.

    **Arguments:**
    - `bound_expr`: the expression the code evaluates, if known: a FAIL then says whether its
      rounding-error bound explains the error.  It never widens the tolerance.
    - `allowed`: at these points any value in [lo, hi] is right (the subgradient at a kink).
    - `either`: at these points either of two values is right, each within its budget (the floats
      whose branch test can round either way near a kink that is not a float).
    - `nan_propagates`: a nan input must give nan (gradients may return anything there).
    - `floor`: ULPs always allowed (default none beyond the budget).
    - `ulps`: the precision budget N; the tolerance is about (N + 4 condition number) ULP.
    - `extra`: a loss's y df/dy (``Target.input_terms``): the target's rounding joins the budget.
    - `flush_floor`: on a platform that flushes subnormal numbers to zero, the smallest normal
      number: an error is counted in units of at least it (0: IEEE arithmetic, no such unit).
    """
    xs = np.asarray(xs, dtype=np.float64)
    got = np.asarray(got, dtype=np.float64)
    ref = reference(expr, var, xs, dtype=dtype).astype(np.float64)
    with np.errstate(all="ignore"):
        err = ulp_error(got, ref, dtype=dtype)
        err = floored(err, got, ref, flush_floor)
    tol = np.full(xs.shape, np.nan)
    verdict = np.full(xs.shape, "", dtype=object)
    findings: list[Finding] = []
    floor_ulps = floor or 0.0
    banded = 0
    wrong = wrong_relative(dtype)
    budget = np.maximum(budgets(expr, var, xs, ref, ulps, dtype, extra), floor_ulps)
    for i, x in enumerate(xs):
        g, r = float(got[i]), float(ref[i])
        if allowed and x in allowed:
            lo, hi = allowed[x]
            u = float(ulp(np.array([max(abs(lo), abs(hi))]), dtype=dtype)[0])
            tol[i] = 1.0
            if not lo - u <= g <= hi + u:
                verdict[i] = FAIL
                note = f"wrong: outside the subgradient [{lo!r}, {hi!r}]"
                findings.append(Finding(name, layer, FAIL, x, g, (lo + hi) / 2, math.inf, 1.0, note, "wrong"))
            continue
        if math.isnan(x):
            tol[i] = 0.0
            if nan_propagates and not math.isnan(g):
                verdict[i] = FAIL
                note = "wrong: a number for a nan input"
                findings.append(Finding(name, layer, FAIL, x, g, r, math.inf, 0.0, note, "wrong"))
            continue
        if math.isnan(r):
            continue  # undefined here: nothing to compare
        if not math.isfinite(x) or not math.isfinite(r):
            tol[i] = 1.0
        else:
            tol[i] = budget[i]
        e = float(err[i])
        kind = classify(g, r, e, float(tol[i]), wrong)
        if kind and either and x in either:
            alt = ulp_error(np.array([g, g]), np.array(either[x]), dtype=dtype)
            if float(np.min(alt)) <= tol[i]:
                banded += 1
                continue  # either branch's value: the branch test may round either way here
        if not kind:
            continue
        verdict[i] = FAIL
        if not math.isfinite(g):
            what = "nan" if math.isnan(g) else "infinite"
            note = f"{kind}: {what} where the truth is {'finite' if math.isfinite(r) else repr(r)}"
        elif kind == "wrong":
            note = "wrong: " + (
                "wrong sign" if g * r < 0 else "zero" if g == 0 else f"relative error > {wrong:.3g}"
            )
        else:
            note = f"imprecise: beyond the budget of {tol[i]:.3g} ULP"
        if bound_expr is not None and math.isfinite(x) and math.isfinite(g):
            note += _explained(bound_expr, var, float(x), abs(g - r), dtype)
        findings.append(Finding(name, layer, FAIL, float(x), g, r, e, float(tol[i]), note, kind))
    return FidelityResult(xs, got, ref, err, tol, verdict, findings, banded)
