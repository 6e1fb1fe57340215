"""The NumPy kernel printer: SymPy's ``NumPyPrinter`` with the few methods that differ.

- exact constants are printed once, as the correctly rounded float literal (``0.7071067811865476``),
  never as ``numpy.sqrt(2)/2`` evaluated at run time or as a Float SymPy has distributed;
- ``Max``/``Min`` print as nested ``numpy.maximum``/``numpy.minimum`` (not ``amax`` of a tuple);
- ``Piecewise`` prints as nested ``numpy.where``; the 0/1 indicator ``Piecewise((1, c), (0, True))``
  prints as the boolean ``c`` itself;
- calls of hand-written routines (:class:`symact.codegen.lower.Runtime`) print as ``_rt.<name>(...)``.
"""

from __future__ import annotations

import math
from typing import Any

import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from symact.codegen.lower import Runtime

__all__ = ["KernelPrinter", "literal"]


def literal(value: sp.Expr) -> str:
    """The float literal nearest to the exact number `value` (``repr`` round-trips)."""
    number = float(sp.N(value, 40))
    if math.isnan(number):
        return "numpy.nan"
    if math.isinf(number):
        return "numpy.inf" if number > 0 else "(-numpy.inf)"
    return repr(number)


class KernelPrinter(NumPyPrinter):  # type: ignore[misc]
    """Prints lowered kernel expressions as NumPy code over float64 arrays."""

    printmethod = "_kernelcode"

    def _print(self, expr: Any, **kwargs: Any) -> str:
        if isinstance(expr, sp.Expr) and not expr.is_Integer and expr.is_number and not expr.has(sp.Function):
            return literal(expr)
        return super()._print(expr, **kwargs)  # type: ignore[no-any-return]

    def _print_Mul(self, expr: sp.Mul) -> str:
        numbers = [f for f in expr.args if f.is_number]
        if len(numbers) > 1 or (numbers and not numbers[0].is_Integer and not numbers[0].is_Rational):
            coeff = sp.Mul(*numbers)
            rest = sp.Mul(*[f for f in expr.args if not f.is_number], evaluate=False)
            return f"{literal(coeff)}*{self.parenthesize(rest, 50)}"
        return super()._print_Mul(expr)  # type: ignore[no-any-return]

    def _print_Add(self, expr: sp.Add, order: Any = None) -> str:
        """c1*x + c0 with c0/c1 a float: printed (x + c0/c1)/d or (x + c0/c1)*c1, so that the sum
        cancels exactly (Sterbenz) instead of after rounding c1*x (hard_sigmoid near -3)."""
        coeff, rest = expr.as_coeff_Add()
        if coeff != 0 and coeff.is_Rational and not rest.is_Add:
            c1, term = rest.as_coeff_Mul()
            if c1.is_Rational and c1 not in (1, -1) and not term.is_number:
                k = coeff / c1
                if k.is_finite and sp.Rational(float(k)) == k:
                    inner = f"{self.parenthesize(term, 40)} + {literal(k)}"
                    if c1.p == 1:
                        return f"({inner})/{c1.q}"
                    return f"({inner})*{literal(c1)}"
        return super()._print_Add(expr, order)  # type: ignore[no-any-return]

    def _nested(self, func: str, args: tuple[sp.Expr, ...]) -> str:
        first, *rest = args
        text = self._print(first)
        for a in rest:
            text = f"{self._module_format(func)}({text}, {self._print(a)})"
        return text

    def _print_Max(self, expr: sp.Max) -> str:
        return self._nested("numpy.maximum", expr.args)

    def _print_Min(self, expr: sp.Min) -> str:
        return self._nested("numpy.minimum", expr.args)

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        if len(expr.args) == 2 and expr.args[0][0] == 1 and expr.args[1] == (0, True):
            return self._print(expr.args[0][1])  # type: ignore[no-any-return]
        *branches, (last, cond) = expr.args
        if cond != sp.true:
            raise ValueError(f"a kernel Piecewise needs a final True branch: {expr}")
        text = self._print(last)
        for value, c in reversed(branches):
            text = f"{self._module_format('numpy.where')}({self._print(c)}, {self._print(value)}, {text})"
        return text

    def _print_Runtime(self, expr: Runtime) -> str:
        return f"_rt.{expr.name}({', '.join(self._print(a) for a in expr.args)})"

    def _print_XLogY(self, expr: sp.Function) -> str:
        return f"scipy.special.xlogy({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_Function(self, expr: sp.Function) -> str:
        if isinstance(expr, Runtime):
            return self._print_Runtime(expr)
        return super()._print_Function(expr)  # type: ignore[no-any-return]
