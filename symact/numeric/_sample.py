"""Full-range test inputs: log-uniform magnitudes, a dense middle, and the special values."""

from __future__ import annotations

import numpy as np

from symact.errors import ArgumentError
from symact.numeric._round import float_format

__all__ = ["full_range_sample"]

_SPECIALS = (0.0, -0.0, np.inf, -np.inf, np.nan)


def full_range_sample(n: int, *, seed: int, dtype: object = np.float64) -> np.ndarray:
    r"""`n` deterministic test inputs covering the whole range of `dtype`.

    About 70% have log-uniform magnitudes from $10^{-300}$ to the largest finite float (float32:
    $10^{-37}$ to $3 \cdot 10^{38}$) with random signs, about 30% are uniform on $[-50, 50]$, and the
    special values $+0, -0, +\infty, -\infty$, nan, then $\pm$ the largest, the smallest normal and
    the smallest subnormal float of `dtype`, come first (as many as $n$ allows).  The same
    `seed` always gives the same array.

    **Arguments:**
    - `n`: number of points (>= 0).
    - `seed`: seed of the NumPy generator.
    - `dtype`: float64, float32, float16 or bfloat16 (held in float32).

    **Returns:** a 1-d array of `dtype`.
    """
    if n < 0:
        raise ArgumentError(f"n must be >= 0, got {n}")
    fmt = float_format(dtype)
    rng = np.random.default_rng(seed)
    edges = (fmt.max, fmt.tiny, fmt.smallest_subnormal)
    allspecial = (*_SPECIALS, *[sign * e for e in edges for sign in (1.0, -1.0)])
    specials = np.array(allspecial[: min(n, len(allspecial))], dtype=np.float64)
    rest = n - specials.size
    n_log = (rest * 7) // 10
    n_dense = rest - n_log
    lo = -300.0 if fmt.precision == 53 else float(np.log10(fmt.tiny))
    hi = float(np.log10(fmt.max))
    mags = 10.0 ** rng.uniform(lo, hi, n_log)
    mags = np.minimum(mags, fmt.max)
    signs = np.where(rng.random(n_log) < 0.5, -1.0, 1.0)
    dense = rng.uniform(-50.0, 50.0, n_dense)
    out = np.concatenate([specials, signs * mags, dense])
    return fmt.round(out).astype(fmt.dtype)
