r"""The coefficients of the C# prelude's ``Rt.Erfc`` (.NET Framework and Mono have no erfc).

$\mathrm{erfc}(z)$ for $z \ge 0$:

- $z < 1/2$: $1 - z P(z^2)$ with $P$ the Taylor series of $\mathrm{erf}(z)/z$ in $t = z^2$ cut after
  the term $t^{15}$ (truncation below $10^{-21}$ relative on $t \le 1/4$);
- $1/2 \le z < 28$: $e^{-z^2} g(z)$ with $g(z) = e^{z^2}\mathrm{erfc}(z)$ a polynomial on each of
  :data:`INTERVALS` in $s \in [-1, 1]$ (Chebyshev interpolation, ``mpmath.chebyfit``, sampled
  error below $2^{-60}$ relative), and $e^{-z^2}$ from $z^2 = h + l$ exactly (``Rt.Gauss``);
- $z \ge 28$: 0 (erfc(28) is below the smallest subnormal); $z < 0$: $2 - \mathrm{erfc}(-z)$.

Computed once with mpmath at 40 digits and rounded to doubles: the same text on every machine.  The
check measures every kernel calling it against correctly rounded references, and
``tests/test_csharp_backend.py`` measures ``Rt.Erfc`` itself.
"""

from __future__ import annotations

import functools

import mpmath

__all__ = ["INTERVALS", "erfc_tables"]

INTERVALS: tuple[tuple[float, float], ...] = ((0.5, 1), (1, 2), (2, 4), (4, 8), (8, 16), (16, 28))
_TERMS = 16
_DEGREES = (16, 20, 24, 24, 24, 24)


@functools.lru_cache(maxsize=1)
def erfc_tables() -> tuple[tuple[float, ...], tuple[tuple[float, ...], ...]]:
    """(Taylor coefficients of erf(z)/z in z^2, lowest first; per interval, the Chebyshev
    polynomial's coefficients in s, highest first)."""
    with mpmath.workdps(40):
        small = tuple(
            float(2 / mpmath.sqrt(mpmath.pi) * (-1) ** n / (mpmath.factorial(n) * (2 * n + 1)))
            for n in range(_TERMS)
        )
        tables = []
        for (a, b), n in zip(INTERVALS, _DEGREES, strict=True):
            mid, half = mpmath.mpf(a + b) / 2, mpmath.mpf(b - a) / 2

            def g(s: mpmath.mpf, mid: mpmath.mpf = mid, half: mpmath.mpf = half) -> mpmath.mpf:
                z = mid + half * s
                return mpmath.erfc(z) * mpmath.exp(z * z)

            coeffs = mpmath.chebyfit(g, [-1, 1], n)
            tables.append(tuple(float(c) for c in coeffs))
    return small, tuple(tables)
