r"""Accuracy of a kernel against correctly rounded references (:mod:`symact.numeric`).

Errors are in ULPs of the correctly rounded value.  For a derivative, the unit is the ULP of
$\max(|f'(x)|, S(x))$ where $S$ is the sum of the magnitudes of the terms of the derivative
(near a root of $f'$ the terms cancel and no formula does better than a few ULPs of $S$).
Statistics (max, 99.9th percentile) are over results that are normal floats; results in the
subnormal range, references that are not available (nan at a finite input) and the special
inputs are counted separately.  Floating-point exceptions are raised (``divide``, ``over``,
``invalid``) while the kernel runs; underflow is the correct rounding of results below the
subnormal range and stays ignored, as in NumPy's default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from symact.numeric import floored, reference, ulp, ulp_error

__all__ = ["ERRSTATE", "Measurement", "measure", "output_form_range", "overflow_only", "ulp_errors"]

ERRSTATE: dict[str, str] = {"divide": "raise", "over": "raise", "invalid": "raise", "under": "ignore"}

_TINY = float(np.finfo(np.float64).tiny)


@dataclass
class Measurement:
    """What one kernel achieved on one sample."""

    max_ulp: float = 0.0
    p999_ulp: float = 0.0
    worst_x: float = float("nan")
    points: int = 0
    subnormal_over_1: int = 0
    nonfinite_wrong: list[float] = field(default_factory=list)
    specials_wrong: list[str] = field(default_factory=list)
    no_reference: int = 0
    warning: str | None = None
    f32_max_ulp: float | None = None
    f32_worst_x: float = float("nan")

    def problems(self, target: float, f32_target: float = 1.0) -> list[str]:
        """One line per way the kernel misses its target; empty when it meets it."""
        out = []
        if self.warning:
            out.append(f"floating-point exception: {self.warning}")
        if self.max_ulp > target:
            out.append(f"{self.max_ulp:.3g} ULP > {target:g} at x = {self.worst_x!r}")
        if self.nonfinite_wrong:
            out.append(
                f"nan/inf where the value is finite at {len(self.nonfinite_wrong)} inputs, e.g. x = "
                f"{self.nonfinite_wrong[0]!r}"
            )
        if self.specials_wrong:
            out.append("special inputs: " + "; ".join(self.specials_wrong))
        if self.f32_max_ulp is not None and self.f32_max_ulp > f32_target:
            out.append(f"float32 {self.f32_max_ulp:.3g} ULP > {f32_target:g} at x = {self.f32_worst_x!r}")
        return out


def _call(fn: Callable[[np.ndarray], Any], xs: np.ndarray) -> tuple[np.ndarray | None, str | None]:
    try:
        with np.errstate(**ERRSTATE):  # type: ignore[arg-type]
            return np.asarray(fn(xs), dtype=np.float64), None
    except FloatingPointError as exc:
        return None, str(exc)


def _first_warning(fn: Callable[[np.ndarray], Any], xs: np.ndarray) -> str:
    for x in xs:
        _, msg = _call(fn, np.array([x]))
        if msg:
            return f"{msg} at x = {float(x)!r}"
    return "in a chunk only"


def overflow_only(fn: Callable[[np.ndarray], Any], xs: np.ndarray) -> np.ndarray | None:
    """The results when the only exceptions are overflow or division by zero *to an infinite
    result*; None otherwise.

    A result that overflows is correctly rounded to infinity, and a pole gives an infinity; the
    caller checks that the reference is infinite there.  Every input with a finite result must still
    run without any exception.
    """
    relaxed = {**ERRSTATE, "over": "ignore", "divide": "ignore"}
    try:
        with np.errstate(**relaxed):  # type: ignore[arg-type]
            got = np.asarray(fn(xs)).astype(np.float64)
    except FloatingPointError:
        return None
    rest, _ = _call(fn, xs[~np.isinf(got)])
    return got if rest is not None else None


def ulp_errors(got: np.ndarray, ref: np.ndarray, scale: np.ndarray | None) -> np.ndarray:
    err = ulp_error(got, ref)
    if scale is None:
        return err
    fin = np.isfinite(got) & np.isfinite(ref) & np.isfinite(scale)
    with np.errstate(all="ignore"):
        unit = ulp(np.maximum(np.abs(np.where(fin, ref, 0.0)), np.abs(np.where(fin, scale, 0.0))))
        scaled = np.abs(got - ref) / unit
    return np.where(fin, scaled, err)


def measure(
    fn: Callable[[np.ndarray], Any],
    truth: sp.Expr,
    var: sp.Symbol,
    xs: np.ndarray,
    *,
    params: dict[str, Any],
    scale: Callable[[np.ndarray], np.ndarray] | None = None,
    xs32: np.ndarray | None = None,
    floor: float = 0.0,
) -> Measurement:
    """Measure `fn` (float64 array -> array) against `truth` on `xs` (and float32 on `xs32`).

    With a `floor`, an error is counted in units of at least `floor` (a platform that flushes
    subnormal numbers to zero loses up to the smallest normal number wherever an intermediate value
    falls below it)."""
    m = Measurement()
    got, _warning = _call(fn, xs)
    if got is None:
        got = overflow_only(fn, xs)
        if got is None:
            m.warning = _first_warning(fn, xs)
            return m
    ref = reference(truth, var, xs, params=params)
    s = None
    if scale is not None:
        with np.errstate(all="ignore"):
            s = np.asarray(scale(xs), dtype=np.float64)
    err = ulp_errors(got, ref, s)
    err = floored(err, got, ref, floor)
    finite_x = np.isfinite(xs)
    missing = finite_x & np.isnan(ref)
    m.no_reference = int(missing.sum())
    usable = finite_x & ~missing
    normal = usable & np.isfinite(ref) & (np.abs(ref) >= _TINY)
    sub = usable & np.isfinite(ref) & (np.abs(ref) < _TINY)
    bad = usable & np.isfinite(ref) & ~np.isfinite(got)
    m.nonfinite_wrong = [float(v) for v in xs[bad][:5]]
    m.subnormal_over_1 = int((sub & (err > 1.0)).sum())
    m.points = int(normal.sum())
    if m.points:
        e = err[normal]
        i = int(np.argmax(e))
        m.max_ulp = float(e[i])
        m.worst_x = float(xs[normal][i])
        with np.errstate(invalid="ignore"):  # an infinite error makes the interpolation inf - inf
            m.p999_ulp = float(np.quantile(e, 0.999))
    for x, g, r in zip(xs[~finite_x], got[~finite_x], ref[~finite_x], strict=True):
        same = (
            (np.isnan(g) and np.isnan(r))
            or g == r
            or (np.isfinite(g) and np.isfinite(r) and abs(g - r) <= 4 * ulp(r))
        )
        if not same:
            m.specials_wrong.append(f"f({x}) = {g}, want {r}")
    if xs32 is not None:
        try:
            with np.errstate(**ERRSTATE):  # type: ignore[arg-type]
                got32 = np.asarray(fn(xs32))
        except FloatingPointError as exc:
            relaxed = overflow_only(fn, xs32)
            if relaxed is None:
                m.warning = f"float32: {exc}"
                return m
            with np.errstate(over="ignore", divide="ignore"):
                got32 = np.asarray(fn(xs32))
        if got32.dtype != np.float32:
            m.specials_wrong.append(f"float32 input gave {got32.dtype}")
        ref32 = reference(truth, var, xs32.astype(np.float64), params=params, dtype=np.float32)
        err32 = ulp_error(got32.astype(np.float64), ref32.astype(np.float64), dtype=np.float32)
        ok = np.isfinite(xs32) & ~np.isnan(ref32)
        if ok.any():
            e32 = err32[ok]
            i = int(np.argmax(e32))
            m.f32_max_ulp = float(e32[i])
            m.f32_worst_x = float(xs32[ok][i])
    return m


def output_form_range(errors: np.ndarray, xs: np.ndarray, target: float) -> tuple[float, float] | None:
    """The widest [lo, hi] of sample points around 0 on which every error is <= target."""
    fin = np.isfinite(xs) & np.isfinite(errors)
    order = np.argsort(xs[fin])
    x, e = xs[fin][order], errors[fin][order]
    if x.size == 0:
        return None
    start = int(np.argmin(np.abs(x)))
    if e[start] > target:
        return None
    lo = hi = start
    while lo > 0 and e[lo - 1] <= target:
        lo -= 1
    while hi < x.size - 1 and e[hi + 1] <= target:
        hi += 1
    return float(x[lo]), float(x[hi])
