"""A fast, rigorous first try at a correctly rounded value: ball arithmetic with Arb (python-flint).

Arb evaluates an expression on an exact input to a *ball* (a midpoint and a radius) guaranteed to
hold the true value.  When both ends of the ball round to the same float, that float is the
correctly rounded value, with no heuristic: one evaluation decides it, where the mpmath path
(:mod:`symact.numeric._mp`) evaluates at two or more precisions and compares them.  When the ends
round differently (a value near a rounding boundary, cancellation, an exact zero computed
inexactly), or the expression holds anything this module does not translate, the caller falls back
to mpmath.

Only expressions built from the functions in :data:`_FUNCTIONS`, arithmetic and numbers are
translated.  Branches (``Piecewise``, ``Max``, ``Heaviside``, comparisons) are not: Arb compares
balls ("certainly greater"), which is not the branch the expression takes at its exact value.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import mpmath
import sympy as sp
from mpmath.libmp import from_man_exp
from sympy.codegen.cfunctions import expm1, log1p
from sympy.printing.pycode import MpmathPrinter

from symact.numeric._round import FloatFormat, round_mpf

try:
    import flint
except ImportError:  # pragma: no cover - python-flint is a dependency; without it mpmath does all
    flint = None  # type: ignore[assignment]

__all__ = ["ArbFunction", "arb_function"]

_TRIES = 2  # precisions tried (p, then 4p) before falling back to mpmath
_MAX_PREC = 1 << 14


def _arb(z: Any) -> Any:
    return z if isinstance(z, flint.arb) else flint.arb(z)


def _mpf(value: Any) -> Any:
    """mpmath's ``mpf(...)`` as the printer writes numbers: an int, or (sign, man, exp, bc)."""
    if isinstance(value, tuple):
        sign, man, exp, _ = value
        return _exact(-man if sign else man, exp)
    return flint.arb(value)


def _exact(man: int, exp: int) -> Any:
    """The ball of radius 0 at man 2^exp."""
    return flint.arb(flint.fmpz(man)) * flint.arb(2) ** exp


def _unary(name: str) -> Callable[[Any], Any]:
    return lambda z: getattr(_arb(z), name)()


_FUNCTIONS: dict[type, str] = {
    sp.exp: "exp",
    sp.log: "log",
    log1p: "log1p",
    expm1: "expm1",
    sp.erf: "erf",
    sp.erfc: "erfc",
    sp.tanh: "tanh",
    sp.cosh: "cosh",
    sp.sinh: "sinh",
    sp.atan: "atan",
    sp.sin: "sin",
    sp.cos: "cos",
    sp.Abs: "abs",
}
"""SymPy function classes with an Arb counterpart (the method of that name on a ball)."""


def _namespace() -> dict[str, Any]:
    ns: dict[str, Any] = {name: _unary(name) for name in set(_FUNCTIONS.values()) if name != "abs"}
    ns.update(
        {
            "abs": abs,
            "sqrt": lambda z: _arb(z).sqrt(),
            "mpf": _mpf,
            "pi": flint.arb.pi,
            "e": flint.arb.const_e,
        }
    )
    return ns


def _translatable(expr: sp.Expr) -> bool:
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Function) and type(node) not in _FUNCTIONS:
            return False
        if isinstance(node, sp.Max | sp.Min):
            return False
        if isinstance(node, sp.Rel | sp.logic.boolalg.Boolean) and not isinstance(node, sp.Symbol):
            return False
        if node in (sp.oo, -sp.oo, sp.zoo, sp.nan):
            return False
        if isinstance(node, sp.NumberSymbol) and node not in (sp.pi, sp.E):
            return False
    return True


class _Printer(MpmathPrinter):
    """mpmath's printer with the constants as calls (``pi()``: a ball at the working precision)."""

    def _print_Pi(self, expr: sp.Expr) -> str:
        return "pi()"

    def _print_Exp1(self, expr: sp.Expr) -> str:
        return "e()"


def _to_mpf(ball: Any) -> mpmath.mpf:
    """An exact ball (an end of one) as the same mpmath number, exactly (``mpmath.mpf((man, exp))``
    would round it to the working precision)."""
    man, exp = ball.man_exp()
    return mpmath.mp.make_mpf(from_man_exp(int(man), int(exp)))


class ArbFunction:
    """`expr` (in `var`, then `others`) compiled for Arb; see the module docstring."""

    def __init__(self, expr: sp.Expr, var: sp.Symbol, others: tuple[sp.Symbol, ...]) -> None:
        printer = _Printer({"fully_qualified_modules": False, "inline": True})
        self._fn = sp.lambdify([var, *others], expr, modules=[_namespace()], printer=printer)

    def rounded(self, x: float, at: tuple[Any, ...], fmt: FloatFormat, start: int) -> float | None:
        """f(x) correctly rounded to `fmt`, or None when the balls at the precisions tried do not
        decide it (or the expression fails in Arb)."""
        # an argument of magnitude 2^e needs about e more bits (exp reduces it modulo log 2)
        biggest = max([abs(x), *[abs(float(v)) for v in at if mpmath.isfinite(v)]], default=0.0)
        prec = max(start, 64) + 32 + (max(0, math.frexp(biggest)[1]) if math.isfinite(biggest) else 0)
        saved = flint.ctx.prec
        try:
            args = [flint.arb(x), *[_mpf_to_arb(v) for v in at]]
            for _ in range(_TRIES):
                flint.ctx.prec = prec
                value = self._decide(args, fmt)
                if value is not None or prec * 4 > _MAX_PREC:
                    return value
                prec *= 4
            return None
        except (ValueError, ZeroDivisionError, TypeError, ArithmeticError, OverflowError):
            return None
        finally:
            flint.ctx.prec = saved

    def _decide(self, args: list[Any], fmt: FloatFormat) -> float | None:
        ball = self._fn(*args)
        if isinstance(ball, int):
            ball = flint.arb(ball)
        if not isinstance(ball, flint.arb):
            raise ValueError("not a ball")
        if not ball.is_finite():
            return None  # undecided at this precision
        lo, hi = round_mpf(_to_mpf(ball.lower()), fmt), round_mpf(_to_mpf(ball.upper()), fmt)
        if lo == hi and math.copysign(1.0, lo) == math.copysign(1.0, hi):
            return lo
        return None


def _mpf_to_arb(v: mpmath.mpf) -> Any:
    sign, man, exp, _ = v._mpf_
    if not man and exp:  # inf or nan
        raise ValueError("not a finite value")
    return _exact(-man if sign else man, exp)


def arb_function(expr: sp.Expr, var: sp.Symbol, others: tuple[sp.Symbol, ...]) -> ArbFunction | None:
    """The Arb translation of `expr`, or None (python-flint missing, or a function or branch that is
    not translated)."""
    if flint is None or not _translatable(expr):
        return None
    try:
        return ArbFunction(expr, var, others)
    except (NameError, TypeError, ValueError, SyntaxError):
        return None
