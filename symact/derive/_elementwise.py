"""Derivation of an element-wise function (activation or loss in its prediction)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sympy as sp

from symact.budget import with_budget
from symact.catalogue import Activation, Kink, Loss, Param
from symact.catalogue._params import check_params
from symact.derive._check import spot_check, zero_method
from symact.derive._output_form import OutputForm, find_output_form, side_limit
from symact.derive._pieces import Piece, pieces, to_piecewise
from symact.errors import VerificationError

__all__ = ["Derivation", "KinkAnalysis", "derive_elementwise"]

_FORBIDDEN = (sp.Heaviside, sp.DiracDelta, sp.sign)
_STAND_IN = sp.Integer(10**6)  # orders a breakpoint whose default is oo after every finite one


@dataclass(frozen=True)
class KinkAnalysis:
    """A non-smooth point as derived: one-sided derivatives, subgradient interval, conventions."""

    at: sp.Expr
    left: sp.Expr
    right: sp.Expr
    subgradient: tuple[sp.Expr, sp.Expr]
    conventions: dict[str, sp.Expr | None]
    value: sp.Expr
    jump: bool
    note: str = ""


@dataclass(frozen=True)
class Derivation:
    """Everything derived for one element-wise function under one convention."""

    record: Activation | Loss
    convention: str
    params: dict[sp.Symbol, sp.Expr]
    expression: sp.Expr
    derivative: sp.Expr
    derivative_simplified: sp.Expr
    second_derivative: sp.Expr
    limits: dict[str, sp.Expr | None]
    at_zero: sp.Expr | None
    kinks: tuple[KinkAnalysis, ...]
    output_form: OutputForm
    pieces: tuple[Piece, ...]
    checked_points: int
    notes: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def variable(self) -> sp.Symbol:
        return self.record.variable


def _assumed(param: Param) -> sp.Symbol:
    """The parameter's symbol with the sign its valid range implies (limits need it)."""
    valid = param.valid
    if valid.is_subset(sp.Interval.open(0, sp.oo)):
        return sp.Symbol(param.name, positive=True)
    if valid.is_subset(sp.Interval(0, sp.oo)):
        return sp.Symbol(param.name, nonnegative=True)
    if valid.is_subset(sp.Interval.open(-sp.oo, 0)):
        return sp.Symbol(param.name, negative=True)
    return param.symbol


def simplest(expr: sp.Expr, budget_ops: int = 80) -> sp.Expr:
    """The shortest of a few normal forms; full ``simplify`` only for expressions it can afford."""
    options = [expr, sp.factor_terms(expr), sp.cancel(expr) if not expr.has(sp.Piecewise) else expr]
    if sp.count_ops(expr) <= budget_ops:
        options.append(with_budget(sp.simplify, expr, fallback=expr)[0])
    return min(options, key=lambda e: (sp.count_ops(e), len(sp.srepr(e))))


def _ordered(lo: sp.Expr, hi: sp.Expr, numeric: Mapping[sp.Symbol, sp.Expr]) -> tuple[sp.Expr, sp.Expr]:
    return (lo, hi) if float(lo.subs(numeric)) <= float(hi.subs(numeric)) else (hi, lo)


def _assemble(
    parts: list[Piece], values: list[sp.Expr], x: sp.Symbol, at_kinks: dict[sp.Expr, sp.Expr]
) -> sp.Expr:
    """One Piecewise: the kink values first (Eq), then each piece on x < its right end."""
    if len(parts) == 1 and not at_kinks:
        return values[0]
    branches: list[tuple[sp.Expr, sp.Basic]] = [(v, sp.Eq(x, c)) for c, v in at_kinks.items()]
    for piece, value in zip(parts[:-1], values[:-1], strict=True):
        branches.append((value, x < piece.hi))
    branches.append((values[-1], sp.true))
    return sp.Piecewise(*branches)


def _analyse_kink(
    kink: Kink,
    parts: list[Piece],
    derivs: list[sp.Expr],
    x: sp.Symbol,
    convention: str,
    numeric: Mapping[sp.Symbol, sp.Expr],
) -> KinkAnalysis:
    c = kink.at
    index = next((i for i, p in enumerate(parts) if sp.simplify(p.hi - c) == 0), None)
    if index is None:
        raise VerificationError(f"declared kink at x = {c} is not a breakpoint of the expression")
    left = sp.simplify(side_limit(derivs[index], x, c, "-", numeric))
    right = sp.simplify(side_limit(derivs[index + 1], x, c, "+", numeric))
    for side, derived, declared in (("left", left, kink.left), ("right", right, kink.right)):
        if sp.simplify(derived - declared) != 0:
            raise VerificationError(
                f"kink at x = {c}: declared {side} derivative {declared}, derived {derived}"
            )
    f_left = side_limit(parts[index].expr, x, c, "-", numeric)
    f_right = side_limit(parts[index + 1].expr, x, c, "+", numeric)
    jump = sp.simplify((f_left - f_right).subs(numeric)) != 0
    if jump and not kink.jump:
        raise VerificationError(
            f"f jumps at x = {c} (at these parameters) but the kink does not declare jump=True"
        )
    return KinkAnalysis(
        at=c,
        left=left,
        right=right,
        subgradient=_ordered(left, right, numeric),
        conventions=dict(kink.conventions),
        value=kink.value(convention),
        jump=jump,
        note=kink.note,
    )


def _smooth_breakpoints(
    parts: list[Piece],
    derivs: list[sp.Expr],
    x: sp.Symbol,
    declared: set[sp.Expr],
    numeric: Mapping[sp.Symbol, sp.Expr],
) -> None:
    """Every breakpoint that is not declared as a kink must join f and f' continuously."""
    for i, piece in enumerate(parts[:-1]):
        c = piece.hi
        if any(sp.simplify(c - d) == 0 for d in declared):
            continue
        for what, lhs, rhs in (
            ("f", parts[i].expr, parts[i + 1].expr),
            ("f'", derivs[i], derivs[i + 1]),
        ):
            gap = sp.simplify(
                (side_limit(lhs, x, c, "-", numeric) - side_limit(rhs, x, c, "+", numeric)).subs(numeric)
            )
            if gap != 0:
                raise VerificationError(f"{what} is not continuous at x = {c} but no kink is declared there")


def _limits(
    parts: list[Piece],
    derivs: list[sp.Expr],
    x: sp.Symbol,
    numeric: Mapping[sp.Symbol, sp.Expr],
    true_values: Mapping[sp.Symbol, sp.Expr],
) -> dict[str, sp.Expr | None]:
    """Limits of f' at the ends of the domain, at the true parameter values (a cap at oo is absent)."""
    result: dict[str, sp.Expr | None] = {"-oo": None, "oo": None}
    reaching_lo = [
        i for i, p in enumerate(parts) if sp.sympify(p.lo).subs(true_values) == sp.S.NegativeInfinity
    ]
    reaching_hi = [i for i, p in enumerate(parts) if sp.sympify(p.hi).subs(true_values) == sp.S.Infinity]
    lo_i = reaching_lo[-1] if reaching_lo else 0
    hi_i = reaching_hi[0] if reaching_hi else len(parts) - 1
    first, last = parts[lo_i], parts[hi_i]
    if sp.sympify(first.lo).subs(true_values) == sp.S.NegativeInfinity:
        result["-oo"] = side_limit(derivs[lo_i], x, -sp.oo, "+", numeric)
    else:
        result[f"{first.lo}+"] = side_limit(derivs[lo_i], x, first.lo, "+", numeric)
    if sp.sympify(last.hi).subs(true_values) == sp.S.Infinity:
        result["oo"] = side_limit(derivs[hi_i], x, sp.oo, "-", numeric)
    else:
        result[f"{last.hi}-"] = side_limit(derivs[hi_i], x, last.hi, "-", numeric)
    return result


def _spot_check_pieces(
    parts: list[Piece], derivs: list[sp.Expr], x: sp.Symbol, numeric: Mapping[sp.Symbol, sp.Expr]
) -> int:
    """sympy.diff of the whole expression agrees with each piece's derivative at 50 digits."""
    n = 0
    for piece, d in zip(parts, derivs, strict=True):
        direct = sp.diff(piece.expr, x)
        n += spot_check(
            direct.subs(numeric), d.subs(numeric), [x], ranges={x: piece.sample_range(numeric)}, points=10
        )
    return n


def derive_elementwise(
    record: Activation | Loss, *, params: Mapping[str, sp.Expr] | None = None, convention: str = "pytorch"
) -> Derivation:
    """Derive f', its simplified form, f'', limits, f'(0), kinks and the output form of `record`."""
    x = record.variable
    check_params(record, params)  # ranges and cross-parameter constraints; ValueError names the problem
    values = dict(params or {})
    given = {p.symbol: sp.sympify(values[p.name]) for p in record.params if p.name in values}
    chosen = {p.symbol: given.get(p.symbol, p.default) for p in record.params}
    assumed = {p.symbol: _assumed(p) for p in record.params if p.symbol not in given}
    expr = record.expr.subs(given).subs(assumed)
    true_values = {assumed[p.symbol]: p.default for p in record.params if p.symbol not in given}
    extra = expr.free_symbols - {x} - set(true_values)
    true_values.update({s: sp.S.Zero for s in extra})  # other free symbols (a loss's target) order at 0
    # An infinite default (an absent cap) is replaced by a large stand-in for ordering the pieces, so
    # the piece beyond it, and its kink, stay in the derivative for every finite value too.
    numeric = {
        s: (_STAND_IN if v in (sp.oo, -sp.oo) and v > 0 else -_STAND_IN if v in (sp.oo, -sp.oo) else v)
        for s, v in true_values.items()
    }

    domain = getattr(record, "domain", None) or getattr(record, "input_domain", sp.S.Reals)
    parts = pieces(expr, x, numeric, domain)
    derivs = [sp.diff(p.expr, x) for p in parts]
    simplified = [simplest(d) for d in derivs]
    active = [_subs_kink(k, {**given, **assumed}) for k in record.kinks]
    # a kink whose location is infinite at these parameters (a cap given as oo) is not a point of f
    active = [k for k in active if sp.sympify(k.at).subs(numeric).is_finite]
    kinks = tuple(_analyse_kink(k, parts, simplified, x, convention, numeric) for k in active)
    _smooth_breakpoints(parts, simplified, x, {k.at for k in kinks}, numeric)
    at_kinks = {k.at: k.value for k in kinks}
    derivative = _assemble(parts, derivs, x, at_kinks)
    derivative_simplified = _assemble(parts, simplified, x, at_kinks)
    second = _assemble(parts, [simplest(sp.diff(d, x)) for d in simplified], x, {k.at: sp.nan for k in kinks})
    if len(parts) == 1:
        direct = sp.diff(to_piecewise(expr), x)
        if zero_method(direct - derivative_simplified) is None:
            raise VerificationError(f"{record.name}: simplified derivative differs from sympy.diff")
    for result in (derivative, derivative_simplified):
        if result.has(*_FORBIDDEN):
            raise VerificationError(f"{record.name}: {result} still holds a Heaviside, DiracDelta or sign")
    checked = _spot_check_pieces(parts, simplified, x, numeric)
    at_zero = None
    if sp.S.Zero in domain:
        at_zero = at_kinks.get(sp.S.Zero, None)
        if at_zero is None:
            at_zero = sp.simplify(derivative_simplified.subs(x, 0))
    of = OutputForm(status="not applicable")
    if isinstance(record, Activation):
        of = find_output_form(expr, x, parts, simplified, at_kinks, numeric, derivative_simplified)
        if of.expression is not None:
            checked += _check_output_form(of.expression, expr, derivative_simplified, parts, x, numeric)
    return Derivation(
        record=record,
        convention=convention,
        params=chosen,
        expression=expr,
        derivative=derivative,
        derivative_simplified=derivative_simplified,
        second_derivative=second,
        limits=_limits(parts, simplified, x, numeric, true_values),
        at_zero=at_zero,
        kinks=kinks,
        output_form=of,
        pieces=tuple(parts),
        checked_points=checked,
    )


def _subs_kink(kink: Kink, values: Mapping[sp.Symbol, sp.Expr]) -> Kink:
    return Kink(
        at=sp.sympify(kink.at).subs(values),
        left=sp.sympify(kink.left).subs(values),
        right=sp.sympify(kink.right).subs(values),
        conventions={
            k: (None if v is None else sp.sympify(v).subs(values)) for k, v in kink.conventions.items()
        },
        jump=kink.jump,
        note=kink.note,
    )


def _check_output_form(
    form: sp.Expr,
    expr: sp.Expr,
    derivative: sp.Expr,
    parts: list[Piece],
    x: sp.Symbol,
    numeric: Mapping[sp.Symbol, sp.Expr],
) -> int:
    """f'(x) = g(f(x)) at 50 digits at >= 20 points spread over the pieces (away from kinks)."""
    g_of_f = form.subs(sp.Symbol("a", real=True), expr)
    n = 0
    per_piece = max(20 // len(parts), 8)
    for i, piece in enumerate(parts):
        try:
            n += spot_check(
                derivative.subs(numeric),
                g_of_f.subs(numeric),
                [x],
                ranges={x: piece.sample_range(numeric)},
                points=per_piece,
                seed=i,
            )
        except AssertionError as exc:
            raise VerificationError(f"output form {form}: {exc}") from None
    return n
