"""The hand-written C routines the generated kernels call: twins of ``symact.kernels._runtime``.

Each routine evaluates what its NumPy twin evaluates, operation for operation (the same splits,
TwoSum and Dekker products, the same constants), so that the C kernels round as the verified NumPy
kernels do; ``-std=c99`` keeps the compiler from contracting them into fused multiply-adds.
"""

from __future__ import annotations

from symact.codegen.c.vector import ROW_PRELUDE
from symact.kernels.constants import ATANH_DD, ATANH_TAIL, LN2_DD, SQRT_HALF

__all__ = ["C_PRELUDE", "c_prelude"]

C_PRELUDE = r"""
#include <math.h>
#include <stddef.h>

#include "symact_kernels.h"

/* max/min that propagate NaN, as numpy.maximum/numpy.minimum do (fmax/fmin drop it). */
static inline double symact_max(double a, double b) { return (a > b || isnan(a)) ? a : b; }
static inline double symact_min(double a, double b) { return (a < b || isnan(a)) ? a : b; }
/* copysign(inf, c), and 0 at c = 0: the limit of c*g for g -> inf (symact.codegen.routines) */
static inline double symact_signed_inf(double c) { return c == 0 ? 0.0 : copysign(INFINITY, c); }

/* Phi(u) = erfc(z)/2 with z = -u/sqrt(2) carried as hi + lo (fma), erfc(hi + lo) to first order. */
static const double SYMACT_INV_SQRT2 = 0.7071067811865476;
static const double SYMACT_INV_SQRT2_LO = -4.833646656726457e-17;
static const double SYMACT_TWO_OVER_SQRT_PI = 1.1283791670955126;
static const double SYMACT_INV_SQRT_2PI = 0.3989422804014327;

static inline double symact_ndtr(double u) {
    double hi = -u * SYMACT_INV_SQRT2;
    double lo = fma(-u, SYMACT_INV_SQRT2, -hi) - u * SYMACT_INV_SQRT2_LO;
    return 0.5 * (erfc(hi) - lo * SYMACT_TWO_OVER_SQRT_PI * exp(-hi * hi));
}

static inline double symact_ndtr_scaled(double u, double m) { return m * symact_ndtr(u); }

/* exp(-u^2/k) with u^2 = hi + lo exactly (fma). */
static inline double symact_gauss(double u, double k) {
    double a = fmin(fabs(u), 1.0e5);
    double hi = a * a;
    double lo = fma(a, a, -hi);
    return exp(-hi / k) * (1.0 - lo / k);
}

static inline double symact_npdf(double u) { return symact_gauss(u, 2.0) * SYMACT_INV_SQRT_2PI; }

static inline double symact_npdf_scaled(double u, double m) {
    double g = symact_gauss(u, 4.0);
    return ((m * SYMACT_INV_SQRT_2PI) * g) * g;
}

/* a = hi + lo with 26-bit halves (Veltkamp); |a| well below 1e300. */
static inline void symact_split(double a, double *hi, double *lo) {
    double t = a * 134217729.0;
    *hi = t - (t - a);
    *lo = a - *hi;
}

/* a*b = p + e exactly (Dekker's product). */
static inline double symact_two_prod(double a, double b, double *e) {
    const double p = a * b;
    double ah, al, bh, bl;
    symact_split(a, &ah, &al);
    symact_split(b, &bh, &bl);
    *e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
    return p;
}

/* (ah + al) + (bh + bl) as a double-double. */
static inline double symact_dd_add(double ah, double al, double bh, double bl, double *lo) {
    const double s = ah + bh;
    const double bb = s - ah;
    const double e = ((ah - (s - bb)) + (bh - bb)) + (al + bl);
    const double h = s + e;
    *lo = e - (h - s);
    return h;
}

/* (ah + al)(bh + bl) as a double-double. */
static inline double symact_dd_mul(double ah, double al, double bh, double bl, double *lo) {
    double e;
    const double p = symact_two_prod(ah, bh, &e);
    e = e + (ah * bl + al * bh);
    const double h = p + e;
    *lo = e - (h - p);
    return h;
}

/* P(x) = hi + lo in double-double by Horner (Dekker's product, TwoSum); c holds the n/2
   coefficients as (hi, lo) pairs, highest degree first; |x| clamped to 1e30 as in NumPy. */
static inline double symact_poly_dd(double x, const double *c, size_t n, double *lo) {
    x = x < -1e30 ? -1e30 : (x > 1e30 ? 1e30 : x);
    double xh, xl;
    symact_split(x, &xh, &xl);
    double ph = c[0], pl = c[1];
    for (size_t i = 2; i + 1 < n; i += 2) {
        const double ch = c[i], cl = c[i + 1];
        const double p = ph * x;
        double ah, al;
        symact_split(ph, &ah, &al);
        const double e = ((ah * xh - p) + ah * xl + al * xh) + al * xl + pl * x;
        const double s = p + ch;
        const double bb = s - p;
        const double f = (p - (s - bb)) + (ch - bb) + e + cl;
        ph = s + f;
        pl = f - (ph - s);
    }
    *lo = pl;
    return ph;
}

/* exp(-|P(x)|/k) with P in double-double; k = 1 or 2. */
static inline double symact_exp_neg_abs_poly(double x, double k, const double *c, size_t n) {
    double lo;
    const double hi = symact_poly_dd(x, c, n, &lo);
    const double sign = hi < 0 ? -1.0 : 1.0;
    return exp(-fabs(hi) / k) * (1.0 - sign * lo / k);
}

/* m sigmoid(P(x)) with P in double-double: m/(1 + e) for P >= 0, m e/(1 + e) below, e = e^{-|P|};
   for |P| > 700 on the left the product is (m e^{-|P|/2}) e^{-|P|/2}. */
static inline double symact_sigmoid_poly_scaled(double m, double x, const double *c, size_t n) {
    double lo;
    const double hi = symact_poly_dd(x, c, n, &lo);
    const double sign = hi < 0 ? -1.0 : 1.0;
    const double a = fabs(hi);
    const double e = exp(-a) * (1.0 - sign * lo);
    double num = hi >= 0 ? m : m * e;
    if (a > 700.0 && hi < 0) {
        const double h = exp(-a / 2) * (1.0 - sign * lo / 2);
        num = (m * h) * h;
    }
    return num / (1.0 + e);
}
"""

_LOG_DD = r"""
/* log y = hi + lo to about 100 bits for finite y > 0: y = m 2^e, m in [sqrt(1/2), sqrt(2)),
   log m = 2 atanh s with s = (m - 1)/(m + 1) a double-double quotient, 2 atanh s = 2s(1 + z P(z)),
   z = s^2, the first coefficients of P in double-double, the rest in double. */
static inline double symact_log_dd(double y, double *lo) {
    int e;
    double m = frexp(y, &e);
    const int low = m < SQRT_HALF;
    if (low) m = 2.0 * m;
    const double ex = (double)(e - low);
    const double f = m - 1.0;
    const double dh = 2.0 + f;
    const double dl = f - (dh - 2.0);
    const double sh = f / dh;
    double pe;
    const double p = symact_two_prod(sh, dh, &pe);
    const double sl = (((f - p) - pe) - sh * dl) / dh;
    double zl;
    double zh = symact_two_prod(sh, sh, &zl);
    zh = symact_dd_add(zh, zl + 2.0 * sh * sl, 0.0, 0.0, &zl);
    double tail = 0.0;
    for (size_t k = sizeof ATANH_TAIL / sizeof ATANH_TAIL[0]; k-- > 0;) tail = ATANH_TAIL[k] + zh * tail;
    double ah = tail, al = 0.0;
    for (size_t k = sizeof ATANH_DD / sizeof ATANH_DD[0]; k-- > 0;) {
        ah = symact_dd_mul(zh, zl, ah, al, &al);
        ah = symact_dd_add(ATANH_DD[k][0], ATANH_DD[k][1], ah, al, &al);
    }
    double tl, ul, kl;
    const double th = symact_dd_mul(zh, zl, ah, al, &tl);
    const double uh = symact_dd_mul(sh, sl, th, tl, &ul);
    ah = symact_dd_add(sh, sl, uh, ul, &al);
    const double kh = symact_two_prod(ex, LN2_HI, &kl);
    return symact_dd_add(kh, kl + ex * LN2_LO, 2.0 * ah, 2.0 * al, lo);
}

/* y (log y - c), 0 at y = 0; log y in double-double where log y - c cancels (|log y - c| < |log y|). */
static inline double symact_xlog_minus(double y, double c) {
    const int pos = y > 0;
    const double lg = log(pos ? y : 1.0);
    double d = pos ? lg - c : (y == 0 ? 0.0 : NAN);
    if (pos && isfinite(y) && isfinite(c) && fabs(d) < fabs(lg)) {
        double lo;
        const double hi = symact_log_dd(y, &lo);
        const double s = hi - c;
        const double bb = s - hi;
        const double err = (hi - (s - bb)) + (-c - bb);
        d = s + (err + lo);
    }
    return y * d;
}
"""


def _log_dd_constants() -> str:
    """The constants of ``_rt.log_dd`` (the same doubles), as C declarations."""
    pairs = ", ".join(f"{{{hi!r}, {lo!r}}}" for hi, lo in ATANH_DD)
    tail = ", ".join(repr(c) for c in ATANH_TAIL)
    return (
        f"\nstatic const double SQRT_HALF = {SQRT_HALF!r};\n"
        f"static const double LN2_HI = {LN2_DD[0]!r}, LN2_LO = {LN2_DD[1]!r};\n"
        f"static const double ATANH_DD[][2] = {{{pairs}}};\n"
        f"static const double ATANH_TAIL[] = {{{tail}}};\n"
    )


def c_prelude(*, rows: bool) -> str:
    """The routines of every kernel, and with `rows` those of the vector kernels."""
    return C_PRELUDE + _log_dd_constants() + _LOG_DD + (ROW_PRELUDE if rows else "")
