"""What to generate for a record: its kernels as rewritten expressions, with candidates and references.

:func:`plan` dispatches on ``record.kind`` through :data:`PLANNERS`.  An element-wise function gets
three kernels: the function (``NAME``), its derivative (``NAME_grad``) and, where the derivation
found one, its output form (``NAME_grad_from_output``).  Each kernel lists *candidates*: equal
expressions (the derivation's derivative, its simplified form, the derivative of the rewritten
function), each passed through :func:`symact.codegen.rules.rewrite`.  The verifier keeps the first
candidate that meets the accuracy target.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import sympy as sp

from symact.catalogue import A, Activation, Loss, Record
from symact.codegen.conditions import tidy_piecewise
from symact.codegen.functions import NormCdf, NormPdf, to_textbook
from symact.codegen.rules import rewrite
from symact.codegen.series import apply_series
from symact.derive import Derivation
from symact.errors import SymactError

__all__ = ["PLANNERS", "Candidate", "KernelPlan", "RecordPlan", "UnsupportedRecord", "limits_of", "plan"]


class UnsupportedRecord(SymactError):
    """A record this generator does not turn into kernels (yet); the message says why."""


@dataclass(frozen=True)
class Candidate:
    """One expression for a kernel: `expr` (stable functions) and the rules that produced it."""

    expr: sp.Expr
    rules: tuple[str, ...]
    origin: str


Role = Literal["fwd", "grad", "grad_from_output", "vjp"]
"""What a kernel computes: f, f', f' from the output a = f(x), or a vector-Jacobian product."""

ROLES: tuple[Role, ...] = ("fwd", "grad", "grad_from_output", "vjp")


@dataclass
class KernelPlan:
    """One generated function."""

    name: str
    role: Role
    var: sp.Symbol
    candidates: list[Candidate]
    truth: sp.Expr  # the derivation's expression (for the report and the proof)
    limits: tuple[sp.Expr | None, sp.Expr | None] = (None, None)
    extra: tuple[sp.Symbol, ...] = ()  # further inputs (a loss's target y)
    domain: sp.Set = sp.S.Reals
    targets: tuple[float, ...] = ()  # values of the extra input the kernel is verified at

    @property
    def careful(self) -> bool:
        """Kernels built on Φ/φ (GELU) get the wider targets the task allows."""
        return any(c.expr.has(NormCdf, NormPdf) for c in self.candidates)


@dataclass
class RecordPlan:
    record: Record
    params: tuple[tuple[sp.Symbol, sp.Expr], ...]
    kernels: list[KernelPlan] = field(default_factory=list)
    derivation: Any = None

    @property
    def defaults(self) -> dict[str, sp.Expr]:
        """Parameter values for the references: each default as the float64 the kernel holds (an
        exact rational), so that a kink at a parameter (threshold 0.1) lies where the kernel has it."""
        return {s.name: _as_float(v) for s, v in self.params}


def _as_float(v: sp.Expr) -> sp.Expr:
    v = sp.sympify(v)
    if not v.is_number or not v.is_finite:
        return v
    return sp.Rational(float(sp.N(v, 30)))


def _prepare(expr: sp.Expr, x: sp.Symbol, numeric: dict[sp.Symbol, sp.Expr], origin: str) -> Candidate:
    tidy = tidy_piecewise(expr, x, numeric)
    out, used = rewrite(tidy)
    return Candidate(out, tuple(used), origin)


def limits_of(kp: KernelPlan) -> tuple[sp.Expr | None, sp.Expr | None]:
    """The limits at -oo and +oo of a kernel: the derivation's, else ``sympy.limit`` (slow, on demand)."""
    if any(v is not None for v in kp.limits) or kp.role != "fwd":
        return kp.limits
    return (_limit(kp.truth, kp.var, -sp.oo), _limit(kp.truth, kp.var, sp.oo))


def _canon(expr: sp.Expr | None, symbols: tuple[sp.Symbol, ...]) -> sp.Expr | None:
    """`expr` with every free symbol named like one of `symbols` replaced by it (assumptions differ)."""
    if expr is None:
        return None
    by_name = {s.name: s for s in symbols}
    expr = sp.sympify(expr)
    return expr.xreplace({s: by_name[s.name] for s in expr.free_symbols if s.name in by_name})


def _limit(expr: sp.Expr, x: sp.Symbol, at: sp.Expr) -> sp.Expr | None:
    if isinstance(expr, sp.Piecewise):
        for value, cond in expr.args:
            holds = cond.subs(x, at)
            if holds == sp.true:
                return _limit(value, x, at)
            if holds != sp.false:
                return None
        return None
    try:
        value = sp.limit(to_textbook(expr), x, at)
    except (NotImplementedError, ValueError, TypeError):
        return None
    if value.has(sp.Limit, sp.AccumBounds, sp.nan, sp.zoo) or value.is_extended_real is not True:
        return None
    return value


def _distinct(cands: list[Candidate]) -> list[Candidate]:
    seen: set[sp.Expr] = set()
    out = []
    for c in cands:
        if c.expr not in seen:
            seen.add(c.expr)
            out.append(c)
    return out


_TARGET_VALUES: tuple[sp.Expr, ...] = (
    sp.S.Zero,
    sp.S.One,
    sp.Rational(1, 4),
    sp.Rational(7, 10),
    sp.Rational(-13, 4),
    sp.Integer(1000),
    sp.Rational(-1, 1000),
)


def _target_values(domain: sp.Set) -> tuple[float, ...]:
    """A few target values inside `domain` at which a loss kernel is verified."""
    return tuple(float(v) for v in _TARGET_VALUES if domain.contains(v) == sp.true)[:4]


def _elementwise(record: Record) -> RecordPlan:
    """Activations f(x) and element-wise losses l(a, y): value, derivative, output form."""
    from symact.derive import derive

    rec = cast(Activation | Loss, record)
    x = rec.variable
    extra = (rec.target,) if isinstance(rec, Loss) else ()
    domain = rec.input_domain if isinstance(rec, Loss) else rec.domain
    params = tuple((p.symbol, p.default) for p in rec.params)
    numeric = dict(params)
    d = cast(Derivation, derive(rec))
    names = (x, A, *extra, *numeric)

    def canon(e: sp.Expr | None) -> sp.Expr:
        return cast(sp.Expr, _canon(e, names))

    rp = RecordPlan(rec, params, derivation=d)
    ys = _target_values(rec.target_domain) if isinstance(rec, Loss) else ()

    def kernel(
        name: str,
        role: Role,
        var: sp.Symbol,
        cands: list[Candidate],
        truth: sp.Expr,
        limits: tuple[sp.Expr | None, sp.Expr | None] = (None, None),
    ) -> KernelPlan:
        return KernelPlan(name, role, var, cands, truth, limits, extra=extra, domain=domain, targets=ys)

    fwd = _prepare(rec.expr, x, numeric, "record")
    fwds = [fwd]
    for approx, name in apply_series(rec.expr, x):  # tried only if the exact forms miss the target
        cand = _prepare(approx, x, numeric, "record, truncated series near 0")
        fwds.append(Candidate(cand.expr, (name, *cand.rules), cand.origin))
    no_limits = (None, None)
    rp.kernels.append(kernel(rec.name, "fwd", x, fwds, rec.expr, no_limits))  # limits: see limits_of
    derivative = canon(d.derivative)
    grads = [
        _prepare(derivative, x, numeric, "derivation"),
        _prepare(canon(d.derivative_simplified), x, numeric, "derivation, simplified"),
    ]
    if not fwd.expr.has(sp.Piecewise, sp.Max, sp.Min, sp.Abs) and not derivative.has(sp.Piecewise):
        grads.append(_prepare(sp.diff(fwd.expr, x), x, numeric, "derivative of the rewritten function"))
    grad_limits = no_limits if extra else (canon(d.limits.get("-oo")), canon(d.limits.get("oo")))
    rp.kernels.append(kernel(f"{rec.name}_grad", "grad", x, _distinct(grads), derivative, grad_limits))
    of = d.output_form
    of_expr = canon(of.expression) if of is not None and of.expression is not None else None
    # an output form must be a function of a alone (one that still holds x has no kernel)
    # and one that holds only at particular parameter values (of.fixed) would be wrong at others
    usable = of is not None and of.status == "found" and not of.fixed
    if usable and of_expr is not None and not extra and not of_expr.has(x):
        cand = _prepare(of_expr, A, numeric, "output form")
        rp.kernels.append(kernel(f"{rec.name}_grad_from_output", "grad_from_output", A, [cand], of_expr))
    return rp


PLANNERS: dict[str, Callable[[Record], RecordPlan]] = {
    "elementwise": _elementwise,
    "loss": _elementwise,
}
"""Planner per record kind."""


def plan(record: Record) -> RecordPlan:
    """The kernels to generate for `record`; UnsupportedRecord if its kind has no planner."""
    planner = PLANNERS.get(record.kind)
    if planner is None:
        raise UnsupportedRecord(
            f"{record.name}: records of kind {record.kind!r} have no kernel generator yet"
        )
    return planner(record)
