"""Constants of the runtime routines (``symact.kernels._runtime``), public so that the C backend
prints the very same doubles (``symact.codegen.c.prelude``).  No SymPy here.

Double-double pairs are (hi, lo) with hi + lo equal to the constant to about 106 bits.
"""

from __future__ import annotations

from fractions import Fraction

__all__ = ["ATANH_DD", "ATANH_TAIL", "INV_SQRT2", "INV_SQRT_2PI", "LN2_DD", "SPLIT", "SQRT_HALF"]


def _dd_reciprocal(q: int) -> tuple[float, float]:
    """1/q = hi + lo: hi the double nearest to 1/q, lo the double nearest to the exact rest."""
    hi = 1.0 / q
    return hi, float(Fraction(1, q) - Fraction(hi))


SPLIT = 134217729.0
"""2**27 + 1, Veltkamp's splitter: a double splits into two 26-bit halves."""

INV_SQRT2 = 0.7071067811865476
"""1/sqrt(2), correctly rounded."""

INV_SQRT_2PI = 0.3989422804014327
"""1/sqrt(2 pi), correctly rounded."""

SQRT_HALF = 0.7071067811865476
"""sqrt(1/2): ``log_dd`` reduces its argument's mantissa to [sqrt(1/2), sqrt(2))."""

LN2_DD = (0.6931471805599453, 2.3190468138462996e-17)
"""log 2 as a double-double."""

ATANH_DD = tuple(_dd_reciprocal(2 * k + 3) for k in range(10))
"""1/3, 1/5, ..., 1/21 as double-doubles: the first coefficients of the atanh series of ``log_dd``."""

ATANH_TAIL = tuple(1.0 / (2 * k + 3) for k in range(10, 22))
"""1/23 ... 1/45 as doubles: the rest of the series (each term's share is below 2^-50)."""
