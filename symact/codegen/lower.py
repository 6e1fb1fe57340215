r"""Lowering: a rewritten expression becomes straight-line steps of floating-point primitives.

Each stable function has a *template* (a row of :data:`TEMPLATES`) that writes it with
$e = e^{-|u|}$ (or $h = e^{-|u|/2}$, $e = h^2$) so that nothing overflows, branch-free: a choice
between two values $v_{u \ge 0}$ and $v_{u < 0}$ where one is $e$ and the other 1 is written
$\max(e, [u \ge 0])$.  When the function is multiplied by another factor $m$ (SiLU is $x\sigma(x)$),
the template takes $m$ and multiplies it in before the last, tiny factor, so that $m \cdot e^{-700}$
is not computed from an $e^{-700}$ that has already lost its digits to underflow.

The steps are let-bindings ``t0 = ...`` collected by a :class:`Builder`; identical steps are shared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from symact.codegen.functions import (
    HypotSum,
    Log1mExp,
    MishGate,
    NormCdf,
    NormPdf,
    Sech2,
    Sigmoid,
    SigmoidPrime,
    Softplus,
    SquareShare,
    StableFunction,
    TanhSoftplus,
    expm1,
    hypot,
    log1p,
)
from symact.codegen.routines import routine

__all__ = ["TEMPLATES", "Builder", "Runtime", "lower"]


class Runtime(sp.Function):
    """A call of a hand-written NumPy routine of ``symact.kernels._runtime`` (its name is `name`)."""

    name = ""


def runtime(name: str) -> type[Runtime]:
    """The Runtime function class printed as ``_rt.<name>(...)``; `name` must be declared in
    :data:`symact.codegen.routines.ROUTINES` (which every backend implements)."""
    return type(f"rt_{name}", (Runtime,), {"name": routine(name).name})


@dataclass
class Builder:
    """Let-bindings ``t<k> = expr`` in order; the same expression is bound once."""

    steps: list[tuple[sp.Symbol, sp.Expr]] = field(default_factory=list)
    _seen: dict[sp.Expr, sp.Symbol] = field(default_factory=dict)
    _count: int = 0

    def prune(self, result: sp.Expr) -> None:
        """Drop the steps that neither `result` nor a kept step uses (a double-double routine may
        have replaced the only use of a bound argument)."""
        needed = set(result.free_symbols)
        kept = []
        for sym, value in reversed(self.steps):
            if sym in needed:
                kept.append((sym, value))
                needed |= value.free_symbols
        self.steps = kept[::-1]
        self._seen = {v: s for s, v in self.steps}

    def let(self, expr: sp.Expr) -> sp.Expr:
        if expr.is_Atom:
            return expr
        if expr in self._seen:
            return self._seen[expr]
        sym = sp.Symbol(f"_t{self._count}", real=True)
        self._count += 1
        self.steps.append((sym, expr))
        self._seen[expr] = sym
        return sym


def _step(cond: sp.Basic) -> sp.Expr:
    """The indicator [cond] as 0/1 (printed as a boolean array)."""
    return sp.Piecewise((sp.S.One, cond), (sp.S.Zero, True))


def _dd_poly(b: Builder, u: sp.Expr) -> tuple[sp.Expr, list[sp.Expr]] | None:
    """(variable, [hi, lo, ...] coefficient pairs) when u is a polynomial of degree >= 2 in one
    variable (or that variable clamped): rounding u costs |u| ULP in e^{-|u|}, and GELU-tanh's cubic
    reaches |u| ~ 700."""
    bound = dict(b.steps)
    while any(s in bound for s in u.free_symbols):
        u = u.xreplace(bound)
    if len(u.free_symbols) != 1:
        return None
    gens = [
        g for g in (*u.free_symbols, *u.atoms(sp.Max, sp.Min)) if not u.has(sp.Max, sp.Min) or g.has(sp.Max)
    ]
    for x in gens:  # the variable, or the variable clamped to a branch's range
        try:
            poly = sp.Poly(sp.expand(u), x)
        except sp.PolynomialError:
            continue
        if all(c.is_number for c in poly.all_coeffs()):
            break
    else:
        return None
    if poly.degree() < 2 or not _vanishes_beyond_clip(poly):
        return None
    pairs: list[sp.Expr] = []
    for c in poly.all_coeffs():
        hi = sp.Float(float(sp.N(c, 40)), 17)
        pairs += [hi, sp.Float(float(sp.N(c - sp.Rational(hi), 40)), 17)]
    return x, pairs


_CLIP = sp.Integer(10) ** 30  # the runtime clamps |x| here (its split needs |x| far below 1e300)


def _vanishes_beyond_clip(poly: sp.Poly) -> bool:
    r"""Whether clamping |x| to 1e30 changes no rounded result: for |x| >= 1e30, |P(x)| >= 1500 and
    |P| grows (leading term against the sum of the others, in exact arithmetic), so $e^{-|P|/k}$
    and $m e^{-|P|}$ round to 0, and $\sigma(P)$ to 0 or 1, with and without the clamp."""
    coeffs = [sp.nsimplify(c) if c.is_Float else c for c in poly.all_coeffs()]
    n = len(coeffs) - 1
    lead, rest = sp.Abs(coeffs[0]), [(n - i, sp.Abs(c)) for i, c in enumerate(coeffs) if i]
    size = lead * _CLIP**n - sp.Add(*[c * _CLIP**d for d, c in rest])
    slope = n * lead * _CLIP ** (n - 1) - sp.Add(*[d * c * _CLIP ** (d - 1) for d, c in rest if d])
    return bool(size >= 1500 and slope > 0)


def _dd_exp(b: Builder, u: sp.Expr, k: int) -> sp.Expr | None:
    r"""$e^{-|u|/k}$ through the double-double routine (see :func:`_dd_poly`), or None."""
    found = _dd_poly(b, u)
    return None if found is None else runtime("exp_neg_abs_poly")(found[0], sp.Integer(k), *found[1])


def _e(b: Builder, u: sp.Expr) -> sp.Expr:
    """e^{-|u|}; the square of e^{-|u|/2} when that is bound already (one exponential, not two)."""
    half = _dd_exp(b, u, 2) or sp.exp(-sp.Abs(u) / 2)
    if half in b._seen:
        return b.let(b._seen[half] ** 2)
    return b.let(_dd_exp(b, u, 1) or sp.exp(-sp.Abs(u)))


def _h(b: Builder, u: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    h = b.let(_dd_exp(b, u, 2) or sp.exp(-sp.Abs(u) / 2))
    return h, b.let(h * h)


def _sigmoid(b: Builder, u: sp.Expr, m: sp.Expr | None) -> sp.Expr:
    dd = _dd_poly(b, u) if m is not None else None
    if dd is not None:
        return runtime("sigmoid_poly_scaled")(m, dd[0], *dd[1])
    if m is None:
        e = _e(b, u)
        return b.let(sp.Max(e, _step(u >= 0))) / (1 + e)
    h, e = _h(b, u)
    n = b.let(sp.Max(h, _step(u >= 0)))
    return b.let(m * n) * n / (1 + e)


def _sigmoid_prime(b: Builder, u: sp.Expr, m: sp.Expr | None) -> sp.Expr:
    if m is None:
        e = _e(b, u)
        return e / (1 + e) ** 2
    h, e = _h(b, u)
    return b.let(m * h) * h / (1 + e) ** 2


def _softplus(b: Builder, u: sp.Expr, m: sp.Expr | None) -> sp.Expr:
    core = sp.Max(u, 0) + log1p(_e(b, u))
    return core if m is None else m * b.let(core)


_SECH_CLAMP = sp.Integer(380)  # sech²u < 2^-1075 beyond |u| = 374: the clamp changes no rounded result


def _sech2(b: Builder, u: sp.Expr, m: sp.Expr | None) -> sp.Expr:
    if m is None:  # (1/cosh u)²: cosh is one vectorised call, and 1/cosh(380) is still a normal float
        c = b.let(sp.cosh(sp.Max(sp.Min(u, _SECH_CLAMP), -_SECH_CLAMP)))
        return b.let(1 / c) ** 2
    h = _e(b, u)
    e2 = b.let(h * h)
    return b.let(4 * m * h) * h / (1 + e2) ** 2


def _tanh_softplus(b: Builder, u: sp.Expr, m: sp.Expr | None) -> sp.Expr:
    if m is None:
        e = _e(b, u)
        big_j = b.let(sp.Max(e, _step(u >= 0)))
        k = b.let(sp.Max(e, _step(u < 0)))
        n = b.let(big_j * (1 + e + k))
        return n / (n + 2 * k**2)
    h, e = _h(b, u)
    j = b.let(sp.Max(h, _step(u >= 0)))
    k = b.let(sp.Max(e, _step(u < 0)))
    q = b.let(1 + e + k)
    return b.let(b.let(m * j) * j) * q / (b.let(j * j) * q + 2 * k**2)


def _mish_gate(b: Builder, u: sp.Expr, m: sp.Expr | None) -> sp.Expr:
    if m is None:
        e = _e(b, u)
        me = e
    else:
        h, e = _h(b, u)
        me = b.let(b.let(m * h) * h)
    k = b.let(sp.Max(e, _step(u < 0)))
    s = b.let(1 + e)
    return 4 * me * k * s / (s**2 + k**2) ** 2


def _log1mexp(b: Builder, u: sp.Expr, m: sp.Expr | None) -> sp.Expr:
    w = b.let(sp.Min(u, 0))
    near = sp.log(-expm1(sp.Max(w, -_LN2)))
    far = log1p(-sp.exp(sp.Min(w, -_LN2)))
    core = b.let(sp.Piecewise((near, u > -_LN2), (far, True)))
    return core if m is None else m * core


_LN2 = sp.Float("0.6931471805599453", 17)


def _runtime_call(name: str) -> Callable[[Builder, sp.Expr, sp.Expr | None], sp.Expr]:
    plain, scaled = runtime(name), runtime(f"{name}_scaled")

    def template(b: Builder, u: sp.Expr, m: sp.Expr | None) -> sp.Expr:
        return plain(u) if m is None else scaled(u, m)

    return template


TEMPLATES: dict[type[StableFunction], Callable[[Builder, sp.Expr, sp.Expr | None], sp.Expr]] = {
    Sigmoid: _sigmoid,
    SigmoidPrime: _sigmoid_prime,
    Softplus: _softplus,
    Sech2: _sech2,
    TanhSoftplus: _tanh_softplus,
    MishGate: _mish_gate,
    NormCdf: _runtime_call("ndtr"),
    NormPdf: _runtime_call("npdf"),
    Log1mExp: _log1mexp,
}
"""How each stable function is evaluated: ``template(builder, u, multiplier or None) -> expr``."""


_BOUNDS: dict[type[sp.Basic], tuple[str, bool]] = {
    sp.StrictLessThan: ("hi", True),
    sp.LessThan: ("hi", True),
    sp.StrictGreaterThan: ("lo", True),
    sp.GreaterThan: ("lo", True),
}


def _simple(cond: sp.Basic, var: sp.Symbol | None) -> tuple[sp.Symbol, str, sp.Expr] | None:
    """(x, "hi" | "lo", c) for a condition x < c, x <= c (hi) or x > c, x >= c (lo), x = `var`."""
    if type(cond) not in _BOUNDS or var is None:
        return None
    if cond.rhs == var:
        cond = cond.reversed
    if cond.lhs != var or cond.rhs.has(var):
        return None
    return cond.lhs, _BOUNDS[type(cond)][0], cond.rhs


def _needs_clamp(value: sp.Expr, var: sp.Symbol | None) -> bool:
    """Whether a dead lane of this branch could overflow: anything but the variable itself."""
    if var is None or not value.has(var):
        return False
    return value != var


_NEGATE = {
    sp.StrictLessThan: sp.GreaterThan,
    sp.LessThan: sp.StrictGreaterThan,
    sp.StrictGreaterThan: sp.LessThan,
    sp.GreaterThan: sp.StrictLessThan,
}


def _nan_to_variable_branch(pw: sp.Piecewise, var: sp.Symbol | None) -> sp.Piecewise:
    """``(A(x), x <= c), (B, True)`` with B constant becomes ``(B, x > c), (A(x), True)``.

    The same function on the reals; a NaN input fails every comparison, so it now lands in the branch
    that depends on x and propagates (no special-value pass needed for ELU', ReLU', ...).
    """
    if var is None or len(pw.args) != 2:
        return pw
    (a, cond), (b, last) = pw.args
    if last != sp.true or type(cond) not in _NEGATE or b.has(var) or not a.has(var):
        return pw
    if _simple(cond, var) is None:
        return pw
    return sp.Piecewise((b, _NEGATE[type(cond)](cond.lhs, cond.rhs)), (a, True))


def clamp_branches(pw: sp.Piecewise, var: sp.Symbol | None) -> sp.Piecewise:
    r"""Each branch's variable clamped to the branch's own range, so a dead branch cannot overflow.

    ``where(x > 0, x, expm1(x))`` evaluates ``expm1(1e308)`` in the lanes it discards; with the
    branch written ``expm1(min(x, 0))`` it does not.  On the range where a branch is selected the
    clamp is the identity, so the Piecewise is unchanged as a function.
    """
    pw = _nan_to_variable_branch(pw, var)
    lo: dict[sp.Symbol, sp.Expr] = {}
    hi: dict[sp.Symbol, sp.Expr] = {}
    out = []
    for value, cond in pw.args:
        here_lo, here_hi = dict(lo), dict(hi)
        simple = _simple(cond, var)
        if isinstance(cond, sp.Eq):
            out.append((value, cond))
            continue
        if simple is not None:
            x, side, c = simple
            (here_hi if side == "hi" else here_lo)[x] = c
        elif cond != sp.true:
            out.extend(pw.args[len(out) :])
            break
        if _needs_clamp(value, var):
            subs = {}
            for x in set(here_lo) | set(here_hi):
                t: sp.Expr = x
                if x in here_hi:
                    t = sp.Min(t, here_hi[x], evaluate=False)
                if x in here_lo:
                    t = sp.Max(t, here_lo[x], evaluate=False)
                subs[x] = t
            value = value.xreplace(subs)
        out.append((value, cond))
        if simple is not None:
            x, side, c = simple
            (lo if side == "hi" else hi)[x] = c  # later branches lie on the other side
    return sp.Piecewise(*out)


def _scalable(factor: sp.Expr) -> bool:
    return isinstance(factor, StableFunction) and type(factor) in TEMPLATES


def lower(expr: sp.Expr, builder: Builder, var: sp.Symbol | None = None) -> sp.Expr:
    """`expr` in let-bound primitives: stable functions replaced by their templates."""
    memo: dict[sp.Expr, sp.Expr] = {}

    def arg(e: sp.Expr) -> sp.Expr:
        return builder.let(go(e))

    def hypot_sum(e: sp.Expr, m: sp.Expr) -> sp.Expr:
        """m (u + hypot(u, s)): m s^2/(hypot - u) for u < 0, m u + m hypot otherwise (no overflow)."""
        u, s = (arg(a) for a in e.args)
        neg = builder.let(sp.Min(u, 0))  # the u < 0 branch on its own range: hypot - u >= s > 0
        # halves: hypot - u would overflow for u < -max/2 although the quotient is finite
        far = m * s**2 / 2 / (builder.let(hypot(neg, s)) / 2 - neg / 2)
        near = m * u + m * builder.let(hypot(u, s))
        return builder.let(sp.Piecewise((far, u < 0), (near, True)))

    def square_share(e: sp.Expr) -> sp.Expr:
        """u²/(u² + c): as written for |u| < 1, 1/(1 + (c/u)/u) beyond (each branch on its own range)."""
        u, c = (arg(a) for a in e.args)
        mag = builder.let(sp.Abs(u))
        small = builder.let(sp.Min(mag, 1))
        large = builder.let(sp.Max(mag, 1))
        near = small * small / (small * small + c)
        far = 1 / (1 + builder.let(c / large) / large)
        return builder.let(sp.Piecewise((near, mag < 1), (far, True)))

    def go(e: sp.Expr) -> sp.Expr:
        if e.is_Atom:
            return e
        if e in memo:
            return memo[e]
        result: sp.Expr
        if isinstance(e, sp.Mul) and any(isinstance(f, HypotSum) for f in e.args):
            hs = next(f for f in e.args if isinstance(f, HypotSum))
            rest = [f for f in e.args if f is not hs]
            result = hypot_sum(hs, builder.let(go(sp.Mul(*rest))))
            memo[e] = result
            return result
        if isinstance(e, sp.Mul):
            stable = [f for f in e.args if _scalable(f)]
            others = [f for f in e.args if not _scalable(f)]
            if len(stable) == 1 and others:
                multiplier = builder.let(go(sp.Mul(*others)))
                result = TEMPLATES[type(stable[0])](builder, arg(stable[0].args[0]), multiplier)
            else:
                result = e.func(*[go(a) for a in e.args])
        elif isinstance(e, HypotSum):
            result = hypot_sum(e, sp.S.One)
        elif isinstance(e, SquareShare):
            result = square_share(e)
        elif isinstance(e, StableFunction):
            result = TEMPLATES[type(e)](builder, arg(e.args[0]), None)
        elif isinstance(e, sp.Piecewise):
            result = sp.Piecewise(*[(go(v), c) for v, c in clamp_branches(e, var).args])
        elif isinstance(e, sp.Add):  # scaled templates first: the plain ones may reuse their e^{-|u|/2}
            order = sorted(range(len(e.args)), key=lambda i: not isinstance(e.args[i], sp.Mul))
            lowered = {i: go(e.args[i]) for i in order}
            result = e.func(*[lowered[i] for i in range(len(e.args))])
        else:
            result = e.func(*[go(a) for a in e.args])
        memo[e] = result
        return result

    out = go(expr)
    builder.prune(out)
    return out
