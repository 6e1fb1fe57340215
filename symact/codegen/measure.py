"""The measurement layer of the kernel backends: what a kernel is measured on, against what, in
which unit.

Every backend checks its kernels the way the generator checked the NumPy ones, with these:

- the sample: :func:`domain_sample` (the full-range sample restricted to a kernel's domain);
- the truth: :func:`symact.numeric.reference` (correctly rounded);
- the unit: :func:`ulp_errors` in ULPs of the reference, or of :func:`magnitude` (the sum of the
  magnitudes of a derivative's terms) where that is larger;
- the summary: :class:`Measurement` (:func:`measure`, with :func:`overflow_only` and
  :func:`output_form_range`), and the targets :data:`TARGETS` and :data:`CAREFUL_TARGETS` (per kernel:
  :func:`target_for`).

Vector kernels are measured on rows (``symact.codegen.vector_gen``: ``rows``, ``truth``, ``stats``,
``vjp_scale``; loss targets: ``symact.codegen.vector_loss.targets``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from symact.codegen.verify import ERRSTATE, Measurement, measure, output_form_range, overflow_only, ulp_errors

if TYPE_CHECKING:
    from symact.codegen.plan import KernelPlan, Role

TARGETS: dict[Role, float] = {"fwd": 4.0, "grad": 8.0, "grad_from_output": 8.0, "vjp": 8.0}
"""float64 targets in ULPs by role."""

CAREFUL_TARGETS: dict[Role, float] = {"fwd": 8.0, "grad": 16.0, "grad_from_output": 16.0, "vjp": 16.0}
"""float64 targets of kernels built on the normal distribution (Phi, phi: GELU)."""

__all__ = [
    "CAREFUL_TARGETS",
    "ERRSTATE",
    "TARGETS",
    "Measurement",
    "domain_sample",
    "magnitude",
    "measure",
    "output_form_range",
    "overflow_only",
    "subnormal",
    "target_for",
    "ulp_errors",
]


def magnitude(expr: sp.Expr) -> sp.Expr | None:
    """Sum of the magnitudes of the terms of `expr` (per Piecewise branch); None without a sum."""
    if isinstance(expr, sp.Piecewise):
        branches = [(magnitude(v) or sp.Abs(v), c) for v, c in expr.args]
        return sp.Piecewise(*branches) if any(isinstance(v, sp.Add) for v, _ in expr.args) else None
    if isinstance(expr, sp.Add):
        return sp.Add(*[sp.Abs(t) for t in expr.args])
    return None


def subnormal(xs: np.ndarray, dtype: Any = np.float64) -> np.ndarray:
    """Where `xs` is subnormal in `dtype` (non-zero and below its smallest normal magnitude)."""
    with np.errstate(invalid="ignore"):
        return (xs != 0) & (np.abs(xs) < np.finfo(dtype).tiny)


def domain_sample(domain: sp.Set, xs: np.ndarray) -> np.ndarray:
    """The points of `xs` inside `domain`; for a bounded interval, points crowding both ends."""
    if domain == sp.S.Reals or not isinstance(domain, sp.Interval):
        return xs
    lo, hi = float(domain.start), float(domain.end)
    if np.isfinite(lo) and np.isfinite(hi):
        t = np.abs(xs[np.isfinite(xs)]) % 1.0
        near = 10.0 ** -np.linspace(1, 16, 40)
        pts = np.concatenate([lo + (hi - lo) * t, lo + (hi - lo) * near, hi - (hi - lo) * near])
    else:
        pts = xs
    inside = (pts > lo) & (pts < hi)
    inside |= ((pts == lo) & (not domain.left_open)) | ((pts == hi) & (not domain.right_open))
    keep = pts[inside | np.isnan(pts)]
    return np.concatenate([keep, [lo, hi]]) if not domain.left_open or not domain.right_open else keep


def target_for(plan: KernelPlan) -> float:
    """The float64 target of a kernel in ULPs: :data:`TARGETS` by role, :data:`CAREFUL_TARGETS` for
    kernels built on the normal distribution."""
    return (CAREFUL_TARGETS if plan.careful else TARGETS)[plan.role]
