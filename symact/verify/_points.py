"""Deterministic test points for a target: the full float range, kinks, derivative roots, domain ends."""

from __future__ import annotations

import math

import numpy as np

from symact.numeric import float_format, full_range_sample
from symact.verify._hazards import hazard_positions, subnormal_points
from symact.verify._target import Target

__all__ = ["near", "sample_groups", "sample_points"]


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


def sample_groups(
    target: Target, n: int, *, seed: int = 0, dtype: object = np.float64
) -> dict[str, np.ndarray]:
    """The points of :func:`sample_points` by kind: "full range", "kinks and breaks", "derivative
    roots", "hazards" (where exp/erf/log arguments of f or f' cross the format's thresholds, see
    :mod:`symact.verify._hazards`), "subnormal" and "domain"."""
    rng = np.random.default_rng(seed)
    fmt = float_format(dtype)
    breaks = [c for c in target.breaks if math.isfinite(c)]
    roots = [c for c in target.derivative_roots if math.isfinite(c)]
    hazards = [
        c
        for c in hazard_positions((target.f, target.df), target.var, fmt.name)
        if target.distance_to_break(c) > 0
    ]
    special = len(breaks) + len(roots)
    per = max((n // 4) // max(special, 1), 8) if special else 0
    per_hazard = max((n // 5) // max(len(hazards), 1), 7) if hazards else 0
    n_sub = max(n // 20, 4)
    rest = max(n - per * special - per_hazard * len(hazards) - n_sub, n // 3)
    groups = {"full range": full_range_sample(rest, seed=seed, dtype=dtype).astype(np.float64)}
    groups["kinks and breaks"] = _cat([near(c, per, rng) for c in breaks])
    groups["derivative roots"] = _cat([near(c, per, rng) for c in roots])
    groups["hazards"] = _cat([_around(c, per_hazard, rng) for c in hazards])
    groups["subnormal"] = subnormal_points(n_sub, rng, dtype)
    groups["domain"] = _cat(
        [
            rng.uniform(lo, hi, max(n // 4, 8))
            for lo, hi in target.domain
            if math.isfinite(lo) and math.isfinite(hi) and hi > lo
        ]
    )
    out = {}
    for kind, xs in groups.items():
        xs = fmt.round(xs)  # values of the format
        out[kind] = xs[_inside(target, xs)]
    return out


def _cat(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0)


def _around(c: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """c, its float neighbours, and points within a few units of c (the window where a formula fails)."""
    pts = near(c, min(n, 7), rng)
    k = max(n - pts.size, 0)
    return np.concatenate([pts, c + rng.uniform(-4.0, 4.0, k) * max(1.0, abs(c) * 2.0**-6)])


def sample_points(target: Target, n: int, *, seed: int = 0, dtype: object = np.float64) -> np.ndarray:
    """About `n` deterministic float64 points in the target's domain.

    All are values of `dtype`.  About half come from :func:`symact.numeric.full_range_sample`, the
    rest cluster at kinks (each kink itself included), other breakpoints, roots of the derivative,
    hazards of the expression (exp overflow and underflow, saturation, erf/erfc limits, zeros of log
    and division arguments, each with its float neighbours), the subnormal range, and finite domain
    ends, plus points spread over bounded domains.  :func:`sample_groups` gives them by kind.
    """
    return np.concatenate(list(sample_groups(target, n, seed=seed, dtype=dtype).values()))
