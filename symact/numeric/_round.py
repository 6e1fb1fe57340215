"""Correct rounding of mpmath values to binary floating-point formats."""

from __future__ import annotations

import math
from dataclasses import dataclass

import mpmath
import numpy as np

from symact.errors import ArgumentError

__all__ = ["FloatFormat", "float_format", "round_mpf"]


@dataclass(frozen=True)
class FloatFormat:
    """A binary format: `precision` significand bits, `emin` the smallest normal exponent."""

    precision: int
    emin: int
    emax: int
    dtype: type[np.floating]

    @property
    def min_subnormal_exponent(self) -> int:
        return self.emin - self.precision + 1


_FORMATS: dict[type[np.floating], FloatFormat] = {
    np.float64: FloatFormat(53, -1022, 1023, np.float64),
    np.float32: FloatFormat(24, -126, 127, np.float32),
    np.float16: FloatFormat(11, -14, 15, np.float16),
}


def float_format(dtype: object) -> FloatFormat:
    """The :class:`FloatFormat` of a NumPy floating dtype (float64, float32, float16)."""
    key = np.dtype(dtype).type  # type: ignore[call-overload]
    if key not in _FORMATS:
        raise ArgumentError(f"dtype {np.dtype(dtype)} is not a supported binary float format")  # type: ignore[call-overload]
    return _FORMATS[key]


def round_mpf(value: mpmath.mpf | int, fmt: FloatFormat) -> float:
    """`value` rounded to nearest (ties to even) in `fmt`, with subnormals and overflow to infinity.

    Returns a Python float that is exactly representable in `fmt`.
    """
    v = mpmath.mpf(value) if not isinstance(value, mpmath.mpf) else value
    sign, man, exp, bc = v._mpf_
    if not man:
        return float(v)  # zero, infinities and nan are stored with man == 0
    top = exp + bc - 1  # floor(log2 |v|)
    if top > fmt.emax:
        return -math.inf if sign else math.inf
    if top < fmt.min_subnormal_exponent - 1:
        return -0.0 if sign else 0.0  # below half the smallest subnormal
    lsb = max(top - fmt.precision + 1, fmt.min_subnormal_exponent)
    shift = lsb - exp
    if shift <= 0:
        m = man << -shift
    else:
        m = man >> shift
        rem = man & ((1 << shift) - 1)
        half = 1 << (shift - 1)
        if rem > half or (rem == half and m & 1):
            m += 1
    if m and m.bit_length() + lsb - 1 > fmt.emax:
        return -math.inf if sign else math.inf
    out = math.ldexp(m, lsb)
    return -out if sign else out
