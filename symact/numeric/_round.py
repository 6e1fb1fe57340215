"""Correct rounding of mpmath values to binary floating-point formats.

The formats are float64, float32, float16 and bfloat16.  bfloat16 has no NumPy dtype of its own (only
through ``ml_dtypes``): its values are held in float32 arrays (``FloatFormat.dtype``), which hold
every bfloat16 exactly, and :meth:`FloatFormat.round` rounds float64 values to it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import numpy as np

from symact.errors import ArgumentError

__all__ = ["FloatFormat", "exact_fraction", "float_format", "round_mpf"]


@dataclass(frozen=True)
class FloatFormat:
    """A binary format: `precision` significand bits, `emin` the smallest normal exponent.

    `dtype` is the NumPy type that holds its values exactly (float32 for bfloat16), `name` its name.
    """

    precision: int
    emin: int
    emax: int
    dtype: type[np.floating]
    name: str = ""

    @property
    def min_subnormal_exponent(self) -> int:
        return self.emin - self.precision + 1

    @property
    def max(self) -> float:
        """The largest finite value."""
        return math.ldexp(2.0 - math.ldexp(1.0, 1 - self.precision), self.emax)

    @property
    def tiny(self) -> float:
        """The smallest positive normal value."""
        return math.ldexp(1.0, self.emin)

    @property
    def smallest_subnormal(self) -> float:
        return math.ldexp(1.0, self.min_subnormal_exponent)

    @property
    def eps(self) -> float:
        """The spacing of the format at 1."""
        return math.ldexp(1.0, 1 - self.precision)

    def round(self, xs: object) -> np.ndarray:
        """float64 values rounded to nearest (ties to even) in this format, as float64.

        Subnormals are kept, overflow gives infinities; nan and infinities pass through.
        """
        x = np.array(xs, dtype=np.float64)
        if self.precision == 53:
            return x
        if self.name in _NATIVE:  # NumPy's casts round correctly from float64
            with np.errstate(over="ignore"):
                return x.astype(self.dtype).astype(np.float64)
        finite = np.isfinite(x)
        _, e = np.frexp(np.where(finite, x, 1.0))
        e = np.maximum(e, self.emin + 1)  # below the normal range the spacing stays the subnormal one
        out = np.ldexp(np.rint(np.ldexp(np.where(finite, x, 0.0), self.precision - e)), e - self.precision)
        out = np.where(np.abs(out) > self.max, np.copysign(math.inf, x), out)
        return np.where(finite, out, x)

    def next(self, x: float, up: bool) -> float:
        """The neighbour of the format value `x` towards +inf (`up`) or towards -inf."""
        if math.isnan(x) or x == (math.inf if up else -math.inf):
            return x
        if math.isinf(x):
            return -self.max if up else self.max
        if x < 0:
            return -self.next(-x, not up)
        if not up and x == 0:
            return -self.smallest_subnormal
        # up: the spacing of x's binade; down: the spacing just below x (a power of 2 halves it)
        at = x if up else math.nextafter(x, 0.0)
        spacing = math.ldexp(1.0, max(math.frexp(at)[1] - 1, self.emin) - self.precision + 1) if at else 0.0
        spacing = spacing or self.smallest_subnormal
        out = x + spacing if up else x - spacing
        return math.inf if out > self.max else out


_FORMATS: dict[str, FloatFormat] = {
    "float64": FloatFormat(53, -1022, 1023, np.float64, "float64"),
    "float32": FloatFormat(24, -126, 127, np.float32, "float32"),
    "float16": FloatFormat(11, -14, 15, np.float16, "float16"),
    "bfloat16": FloatFormat(8, -126, 127, np.float32, "bfloat16"),
}
_NATIVE = ("float64", "float32", "float16")


def float_format(dtype: object) -> FloatFormat:
    """The :class:`FloatFormat` of a floating dtype: float64, float32, float16 or bfloat16.

    `dtype` may be a NumPy dtype or type, a name ("bfloat16"), ``ml_dtypes.bfloat16``, a PyTorch
    dtype (``torch.float16``), or a :class:`FloatFormat`.
    """
    if isinstance(dtype, FloatFormat):
        return dtype
    name = _name(dtype)
    if name not in _FORMATS:
        shown = name or repr(dtype)
        raise ArgumentError(
            f"dtype {shown} is not a supported binary float format (choose one of {', '.join(_FORMATS)})"
        )
    return _FORMATS[name]


def _name(dtype: object) -> str:
    text = str(dtype)
    if isinstance(dtype, str) or text.startswith("torch."):  # "bfloat16", torch.bfloat16
        return text.removeprefix("torch.")
    try:
        return np.dtype(dtype).name  # type: ignore[call-overload,no-any-return]
    except TypeError:
        return ""


def exact_fraction(value: float | mpmath.mpf) -> Fraction:
    """A finite float or mpmath number as the exact fraction it is (ValueError for inf and nan)."""
    if isinstance(value, float):
        return Fraction(value)  # ValueError, OverflowError for nan and inf
    sign, man, exp, _ = value._mpf_
    if not man:
        if exp:
            raise ValueError("not a finite value")
        return Fraction(0)
    return Fraction(-man if sign else man) * Fraction(2) ** exp


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
