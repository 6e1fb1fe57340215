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

import sympy as sp

from symact.catalogue import Record
from symact.codegen.c.function import CFunction, guard_lines, kernel_lines
from symact.codegen.c.prelude import c_prelude
from symact.codegen.c.printer import CKernelPrinter
from symact.codegen.c.vector import vector_functions
from symact.codegen.c.vector_loss import vector_loss_functions
from symact.codegen.emit import HEADER
from symact.codegen.generate import Generation, KernelResult

__all__ = ["CFunction", "c_function", "c_functions", "c_sources", "kernel_lines"]

_USAGE = """/* Element-wise: double symact_NAME(double x, <params>) and
   void symact_NAME_array(const double *x, double *out, size_t n, <params>).
   Losses: double symact_NAME(double a, double y, <params>) and
   void symact_NAME_array(const double *a, const double *y, double *out, size_t n, <params>);
   nan when a or y is nan.
   Vector kernels, on `rows` contiguous rows of n doubles:
   int symact_NAME_rows(const double *x, double *out, size_t rows, size_t n) and
   int symact_NAME_vjp_rows(const double *x, const double *g, double *out, size_t rows, size_t n);
   0, or -1 when n is no valid row length (0; odd for GLU).
   Vector losses, one value per row of n classes (the gradient: n per row):
   int symact_NAME_rows(const double *z, const double *y, double *out, size_t rows, size_t n,
   <params>); the same for NAME_grad.
   Parameters come in the catalogue's order (their defaults are those of symact.kernels); every
   kernel meets the accuracy targets of its NumPy twin (symact/kernels/ACCURACY.md), checked against
   correctly rounded references before this file is written. */

"""


def _params(record: Record) -> list[tuple[sp.Symbol, sp.Expr]]:
    return [(p.symbol, p.default) for p in record.params]


def _body(r: KernelResult, inputs: list[str], names: list[str], p: CKernelPrinter) -> list[str]:
    assert r.chosen is not None
    body = [f"    (void){n};" for n in [*inputs, *names]]
    return body + guard_lines(r, inputs, p) + kernel_lines(r.chosen.expr, r.plan.var)


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
        if r.record.kind in ("elementwise", "loss"):
            out.append(c_function(r))
    return out


_GROUPS: tuple[Callable[[Generation], list[CFunction]], ...] = (
    _elementwise,
    vector_functions,
    vector_loss_functions,
)
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
    prelude = c_prelude(rows=any(f.group.startswith("vector") for f in funcs))
    source = banner + prelude + "\n" + "\n".join(f.definition for f in funcs)
    return header, source
