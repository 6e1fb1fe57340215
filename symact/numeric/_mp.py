"""Adaptive-precision evaluation of SymPy expressions with mpmath.

An expression is compiled once (``lambdify`` to mpmath, cached) into an :class:`MpFunction`, which
evaluates it at a point with the working precision doubled until two successive values agree: to a
requested number of bits (:meth:`MpFunction.value`) or so closely that both round to the same float
(:meth:`MpFunction.rounded`).

Correctly rounded values are remembered per expression in one table of the process (:data:`_ROUNDED`,
up to ``_CACHE_LIMIT`` points each), so every check of the same kernel on the same points (the
generator's, then each backend's) evaluates each point once.  A worker process hands its table back
with :func:`rounded_memo` and the parent takes it with :func:`remember_rounded`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p

from symact.errors import ArgumentError
from symact.numeric._arb import ArbFunction, PiecewiseArb, arb_function
from symact.numeric._round import FloatFormat, round_mpf

__all__ = [
    "NEGLIGIBLE_BITS",
    "MpFunction",
    "Params",
    "RoundedMemo",
    "bind",
    "compile_mp",
    "exact_input",
    "exact_value",
    "remember_rounded",
    "rounded_memo",
]

Params = Mapping[str | sp.Symbol, Any] | None

START_PREC = 80
MAX_PREC = 1 << 14
# A zero computed at precision p only shows |f| < 2^-p times the size of the terms that cancelled;
# it is trusted from this precision on (terms up to 2^1400 still resolve the whole float64 range).
ZERO_PREC = 2560
NEGLIGIBLE_BITS = 1200  # 2^-1200 is far below every float format's smallest subnormal
_HUGE_EXPONENTS = (1100, 2200)  # inputs 2^1100 and 2^2200 stand in for infinity
_CACHE_LIMIT = 200_000
USE_ARB = True
ARB_AFTER = 32
"""Try Arb's ball arithmetic first (:mod:`symact.numeric._arb`: rigorous, one evaluation), mpmath
where it does not decide; the values are the same (a test compares them), only faster."""
_STAND_IN_EXPONENT = 1100  # an infinite value of a bound symbol is taken as +-2^1100 (its limit)

RoundedMemo = dict[tuple[Any, ...], dict[tuple[Any, ...], float]]
_ROUNDED: RoundedMemo = {}
"""Correctly rounded values by (expression, variable, other symbols), then by (point, values of the
other symbols, precision of the format, starting precision)."""
_TOTAL_LIMIT = 2_000_000  # values in the whole table (a full generation holds about 300,000)
_stored = [0]


def _store(memo: dict[tuple[Any, ...], float], key: tuple[Any, ...], value: float) -> None:
    """Remember one value; a table past :data:`_TOTAL_LIMIT` values is emptied first (a long test
    session generates many times over, and the table must not grow without bound)."""
    if _stored[0] >= _TOTAL_LIMIT:
        _ROUNDED.clear()
        _stored[0] = 0
    if len(memo) < _CACHE_LIMIT:
        memo[key] = value
        _stored[0] += 1


def rounded_memo(*, clear: bool = False) -> RoundedMemo:
    """The process's table of correctly rounded values (emptied afterwards with `clear`)."""
    out = dict(_ROUNDED)
    if clear:
        _ROUNDED.clear()
        _stored[0] = 0
    return out


def remember_rounded(memo: RoundedMemo) -> None:
    """Add `memo` (from :func:`rounded_memo` of another process) to this process's table."""
    for key, values in memo.items():
        mine = _ROUNDED.setdefault(key, {})
        for point, value in values.items():
            _store(mine, point, value)


def _bound_value(v: float) -> mpmath.mpf:
    """A float as the exact mpmath number it holds; +-inf as +-2^1100 (e^{-2^1100} is 0 to every
    float, and a value at +-2^1100 rounds as the limit does)."""
    if math.isinf(v):
        return mpmath.ldexp(1 if v > 0 else -1, _STAND_IN_EXPONENT)
    return mpmath.mpf(v)


_ERFC_HUGE = mpmath.ldexp(1, 32)


def _erfc(z: Any) -> Any:
    """mpmath's erfc, which overflows for |z| > ~1e154: beyond 2^32 erfc(z) < 2^-(2^64), i.e. 0 or 2."""
    if isinstance(z, mpmath.mpf) and abs(z) > _ERFC_HUGE:
        return mpmath.mpf(0) if z > 0 else mpmath.mpf(2)
    return mpmath.erfc(z)


def _exp(z: Any) -> Any:
    """mpmath's exp; an integer argument above 600 bits of precision takes mpmath's e**n path (tens of
    milliseconds for |n| ~ 1e300), so it is nudged off the integer and corrected."""
    if isinstance(z, mpmath.mpf) and mpmath.mp.prec > 600 and z and z._mpf_[2] >= 0 and mpmath.isfinite(z):
        prec = mpmath.mp.prec
        with mpmath.workprec(prec + max(int(mpmath.mag(z)), 0) + 40):
            h = mpmath.ldexp(1, -(prec + 20))
            r = mpmath.exp(z + h) * mpmath.exp(-h)
        return +r
    return mpmath.exp(z)


_EXTRA: dict[str, Callable[..., Any]] = {
    "exp": _exp,
    "erfc": _erfc,
    "log1p": mpmath.log1p,
    "expm1": mpmath.expm1,
    "exp2": lambda t: mpmath.power(2, t),
    "log2": lambda t: mpmath.log(t, 2),
    "log10": mpmath.log10,
    "DiracDelta": lambda t, *k: mpmath.inf if t == 0 else mpmath.mpf(0),
}


def exact_input(v: float) -> sp.Expr:
    """The float `v` as the exact SymPy number it holds; +-inf as +-2^1100, the stand-in that
    :func:`_bound_value` gives mpmath (e^{-2^1100} is 0 to every float, and a value at +-2^1100
    rounds as the limit does)."""
    if math.isinf(v):
        return sp.Integer(2) ** _STAND_IN_EXPONENT * (1 if v > 0 else -1)
    return sp.Rational(float(v))


def exact_value(value: Any, *, name: str = "value") -> sp.Expr:
    """`value` as an exact SymPy number: floats become the exact binary rational they hold.

    Strings are refused (no user text is ever parsed).
    """
    if isinstance(value, sp.Basic):
        if value.free_symbols:
            raise ArgumentError(f"{name} must be a number, got {value}")
        return sp.S(value)
    if isinstance(value, bool) or isinstance(value, str):
        raise ArgumentError(f"{name} must be a number, got {value!r}")
    if isinstance(value, int | np.integer):
        return sp.Integer(int(value))
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    if isinstance(value, float | np.floating):
        f = float(value)
        if not math.isfinite(f):
            raise ArgumentError(f"{name} must be finite, got {f}")
        return sp.Rational(f)
    raise ArgumentError(f"{name} must be a number, got {type(value).__name__}")


def bind(expr: sp.Expr, params: Params) -> sp.Expr:
    """Substitute parameter values (by name or symbol) into `expr`, exactly."""
    if not params:
        return expr
    by_name = {s.name: s for s in expr.free_symbols if isinstance(s, sp.Symbol)}
    subs = {}
    for key, value in params.items():
        name = key.name if isinstance(key, sp.Symbol) else str(key)
        if name in by_name:
            subs[by_name[name]] = exact_value(value, name=name)
    return expr.xreplace(subs) if subs else expr


def _real(raw: Any) -> mpmath.mpf | None:
    """The real value of a raw mpmath result; None for nan, a complex value or an unknown type.

    An exact zero (a Python int, from a constant branch) is returned as the int 0 so that it can be
    told apart from a zero produced by cancellation at finite precision.
    """
    if isinstance(raw, bool | int | np.integer) and int(raw) == 0:
        return 0  # type: ignore[return-value]
    if isinstance(raw, mpmath.mpf):
        return None if mpmath.isnan(raw) else raw
    if isinstance(raw, mpmath.mpc):
        return raw.real if raw.imag == 0 and not mpmath.isnan(raw.real) else None
    if isinstance(raw, bool | int | np.integer):
        return mpmath.mpf(int(raw))
    if isinstance(raw, float):
        return None if math.isnan(raw) else mpmath.mpf(raw)
    return None


def _textbook(expr: sp.Expr) -> sp.Expr:
    """Replace functions that carry a textbook definition (a ``textbook()`` method) by it, then
    :func:`_unabsorbed`."""
    expr = expr.replace(lambda e: callable(getattr(e, "textbook", None)), lambda e: e.textbook())
    return _unabsorbed(expr)


def _is_log_one_plus(e: sp.Basic) -> bool:
    return isinstance(e, sp.log) and isinstance(e.args[0], sp.Add) and sp.S.One in e.args[0].args


def _is_exp_minus_one(e: sp.Basic) -> bool:
    return isinstance(e, sp.Add) and sp.S.NegativeOne in e.args and any(isinstance(a, sp.exp) for a in e.args)


def _exp_minus_one(e: sp.Expr) -> sp.Expr:
    first = next(a for a in e.args if isinstance(a, sp.exp))
    rest = [a for a in e.args if a is not first and a != sp.S.NegativeOne]
    return sp.Add(expm1(first.args[0]), *rest, evaluate=False)


def _unabsorbed(expr: sp.Expr) -> sp.Expr:
    """log(1 + u) -> log1p(u) and exp(u) - 1 -> expm1(u): the same values, but a tiny u is no longer
    absorbed into the 1 at every working precision below log2(1/u) (two precisions would then agree
    on a wrong value, e.g. a softplus inside mish' at x = -651)."""
    expr = expr.replace(_is_log_one_plus, lambda e: log1p(e.args[0] - 1))
    return expr.replace(_is_exp_minus_one, _exp_minus_one)


class MpFunction:
    """A compiled SymPy expression of one variable, evaluated by mpmath at adaptive precision.

    `others` are further symbols whose values are given with each point (``at=`` of
    :meth:`rounded`, floats taken exactly, +-inf as +-2^1100): one compiled function serves every
    row of a vector function, instead of one per row with the row's values bound.
    """

    def __init__(self, expr: sp.Expr, var: sp.Symbol, others: tuple[sp.Symbol, ...] = ()) -> None:
        extra = expr.free_symbols - {var, *others}
        if extra:
            names = ", ".join(sorted(s.name for s in extra))  # type: ignore[attr-defined]
            raise ArgumentError(f"expression has unbound symbols: {names} (pass them in params)")
        self.expr = expr
        self.var = var
        self.others = others
        self._textbook = _textbook(expr)
        self._fn = sp.lambdify([var, *others], self._textbook, modules=[_EXTRA, "mpmath"])
        self._ball: ArbFunction | PiecewiseArb | None = None
        self._misses = 0  # points rounded by mpmath so far; Arb is compiled from ARB_AFTER on
        self._key = (expr, var, others)
        self._at: tuple[mpmath.mpf, ...] = ()
        self.last_precision = START_PREC
        self._complex = False
        self._limits: dict[tuple[Any, ...], float] = {}

    def raw(self, x: mpmath.mpf) -> mpmath.mpf | None:
        """One evaluation at the current mpmath precision (the other symbols at the values of the
        point being rounded); None where undefined."""
        self._complex = False
        try:
            raw = self._fn(x, *self._at)
            self._complex = isinstance(raw, mpmath.mpc) and raw.imag != 0
            return _real(raw)
        except (ZeroDivisionError, ValueError, TypeError, OverflowError, ArithmeticError):
            return None

    def _adaptive(
        self, x: mpmath.mpf, accept: Callable[[mpmath.mpf, mpmath.mpf], bool], start: int = START_PREC
    ) -> mpmath.mpf | None:
        prec, prev = max(start, START_PREC), None
        while True:
            with mpmath.workprec(prec):
                v = self.raw(x)
            self.last_precision = prec
            if v is None and self._complex:
                return None  # outside the real domain (a complex value)
            if v is None:
                # undefined at this precision: a true pole or domain error, or a cancellation that
                # left a zero divisor; the latter resolves by ZERO_PREC
                if prec >= ZERO_PREC:
                    return None
            elif isinstance(v, int):
                return mpmath.mpf(0)
            elif prev is not None and ((v and mpmath.isfinite(v)) or prec >= ZERO_PREC) and accept(prev, v):
                return v
            if prec >= MAX_PREC:
                return v
            prev, prec = v, prec * 2

    def value(self, x: float | mpmath.mpf, *, bits: int = 120) -> mpmath.mpf | None:
        """f(x) to about `bits` correct bits, or None where undefined.

        Values below 2^-(1200 + bits), far under the smallest float64, are only resolved absolutely.
        """
        xm = mpmath.mpf(x)
        if mpmath.isnan(xm):
            return None
        tiny = mpmath.ldexp(1, -(NEGLIGIBLE_BITS + bits))

        def agree(a: mpmath.mpf, b: mpmath.mpf) -> bool:
            if not (mpmath.isfinite(a) and mpmath.isfinite(b)):
                return bool(a == b)
            d = abs(a - b)
            return bool(d <= abs(b) * mpmath.ldexp(1, -bits) or d <= tiny)

        return self._adaptive(xm, agree)

    def approximate(self, x: float, *, bits: int = 8) -> mpmath.mpf | None:
        """f(x) to at least `bits` correct bits: from one Arb ball where one decides it (rigorous), else
        :meth:`value` (which also sets :attr:`last_precision`; this does not); None where undefined."""
        ball = self._arb(now=True) if math.isfinite(x) and not self.others else None
        found = ball.value(x, self._at, bits) if ball is not None else None
        return found if found is not None else self.value(x, bits=bits)

    def rounded(
        self, x: float, fmt: FloatFormat, start: int = START_PREC, *, at: tuple[float, ...] = ()
    ) -> float:
        """f(x) correctly rounded to `fmt` (limits at +-inf, nan where undefined), with the other
        symbols at the floats `at`; the working precision starts at `start` bits (two evaluations
        can agree on a value that both miss a term below their precision: 1 - p with
        p = 1 - e^-400 at 80 and 160 bits)."""
        if len(at) != len(self.others):
            raise ArgumentError(f"expected {len(self.others)} values of the other symbols, got {len(at)}")
        if math.isnan(x) or any(math.isnan(v) for v in at):
            return math.nan
        self._at = tuple(_bound_value(v) for v in at)
        if math.isinf(x):
            return self.limit(1 if x > 0 else -1, fmt, at=at)
        memo = _ROUNDED.setdefault(self._key, {})
        key = (x, at, fmt.precision, start)
        hit = memo.get(key)
        if hit is not None:
            return hit
        out = self._ball_rounded(x, fmt, start)
        if out is None:
            out = self._rounded_at(mpmath.mpf(x), fmt, start)
        _store(memo, key, out)
        return out

    def _ball_rounded(self, x: float, fmt: FloatFormat, start: int) -> float | None:
        """The value decided by an Arb ball, or None (see :data:`USE_ARB`); a function asked for a
        few points only (most of the derivations' spot checks) is not compiled for Arb."""
        ball = self._arb(now=False)
        return ball.rounded(x, self._at, fmt, start) if ball is not None else None

    def _arb(self, *, now: bool) -> ArbFunction | PiecewiseArb | None:
        """The Arb translation (None: none, or not :data:`USE_ARB`), compiled on the
        :data:`ARB_AFTER`-th call, or at once when `now`."""
        if not USE_ARB:
            return None
        if self._misses < ARB_AFTER:
            self._misses = ARB_AFTER if now else self._misses + 1
            if self._misses < ARB_AFTER:
                return None
            self._ball = arb_function(self._textbook, self.var, self.others)
        return self._ball

    def _rounded_at(self, xm: mpmath.mpf, fmt: FloatFormat, start: int = START_PREC) -> float:
        def agree(a: mpmath.mpf, b: mpmath.mpf) -> bool:
            if not (mpmath.isfinite(a) and mpmath.isfinite(b)):
                return bool(a == b)
            # the spread of two evaluations, and at least what the working precision can resolve: two
            # equal values can both miss a term below it (x/2 erfc(-x/sqrt2) at the smallest
            # subnormal sits 2^-1074 above a rounding tie)
            with mpmath.workprec(self.last_precision + 64):  # b +- d exactly, not at 53 bits
                d = max(abs(a - b) * 256, abs(b) * mpmath.ldexp(1, 8 - self.last_precision))
                lo, hi = b - d, b + d
            return round_mpf(lo, fmt) == round_mpf(hi, fmt)

        v = self._adaptive(xm, agree, start)
        return math.nan if v is None else round_mpf(v, fmt)

    def limit(self, direction: int, fmt: FloatFormat, *, at: tuple[float, ...] = ()) -> float:
        """The limit of f at +inf (`direction` 1) or -inf (-1), rounded to `fmt` (the other symbols
        at the floats `at`)."""
        key = (direction, fmt.precision, at)
        if key not in self._limits:
            self._at = tuple(_bound_value(v) for v in at)
            values = [self._rounded_at(mpmath.ldexp(direction, e), fmt) for e in _HUGE_EXPONENTS]
            same = values[0] == values[1] or (math.isnan(values[0]) and math.isnan(values[1]))
            self._limits[key] = (
                values[1] if same and not math.isnan(values[1]) else self._sympy_limit(direction, fmt, at)
            )
        return self._limits[key]

    def _sympy_limit(self, direction: int, fmt: FloatFormat, at: tuple[float, ...] = ()) -> float:
        bound = {s: exact_input(v) for s, v in zip(self.others, at, strict=True)}
        try:
            lim = sp.limit(self.expr.xreplace(bound), self.var, sp.oo * direction)
        except (NotImplementedError, ValueError, TypeError):
            return math.nan
        if lim in (sp.oo, -sp.oo):
            return math.inf if lim == sp.oo else -math.inf
        if not lim.is_number or lim.has(sp.nan, sp.zoo, sp.AccumBounds):
            return math.nan
        with mpmath.workprec(200):
            v = _real(mpmath.mpmathify(sp.N(lim, 60)))
        return math.nan if v is None else round_mpf(v, fmt)


@functools.lru_cache(maxsize=512)
def compile_mp(expr: sp.Expr, var: sp.Symbol, others: tuple[sp.Symbol, ...] = ()) -> MpFunction:
    """The cached :class:`MpFunction` of `expr` in `var` (and `others`)."""
    return MpFunction(expr, var, others)
