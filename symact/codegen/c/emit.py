"""C99 source of the verified kernels: ``symact_kernels.h`` and ``symact_kernels.c``.

- an activation kernel ``NAME`` becomes ``double symact_NAME(double x, <params>)`` and
  ``void symact_NAME_array(const double *x, double *out, size_t n, <params>)``;
- a loss kernel becomes ``double symact_NAME(double a, double y, <params>)`` and
  ``void symact_NAME_array(const double *a, const double *y, double *out, size_t n, <params>)``:
  nan when a or y is nan, as ``_rt.elementwise2`` does;
- a vector kernel becomes a row routine (:mod:`symact.codegen.c.vector`).

Every kernel is printed from the same rewritten expression the NumPy kernel was verified with,
lowered by the same templates; kernels that the NumPy backend evaluates by their limits at +-inf get
the same treatment here.  Only kernels the NumPy generator kept are printed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from symact import catalogue
from symact.codegen.c.printer import CKernelPrinter, _c_literal
from symact.codegen.c.vector import ROW_PRELUDE, vector_functions
from symact.codegen.emit import HEADER
from symact.codegen.generate import Generation, KernelResult
from symact.codegen.lower import Builder, lower

__all__ = ["C_PRELUDE", "CFunction", "c_function", "c_functions", "c_sources", "kernel_lines"]

C_PRELUDE = r"""
#include <math.h>
#include <stddef.h>

#include "symact_kernels.h"

/* max/min that propagate NaN, as numpy.maximum/numpy.minimum do (fmax/fmin drop it). */
static inline double symact_max(double a, double b) { return (a > b || isnan(a)) ? a : b; }
static inline double symact_min(double a, double b) { return (a < b || isnan(a)) ? a : b; }

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


_USAGE = """/* Element-wise: double symact_NAME(double x, <params>) and
   void symact_NAME_array(const double *x, double *out, size_t n, <params>).
   Losses: double symact_NAME(double a, double y, <params>) and
   void symact_NAME_array(const double *a, const double *y, double *out, size_t n, <params>);
   nan when a or y is nan.
   Vector kernels, on `rows` contiguous rows of n doubles:
   int symact_NAME_rows(const double *x, double *out, size_t rows, size_t n) and
   int symact_NAME_vjp_rows(const double *x, const double *g, double *out, size_t rows, size_t n);
   0, or -1 when n is no valid row length (0; odd for GLU).
   Parameters come in the catalogue's order (their defaults are those of symact.kernels); every
   kernel meets the accuracy targets of its NumPy twin (symact/kernels/ACCURACY.md), checked against
   correctly rounded references before this file is written. */

"""


@dataclass(frozen=True)
class CFunction:
    """One C kernel: its public name, group (``activation``, ``loss``, ``vector``), declarations and
    definitions (the definition text is what the freshness of ``csrc`` is checked against)."""

    name: str
    group: str
    declaration: str
    definition: str


def _params(record: str) -> list[tuple[sp.Symbol, sp.Expr]]:
    return [(p.symbol, p.default) for p in catalogue.get(record).params]


def _limit_text(v: sp.Expr | None, p: CKernelPrinter) -> str:
    if v is None:
        return "NAN"
    v = sp.sympify(v)
    return p.doprint(v) if v.free_symbols else _c_literal(v)


def kernel_lines(expr: sp.Expr, var: sp.Symbol) -> list[str]:
    """The C statements evaluating the rewritten `expr` in `var`: let-bound steps, then ``return``."""
    p = CKernelPrinter()
    builder = Builder()
    result = lower(expr, builder, var)
    needed = set(result.free_symbols)
    used = []
    for sym, value in reversed(builder.steps):  # a step no later one reads is dropped (-Wunused)
        if sym in needed:
            used.append((sym, value))
            needed |= value.free_symbols
    lines = [f"    const double {sym} = {p.doprint(value)};" for sym, value in reversed(used)]
    return [*lines, f"    return {p.doprint(result)};"]


def _body(r: KernelResult, inputs: list[str], names: list[str], p: CKernelPrinter) -> list[str]:
    assert r.chosen is not None
    var = inputs[0]
    body = [f"    (void){n};" for n in [*inputs, *names]]
    if r.plan.extra:  # a loss: nan in either input gives nan (_rt.elementwise2)
        body.append(f"    if ({' || '.join(f'isnan({n})' for n in inputs)}) return NAN;")
    elif r.guarded:
        body.append(f"    if (isnan({var})) return {var};")
    if r.guarded:
        neg, pos = (_limit_text(v, p) for v in r.limits)
        body.append(f"    if (isinf({var})) return {var} > 0 ? {pos} : {neg};")
    return body + kernel_lines(r.chosen.expr, r.plan.var)


def c_function(r: KernelResult) -> CFunction:
    """The scalar and array C functions of one verified element-wise or loss kernel."""
    p = CKernelPrinter()
    inputs = [r.plan.var.name, *[e.name for e in r.plan.extra]]
    names = [s.name for s, _ in _params(r.record)]
    doubles = [f"double {n}" for n in names]
    scalar_args = ", ".join([*[f"double {v}" for v in inputs], *doubles])
    array_args = ", ".join([*[f"const double *{v}" for v in inputs], "double *out", "size_t n", *doubles])
    call_args = ", ".join([*[f"{v}[i]" for v in inputs], *names])
    name = f"symact_{r.plan.name}"
    decl = f"double {name}({scalar_args});\nvoid {name}_array({array_args});\n"
    definition = (
        f"double {name}({scalar_args}) {{\n" + "\n".join(_body(r, inputs, names, p)) + "\n}\n\n"
        f"void {name}_array({array_args}) {{\n"
        f"    for (size_t i = 0; i < n; i++) out[i] = {name}({call_args});\n}}\n"
    )
    return CFunction(r.plan.name, "loss" if r.plan.extra else "activation", decl, definition)


def _elementwise(gen: Generation) -> list[CFunction]:
    out = []
    for r in gen.results:
        if not r.ok or r.chosen is None or r.plan.role not in ("fwd", "grad", "grad_from_output"):
            continue
        if catalogue.get(r.record).kind in ("elementwise", "loss"):
            out.append(c_function(r))
    return out


_GROUPS: tuple[Callable[[Generation], list[CFunction]], ...] = (_elementwise, vector_functions)
"""Each group's C functions from a generation, in the order they are written."""


def c_functions(gen: Generation) -> list[CFunction]:
    """Every C function of `gen`'s verified kernels."""
    return [f for group in _GROUPS for f in group(gen)]


def c_sources(gen: Generation, functions: list[CFunction] | None = None) -> tuple[str, str]:
    """(header text, source text) for every verified element-wise, loss and vector kernel of `gen`."""
    funcs = c_functions(gen) if functions is None else functions
    banner = "/* " + HEADER.replace("# ", "").replace("\n", "\n   ").rstrip() + " */\n"
    header = (
        banner
        + "#ifndef SYMACT_KERNELS_H\n#define SYMACT_KERNELS_H\n\n#include <stddef.h>\n\n"
        + _USAGE
        + "".join(f.declaration for f in funcs)
        + "\n#endif\n"
    )
    prelude = C_PRELUDE + (ROW_PRELUDE if any(f.group == "vector" for f in funcs) else "")
    source = banner + prelude + "\n" + "\n".join(f.definition for f in funcs)
    return header, source
