"""SymPy's C99 printer with the few methods that differ for kernels.

- exact constants print once as the correctly rounded double literal;
- ``Max``/``Min`` print as ``symact_max``/``symact_min``, which propagate NaN like ``numpy.maximum``
  (C's ``fmax`` drops it);
- the indicator ``Piecewise((1, c), (0, True))`` prints as ``(double)(c)``; other Piecewise as nested
  conditional expressions (only the selected branch is evaluated);
- integer powers print as products or ``1.0/`` products; runtime routines as ``symact_<name>``.
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.printing.c import C99CodePrinter

from symact.codegen.lower import Runtime
from symact.codegen.printer import literal

__all__ = ["CKernelPrinter"]


def _c_literal(value: sp.Expr) -> str:
    text = literal(value)
    if text.startswith("numpy.") or text.startswith("(-numpy."):
        return text.replace("numpy.inf", "INFINITY").replace("numpy.nan", "NAN")
    return text if any(c in text for c in ".en") else text + ".0"


class CKernelPrinter(C99CodePrinter):  # type: ignore[misc]
    """Prints lowered kernel expressions as C99 double arithmetic."""

    def _print(self, expr: Any, **kwargs: Any) -> str:
        if isinstance(expr, sp.Expr) and expr.is_number and not expr.has(sp.Function):
            return _c_literal(expr)
        return super()._print(expr, **kwargs)  # type: ignore[no-any-return]

    def _print_Mul(self, expr: sp.Mul) -> str:
        numbers = [f for f in expr.args if f.is_number]
        if numbers and (len(numbers) > 1 or not numbers[0].is_Integer):
            coeff = sp.Mul(*numbers)
            rest = sp.Mul(*[f for f in expr.args if not f.is_number], evaluate=False)
            return f"{_c_literal(coeff)}*{self.parenthesize(rest, 50)}"
        return super()._print_Mul(expr)  # type: ignore[no-any-return]

    def _print_Pow(self, expr: sp.Pow) -> str:
        base, e = expr.args
        if e.is_Integer and 1 <= abs(int(e)) <= 4:
            b = self.parenthesize(base, 60)
            prod = "*".join([b] * abs(int(e)))
            return f"({prod})" if e > 0 else f"(1.0/({prod}))"
        return super()._print_Pow(expr)  # type: ignore[no-any-return]

    def _nested(self, func: str, args: tuple[sp.Expr, ...]) -> str:
        first, *rest = args
        text = self._print(first)
        for a in rest:
            text = f"{func}({text}, {self._print(a)})"
        return text

    def _print_Max(self, expr: sp.Max) -> str:
        return self._nested("symact_max", expr.args)

    def _print_Min(self, expr: sp.Min) -> str:
        return self._nested("symact_min", expr.args)

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        if len(expr.args) == 2 and expr.args[0][0] == 1 and expr.args[1] == (0, True):
            return f"(double)({self._print(expr.args[0][1])})"
        *branches, (last, _) = expr.args
        text = self._print(last)
        for value, c in reversed(branches):
            text = f"(({self._print(c)}) ? ({self._print(value)}) : ({text}))"
        return text

    def _print_Function(self, expr: sp.Function) -> str:
        if isinstance(expr, Runtime):
            return f"symact_{expr.name}({', '.join(self._print(a) for a in expr.args)})"
        return super()._print_Function(expr)  # type: ignore[no-any-return]

    def _print_Add(self, expr: sp.Add, order: Any = None) -> str:
        coeff, rest = expr.as_coeff_Add()
        if coeff != 0 and coeff.is_Rational and not rest.is_Add:
            c1, term = rest.as_coeff_Mul()
            if c1.is_Rational and c1 not in (1, -1) and not term.is_number:
                k = coeff / c1
                if k.is_finite and sp.Rational(float(k)) == k:
                    inner = f"{self.parenthesize(term, 40)} + {_c_literal(k)}"
                    return f"(({inner})/{c1.q}.0)" if c1.p == 1 else f"(({inner})*{_c_literal(c1)})"
        return super()._print_Add(expr, order)  # type: ignore[no-any-return]
