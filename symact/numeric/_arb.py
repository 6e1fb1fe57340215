"""A fast, rigorous first try at a correctly rounded value: ball arithmetic with Arb (python-flint).

Arb evaluates an expression on an exact input to a *ball* (a midpoint and a radius) guaranteed to
hold the true value.  When both ends of the ball round to the same float, that float is the
correctly rounded value, with no heuristic: one evaluation decides it, where the mpmath path
(:mod:`symact.numeric._mp`) evaluates at two or more precisions and compares them.  When the ends
round differently (a value near a rounding boundary, cancellation, an exact zero computed
inexactly), or the expression holds anything this module does not translate, the caller falls back
to mpmath.

Only expressions built from the functions in :data:`_FUNCTIONS`, arithmetic and numbers are
translated, and ``Piecewise`` over them whose conditions are exact: comparisons of polynomials in the
inputs with rational coefficients.  Arb compares balls ("certainly greater"), which is not the branch
the expression takes at its exact value, so a branch is chosen before any ball is computed: the
condition is evaluated in rational arithmetic (:class:`fractions.Fraction`) on the exact input, then
the chosen piece is evaluated in Arb.  A ``Piecewise`` inside arithmetic is first folded to the top
(:func:`sympy.piecewise_fold`); other branches (``Max``, ``Heaviside``) are not translated.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

import mpmath
import sympy as sp
from mpmath.libmp import from_man_exp
from sympy.codegen.cfunctions import expm1, log1p
from sympy.printing.pycode import MpmathPrinter

from symact.numeric._round import FloatFormat, exact_fraction, round_mpf

try:
    import flint
except ImportError:  # pragma: no cover - python-flint is a dependency; without it mpmath does all
    flint = None  # type: ignore[assignment]

__all__ = ["ArbFunction", "PiecewiseArb", "arb_function"]

_TRIES = 2  # precisions tried (p, then 4p) before the last try or mpmath
_MAX_PREC = 1 << 14
NEAR_TIE_PREC = 1 << 15
"""The last precision tried, where a ball still straddles a rounding boundary after the others.  If
it still does there, but is far narrower than the spacing of floats, the value lies within 2^-8000
(relative) of a tie between two floats: a loss at a = 1e100 is the tie 3a/4 plus e^-a.  Both floats
are then within half an ULP (and 2^-8000) of the value, no precision within reach tells which is
nearer, and the rounded midpoint is returned.  (The mpmath path ends the same way, with its value at
20480 bits, about 80 times slower.)"""


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
        decide it (or the expression fails in Arb); see :data:`NEAR_TIE_PREC` for the last try."""
        # an argument of magnitude 2^e needs about e more bits (exp reduces it modulo log 2)
        biggest = max([abs(x), *[abs(float(v)) for v in at if mpmath.isfinite(v)]], default=0.0)
        extra = max(0, math.frexp(biggest)[1]) if math.isfinite(biggest) else 0
        prec = max(start, 64) + 32 + extra
        saved = flint.ctx.prec
        try:
            args = [flint.arb(x), *[_mpf_to_arb(v) for v in at]]
            ball, used = None, prec
            for _ in range(_TRIES):
                flint.ctx.prec = used = prec
                value, ball = self._decide(args, fmt)
                if value is not None or prec * 4 > _MAX_PREC:
                    return value
                prec *= 4
            if ball is None or _near_tie(ball, fmt, used // 2) is None:
                return None  # undefined, or a cancellation rather than a tie: mpmath decides
            flint.ctx.prec = NEAR_TIE_PREC + extra
            value, ball = self._decide(args, fmt)
            return value if value is not None or ball is None else _near_tie(ball, fmt, 8000)
        except (ValueError, ZeroDivisionError, TypeError, ArithmeticError, OverflowError):
            return None
        finally:
            flint.ctx.prec = saved

    def value(self, x: float, at: tuple[Any, ...], bits: int) -> mpmath.mpf | None:
        """f(x) to `bits` correct bits (the midpoint of a ball narrower than 2^-bits of it, exactly
        as an mpmath number), or None (undecided: a value near 0, or not finite)."""
        extra = max(0, math.frexp(abs(x))[1]) if math.isfinite(x) else 0
        saved = flint.ctx.prec
        try:
            flint.ctx.prec = bits + 64 + extra
            ball = self._fn(flint.arb(x), *[_mpf_to_arb(v) for v in at])
            if isinstance(ball, int):
                ball = flint.arb(ball)
            if not isinstance(ball, flint.arb) or not ball.is_finite():
                return None
            mid = ball.mid()
            if mid == 0 or ball.rad() > abs(mid) * flint.arb(2) ** -bits:
                return None
            return _to_mpf(mid)
        except (ValueError, ZeroDivisionError, TypeError, ArithmeticError, OverflowError):
            return None
        finally:
            flint.ctx.prec = saved

    def _decide(self, args: list[Any], fmt: FloatFormat) -> tuple[float | None, Any]:
        """The rounded value if the ball decides it (else None), and the ball (None if not finite)."""
        ball = self._fn(*args)
        if isinstance(ball, int):
            ball = flint.arb(ball)
        if not isinstance(ball, flint.arb):
            raise ValueError("not a ball")
        if not ball.is_finite():
            return None, None  # undecided at this precision
        lo, hi = round_mpf(_to_mpf(ball.lower()), fmt), round_mpf(_to_mpf(ball.upper()), fmt)
        if lo == hi and math.copysign(1.0, lo) == math.copysign(1.0, hi):
            return lo, ball
        return None, ball


def _near_tie(ball: Any, fmt: FloatFormat, bits: int) -> float | None:
    """The rounded midpoint of a ball narrower than 2^-bits of its midpoint whose ends round to two
    neighbouring finite floats of one sign (see :data:`NEAR_TIE_PREC`), else None."""
    mid = ball.mid()
    if mid == 0 or ball.rad() > abs(mid) * flint.arb(2) ** -bits:
        return None  # a cancellation (a value near 0), not a tie: mpmath decides
    lo, hi = round_mpf(_to_mpf(ball.lower()), fmt), round_mpf(_to_mpf(ball.upper()), fmt)
    if not (math.isfinite(lo) and math.isfinite(hi)) or (lo < 0) != (hi < 0) or lo == 0 or hi == 0:
        return None
    if fmt.next(min(lo, hi), up=True) != max(lo, hi):
        return None
    return round_mpf(_to_mpf(mid), fmt)


def _mpf_to_arb(v: mpmath.mpf) -> Any:
    sign, man, exp, _ = v._mpf_
    if not man and exp:  # inf or nan
        raise ValueError("not a finite value")
    return _exact(-man if sign else man, exp)


_RELATIONS: dict[type, Callable[[Any, Any], bool]] = {
    sp.StrictLessThan: operator.lt,
    sp.LessThan: operator.le,
    sp.StrictGreaterThan: operator.gt,
    sp.GreaterThan: operator.ge,
    sp.Equality: operator.eq,
    sp.Unequality: operator.ne,
}


def _exact_condition(cond: sp.Basic, symbols: tuple[sp.Symbol, ...]) -> bool:
    """Whether :func:`_holds` decides `cond` exactly: comparisons, and/or/not of polynomials in
    `symbols` with rational coefficients."""
    for node in sp.preorder_traversal(cond):
        if isinstance(node, sp.Pow):
            if not (node.exp.is_Integer and node.exp >= 0):
                return False
        elif isinstance(node, sp.Symbol):
            if node not in symbols:
                return False
        elif not (
            type(node) in _RELATIONS
            or isinstance(node, sp.And | sp.Or | sp.Not | sp.Add | sp.Mul | sp.Rational)
            or node in (sp.true, sp.false)
        ):
            return False
    return True


def _holds(node: sp.Basic, point: Mapping[sp.Symbol, Fraction]) -> Any:
    """`node` (a condition passing :func:`_exact_condition`, or a term of one) at the exact `point`."""
    if node is sp.true or node is sp.false:
        return node is sp.true
    if isinstance(node, sp.Symbol):
        return point[node]
    if isinstance(node, sp.Rational):
        return Fraction(int(node.p), int(node.q))
    if isinstance(node, sp.Pow):
        return _holds(node.base, point) ** int(node.exp)
    if type(node) in _RELATIONS:
        return _RELATIONS[type(node)](_holds(node.args[0], point), _holds(node.args[1], point))
    if isinstance(node, sp.Not):
        return not _holds(node.args[0], point)
    terms = [_holds(a, point) for a in node.args]
    if isinstance(node, sp.And):
        return all(terms)
    if isinstance(node, sp.Or):
        return any(terms)
    if isinstance(node, sp.Add):
        return sum(terms, Fraction(0))
    return math.prod(terms, start=Fraction(1))


class PiecewiseArb:
    """A ``Piecewise`` whose conditions :func:`_exact_condition` accepts: the piece is chosen exactly,
    then rounded by its own :class:`ArbFunction` (None where no piece applies or it is undecided)."""

    def __init__(
        self, pieces: list[tuple[sp.Basic, ArbFunction | PiecewiseArb]], symbols: tuple[sp.Symbol, ...]
    ) -> None:
        self._pieces, self._symbols = pieces, symbols

    def _piece(self, x: float, at: tuple[Any, ...]) -> ArbFunction | PiecewiseArb | None:
        """The piece whose condition holds at the exact point (None if none does, or it is not finite)."""
        try:
            point = dict(
                zip(self._symbols, [exact_fraction(x), *[exact_fraction(v) for v in at]], strict=True)
            )
            return next((fn for cond, fn in self._pieces if _holds(cond, point)), None)
        except (ValueError, ZeroDivisionError, OverflowError):
            return None

    def rounded(self, x: float, at: tuple[Any, ...], fmt: FloatFormat, start: int) -> float | None:
        piece = self._piece(x, at)
        return None if piece is None else piece.rounded(x, at, fmt, start)

    def value(self, x: float, at: tuple[Any, ...], bits: int) -> mpmath.mpf | None:
        piece = self._piece(x, at)
        return None if piece is None else piece.value(x, at, bits)


def arb_function(
    expr: sp.Expr, var: sp.Symbol, others: tuple[sp.Symbol, ...]
) -> ArbFunction | PiecewiseArb | None:
    """The Arb translation of `expr`, or None (python-flint missing, or a function, branch or
    condition that is not translated)."""
    if flint is None:
        return None
    if expr.has(sp.Piecewise) and not isinstance(expr, sp.Piecewise):
        expr = sp.piecewise_fold(expr)
    if isinstance(expr, sp.Piecewise):
        symbols = (var, *others)
        pieces: list[tuple[sp.Basic, ArbFunction | PiecewiseArb]] = []
        for piece, cond in expr.args:
            fn = arb_function(piece, var, others) if _exact_condition(cond, symbols) else None
            if fn is None:
                return None
            pieces.append((cond, fn))
        return PiecewiseArb(pieces, symbols)
    if not _translatable(expr):
        return None
    try:
        return ArbFunction(expr, var, others)
    except (NameError, TypeError, ValueError, SyntaxError):
        return None
