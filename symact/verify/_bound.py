r"""A first-order bound on the rounding error of evaluating a SymPy expression in floating point.

The expression tree is evaluated at a point in mpmath (113 bits); each node carries its value $v$
and a bound $e$ on $|\hat v - v|$, the error of the float evaluation:

- an arithmetic operation adds half an ulp of its result (one correct rounding; exact for
  multiplication by a power of two and negation) to the propagated errors of its operands;
- a library function $g$ propagates $|g'(a)|\, e_a$ and adds its calibrated cost in ulps of
  its result (:data:`COSTS`: exp 1, erf and erfc $2(1 + \kappa)$ with $\kappa = |a g'(a) / g(a)|$, ...);
- an intermediate value beyond the largest float makes the bound infinite (the float op overflows).

The rules are a table from SymPy classes to small functions; unknown functions get the default cost.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import mpmath
import sympy as sp

from symact.numeric import FloatFormat, compile_mp, float_format

__all__ = ["COSTS", "ErrorBound", "error_bound"]

_PREC = 113
Cost = Callable[[mpmath.mpf, mpmath.mpf, mpmath.mpf], mpmath.mpf]  # (arg, value, derivative) -> ulps


def _const(ulps: float) -> Cost:
    return lambda a, v, d: mpmath.mpf(ulps)


def _conditioned(base: float) -> Cost:
    """`base` (1 + kappa) ulps, kappa = |a g'(a) / g(a)| the condition number of g at a."""

    def cost(a: mpmath.mpf, v: mpmath.mpf, d: mpmath.mpf) -> mpmath.mpf:
        kappa = abs(a * d / v) if v else mpmath.mpf(0)
        return base * (1 + kappa)

    return cost


COSTS: dict[str, Cost] = {
    "exp": _const(1),
    "log": _const(1),
    "log1p": _const(1),
    "expm1": _const(1),
    "tanh": _const(1),
    "sinh": _const(1),
    "cosh": _const(1),
    "atan": _const(1),
    "sin": _const(1),
    "cos": _const(1),
    "erf": _conditioned(2),
    "erfc": _conditioned(2),
    "Sigmoid": _const(2),
    "SigmoidPrime": _const(4),
    "Softplus": _const(2),
    "Sech2": _const(4),
    "TanhSoftplus": _const(3),
    "MishGate": _const(6),
    "NormCdf": _conditioned(3),
    "NormPdf": _const(4),
}
DEFAULT_COST: Cost = _conditioned(4)


@dataclass(frozen=True)
class ErrorBound:
    """The value of the expression at a point and the bound on its float evaluation's error."""

    value: mpmath.mpf
    error: mpmath.mpf


class _Evaluator:
    """Walks one expression tree; `fmt` fixes the unit roundoff, subnormal spacing and overflow."""

    def __init__(self, fmt: FloatFormat, var: sp.Symbol) -> None:
        self.fmt = fmt
        self.var = var
        self.u = mpmath.ldexp(1, -fmt.precision)
        self.tiny = mpmath.ldexp(1, fmt.min_subnormal_exponent - 1)  # half the smallest subnormal
        self.huge = mpmath.ldexp(1, fmt.emax + 1)

    def half_ulp(self, v: mpmath.mpf) -> mpmath.mpf:
        if not v:
            return mpmath.mpf(0)
        _, man, exp, bc = v._mpf_
        if not man:
            return mpmath.inf  # infinite or nan
        return max(mpmath.ldexp(1, exp + bc - 1 - self.fmt.precision), self.tiny)

    def ulp(self, v: mpmath.mpf) -> mpmath.mpf:
        return 2 * self.half_ulp(v) if v else 2 * self.tiny

    def overflow(self, v: mpmath.mpf) -> bool:
        return bool(abs(v) >= self.huge)

    def constant(self, c: sp.Expr) -> ErrorBound:
        v, exact = _constant(c)
        return ErrorBound(v, mpmath.mpf(0) if exact and abs(v) < 2**self.fmt.precision else self.half_ulp(v))

    def walk(self, expr: sp.Expr, x: mpmath.mpf, memo: dict[sp.Expr, ErrorBound]) -> ErrorBound:
        hit = memo.get(expr)
        if hit is None:
            hit = self._node(expr, x, memo)
            if self.overflow(hit.value):
                hit = ErrorBound(hit.value, mpmath.inf)
            memo[expr] = hit
        return hit

    def _node(self, expr: sp.Expr, x: mpmath.mpf, memo: dict[sp.Expr, ErrorBound]) -> ErrorBound:
        if expr == self.var:
            return ErrorBound(x, mpmath.mpf(0))
        if expr.is_number:
            return self.constant(expr)
        rule = _RULES.get(type(expr).__name__)
        if rule is None:
            rule = _function_rule if isinstance(expr, sp.Function) and len(expr.args) == 1 else _opaque_rule
        return rule(self, expr, x, memo)


@functools.lru_cache(maxsize=4096)
def _constant(c: sp.Expr) -> tuple[mpmath.mpf, bool]:
    with mpmath.workprec(_PREC):
        v = mpmath.mpf(sp.N(c, 40))
    exact = bool(c.is_Integer or (c.is_Rational and _is_power_of_two(int(c.q))))
    return v, exact


def _is_power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def _add_rule(ev: _Evaluator, expr: sp.Expr, x: mpmath.mpf, memo: dict) -> ErrorBound:
    parts = [ev.walk(a, x, memo) for a in expr.args]
    total, err = parts[0].value, parts[0].error
    for p in parts[1:]:
        total = total + p.value
        err = err + p.error + ev.half_ulp(total)
    return ErrorBound(total, err)


def _mul_rule(ev: _Evaluator, expr: sp.Expr, x: mpmath.mpf, memo: dict) -> ErrorBound:
    prod, err = mpmath.mpf(1), mpmath.mpf(0)
    scale_only = True  # the product so far is an exact constant +-2^k (multiplying by it is exact)
    for i, a in enumerate(expr.args):
        p = ev.walk(a, x, memo)
        new = prod * p.value
        err = err * abs(p.value) + abs(prod) * p.error
        exact_scale = bool(a.is_number and a.is_Rational and _pow2_rational(a))
        if i > 0 and not (exact_scale or scale_only):
            err = err + ev.half_ulp(new)
        scale_only = scale_only and exact_scale
        prod = new
    return ErrorBound(prod, err)


def _pow2_rational(c: sp.Expr) -> bool:
    """+-2^k (k of either sign): multiplying by it is exact (barring underflow)."""
    return bool(_is_power_of_two(abs(int(c.p))) and _is_power_of_two(int(c.q)))


def _pow_rule(ev: _Evaluator, expr: sp.Expr, x: mpmath.mpf, memo: dict) -> ErrorBound:
    base, expo = expr.args
    b = ev.walk(base, x, memo)
    if expo.is_number:
        n = _constant(expo)[0]
        if not b.value:
            v = mpmath.mpf(0) if n > 0 else mpmath.inf
            return ErrorBound(v, mpmath.inf if n <= 0 else mpmath.mpf(0))
        v = mpmath.power(b.value, n) if b.value > 0 or expo.is_integer else mpmath.nan
        if not mpmath.isfinite(v):
            return ErrorBound(v, mpmath.inf)
        cost = 1 if expo == 2 or expo == sp.Rational(1, 2) else 2  # x*x, sqrt: one rounding
        rounding = ev.half_ulp(v) * (cost if expo != -1 else 1)
        return ErrorBound(v, abs(n * v / b.value) * b.error + rounding)
    e = ev.walk(expo, x, memo)
    v = mpmath.power(b.value, e.value)
    prop = abs(v) * (abs(e.value / b.value) * b.error + abs(mpmath.log(abs(b.value))) * e.error)
    return ErrorBound(v, prop + ev.ulp(v))


def _select_rule(ev: _Evaluator, expr: sp.Expr, x: mpmath.mpf, memo: dict) -> ErrorBound:
    parts = [ev.walk(a, x, memo) for a in expr.args]
    pick = max if isinstance(expr, sp.Max) else min
    v = pick(p.value for p in parts)
    return ErrorBound(v, max(p.error for p in parts))


def _abs_rule(ev: _Evaluator, expr: sp.Expr, x: mpmath.mpf, memo: dict) -> ErrorBound:
    p = ev.walk(expr.args[0], x, memo)
    return ErrorBound(abs(p.value), p.error)


def _piecewise_rule(ev: _Evaluator, expr: sp.Expr, x: mpmath.mpf, memo: dict) -> ErrorBound:
    xs = sp.Float(mpmath.nstr(x, 40), 40) if mpmath.isfinite(x) else (sp.oo if x > 0 else -sp.oo)
    for branch, cond in expr.args:
        if cond == sp.true or bool(cond.subs(ev.var, xs)):
            return ev.walk(branch, x, memo)
    return ErrorBound(mpmath.nan, mpmath.inf)


@functools.lru_cache(maxsize=256)
def _function_parts(cls: type, fmt_key: int) -> tuple[Callable, Callable]:
    u = sp.Dummy("u", real=True)
    g = cls(u)
    return compile_mp(g, u).raw, compile_mp(sp.diff(g, u), u).raw


def _function_rule(ev: _Evaluator, expr: sp.Expr, x: mpmath.mpf, memo: dict) -> ErrorBound:
    a = ev.walk(expr.args[0], x, memo)
    g, dg = _function_parts(type(expr), ev.fmt.precision)  # type: ignore[arg-type]
    v, d = g(a.value), dg(a.value)
    if v is None or d is None:
        return ErrorBound(mpmath.nan, mpmath.inf)
    cost = COSTS.get(type(expr).__name__, DEFAULT_COST)(a.value, v, d)
    return ErrorBound(v, abs(d) * a.error + cost * ev.ulp(v))


def _opaque_rule(ev: _Evaluator, expr: sp.Expr, x: mpmath.mpf, memo: dict) -> ErrorBound:
    """Anything else: its value, with the default cost and no propagation (not expected in kernels)."""
    v = compile_mp(expr, ev.var).raw(x)
    if v is None:
        return ErrorBound(mpmath.nan, mpmath.inf)
    return ErrorBound(v, 8 * ev.ulp(v))


_RULES: dict[str, Callable[[_Evaluator, sp.Expr, mpmath.mpf, dict], ErrorBound]] = {
    "Add": _add_rule,
    "Mul": _mul_rule,
    "Pow": _pow_rule,
    "Max": _select_rule,
    "Min": _select_rule,
    "Abs": _abs_rule,
    "Piecewise": _piecewise_rule,
}


def error_bound(expr: sp.Expr, var: sp.Symbol, x: float, *, dtype: object = float) -> ErrorBound:
    """Value and first-order rounding-error bound of evaluating `expr` at the float `x` in `dtype`.

    Infinite where an intermediate overflows; nan value where `expr` is undefined at `x`.
    """
    fmt = float_format(dtype if dtype is not float else "float64")
    ev = _Evaluator(fmt, var)
    with mpmath.workprec(_PREC):
        out = ev.walk(expr, mpmath.mpf(x), {})
    err = out.error if mpmath.isfinite(out.value) else mpmath.inf
    return ErrorBound(out.value, err)


def bound_float(expr: sp.Expr, var: sp.Symbol, x: float, *, dtype: object = float) -> float:
    """:func:`error_bound` as a float (inf where unbounded)."""
    b = error_bound(expr, var, x, dtype=dtype)
    e = float(b.error) if mpmath.isfinite(b.error) else math.inf
    return e
