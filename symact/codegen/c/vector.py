r"""C row routines of the vector kernels: the same stable shapes as ``symact.kernels._runtime``.

Each routine works on `rows` contiguous rows of `n` doubles and returns 0, or -1 when `n` is not a
valid size (0 for a normalised function, whose maximum is undefined; odd for a paired one), where
the NumPy kernels raise:

- ``int symact_NAME_rows(const double *x, double *out, size_t rows, size_t n)``: the forward
  kernel; `out` holds `rows` values for a reduction (logsumexp), `rows*n/2` for a paired function
  (GLU), `rows*n` otherwise;
- ``int symact_NAME_vjp_rows(const double *x, const double *g, double *out, size_t rows, size_t n)``:
  $g^T J$ row by row; `g` is shaped like the forward output, `out` like `x`.

A normalised function shifts by the row's maximum with the rounding error of $z - m$ kept (TwoSum);
as in the NumPy routines, an entry at $-\infty$ is a masked class of weight 0, an entry so far below
the maximum that $z - m$ overflows has weight 0 too (and log-softmax $-\infty$, its rounded value),
a row holding nan gives nan, a row holding $+\infty$ gives its limit in softmax and log_softmax (the
$+\infty$ entries take all the mass; nan at them when there are several) and nan in the VJPs
(logsumexp: $+\infty$), and a row that is all $-\infty$ gives nan (logsumexp: $-\infty$). The VJPs
apply their formula to those values, as the NumPy kernels do. A paired function is its element-wise
kernel of the two halves (nan where either is nan). The VJP of a normalised function is $g_k D(a_k)
+ Q(a_k) \sum_i g_i P(a_i)$ from the Jacobian split, written $p_k(\alpha g_k + \gamma s) + (\beta
g_k + \delta s)$ when D and Q are linear in p = softmax (the product with $p_k$ by
``symact_softmax_scaled_row``, no early underflow), or $g$ times its gradient routine for a
reduction. Where the class k of the row's maximum has $p_k$ rounding to 1, nothing cancels: a VJP
unchanged by a constant added to g (softmax's) takes $g - g_k$ (``symact_cotangent_shift``), and
$\beta(g - p \sum g)$ (log_softmax's, and cross-entropy's gradient) forms $1 - p_k$ from the other
entries (``symact_softmax_complement_row``). The C routines take `g` as contiguous rows shaped like
the output; broadcasting a cotangent is the caller's work (the NumPy kernels do it).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import sympy as sp

from symact import catalogue
from symact.codegen.c.printer import CKernelPrinter
from symact.codegen.rules import rewrite
from symact.codegen.vector import (
    NormalisedForm,
    PairedForm,
    complement_factor,
    linear_in_p,
    probability_split,
    recognise,
)

if TYPE_CHECKING:
    from symact.codegen.c.function import CFunction
    from symact.codegen.generate import Generation

__all__ = ["ROW_PRELUDE", "vector_functions"]

ROW_PRELUDE = r"""
/* A row z = c x: 0 when its maximum is finite (entries at -inf are masked classes of weight 0),
   1 when it holds nan, 3 when it holds +inf and no nan (logsumexp: +inf; the others: nan), 2 when
   every entry is -inf. */
static inline int symact_row_kind(const double *x, double c, size_t n) {
    int all_masked = 1, pos_inf = 0;
    for (size_t i = 0; i < n; i++) {
        const double z = c * x[i];
        if (isnan(z)) return 1;
        if (z == INFINITY) pos_inf = 1;
        if (z != -INFINITY) all_masked = 0;
    }
    return pos_inf ? 3 : (all_masked ? 2 : 0);
}

static inline void symact_row_fill(double *out, size_t n, double value) {
    for (size_t i = 0; i < n; i++) out[i] = value;
}

/* m = max_i c x_i and the first index where it is reached. */
static inline double symact_row_max(const double *x, double c, size_t n, size_t *arg) {
    double m = c * x[0];
    *arg = 0;
    for (size_t i = 1; i < n; i++) {
        if (c * x[i] > m) {
            m = c * x[i];
            *arg = i;
        }
    }
    return m;
}

/* d = z - m rounded and lo its rounding error (TwoSum): z - m = d + lo exactly; -inf, 0 for a
   masked entry (z = -inf) and where the spread exceeds the float range (z - m rounds to -inf). */
static inline double symact_shift(double z, double m, double *lo) {
    double d = z - m;
    if (d == -INFINITY) {
        *lo = 0.0;
        return -INFINITY;
    }
    double bb = d - z;
    *lo = (z - (d - bb)) + (-m - bb);
    return d;
}

/* e^{z - m} with the TwoSum error applied: e^d (1 + lo). */
static inline double symact_exp_shifted(double z, double m) {
    double lo;
    double d = symact_shift(z, m, &lo);
    return exp(d) * (1.0 + lo);
}

/* sum_{i != arg max} e^{z_i - m}: the sum without the term that is exactly 1. */
static inline double symact_others(const double *x, double c, double m, size_t k, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) if (i != k) s += symact_exp_shifted(c * x[i], m);
    return s;
}

/* softmax(c x), or with logs log_softmax(c x), of a row holding +inf and no nan: the limit, the +inf
   entries taking all the mass (1 and 0, or 0 and -inf), and nan at the +inf entries when there are
   several (no limit there). */
static inline void symact_pos_inf_row(const double *x, double c, double *out, size_t n, int logs) {
    size_t count = 0;
    for (size_t i = 0; i < n; i++) count += c * x[i] == INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (c * x[i] == INFINITY) out[i] = count > 1 ? NAN : (logs ? 0.0 : 1.0);
        else out[i] = logs ? -INFINITY : 0.0;
    }
}

/* softmax(c x) of one row into out (nan for a row with nan, or all -inf; the limit with +inf). */
static inline void symact_softmax_row(const double *x, double c, double *out, size_t n) {
    const int kind = symact_row_kind(x, c, n);
    if (kind == 3) {
        symact_pos_inf_row(x, c, out, n, 0);
        return;
    }
    if (kind != 0) {
        symact_row_fill(out, n, NAN);
        return;
    }
    size_t k;
    double m = symact_row_max(x, c, n, &k);
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        out[i] = symact_exp_shifted(c * x[i], m);
        s += out[i];
    }
    for (size_t i = 0; i < n; i++) out[i] = out[i] / s;
}

/* log_softmax of the entry z of a row with maximum m and l = log1p(others): (z - m) - (l - lo). */
static inline double symact_log_softmax_at(double z, double m, double l) {
    double lo;
    double d = symact_shift(z, m, &lo);
    return d - (l - lo);
}

/* log_softmax / 2 of the entry z of a row with maximum m and l = log1p(others), as
   (z/2 - m/2) - (l/2 - lo) with lo the TwoSum error of z/2 - m/2: finite where z - m overflows. */
static inline double symact_log_softmax_half_at(double z, double m, double l) {
    if (z == -INFINITY) return -INFINITY;
    const double a = 0.5 * z, b = 0.5 * m;
    const double d = a - b;
    const double bb = d - a;
    const double lo = (a - (d - bb)) + (-b - bb);
    return d - (0.5 * l - lo);
}

/* log_softmax(c x) of one row; nan and the limit with +inf as softmax. */
static inline void symact_log_softmax_row(const double *x, double c, double *out, size_t n) {
    const int kind = symact_row_kind(x, c, n);
    if (kind == 3) {
        symact_pos_inf_row(x, c, out, n, 1);
        return;
    }
    if (kind != 0) {
        symact_row_fill(out, n, NAN);
        return;
    }
    size_t k;
    double m = symact_row_max(x, c, n, &k);
    double l = log1p(symact_others(x, c, m, k, n));
    for (size_t i = 0; i < n; i++) out[i] = symact_log_softmax_at(c * x[i], m, l);
}

/* logsumexp(c x) of one row: m + log1p(others); nan with nan, +inf with +inf, -inf when all are
   -inf. */
static inline void symact_logsumexp_row(const double *x, double c, double *out, size_t n) {
    const int kind = symact_row_kind(x, c, n);
    if (kind != 0) {
        out[0] = kind == 1 ? NAN : (kind == 3 ? INFINITY : -INFINITY);
        return;
    }
    size_t k;
    double m = symact_row_max(x, c, n, &k);
    out[0] = m + log1p(symact_others(x, c, m, k, n));
}

/* f(u, v, g) of a paired VJP; where it is not finite for finite inputs (g u overflowed),
   f(u, v, g 2^-k) 2^k with 2^-k taking g u below the overflow threshold (_rt._scaled_cotangent). */
static inline double symact_pair_cotangent(double (*f)(double, double, double), double u, double v,
                                           double g) {
    const double r = f(u, v, g);
    if (isfinite(r) || !isfinite(u) || !isfinite(v) || !isfinite(g)) return r;
    int eg, eu;
    (void)frexp(g, &eg);
    (void)frexp(u, &eu);
    const int k = eg + eu - 1020 > 0 ? eg + eu - 1020 : 0;
    return ldexp(f(u, v, ldexp(g, -k)), k);
}

/* coef e^{z - m} / s as symact_softmax_scaled_row forms it: ((coef e^{d/2}) e^{d/2}) (1 + lo) / s where
   d = z - m < -700, coef ((e^d (1 + lo)) / s) elsewhere. */
static inline double symact_scaled_at(double z, double m, double s, double coef) {
    double lo;
    const double d = symact_shift(z, m, &lo);
    if (d < -700.0) {
        const double h = exp(d / 2);
        return ((coef * h) * h) * (1.0 + lo) / s;
    }
    return coef * ((exp(d) * (1.0 + lo)) / s);
}

/* coef_i softmax(c x)_i of one row into out (out may be coef): coef_i (e^d (1 + lo) / S), and
   ((coef_i e^{d/2}) e^{d/2}) (1 + lo) / S where d < -700, so that a tiny probability times a large
   coefficient does not underflow early; nan rows as softmax. */
static inline void symact_softmax_scaled_row(const double *x, double c, const double *coef, double *out,
                                             size_t n) {
    if (symact_row_kind(x, c, n) != 0) {
        symact_row_fill(out, n, NAN);
        return;
    }
    size_t k;
    const double m = symact_row_max(x, c, n, &k);
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += symact_exp_shifted(c * x[i], m);
    for (size_t i = 0; i < n; i++) out[i] = symact_scaled_at(c * x[i], m, s, coef[i]);
}

/* The shift of a cotangent row for a VJP unchanged by a constant added to g (softmax's): g_k, k the
   class of the maximum of c x, so that g - g_k is 0 there; 0 (no shift) where g - g_k is not finite
   (_rt.shifted_cotangent). */
static inline double symact_cotangent_shift(const double *x, double c, const double *g, size_t n) {
    size_t k;
    (void)symact_row_max(x, c, n, &k);
    const double gk = g[k];
    for (size_t i = 0; i < n; i++) if (!isfinite(g[i] - gk)) return 0.0;
    return gk;
}

/* g - p sum(g), p = softmax(c x), into out (out may be g): at the class k of the maximum
   g_k o - p_k sum_{j != k} g_j with o = sum_{j != k} p_j formed from the other entries; elsewhere
   g_j + p_j (-sum g) (_rt.softmax_complement); the products with p as symact_softmax_scaled_row. */
static inline void symact_softmax_complement_row(const double *x, double c, const double *g, double *out,
                                                 size_t n) {
    if (symact_row_kind(x, c, n) != 0) {
        symact_row_fill(out, n, NAN);
        return;
    }
    size_t k;
    const double m = symact_row_max(x, c, n, &k);
    double s = 0.0, total = 0.0, rest = 0.0;
    for (size_t i = 0; i < n; i++) {
        s += symact_exp_shifted(c * x[i], m);
        total += g[i];
        rest += i == k ? 0.0 : g[i];
    }
    double go = 0.0;
    for (size_t i = 0; i < n; i++) go += i == k ? 0.0 : symact_scaled_at(c * x[i], m, s, g[k]);
    const double top = go - symact_scaled_at(c * x[k], m, s, rest);
    for (size_t i = 0; i < n; i++) out[i] = i == k ? top : symact_scaled_at(c * x[i], m, s, -total) + g[i];
}
"""

_ROWS = "const double *x, double *out, size_t rows, size_t n"
_VJP_ROWS = "const double *x, const double *g, double *out, size_t rows, size_t n"


@functools.lru_cache(maxsize=64)
def _shape(record: str) -> NormalisedForm | PairedForm | None:
    return recognise(catalogue.get(record))


@functools.lru_cache(maxsize=64)
def _gradient(record: str) -> tuple[str, int] | None:
    from symact.codegen.vector_gen import gradient_routine as _gradient_routine

    return _gradient_routine(catalogue.get(record))


def _c(v: float | int) -> str:
    return "1.0" if v == 1 else "-1.0"


def _row_into(routine: str, c: int, out: str) -> str:
    """The statement writing routine(c x_row) into `out`."""
    return f"symact_{routine}_row(xr, {_c(c)}, {out}, n);"


def _normalised_fwd(name: str, shape: NormalisedForm) -> tuple[str, str]:
    width = "1" if shape.rule.reduces else "n"
    body = (
        f"int symact_{name}_rows({_ROWS}) {{\n"
        "    if (n == 0) return -1;\n"
        "    for (size_t r = 0; r < rows; r++) {\n"
        f"        const double *xr = x + r * n;\n        double *o = out + r * {width};\n"
        f"        {_row_into(shape.rule.routine, shape.scale, 'o')}\n"
        "    }\n    return 0;\n}\n"
    )
    return f"int symact_{name}_rows({_ROWS});\n", body


def _normalised_vjp(name: str, record: str, shape: NormalisedForm) -> tuple[str, str] | None:
    p = CKernelPrinter()
    head = (
        f"int symact_{name}_rows({_VJP_ROWS}) {{\n"
        "    if (n == 0) return -1;\n"
        "    for (size_t r = 0; r < rows; r++) {\n"
        "        const double *xr = x + r * n;\n        double *o = out + r * n;\n"
    )
    if shape.vjp_diag is not None and shape.vjp_p is not None and shape.vjp_q is not None:
        split = probability_split(shape)
        diag, pp, q = (p.doprint(e) for e in (shape.vjp_diag, shape.vjp_p, shape.vjp_q))
        p_lin = linear_in_p(shape, shape.vjp_p) if split is not None else None
        uses_a = split is None or shape.vjp_p.has(sp.Symbol("a", real=True))
        inner = "        const double *gr = g + r * n;\n"
        beta = complement_factor(shape)
        if beta is not None:  # beta (g - p sum(g)), 1 - p_k formed from the other entries
            inner += f"        symact_softmax_complement_row(xr, {_c(shape.scale)}, gr, o, n);\n"
            if beta != 1:
                inner += f"        for (size_t i = 0; i < n; i++) o[i] = ({p.doprint(beta)}) * o[i];\n"
            return f"int symact_{name}_rows({_VJP_ROWS});\n", head + inner + "    }\n    return 0;\n}\n"
        if shape.shift_invariant:  # g^T J = (g - g_k)^T J, k the class of the maximum
            inner += f"        const double sh = symact_cotangent_shift(xr, {_c(shape.scale)}, gr, n);\n"
        gk = "gr[i] - sh" if shape.shift_invariant else "gr[i]"
        if p_lin is not None and p_lin[0] != 0:  # s = sum(g (pi p + rho)), g p by softmax_scaled
            gv = sp.Symbol("gi", real=True)
            inner += (
                f"        for (size_t i = 0; i < n; i++) {{\n            const double gi = {gk};\n"
                f"            o[i] = {p.doprint(p_lin[0] * gv)};\n        }}\n"
                f"        symact_softmax_scaled_row(xr, {_c(shape.scale)}, o, o, n);\n"
                "        double s = 0.0;\n        for (size_t i = 0; i < n; i++) {\n"
                f"            const double gi = {gk};\n            (void)gi;\n"
                + (
                    f"            s += o[i] + ({p.doprint(p_lin[1] * gv)});\n"
                    if p_lin[1] != 0
                    else "            s += o[i];\n"
                )
                + "        }\n"
            )
        else:
            inner += f"        {_row_into(shape.rule.routine, shape.scale, 'o')}\n" if uses_a else ""
            inner += "        double s = 0.0;\n        for (size_t i = 0; i < n; i++) {\n" + (
                "            const double a = o[i];\n            (void)a;\n" if uses_a else ""
            )
            inner += f"            s += ({gk}) * ({pp});\n        }}\n"
        if split is None:
            inner += (
                "        for (size_t i = 0; i < n; i++) {\n"
                f"            const double a = o[i];\n            o[i] = ({gk}) * ({diag}) + ({q}) * s;\n"
                "        }\n"
            )
        else:
            alpha, beta, gamma, delta = split
            gi, sv = sp.Symbol("gi", real=True), sp.Symbol("s", real=True)
            coef, rest = p.doprint(alpha * gi + gamma * sv), beta * gi + delta * sv
            each = f"        for (size_t i = 0; i < n; i++) {{\n            const double gi = {gk};\n"
            inner += (
                f"{each}            (void)gi;\n            o[i] = {coef};\n        }}\n"
                f"        symact_softmax_scaled_row(xr, {_c(shape.scale)}, o, o, n);\n"
            )
            if rest != 0:
                add = f"o[i] + ({p.doprint(rest)})"
                inner += f"{each}            (void)gi;\n            o[i] = {add};\n        }}\n"
    else:
        grad = _gradient(record)
        if grad is None or grad[0] == "logsumexp":
            return None
        routine, c = grad
        if routine == "softmax":
            inner = (
                "        for (size_t i = 0; i < n; i++) o[i] = g[r];\n"
                f"        symact_softmax_scaled_row(xr, {_c(c)}, o, o, n);\n"
            )
        else:
            inner = (
                f"        {_row_into(routine, c, 'o')}\n"
                "        for (size_t i = 0; i < n; i++) o[i] = g[r] * o[i];\n"
            )
    return f"int symact_{name}_rows({_VJP_ROWS});\n", head + inner + "    }\n    return 0;\n}\n"


def _pair_kernel(fname: str, expr: sp.Expr, u: sp.Symbol, cotangent: bool = False) -> str:
    """``static double fname(double u, double v)`` evaluating the rewritten `expr` (with `cotangent`,
    a third argument ``double g``)."""
    from symact.codegen.c.function import kernel_lines

    args = "double u, double v" + (", double g" if cotangent else "")
    lines = [f"static double {fname}({args}) {{", "    (void)u;", "    (void)v;"]
    return "\n".join([*lines, *kernel_lines(expr, u)]) + "\n}\n\n"


def _canon(expr: sp.Expr, shape: PairedForm) -> sp.Expr:
    """`expr` in symbols named u and v (the C function's arguments)."""
    u, v = sp.Symbol("u", real=True), sp.Symbol("v", real=True)
    return expr.xreplace({shape.u: u, shape.v: v})


def _paired_fwd(name: str, shape: PairedForm) -> tuple[str, str]:
    h = _canon(rewrite(shape.h)[0], shape)
    body = _pair_kernel(f"symact_{name}_pair", h, sp.Symbol("u", real=True)) + (
        f"int symact_{name}_rows({_ROWS}) {{\n"
        "    if (n % 2) return -1;\n"
        "    const size_t h = n / 2;\n"
        "    for (size_t r = 0; r < rows; r++) {\n"
        "        for (size_t i = 0; i < h; i++) {\n"
        "            const double u = x[r * n + i], v = x[r * n + h + i];\n"
        f"            out[r * h + i] = (isnan(u) || isnan(v)) ? NAN : symact_{name}_pair(u, v);\n"
        "        }\n    }\n    return 0;\n}\n"
    )
    return f"int symact_{name}_rows({_ROWS});\n", body


def _paired_vjp(name: str, fwd: str, shape: PairedForm) -> tuple[str, str]:
    u, g = sp.Symbol("u", real=True), sp.Symbol("g", real=True)
    du, dv = (_canon(rewrite(g * sp.diff(shape.h, s))[0], shape) for s in (shape.u, shape.v))
    body = (
        _pair_kernel(f"symact_{fwd}_du", du, u, cotangent=True)
        + _pair_kernel(f"symact_{fwd}_dv", dv, u, cotangent=True)
        + f"int symact_{name}_rows({_VJP_ROWS}) {{\n"
        "    if (n % 2) return -1;\n"
        "    const size_t h = n / 2;\n"
        "    for (size_t r = 0; r < rows; r++) {\n"
        "        for (size_t i = 0; i < h; i++) {\n"
        "            const double u = x[r * n + i], v = x[r * n + h + i], gi = g[r * h + i];\n"
        "            const int bad = isnan(u) || isnan(v);\n"
        f"            out[r * n + i] = bad ? NAN : symact_pair_cotangent(symact_{fwd}_du, u, v, gi);\n"
        f"            out[r * n + h + i] = bad ? NAN : symact_pair_cotangent(symact_{fwd}_dv, u, v, gi);\n"
        "        }\n    }\n    return 0;\n}\n"
    )
    return f"int symact_{name}_rows({_VJP_ROWS});\n", body


def vector_functions(gen: Generation) -> list[CFunction]:
    """The row routines of `gen`'s verified vector kernels (forward and VJP)."""
    from symact.codegen.c.function import CFunction

    out = []
    for r in gen.results:
        if not r.ok or r.record.kind != "vector" or r.plan.role not in ("fwd", "vjp"):
            continue
        shape = _shape(r.record.name)
        made: tuple[str, str] | None = None
        if isinstance(shape, NormalisedForm):
            if r.plan.role == "fwd":
                made = _normalised_fwd(r.plan.name, shape)
            else:
                made = _normalised_vjp(r.plan.name, r.record.name, shape)
        elif isinstance(shape, PairedForm):
            fwd = _paired_fwd if r.plan.role == "fwd" else None
            made = fwd(r.plan.name, shape) if fwd else _paired_vjp(r.plan.name, r.record.name, shape)
        if made is not None:
            out.append(CFunction(r.plan.name, "vector", made[0], made[1]))
    return out


shape = _shape  # public name (used by symact.codegen.c.check)
