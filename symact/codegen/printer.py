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
from symact.errors import ArgumentError

__all__ = ["KernelPrinter", "KernelPrinting", "literal"]


def literal(value: sp.Expr) -> str:
    """The float literal nearest to the exact number `value` (``repr`` round-trips)."""
    number = float(sp.N(value, 40))
    if math.isnan(number):
        return "numpy.nan"
    if math.isinf(number):
        return "numpy.inf" if number > 0 else "(-numpy.inf)"
    return repr(number)


class KernelPrinting:
    """What the NumPy and the C kernel printers do alike; each names its numbers, max, min, division.

    Exact constants print once as the correctly rounded literal; a product's numeric factors are
    folded into one literal; ``c1*x + c0`` with ``c0/c1`` a float prints as ``(x + c0/c1)/d`` (or
    ``*c1``), so that the sum cancels exactly (Sterbenz) instead of after rounding ``c1*x``
    (hard_sigmoid near -3); ``Max``/``Min`` nest two-argument calls.
    """

    max_call = ""
    min_call = ""

    def number(self, value: sp.Expr) -> str:
        raise NotImplementedError

    def divided(self, inner: str, q: int) -> str:
        raise NotImplementedError

    def _print(self, expr: Any, **kwargs: Any) -> str:
        if isinstance(expr, sp.Expr) and expr.is_number and not expr.has(sp.Function):
            return self.number(expr)
        return super()._print(expr, **kwargs)  # type: ignore[misc, no-any-return]

    def _print_Mul(self, expr: sp.Mul) -> str:
        numbers = [f for f in expr.args if f.is_number]
        if numbers and (len(numbers) > 1 or not numbers[0].is_Integer):
            rest = sp.Mul(*[f for f in expr.args if not f.is_number], evaluate=False)
            num = self.number(sp.Mul(*numbers))
            if isinstance(rest, sp.Pow) and rest.exp == -1:
                return f"{num}/{self.parenthesize(rest.base, 60)}"  # type: ignore[attr-defined]
            return f"{num}*{self.parenthesize(rest, 50)}"  # type: ignore[attr-defined]
        return super()._print_Mul(expr)  # type: ignore[misc, no-any-return]

    def _print_Add(self, expr: sp.Add, order: Any = None) -> str:
        coeff, rest = expr.as_coeff_Add()
        if coeff != 0 and coeff.is_Rational and not rest.is_Add:
            c1, term = rest.as_coeff_Mul()
            if c1.is_Rational and c1 not in (1, -1) and not term.is_number:
                k = coeff / c1
                if k.is_finite and sp.Rational(float(k)) == k:
                    inner = f"{self.parenthesize(term, 40)} + {self.number(k)}"  # type: ignore[attr-defined]
                    return self.divided(inner, int(c1.q)) if c1.p == 1 else f"(({inner})*{self.number(c1)})"
        return super()._print_Add(expr, order)  # type: ignore[misc, no-any-return]

    def _nested(self, func: str, args: tuple[sp.Expr, ...]) -> str:
        first, *rest = args
        text = self._print(first)
        for a in rest:
            text = f"{func}({text}, {self._print(a)})"
        return text

    def _print_Max(self, expr: sp.Max) -> str:
        return self._nested(self.max_call, expr.args)

    def _print_Min(self, expr: sp.Min) -> str:
        return self._nested(self.min_call, expr.args)


class KernelPrinter(KernelPrinting, NumPyPrinter):  # type: ignore[misc]
    """Prints lowered kernel expressions as NumPy code over float64 arrays."""

    printmethod = "_kernelcode"
    max_call = "numpy.maximum"
    min_call = "numpy.minimum"

    def number(self, value: sp.Expr) -> str:
        return str(int(value)) if value.is_Integer else literal(value)

    def divided(self, inner: str, q: int) -> str:
        return f"({inner})/{q}"

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        if len(expr.args) == 2 and expr.args[0][0] == 1 and expr.args[1] == (0, True):
            return self._print(expr.args[0][1])  # type: ignore[no-any-return]
        *branches, (last, cond) = expr.args
        if cond != sp.true:
            raise ArgumentError(f"a kernel Piecewise needs a final True branch: {expr}")
        text = self._print(last)
        for value, c in reversed(branches):
            text = f"{self._module_format('numpy.where')}({self._print(c)}, {self._print(value)}, {text})"
        return text

    def _print_Max(self, expr: sp.Max) -> str:
        """``Max(Min(u, hi), lo)`` with numbers lo <= hi (a clamp) is one ``numpy.clip`` call, which is
        about twice as fast as the two NaN-propagating ufuncs (and propagates NaN alike)."""
        if len(expr.args) == 2:
            inner = next((a for a in expr.args if isinstance(a, sp.Min) and len(a.args) == 2), None)
            lo = next((a for a in expr.args if a.is_number), None)
            hi = next((a for a in inner.args if a.is_number), None) if inner is not None else None
            if inner is not None and lo is not None and hi is not None and lo <= hi:
                u = next(a for a in inner.args if a is not hi)
                return f"numpy.clip({self._print(u)}, {self._print(lo)}, {self._print(hi)})"
        return super()._print_Max(expr)

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        if expr.exp == -1:  # numpy's power has no fast path for -1.0; a division does
            return f"1/{self.parenthesize(expr.base, 60)}"
        return super()._print_Pow(expr, rational)  # type: ignore[no-any-return]

    def _print_Runtime(self, expr: Runtime) -> str:
        return f"_rt.{expr.name}({', '.join(self._print(a) for a in expr.args)})"

    def _print_SignedInfinity(self, expr: sp.Function) -> str:
        return f"_rt.signed_inf({self._print(expr.args[0])})"

    def _print_XLogRatio(self, expr: sp.Function) -> str:
        return f"_rt.xlog_minus({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_XLogY(self, expr: sp.Function) -> str:
        return f"scipy.special.xlogy({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_Function(self, expr: sp.Function) -> str:
        if isinstance(expr, Runtime):
            return self._print_Runtime(expr)
        return super()._print_Function(expr)  # type: ignore[no-any-return]
