"""What is verified: a catalogue function with its parameters bound and its claimed derivative.

A :class:`Target` holds the function f, the derivative claimed for it (from ``symact.derive`` under a
kink convention, or any SymPy expression), its kinks with the one-sided derivatives and the
convention's value, the points a finite-difference step must not cross, and the real domain.
Element-wise activations and losses (with the target value bound as a parameter) are targets.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import mpmath
import sympy as sp

from symact.catalogue import Record, check_params
from symact.errors import UserError
from symact.numeric import MpFunction, compile_mp, exact_value

__all__ = ["CHECK_CONVENTIONS", "KinkPoint", "Target", "make_target"]

CHECK_CONVENTIONS: tuple[str, ...] = ("pytorch", "pytorch-legacy", "jax", "symmetric", "subgradient")
SCALAR_KINDS: tuple[str, ...] = ("elementwise", "loss")


@dataclass(frozen=True)
class KinkPoint:
    """A non-smooth point with its one-sided derivatives and the value claimed there."""

    at: sp.Expr
    left: sp.Expr
    right: sp.Expr
    value: sp.Expr | None  # None under the subgradient convention: any value between left and right
    jump: bool

    @property
    def x(self) -> float:
        return float(self.at)

    @property
    def exact(self) -> bool:
        """True when the kink lies exactly on a float64."""
        return bool(sp.Rational(self.x) == self.at) if self.at.is_rational else False


@dataclass(frozen=True)
class Target:
    """A function of one real variable to verify, its claimed derivative, kinks and domain."""

    name: str
    var: sp.Symbol
    f: sp.Expr
    df: sp.Expr
    convention: str
    kinks: tuple[KinkPoint, ...] = ()
    breaks: tuple[float, ...] = ()
    domain: tuple[tuple[float, float], ...] = ((-math.inf, math.inf),)
    params: Mapping[str, sp.Expr] = field(default_factory=dict)
    input_terms: Mapping[sp.Expr, sp.Expr] = field(default_factory=dict)
    """For a loss, y df/dy of f and of f' (the target y is an input of the code too: its rounding
    sensitivity joins the budget, e.g. e^a - y near a = log y)."""

    @property
    def fn(self) -> MpFunction:
        return compile_mp(self.f, self.var)

    @property
    def dfn(self) -> MpFunction:
        return compile_mp(self.df, self.var)

    @functools.cached_property
    def d3fn(self) -> MpFunction:
        """The third derivative of f (the truncation error of a central difference)."""
        return compile_mp(sp.diff(_smooth(self.f), self.var, 3), self.var)

    @functools.cached_property
    def d2fn(self) -> MpFunction:
        return compile_mp(sp.diff(_smooth(self.f), self.var, 2), self.var)

    def in_domain(self, x: float) -> bool:
        return any(lo <= x <= hi for lo, hi in self.domain)

    def kink_at(self, x: float) -> KinkPoint | None:
        return next((k for k in self.kinks if k.exact and k.x == x), None)

    def distance_to_break(self, x: float) -> float:
        """Distance from x to the nearest point a difference step must not cross (inf if none)."""
        return min((abs(x - b) for b in self.breaks), default=math.inf)

    def with_derivative(self, df: sp.Expr) -> Target:
        """The same target claiming the derivative `df` (mutants, user expressions)."""
        return Target(
            self.name,
            self.var,
            self.f,
            df,
            self.convention,
            self.kinks,
            self.breaks,
            self.domain,
            self.params,
            self.input_terms,
        )

    @functools.cached_property
    def derivative_roots(self) -> tuple[float, ...]:
        """Roots of f' on [-60, 60] (sign changes on a grid, refined by bisection in mpmath)."""
        return _roots(self.dfn, self)


def _smooth(expr: sp.Expr) -> sp.Expr:
    return expr.rewrite(sp.Piecewise) if expr.has(sp.Max, sp.Min, sp.Abs, sp.Heaviside) else expr


def _intervals(domain: sp.Set) -> tuple[tuple[float, float], ...]:
    parts = domain.args if isinstance(domain, sp.Union) else (domain,)
    out = []
    for part in parts:
        if part == sp.S.Reals:
            out.append((-math.inf, math.inf))
        elif isinstance(part, sp.Interval):
            lo, hi = float(part.start), float(part.end)
            lo = math.nextafter(lo, math.inf) if part.left_open and math.isfinite(lo) else lo
            hi = math.nextafter(hi, -math.inf) if part.right_open and math.isfinite(hi) else hi
            out.append((lo, hi))
        elif isinstance(part, sp.FiniteSet):
            out.extend((float(p), float(p)) for p in part if p.is_finite)
    return tuple(out) or ((-math.inf, math.inf),)


def _boundary(domain: sp.Set) -> set[sp.Expr]:
    """The finite ends of the domain's intervals (the true ends, not the nearest floats inside)."""
    parts = domain.args if isinstance(domain, sp.Union) else (domain,)
    return {e for p in parts if isinstance(p, sp.Interval) for e in (p.start, p.end) if e.is_finite}


def _breakpoints(expr: sp.Expr, var: sp.Symbol) -> set[float]:
    """Where a Piecewise condition (or Max/Min/Abs) switches: the roots of its relations."""
    points: set[float] = set()
    smooth = _smooth(expr)
    for rel in smooth.atoms(sp.Rel):
        if not rel.has(var):
            continue
        try:
            roots = sp.solveset(rel.lhs - rel.rhs, var, sp.S.Reals)
        except (NotImplementedError, ValueError, TypeError):
            continue
        if isinstance(roots, sp.FiniteSet):
            points.update(float(r) for r in roots if r.is_real)
    return points


def _as_float(v: sp.Expr) -> sp.Expr:
    """The exact value of the float64 nearest to v (what code can hold); infinities stay."""
    return v if not v.is_finite else sp.Rational(float(v))


def _bound_params(record: Record, params: Mapping[str, Any] | None, as_float: bool) -> dict[str, sp.Expr]:
    given = {k: exact_value(v, name=k) for k, v in (params or {}).items()}
    target_names = {getattr(record, "target", sp.Symbol("_")).name}
    own = {k: v for k, v in given.items() if k not in target_names}
    try:
        chosen = check_params(record, own)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    out = {s.name: v for s, v in chosen.items()}
    out.update({k: v for k, v in given.items() if k in target_names})
    return {k: _as_float(v) for k, v in out.items()} if as_float else out


def _claimed_derivative(
    record: Record, params: Mapping[str, sp.Expr], convention: str, source: str
) -> sp.Expr:
    if source == "derive" and convention != "pytorch-legacy":  # derive knows the current conventions
        from symact.derive import derive

        own = {k: v for k, v in params.items() if any(p.name == k for p in record.params)}
        derivation = derive(
            record, params=own, convention="pytorch" if convention == "subgradient" else convention
        )
        return derivation.derivative  # type: ignore[union-attr]
    # "sympy": sympy.diff of the Piecewise form, with the convention's value placed at each kink
    x = record.variable  # type: ignore[union-attr]
    smooth = sp.diff(_smooth(record.expr), x)  # type: ignore[union-attr]
    branches = []
    for k in record.kinks:
        c = sp.sympify(k.at)
        value = k.value("pytorch" if convention == "subgradient" else convention)
        branches.append((value, sp.Eq(x, c)))
    return sp.Piecewise(*branches, (smooth, True)) if branches else smooth


def make_target(
    record: Record,
    *,
    params: Mapping[str, Any] | None = None,
    convention: str = "pytorch",
    source: str = "derive",
    derivative: sp.Expr | None = None,
    float_params: bool = False,
) -> Target:
    """The :class:`Target` of an element-wise `record` (activation, or loss with its target in `params`).

    **Arguments:**
    - `params`: parameter values by name (floats are taken exactly); defaults fill the rest.  A loss
      needs its target, for example ``{"y": 1}``.
    - `convention`: "pytorch", "jax", "symmetric" (the value claimed at kinks), "pytorch-legacy"
      (PyTorch before a recorded change of its kink values, e.g. hardswish before 2025) or
      "subgradient" (any value between the one-sided derivatives).
    - `source`: where the claimed derivative comes from: "derive" (``symact.derive``) or "sympy"
      (``sympy.diff`` of the Piecewise form with the convention's kink values).
    - `derivative`: a claimed derivative given directly (overrides `source`).
    - `float_params`: take every parameter at its float64 value (as code holds it: 0.1 is not 1/10),
      for comparing float kernels.

    **Raises:** UserError for an unknown convention, a record that is not element-wise, or bad params.
    """
    if convention not in CHECK_CONVENTIONS:
        raise UserError(f"unknown convention {convention!r}; choose one of {', '.join(CHECK_CONVENTIONS)}")
    if record.kind not in SCALAR_KINDS:
        raise UserError(f"{record.name} is a {record.kind} function; only element-wise functions are checked")
    bound = _bound_params(record, params, float_params)
    subs = {s: bound[s.name] for s in record.expr.free_symbols if s.name in bound}  # type: ignore[union-attr]
    x = record.variable  # type: ignore[union-attr]
    f = record.expr.xreplace(subs)  # type: ignore[union-attr]
    free = f.free_symbols - {x}
    if free:
        names = ", ".join(sorted(s.name for s in free))  # type: ignore[attr-defined]
        raise UserError(f"{record.name} needs a value for {names} (use --param {names.split(', ')[0]}=VALUE)")
    df = derivative if derivative is not None else _claimed_derivative(record, bound, convention, source)
    df = sp.sympify(df).xreplace(subs)
    kinks = tuple(
        KinkPoint(
            at=sp.sympify(k.at).xreplace(subs),
            left=sp.sympify(k.left).xreplace(subs),
            right=sp.sympify(k.right).xreplace(subs),
            value=None if convention == "subgradient" else sp.sympify(k.value(convention)).xreplace(subs),
            jump=k.jump,
        )
        for k in record.kinks
    )
    domain_set = getattr(record, "domain", None) or getattr(record, "input_domain", sp.S.Reals)
    domain = _intervals(domain_set)
    ends = {float(e) for e in _boundary(domain_set)}
    breaks = tuple(sorted(_breakpoints(f, x) | {k.x for k in kinks} | ends))
    terms = _input_terms(record, subs, f, df)
    return Target(record.name, x, f, df, convention, kinks, breaks, domain, bound, terms)


def _input_terms(record: Record, subs: dict, f: sp.Expr, df: sp.Expr) -> dict[sp.Expr, sp.Expr]:
    """y df/dy for f and f' of a loss (its target y at its bound value); empty otherwise."""
    y = getattr(record, "target", None)
    if y is None:
        return {}
    value = subs.get(y)
    own = {s: v for s, v in subs.items() if s != y}
    if value is None or value == 0:
        return {}
    x = record.variable  # type: ignore[union-attr]
    unbound = record.expr.xreplace(own)  # type: ignore[union-attr]
    try:
        d_unbound = sp.diff(_smooth(unbound), x)
        return {
            f: (y * sp.diff(_smooth(unbound), y)).xreplace({y: value}),
            df: (y * sp.diff(d_unbound, y)).xreplace({y: value}),
        }
    except Exception:
        return {}


def _roots(fn: MpFunction, target: Target) -> tuple[float, ...]:
    grid = [i / 8 for i in range(-480, 481)]
    values = []
    with mpmath.workprec(64):
        for g in grid:
            v = fn.raw(mpmath.mpf(g)) if target.in_domain(g) else None
            values.append(None if v is None or not mpmath.isfinite(v) else v)
    roots = []
    for (a, va), (b, vb) in zip(
        zip(grid, values, strict=True), zip(grid[1:], values[1:], strict=True), strict=False
    ):
        if va is None or vb is None or va == 0 or vb == 0 or (va > 0) == (vb > 0):
            continue
        if any(a <= k <= b for k in target.breaks):
            continue  # a jump of f' at a kink, not a root
        lo, hi = mpmath.mpf(a), mpmath.mpf(b)
        with mpmath.workprec(80):
            flo = fn.raw(lo)
            for _ in range(70 if flo is not None else 0):
                mid = (lo + hi) / 2
                fm = fn.raw(mid)
                if fm is None:
                    break
                if (fm > 0) == (flo > 0):  # type: ignore[operator]
                    lo, flo = mid, fm
                else:
                    hi = mid
        roots.append(float((lo + hi) / 2))
    return tuple(roots)
