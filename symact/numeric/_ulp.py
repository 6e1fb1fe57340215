"""Errors measured in units in the last place (ULPs) of a reference value."""

from __future__ import annotations

import numpy as np

from symact.numeric._round import float_format

__all__ = ["floored", "ulp", "ulp_error"]


def ulp(ref: np.ndarray, *, dtype: object = np.float64) -> np.ndarray:
    r"""Spacing of `dtype` at each |ref|: $2^{\max(e, e_{min}) - p + 1}$, $e = \lfloor \log_2 |r| \rfloor$.

    Zero and subnormal values get the subnormal spacing; infinities and nan give nan.
    """
    fmt = float_format(dtype)
    r = np.abs(np.asarray(ref, dtype=np.float64))
    finite = np.isfinite(r)
    _, e = np.frexp(np.where(finite & (r > 0), r, 0.5))
    expo = np.maximum(np.where(r > 0, e.astype(np.int64) - 1, fmt.emin), fmt.emin) - fmt.precision + 1
    out = np.ldexp(1.0, expo)
    return np.where(finite, out, np.nan)


def ulp_error(got: np.ndarray, ref: np.ndarray, *, dtype: object = np.float64) -> np.ndarray:
    r"""$|got - ref| / \mathrm{ulp}(ref)$, element-wise, in units of `dtype`.

    `ref` should be the correctly rounded reference (see :func:`reference`).  Equal infinities and
    nan against nan give 0; nan or an infinity against a finite value (or the opposite infinity) give
    inf.  The difference is signed arithmetic (``-1`` against ``1`` is 2 units of 1), and -0 equals +0.
    """
    g = np.asarray(got, dtype=np.float64)
    r = np.asarray(ref, dtype=np.float64)
    g, r = np.broadcast_arrays(g, r)
    both_finite = np.isfinite(g) & np.isfinite(r)
    with np.errstate(over="ignore", invalid="ignore"):
        gf, rf = np.where(both_finite, g, 0.0), np.where(both_finite, r, 0.0)
        u = ulp(rf, dtype=dtype)
        err = np.abs(gf - rf) / u
        # opposite signs near the overflow threshold: halve both (exact there) to keep it finite
        big = np.isinf(err)
        err[big] = np.abs(gf[big] * 0.5 - rf[big] * 0.5) / (0.5 * u[big])
    same_special = (np.isnan(g) & np.isnan(r)) | (np.isinf(g) & (g == r))
    return np.where(both_finite, err, np.where(same_special, 0.0, np.inf))


def floored(err: np.ndarray, got: np.ndarray, ref: np.ndarray, floor: float) -> np.ndarray:
    """Errors `err` (in ULPs of `ref`) counted in units of at least `floor` where `got` - `ref` is
    finite: on a platform that flushes subnormal numbers to zero (XLA on the CPU, GPUs in FTZ mode)
    an intermediate below the smallest normal number loses up to that number, so `floor` is it
    (0: IEEE arithmetic, `err` unchanged)."""
    if not floor:
        return err
    with np.errstate(all="ignore"):
        diff = np.asarray(got, dtype=np.float64) - np.asarray(ref, dtype=np.float64)
        return np.where(np.isfinite(diff), np.minimum(err, np.abs(diff) / floor), err)
