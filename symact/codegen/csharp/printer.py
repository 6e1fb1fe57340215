"""The C printer with the few methods that differ for C#.

- ``System.Math`` names (``Math.Exp``, ``Math.Abs``, ...) and the prelude's substitutes for the C99
  functions .NET Framework/Mono lacks (``Rt.Expm1``, ``Rt.Log1p``, ``Rt.Erfc``, ``Rt.Hypot``);
- ``double.PositiveInfinity`` and ``double.NaN`` for the C macros;
- the indicator ``Piecewise((1, c), (0, True))`` as ``(c ? 1.0 : 0.0)`` (C# has no bool to double cast);
- runtime routines as ``Rt.<PascalName>``, a coefficient tail as a ``new double[] {...}``.
"""

from __future__ import annotations

import sympy as sp

from symact.codegen.c.printer import ARRAY_TAILS, CKernelPrinter, c_literal
from symact.codegen.lower import Runtime

__all__ = ["MATH", "CSharpKernelPrinter", "cs_literal", "pascal"]

MATH: dict[str, str] = {
    "exp": "Math.Exp",
    "log": "Math.Log",
    "tanh": "Math.Tanh",
    "cosh": "Math.Cosh",
    "sinh": "Math.Sinh",
    "sqrt": "Math.Sqrt",
    "expm1": "Rt.Expm1",
    "log1p": "Rt.Log1p",
    "erfc": "Rt.Erfc",
    "hypot": "Rt.Hypot",
}
"""Each C function a lowered kernel may call, as C# calls it (``Rt.*``: the prelude's substitutes)."""


def pascal(name: str) -> str:
    """``binary_step_grad_from_output`` -> ``BinaryStepGradFromOutput``."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def cs_literal(value: sp.Expr) -> str:
    text = c_literal(value)
    return (
        text.replace("(-INFINITY)", "double.NegativeInfinity")
        .replace("INFINITY", "double.PositiveInfinity")
        .replace("NAN", "double.NaN")
    )


class CSharpKernelPrinter(CKernelPrinter):
    """Prints lowered kernel expressions as C# double arithmetic."""

    max_call = "Rt.Max"
    min_call = "Rt.Min"
    isnan_call = "double.IsNaN"
    isinf_call = "double.IsInfinity"
    nan_text = "double.NaN"

    def __init__(self) -> None:
        super().__init__({"user_functions": {name: call for name, call in MATH.items()}})

    def number(self, value: sp.Expr) -> str:
        return cs_literal(value)

    def _print_Infinity(self, expr: sp.Expr) -> str:
        return "double.PositiveInfinity"

    def _print_NegativeInfinity(self, expr: sp.Expr) -> str:
        return "double.NegativeInfinity"

    def _print_NaN(self, expr: sp.Expr) -> str:
        return "double.NaN"

    def _print_Abs(self, expr: sp.Abs) -> str:
        return f"Math.Abs({self._print(expr.args[0])})"

    def _print_Pow(self, expr: sp.Pow) -> str:
        base, e = expr.args
        if e == sp.Rational(1, 2):
            return f"Math.Sqrt({self._print(base)})"
        if e.is_Integer and 1 <= abs(int(e)) <= 4:
            return super()._print_Pow(expr)
        if e == -sp.Rational(1, 2):
            return f"(1.0/Math.Sqrt({self._print(base)}))"
        return f"Math.Pow({self._print(base)}, {self._print(e)})"

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        if len(expr.args) == 2 and expr.args[0][0] == 1 and expr.args[1] == (0, True):
            return f"(({self._print(expr.args[0][1])}) ? 1.0 : 0.0)"
        return super()._print_Piecewise(expr)

    def _print_XLogRatio(self, expr: sp.Function) -> str:
        return f"Rt.XlogMinus({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_SignedInfinity(self, expr: sp.Function) -> str:
        return f"Rt.SignedInf({self._print(expr.args[0])})"

    def _print_Function(self, expr: sp.Function) -> str:
        if isinstance(expr, Runtime):
            args = [self._print(a) for a in expr.args]
            fixed = ARRAY_TAILS.get(expr.name)
            if fixed is not None:  # the coefficient tail as one array
                args = [*args[:fixed], f"new double[] {{{', '.join(args[fixed:])}}}"]
            return f"Rt.{pascal(expr.name)}({', '.join(args)})"
        return super()._print_Function(expr)
