"""Deterministic test points for a target: the full float range, kinks, derivative roots, domain ends."""

from __future__ import annotations

import math

import numpy as np

from symact.numeric import full_range_sample
from symact.verify._target import Target

__all__ = ["near", "sample_points"]


def near(c: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """`n` points close to c: c itself, its float neighbours, and c + s 10^U with s random signs."""
    out = [c]
    lo = hi = c
    for _ in range(3):
        lo, hi = math.nextafter(lo, -math.inf), math.nextafter(hi, math.inf)
        out += [lo, hi]
    k = max(n - len(out), 0)
    scale = abs(c) if c else 1.0
    exps = rng.uniform(-300 if c == 0 else -16, 0, k)
    signs = np.where(rng.random(k) < 0.5, -1.0, 1.0)
    with np.errstate(over="ignore", invalid="ignore"):
        out += list(c + signs * scale * 10.0**exps)
    pts = np.asarray(out[:n] if n >= 7 else out, dtype=np.float64)
    return pts[np.isfinite(pts)]


def _inside(target: Target, xs: np.ndarray) -> np.ndarray:
    keep = np.zeros(xs.shape, dtype=bool)
    for lo, hi in target.domain:
        keep |= (xs >= lo) & (xs <= hi)
    return keep | np.isnan(xs) | (np.isinf(xs) & _inf_ok(target, xs))


def _inf_ok(target: Target, xs: np.ndarray) -> np.ndarray:
    return np.array([any(lo <= v <= hi for lo, hi in target.domain) for v in xs], dtype=bool)


def sample_points(target: Target, n: int, *, seed: int = 0, dtype: object = np.float64) -> np.ndarray:
    """About `n` deterministic float64 points in the target's domain.

    All are values of `dtype`.  Two thirds come from :func:`symact.numeric.full_range_sample`, the
    rest cluster at kinks (each kink itself included), other breakpoints, roots of the derivative and
    finite domain ends, plus points spread over bounded domains.
    """
    rng = np.random.default_rng(seed)
    special = [c for c in (*target.breaks, *target.derivative_roots) if math.isfinite(c)]
    per = max((n // 3) // max(len(special), 1), 8) if special else 0
    parts = [full_range_sample(n - per * len(special), seed=seed, dtype=dtype).astype(np.float64)]
    parts += [near(c, per, rng) for c in special]
    for lo, hi in target.domain:
        if math.isfinite(lo) and math.isfinite(hi) and hi > lo:
            parts.append(rng.uniform(lo, hi, max(n // 4, 8)))
    xs = np.concatenate(parts)
    if np.dtype(dtype) != np.float64:  # type: ignore[call-overload]
        with np.errstate(over="ignore"):
            xs = xs.astype(np.dtype(dtype)).astype(np.float64)  # type: ignore[call-overload]  # values of `dtype`
    return xs[_inside(target, xs)]
