"""C99 source of the verified element-wise kernels: ``symact_kernels.h`` and ``symact_kernels.c``.

Each kernel ``NAME`` becomes ``double symact_NAME(double x, <params>)`` and
``void symact_NAME_array(const double *x, double *out, size_t n, <params>)``, from the same rewritten
expression the NumPy kernel was verified with, lowered by the same templates.  Kernels that the
NumPy backend evaluates by their limits at +-inf get the same treatment here.
"""

from __future__ import annotations

import sympy as sp

from symact import catalogue
from symact.codegen.c.printer import CKernelPrinter, _c_literal
from symact.codegen.emit import HEADER
from symact.codegen.generate import Generation, KernelResult
from symact.codegen.lower import Builder, lower

__all__ = ["C_PRELUDE", "c_sources"]

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
"""


def _c_function(r: KernelResult, params: list[tuple[sp.Symbol, sp.Expr]]) -> tuple[str, str]:
    """(declarations, definitions) of one kernel."""
    assert r.chosen is not None
    p = CKernelPrinter()
    var = r.plan.var.name
    names = [s.name for s, _ in params]
    scalar_args = ", ".join([f"double {var}", *[f"double {n}" for n in names]])
    array_args = ", ".join(
        [f"const double *{var}", "double *out", "size_t n", *[f"double {n}" for n in names]]
    )
    call_args = ", ".join([f"{var}[i]", *names])
    builder = Builder()
    result = lower(r.chosen.expr, builder, r.plan.var)
    body = [f"    (void){n};" for n in [var, *names]]
    if r.guarded:
        neg, pos = (_limit_text(v, p) for v in r.limits)
        body.append(f"    if (isnan({var})) return {var};")
        body.append(f"    if (isinf({var})) return {var} > 0 ? {pos} : {neg};")
    body += [f"    const double {sym} = {p.doprint(value)};" for sym, value in builder.steps]
    body.append(f"    return {p.doprint(result)};")
    decl = f"double symact_{r.plan.name}({scalar_args});\nvoid symact_{r.plan.name}_array({array_args});\n"
    definition = (
        f"double symact_{r.plan.name}({scalar_args}) {{\n" + "\n".join(body) + "\n}\n\n"
        f"void symact_{r.plan.name}_array({array_args}) {{\n"
        f"    for (size_t i = 0; i < n; i++) out[i] = symact_{r.plan.name}({call_args});\n}}\n"
    )
    return decl, definition


def _limit_text(v: sp.Expr | None, p: CKernelPrinter) -> str:
    if v is None:
        return "NAN"
    v = sp.sympify(v)
    return p.doprint(v) if v.free_symbols else _c_literal(v)


def c_sources(gen: Generation) -> tuple[str, str]:
    """(header text, source text) for every verified element-wise kernel of `gen`."""
    decls, defs = [], []
    for r in gen.results:
        if not r.ok or r.chosen is None or r.plan.role not in ("fwd", "grad", "grad_from_output"):
            continue
        if catalogue.get(r.record).kind != "elementwise":
            continue
        params = [(p.symbol, p.default) for p in catalogue.get(r.record).params]
        d, f = _c_function(r, params)
        decls.append(d)
        defs.append(f)
    banner = "/* " + HEADER.replace("# ", "").replace("\n", "\n   ").rstrip() + " */\n"
    header = (
        banner
        + "#ifndef SYMACT_KERNELS_H\n#define SYMACT_KERNELS_H\n\n#include <stddef.h>\n\n"
        + "".join(decls)
        + "\n#endif\n"
    )
    source = banner + C_PRELUDE + "\n" + "\n".join(defs)
    return header, source
