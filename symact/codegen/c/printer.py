"""SymPy's C99 printer with the few methods that differ for kernels.

- exact constants print once as the correctly rounded double literal;
- ``Max``/``Min`` print as ``symact_max``/``symact_min``, which propagate NaN like ``numpy.maximum``
  (C's ``fmax`` drops it);
- the indicator ``Piecewise((1, c), (0, True))`` prints as ``(double)(c)``; other Piecewise as nested
  conditional expressions (only the selected branch is evaluated);
- integer powers print as products or ``1.0/`` products; runtime routines as ``symact_<name>``
  (the variadic ones of :data:`ARRAY_TAILS` with their tail as an array literal and its length).
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.c import C99CodePrinter

from symact.codegen.lower import Runtime
from symact.codegen.printer import KernelPrinting, literal
from symact.codegen.routines import ROUTINES

__all__ = ["ARRAY_TAILS", "CKernelPrinter", "c_literal"]

ARRAY_TAILS: dict[str, int] = {r.name: len(r.args) for r in ROUTINES if r.coefficient_tail}
"""Runtime routines whose arguments from this index on are one array (``const double *c, size_t n``)."""


def c_literal(value: sp.Expr) -> str:
    text = literal(value)
    if text.startswith("numpy.") or text.startswith("(-numpy."):
        return text.replace("numpy.inf", "INFINITY").replace("numpy.nan", "NAN")
    return text if any(c in text for c in ".en") else text + ".0"


class CKernelPrinter(KernelPrinting, C99CodePrinter):  # type: ignore[misc]
    """Prints lowered kernel expressions as C99 double arithmetic."""

    max_call = "symact_max"
    min_call = "symact_min"
    isnan_call = "isnan"
    isinf_call = "isinf"
    nan_text = "NAN"

    def number(self, value: sp.Expr) -> str:
        return c_literal(value)

    def divided(self, inner: str, q: int) -> str:
        return f"(({inner})/{q}.0)"

    def _print_Pow(self, expr: sp.Pow) -> str:
        base, e = expr.args
        if e.is_Integer and 1 <= abs(int(e)) <= 4:
            b = self.parenthesize(base, 60)
            prod = "*".join([b] * abs(int(e)))
            return f"({prod})" if e > 0 else f"(1.0/({prod}))"
        return super()._print_Pow(expr)  # type: ignore[no-any-return]

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        if len(expr.args) == 2 and expr.args[0][0] == 1 and expr.args[1] == (0, True):
            return f"(double)({self._print(expr.args[0][1])})"
        *branches, (last, _) = expr.args
        text = self._print(last)
        for value, c in reversed(branches):
            text = f"(({self._print(c)}) ? ({self._print(value)}) : ({text}))"
        return text

    def _print_XLogRatio(self, expr: sp.Function) -> str:
        return f"symact_xlog_minus({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_SignedInfinity(self, expr: sp.Function) -> str:
        return f"symact_signed_inf({self._print(expr.args[0])})"

    def _print_Function(self, expr: sp.Function) -> str:
        if isinstance(expr, Runtime):
            args = [self._print(a) for a in expr.args]
            fixed = ARRAY_TAILS.get(expr.name)
            if fixed is not None:  # a variadic NumPy routine: its tail passed as a C99 array literal
                tail = args[fixed:]
                args = [*args[:fixed], f"(const double[]){{{', '.join(tail)}}}", str(len(tail))]
            return f"symact_{expr.name}({', '.join(args)})"
        return super()._print_Function(expr)  # type: ignore[no-any-return]
