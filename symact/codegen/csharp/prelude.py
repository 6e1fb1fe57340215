"""The C# runtime class ``Rt``: twins of the C prelude's routines, and the C99 functions
.NET Framework/Mono's ``System.Math`` lacks.

The routines of :mod:`symact.codegen.routines` evaluate what their C twins evaluate, operation for
operation.  Where C calls a C99 function ``System.Math`` lacks, ``Rt`` substitutes (:data:`SUBSTITUTES`
lists them, with the method; the report names them):

- ``fma(a, b, -a*b)`` (the exact rounding error of a product) is Dekker's product with Veltkamp
  splits (exact without overflow; 0 past 2^995, where the C kernels are guarded);
- ``log1p(x)``: ``log(u) + e/u`` with ``u = 1 + x`` rounded and ``e`` its exact error (TwoSum);
- ``expm1(x)``: Kahan's ``(u - 1) x / log(u)`` with ``u = exp(x)`` for |x| < 2, ``u - 1`` beyond;
- ``erfc``: Taylor series below 1/2, ``e^{-z^2}`` times Chebyshev polynomials above
  (:mod:`symact.codegen.csharp.erfc`);
- ``hypot``: scaled by powers of 2, the sum of squares in double-double and one Newton step;
- ``frexp``: from the IEEE bits.

``tests/test_csharp_backend.py`` holds the substitutes to max ULP expm1 3, log1p 2, erfc 3 and hypot 1
against correctly rounded references; every kernel calling them is checked against its own target.

C# evaluates ``double`` arithmetic in IEEE binary64 without contraction (ECMA-335 allows wider
intermediates; x64 Mono and .NET use SSE2 doubles), so the splits and TwoSums are exact as in C.
"""

from __future__ import annotations

from symact.codegen.csharp.erfc import erfc_tables
from symact.kernels.constants import ATANH_DD, ATANH_TAIL, LN2_DD, SQRT_HALF

__all__ = ["SUBSTITUTES", "cs_prelude"]

SUBSTITUTES: dict[str, str] = {
    "fma": "exact product error by Dekker's product (Veltkamp splits)",
    "log1p": "log(1 + x) corrected by the TwoSum error of 1 + x",
    "expm1": "Kahan's (u - 1) x / log(u), u = exp(x), for |x| < 2; u - 1 beyond",
    "erfc": "Taylor series below 1/2; exp(-z^2) exactly split times Chebyshev fits of exp(z^2) erfc(z)",
    "hypot": "scaled double-double sum of squares, one Newton step of the square root",
    "frexp": "from the IEEE bits",
}
"""Each C99 function the C kernels call and System.Math lacks, and how ``Rt`` computes it instead."""

_RT = r"""
    /// <summary>The routines the kernels call (twins of csrc/symact_kernels.c's), and the C99
    /// functions System.Math lacks.</summary>
    internal static class Rt
    {
        /// max/min that propagate NaN, as numpy.maximum/numpy.minimum do.
        public static double Max(double a, double b) { return (a > b || double.IsNaN(a)) ? a : b; }
        public static double Min(double a, double b) { return (a < b || double.IsNaN(a)) ? a : b; }

        /// copysign(inf, c), and 0 at c = 0.
        public static double SignedInf(double c)
        {
            if (double.IsNaN(c)) return c;
            return c == 0 ? 0.0 : (c > 0 ? double.PositiveInfinity : double.NegativeInfinity);
        }

        /// a = hi + lo with 26-bit halves (Veltkamp); |a| well below 1e300.
        public static void Split(double a, out double hi, out double lo)
        {
            double t = a * 134217729.0;
            hi = t - (t - a);
            lo = a - hi;
        }

        /// a*b = p + e exactly (Dekker's product).
        public static double TwoProd(double a, double b, out double e)
        {
            double p = a * b;
            double ah, al, bh, bl;
            Split(a, out ah, out al);
            Split(b, out bh, out bl);
            e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
            return p;
        }

        /// fma(a, b, -a*b): the exact error of the product (0 past 2^995, where no kernel needs it).
        public static double ProductError(double a, double b)
        {
            if (!(Math.Abs(a) < 3.0e299 && Math.Abs(b) < 3.0e299)) return 0.0;
            double e;
            TwoProd(a, b, out e);
            return e;
        }

        /// (ah + al) + (bh + bl) as a double-double.
        public static double DdAdd(double ah, double al, double bh, double bl, out double lo)
        {
            double s = ah + bh;
            double bb = s - ah;
            double e = ((ah - (s - bb)) + (bh - bb)) + (al + bl);
            double h = s + e;
            lo = e - (h - s);
            return h;
        }

        /// (ah + al)(bh + bl) as a double-double.
        public static double DdMul(double ah, double al, double bh, double bl, out double lo)
        {
            double e;
            double p = TwoProd(ah, bh, out e);
            e = e + (ah * bl + al * bh);
            double h = p + e;
            lo = e - (h - p);
            return h;
        }

        /// log1p(x) = log(u) + e/u, u = 1 + x rounded and e = (1 + x) - u exactly (TwoSum).
        public static double Log1p(double x)
        {
            if (!(x > -1.0)) return x == -1.0 ? double.NegativeInfinity : double.NaN;
            if (double.IsPositiveInfinity(x)) return x;
            double u = 1.0 + x;
            if (u == 1.0) return x;
            double bb = u - 1.0;
            double e = (1.0 - (u - bb)) + (x - bb);
            return Math.Log(u) + e / u;
        }

        /// expm1(x): Kahan's (u - 1) x / log(u), u = exp(x), for |x| < 2 (the rounding error of u
        /// cancels in the quotient); u - 1 beyond, where it does not cancel.
        public static double Expm1(double x)
        {
            if (double.IsNaN(x)) return x;
            double u = Math.Exp(x);
            if (!(Math.Abs(x) < 2.0)) return u - 1.0;
            if (u == 1.0) return x;
            double um1 = u - 1.0;
            return um1 * x / Math.Log(u);
        }

        /// hypot(x, y): scaled by a power of 2, x^2 + y^2 = s + t in double-double, sqrt(s) corrected
        /// by one Newton step (s + t - r^2)/(2r) with r^2 exact.
        public static double Hypot(double x, double y)
        {
            x = Math.Abs(x);
            y = Math.Abs(y);
            if (double.IsInfinity(x) || double.IsInfinity(y)) return double.PositiveInfinity;
            if (double.IsNaN(x) || double.IsNaN(y)) return double.NaN;
            double a = x > y ? x : y, b = x > y ? y : x;
            if (a == 0.0) return 0.0;
            double scale = 1.0;
            double down = 2.409919865102884e-181, up = 4.149515568880993e180;  // 2^-600, 2^600
            if (a > 1.0e150) { a *= down; b *= down; scale = up; }
            else if (a < 1.0e-150) { a *= up; b *= up; scale = down; }
            double al, bl;
            double ah = TwoProd(a, a, out al);
            double bh = TwoProd(b, b, out bl);
            double sl;
            double sh = DdAdd(ah, al, bh, bl, out sl);
            double r = Math.Sqrt(sh);
            double rl;
            double rh = TwoProd(r, r, out rl);
            r = r + (((sh - rh) - rl) + sl) / (2.0 * r);
            return r * scale;
        }

        /// m with y = m 2^e, m in [1/2, 1), for finite y > 0 (from the IEEE bits).
        public static double Frexp(double y, out int e)
        {
            int shift = 0;
            if (y < 2.2250738585072014e-308) { y *= 18014398509481984.0; shift = 54; }
            long bits = BitConverter.DoubleToInt64Bits(y);
            e = (int)((bits >> 52) & 0x7ff) - 1022 - shift;
            return BitConverter.Int64BitsToDouble((bits & ~(0x7ffL << 52)) | (1022L << 52));
        }

        /// exp(-u^2/k) with u^2 = hi + lo exactly (Dekker's product).
        public static double Gauss(double u, double k)
        {
            double a = double.IsNaN(u) ? 1.0e5 : Math.Min(Math.Abs(u), 1.0e5);  // C's fmin drops nan
            double lo;
            double hi = TwoProd(a, a, out lo);
            return Math.Exp(-hi / k) * (1.0 - lo / k);
        }

        /// erfc(z): 1 - z P(z^2) below 1/2 (P: Taylor series of erf(z)/z); e^{-z^2} g(z) on
        /// [1/2, 28) (g = e^{z^2} erfc(z) by Chebyshev fits in s on each interval); 0 beyond;
        /// 2 - erfc(-z) for z < 0.
        public static double Erfc(double z)
        {
            if (double.IsNaN(z)) return z;
            if (z < 0) return 2.0 - Erfc(-z);
            if (z < 0.5)
            {
                double t = z * z, p = 0.0;
                for (int k = ErfSmall.Length - 1; k >= 0; k--) p = p * t + ErfSmall[k];
                return 1.0 - z * p;
            }
            if (z >= 28.0) return 0.0;
            for (int i = 0; i < ErfcLow.Length; i++)
            {
                if (z < ErfcHigh[i])
                {
                    double mid = 0.5 * (ErfcLow[i] + ErfcHigh[i]), half = 0.5 * (ErfcHigh[i] - ErfcLow[i]);
                    double s = (z - mid) / half, g = 0.0;
                    double[] c = ErfcFit[i];
                    for (int k = 0; k < c.Length; k++) g = g * s + c[k];
                    return Gauss(z, 1.0) * g;
                }
            }
            return 0.0;
        }

        private const double InvSqrt2 = 0.7071067811865476;
        private const double InvSqrt2Lo = -4.833646656726457e-17;
        private const double TwoOverSqrtPi = 1.1283791670955126;
        private const double InvSqrt2Pi = 0.3989422804014327;

        /// Phi(u) = erfc(z)/2 with z = -u/sqrt(2) carried as hi + lo, erfc(hi + lo) to first order.
        public static double Ndtr(double u)
        {
            double hi = -u * InvSqrt2;
            double lo = -ProductError(u, InvSqrt2) - u * InvSqrt2Lo;
            return 0.5 * (Erfc(hi) - lo * TwoOverSqrtPi * Math.Exp(-hi * hi));
        }

        public static double NdtrScaled(double u, double m) { return m * Ndtr(u); }

        public static double Npdf(double u) { return Gauss(u, 2.0) * InvSqrt2Pi; }

        public static double NpdfScaled(double u, double m)
        {
            double g = Gauss(u, 4.0);
            return ((m * InvSqrt2Pi) * g) * g;
        }

        /// P(x) = hi + lo in double-double by Horner; c holds (hi, lo) pairs, highest degree first;
        /// |x| clamped to 1e30 as in NumPy.
        public static double PolyDd(double x, double[] c, out double lo)
        {
            x = x < -1e30 ? -1e30 : (x > 1e30 ? 1e30 : x);
            double xh, xl;
            Split(x, out xh, out xl);
            double ph = c[0], pl = c[1];
            for (int i = 2; i + 1 < c.Length; i += 2)
            {
                double ch = c[i], cl = c[i + 1];
                double p = ph * x;
                double ah, al;
                Split(ph, out ah, out al);
                double e = ((ah * xh - p) + ah * xl + al * xh) + al * xl + pl * x;
                double s = p + ch;
                double bb = s - p;
                double f = (p - (s - bb)) + (ch - bb) + e + cl;
                ph = s + f;
                pl = f - (ph - s);
            }
            lo = pl;
            return ph;
        }

        /// exp(-|P(x)|/k) with P in double-double.
        public static double ExpNegAbsPoly(double x, double k, double[] c)
        {
            double lo;
            double hi = PolyDd(x, c, out lo);
            double sign = hi < 0 ? -1.0 : 1.0;
            return Math.Exp(-Math.Abs(hi) / k) * (1.0 - sign * lo / k);
        }

        /// m sigmoid(P(x)) with P in double-double (as symact_sigmoid_poly_scaled).
        public static double SigmoidPolyScaled(double m, double x, double[] c)
        {
            double lo;
            double hi = PolyDd(x, c, out lo);
            double sign = hi < 0 ? -1.0 : 1.0;
            double a = Math.Abs(hi);
            double e = Math.Exp(-a) * (1.0 - sign * lo);
            double num = hi >= 0 ? m : m * e;
            if (a > 700.0 && hi < 0)
            {
                double h = Math.Exp(-a / 2) * (1.0 - sign * lo / 2);
                num = (m * h) * h;
            }
            return num / (1.0 + e);
        }

        /// log y = hi + lo to about 100 bits for finite y > 0 (as symact_log_dd).
        public static double LogDd(double y, out double lo)
        {
            int e;
            double m = Frexp(y, out e);
            int low = m < SqrtHalf ? 1 : 0;
            if (low == 1) m = 2.0 * m;
            double ex = (double)(e - low);
            double f = m - 1.0;
            double dh = 2.0 + f;
            double dl = f - (dh - 2.0);
            double sh = f / dh;
            double pe;
            double p = TwoProd(sh, dh, out pe);
            double sl = (((f - p) - pe) - sh * dl) / dh;
            double zl;
            double zh = TwoProd(sh, sh, out zl);
            zh = DdAdd(zh, zl + 2.0 * sh * sl, 0.0, 0.0, out zl);
            double tail = 0.0;
            for (int k = AtanhTail.Length - 1; k >= 0; k--) tail = AtanhTail[k] + zh * tail;
            double ah = tail, al = 0.0;
            for (int k = AtanhDd.Length / 2 - 1; k >= 0; k--)
            {
                ah = DdMul(zh, zl, ah, al, out al);
                ah = DdAdd(AtanhDd[2 * k], AtanhDd[2 * k + 1], ah, al, out al);
            }
            double tl, ul, kl;
            double th = DdMul(zh, zl, ah, al, out tl);
            double uh = DdMul(sh, sl, th, tl, out ul);
            ah = DdAdd(sh, sl, uh, ul, out al);
            double kh = TwoProd(ex, Ln2Hi, out kl);
            return DdAdd(kh, kl + ex * Ln2Lo, 2.0 * ah, 2.0 * al, out lo);
        }

        /// y (log y - c), 0 at y = 0; log y in double-double where log y - c cancels.
        public static double XlogMinus(double y, double c)
        {
            bool pos = y > 0;
            double lg = Math.Log(pos ? y : 1.0);
            double d = pos ? lg - c : (y == 0 ? 0.0 : double.NaN);
            bool finite = !double.IsInfinity(y) && !double.IsNaN(c) && !double.IsInfinity(c);
            if (pos && finite && Math.Abs(d) < Math.Abs(lg))
            {
                double lo;
                double hi = LogDd(y, out lo);
                double s = hi - c;
                double bb = s - hi;
                double err = (hi - (s - bb)) + (-c - bb);
                d = s + (err + lo);
            }
            return y * d;
        }
"""


def _array(name: str, values: tuple[float, ...] | list[float]) -> str:
    return f"        private static readonly double[] {name} = {{{', '.join(repr(v) for v in values)}}};\n"


def _constants() -> str:
    small, fits = erfc_tables()
    from symact.codegen.csharp.erfc import INTERVALS

    rows = ",\n".join("            new double[] {" + ", ".join(repr(c) for c in fit) + "}" for fit in fits)
    return (
        f"\n        private const double SqrtHalf = {SQRT_HALF!r};\n"
        f"        private const double Ln2Hi = {LN2_DD[0]!r}, Ln2Lo = {LN2_DD[1]!r};\n"
        + _array("AtanhDd", [v for pair in ATANH_DD for v in pair])
        + _array("AtanhTail", list(ATANH_TAIL))
        + _array("ErfSmall", small)
        + _array("ErfcLow", [float(a) for a, _ in INTERVALS])
        + _array("ErfcHigh", [float(b) for _, b in INTERVALS])
        + f"        private static readonly double[][] ErfcFit = {{\n{rows}\n        }};\n"
    )


def cs_prelude() -> str:
    """The class ``Rt`` (inside ``namespace Symact``)."""
    return _RT + _constants() + "    }\n"
