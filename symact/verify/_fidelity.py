r"""Layer 2: a float kernel against the correctly rounded reference, with a per-point tolerance.

At each point the tolerance is $2B(x) + \mathrm{ulp}(r)/2$, with $B$ the first-order rounding-error
bound of the expression as evaluated (:mod:`symact.verify._bound`) and $r$ the correctly rounded
reference.  When the code's own expression is unknown, $B$ is that of the reference expression and at
least :data:`UNKNOWN_TREE_FLOOR` ULPs are allowed.

Verdicts: FAIL when the error exceeds the tolerance, or the kernel returns nan or an infinity where
the truth is a finite number; WARN when the bound itself shows that the expression is
unreliable there (the bound exceeds $2^{-26} |r|$, or an intermediate overflows) and the error is
larger than a stable evaluation's (:data:`WARN_BUDGET` ULPs); pass otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import sympy as sp

from symact.numeric import reference, ulp, ulp_error
from symact.verify._bound import bound_float
from symact.verify._report import FAIL, WARN, Finding

__all__ = ["FidelityResult", "check_fidelity"]

RELIABLE_BITS = 26
WARN_BUDGET = 16.0  # ULPs: a stable evaluation stays within this; larger errors inside a loose bound WARN
UNKNOWN_TREE_FLOOR = 16.0
"""ULPs always allowed when the code's own evaluation order is unknown (users' code, kernels whose
expression is not given): the bound of the reference expression does not model a different, stable
formula, which may lose a few ULPs where the textbook formula loses none."""


@dataclass(frozen=True)
class FidelityResult:
    """Per point: the reference, the error and the tolerance (both in ULPs of the reference)."""

    xs: np.ndarray
    got: np.ndarray
    ref: np.ndarray
    error: np.ndarray
    tolerance: np.ndarray
    verdict: np.ndarray  # "", "FAIL" or "WARN"
    findings: list[Finding]

    @property
    def checked(self) -> int:
        return int(np.sum(~np.isnan(self.tolerance)))


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
    nan_propagates: bool = True,
    floor: float | None = None,
) -> FidelityResult:
    """Compare `got` (a kernel's values at `xs`) with `expr`, point by point.

    **Arguments:**
    - `bound_expr`: the expression whose float evaluation the kernel performs (default `expr`).
    - `allowed`: at these points any value in [lo, hi] is right (the subgradient at a kink).
    - `nan_propagates`: a nan input must give nan (gradients may return anything there).
    - `floor`: ULPs always allowed; default 0 when `bound_expr` is given (the code evaluates exactly
      that expression), :data:`UNKNOWN_TREE_FLOOR` otherwise.
    """
    xs = np.asarray(xs, dtype=np.float64)
    got = np.asarray(got, dtype=np.float64)
    ref = reference(expr, var, xs, dtype=dtype).astype(np.float64)
    with np.errstate(all="ignore"):
        err = ulp_error(got, ref, dtype=dtype)
    tol = np.full(xs.shape, np.nan)
    verdict = np.full(xs.shape, "", dtype=object)
    findings: list[Finding] = []
    tree = bound_expr if bound_expr is not None else expr
    floor_ulps = floor if floor is not None else (0.0 if bound_expr is not None else UNKNOWN_TREE_FLOOR)
    tiny = float(ulp(np.array([0.0]), dtype=dtype)[0])
    for i, x in enumerate(xs):
        g, r = float(got[i]), float(ref[i])
        if allowed and x in allowed:
            lo, hi = allowed[x]
            u = float(ulp(np.array([max(abs(lo), abs(hi))]), dtype=dtype)[0])
            tol[i] = 1.0
            if not lo - u <= g <= hi + u:
                verdict[i] = FAIL
                findings.append(
                    Finding(
                        name,
                        layer,
                        FAIL,
                        x,
                        g,
                        (lo + hi) / 2,
                        math.inf,
                        1.0,
                        f"outside the subgradient [{lo!r}, {hi!r}]",
                    )
                )
            continue
        if math.isnan(x):
            tol[i] = 0.0
            if nan_propagates and not math.isnan(g):
                verdict[i] = FAIL
                findings.append(
                    Finding(name, layer, FAIL, x, g, r, math.inf, 0.0, "a number for a nan input")
                )
            continue
        if math.isnan(r):
            continue  # undefined here: nothing to compare
        b = 0.0
        if not math.isfinite(x) or not math.isfinite(r):
            tol[i] = 1.0
        else:
            b = bound_float(tree, var, x, dtype=dtype)
            u = float(ulp(np.array([r]), dtype=dtype)[0])
            tol[i] = max((2 * b + u / 2) / u, floor_ulps) if math.isfinite(b) else math.inf
        e = float(err[i])
        if not math.isfinite(g) and math.isfinite(r):
            verdict[i] = FAIL
            note = "nan where the truth is finite" if math.isnan(g) else "infinite where the truth is finite"
        elif e > tol[i]:
            verdict[i] = FAIL
            note = ""
        elif e > WARN_BUDGET and (not math.isfinite(b) or 2 * b > max(abs(r) * 2.0**-RELIABLE_BITS, tiny)):
            verdict[i] = WARN
            note = "the rounding-error bound shows this evaluation is unreliable here"
        else:
            continue
        findings.append(Finding(name, layer, str(verdict[i]), float(x), g, r, e, float(tol[i]), note))
    return FidelityResult(xs, got, ref, err, tol, verdict, findings)
