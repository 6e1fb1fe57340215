"""The derivation of an element-wise function (an activation, or a loss in its prediction a).

Sections: the definition; optional rewriting (a plan's `pre` moves); the rule chain; the way to the
target form (a plan's `post` moves, or one simplification) and the output form found by
``symact.derive``; agreement with ``sympy.diff``; then, for non-smooth functions, every kink: the
one-sided derivatives, the subgradient and each framework's convention.
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.core.function import UndefinedFunction

from symact.catalogue import A, Activation, Kink, Loss
from symact.errors import VerificationError
from symact.steps._common import (
    add_simplification,
    derived_or_none,
    param_ranges,
    same,
    substitution_paragraph,
    write_rule_chain,
)
from symact.steps._composite import composable, link_name
from symact.steps._context import Context, interval_range
from symact.steps._doc import Derivation, Items, Paragraph, Section, Text
from symact.steps._moves import MOVES, unhold
from symact.steps._plans import PLANS, Plan
from symact.steps._verify import diff_by_cases, to_piecewise

__all__ = ["elementwise_derivation"]

F = sp.Function("f")
L = sp.Function("L")

_FRAMEWORK = {"pytorch": "PyTorch", "jax": "JAX", "symmetric": "symmetric (mean of the one-sided values)"}


def _named(record: Activation | Loss) -> sp.Expr:
    """f(x) for an activation, L(a, y) for a loss."""
    if isinstance(record, Loss):
        return L(record.variable, record.target)
    return F(record.variable)


def _context(record: Activation | Loss) -> Context:
    ctx = Context(name=record.name)
    ctx.ranges.update(param_ranges(record.params))
    domain = record.input_domain if isinstance(record, Loss) else record.domain
    box = interval_range(domain)
    if box is not None:
        ctx.ranges[record.variable] = box
    if isinstance(record, Loss):
        target = interval_range(record.target_domain)
        if target is not None:
            ctx.ranges[record.target] = target
    return ctx


def _definition(record: Activation | Loss, named: sp.Expr) -> Section:
    blocks: list[Any] = [
        Paragraph((record.description,)),
        Paragraph(("Definition: ", sp.Eq(named, record.expr, evaluate=False), ".")),
    ]
    if record.params:
        blocks.append(
            Items(tuple((p.symbol, f": {p.description}; default ", p.default, ".") for p in record.params))
        )
    if record.frameworks:
        blocks.append(Paragraph((f"Frameworks: {record.frameworks}.",)))
    return Section("Definition", tuple(blocks))


def _target(ctx: Context, writer: Any, plan: Plan, derived: Any, var: sp.Symbol) -> Paragraph:
    current = writer.last
    for ps in plan.post:
        current = MOVES[ps.move](current, ps.arg)
        arg = ps.arg
        if ps.move == "recognise" and isinstance(arg, sp.Eq) and isinstance(arg.lhs.func, UndefinedFunction):
            ctx.define(arg.lhs, arg.rhs)
        writer.add(current, ps.label)
    reached = unhold(current).subs(plan.output, A)
    if reached.has(var) or not same(reached, plan.goal):
        raise VerificationError(
            f"{ctx.name}: the moves reach {sp.sstr(reached)}, not the goal {sp.sstr(plan.goal)}"
        )
    text: list[Any] = [
        "The target form is reached: with ",
        sp.Eq(A, plan.output, evaluate=False),
        ", ",
        sp.Eq(sp.Symbol("f'"), plan.goal, evaluate=False),
        ".",
    ]
    form = getattr(getattr(derived, "output_form", None), "expression", None)
    if form is not None:
        if not same(form, plan.goal):
            raise VerificationError(
                f"{ctx.name}: goal {sp.sstr(plan.goal)} differs from the output form {form}"
            )
        text.append(" It agrees with the output form found independently by symact.derive.")
    return Paragraph(tuple(text))


def _output_form_line(writer: Any, derived: Any, named: sp.Expr) -> Paragraph | None:
    """Close the chain with f'(x) = g(f(x)) when symact.derive found a smooth output form g."""
    of = getattr(derived, "output_form", None)
    status = getattr(of, "status", None)
    if of is None:
        return None
    if status == "found" and of.expression is not None and not of.expression.has(sp.Piecewise):
        statement = (
            "In terms of the output ",
            sp.Eq(A, named, evaluate=False),
            ": ",
            sp.Eq(sp.Symbol("f'"), of.expression, evaluate=False),
        )
        label = ("output form, with ", sp.Eq(A, named, evaluate=False))
        if not writer.try_add(of.expression.subs(A, named), label):
            return Paragraph(
                (
                    *statement,
                    " (proved by symact.derive: ",
                    of.proof,
                    "; not re-proved by the step checker's cheap normal forms, so not shown as a step).",
                )
            )
        return Paragraph((*statement, "."))
    if status == "found" and of.expression is not None:
        return Paragraph(
            (
                "In terms of the output a, by cases (symact.derive, including the values at the "
                "kinks under the PyTorch convention): ",
                of.expression,
                ".",
            )
        )
    if status == "none":
        return Paragraph(
            (
                "No output form exists: f is not injective, so f' is not a function of a alone "
                "(symact.derive gives the witness).",
            )
        )
    return Paragraph(("No closed output form was found by symact.derive.",))


def _active(
    expr: sp.Expr, var: sp.Symbol, at: sp.Expr, side: int, numeric: dict[sp.Symbol, sp.Expr]
) -> sp.Expr:
    """The branch of the by-cases derivative active just left (side -1) or right (+1) of `at`."""
    pw = to_piecewise(expr)
    if not isinstance(pw, sp.Piecewise):
        return pw
    point = {**numeric, var: at.subs(numeric) + side * sp.Rational(1, 10**9)}
    for value, cond in pw.args:
        if sp.sympify(cond).subs(point) == sp.true:
            return value
    raise VerificationError(f"no case of {sp.sstr(expr)} applies near {at}")


def _kink_section(
    ctx: Context, record: Activation | Loss, kink: Kink, cases: sp.Expr, named: sp.Expr, analysis: Any
) -> Section:
    var = record.variable
    numeric = {s: (lo + hi) / 2 for s, (lo, hi) in ctx.ranges.items() if s != var}
    numeric.update({p.symbol: p.default for p in record.params})
    deriv = sp.Derivative(named, var)
    blocks: list[Any] = []
    values = []
    for side, direction, declared in ((-1, "-", kink.left), (1, "+", kink.right)):
        branch = _active(cases, var, kink.at, side, numeric)
        w = ctx.chain(sp.Limit(deriv, var, kink.at, direction))
        check = ctx.check_case(deriv, branch, var, kink.at, side)
        w.add_checked(
            sp.Limit(branch, var, kink.at, direction), ("the case that applies on this side",), check
        )
        value = sp.limit(branch, var, kink.at, direction)
        w.add(value, ("limit",))
        if not same(value, declared):
            raise VerificationError(
                f"{record.name}: at {kink.at} the derived {'left' if side < 0 else 'right'} derivative is "
                f"{sp.sstr(value)}, the catalogue declares {sp.sstr(declared)}"
            )
        blocks.append(w.done())
        values.append(value)
    left, right = values
    if kink.jump:
        blocks.append(
            Paragraph(
                (
                    "f jumps at ",
                    sp.Eq(var, kink.at),
                    ": it has no derivative there and no "
                    "subgradient; the pieces' derivatives tend to the values above, and whatever a "
                    "framework returns at the point is a convention.",
                )
            )
        )
    else:
        lo, hi = (left, right) if (left - right).subs(numeric).evalf() <= 0 else (right, left)
        if analysis is not None:
            lo, hi = analysis.subgradient
        sides: Text = ("One-sided derivatives ", left, " (left) and ", right, " (right)")
        if same(left, right):
            summary: Text = (
                *sides,
                ": they agree, so f is differentiable there with ",
                sp.Eq(sp.Symbol("f'"), left),
                ".",
            )
        else:
            summary = (
                *sides,
                ". The Clarke generalized gradient there is the interval between them, ",
                sp.Interval(lo, hi),
                ": every value in it is a valid subgradient choice.",
            )
        blocks.append(Paragraph(summary))
    items: list[Text] = []
    for name in sorted(kink.conventions):
        value = kink.value(name)
        where = (
            "the left derivative"
            if same(value, left)
            else "the right derivative"
            if same(value, right)
            else ""
        )
        text: list[Any] = [
            f"{_FRAMEWORK.get(name, name)}: ",
            sp.Eq(sp.Symbol(f"f'({sp.sstr(kink.at)})"), value),
        ]
        if kink.conventions[name] is None:
            text.append(" (no such op in this framework; the symmetric value is used)")
        elif where:
            text.append(f" ({where})")
        items.append(tuple(text))
    items.append(("symmetric: ", kink.value("symmetric")))
    blocks.append(Paragraph(("Conventions at the point:",)))
    blocks.append(Items(tuple(items)))
    if kink.note:
        blocks.append(Paragraph((kink.note,)))
    return Section(f"At {var} = {sp.sstr(kink.at)}", tuple(blocks))


_SPOT_POINTS = (-10, 0, 10)


def _spot_values(
    ctx: Context, record: Activation | Loss, result: sp.Expr, named: sp.Expr
) -> Paragraph | None:
    """f' at x = -10, 0, 10: exact where rational, else evaluated at 50 digits and shown to 6."""
    if isinstance(record, Loss):
        return None
    var = record.variable
    defaults = {p.symbol: p.default for p in record.params}
    kinks = {k.at.subs(defaults) for k in record.kinks}
    plain = ctx.unfold(result).subs(defaults)
    parts: list[Any] = []
    for point in _SPOT_POINTS:
        if point in kinks or not record.domain.contains(point) == sp.true:
            continue
        exact = plain.subs(var, point)
        if not exact.is_number or exact.has(sp.nan, sp.zoo):
            continue
        value = exact if exact.is_Rational else sp.Float(exact.evalf(50), 6)
        derivative_at = sp.Symbol(f"f'({point})")
        parts += [", " if parts else "", sp.Eq(derivative_at, value, evaluate=False)]
    if not parts:
        return None
    return Paragraph(
        ("Values (at the default parameters; evaluated at 50 digits, shown to 6): ", *parts, ".")
    )


def elementwise_derivation(record: Activation | Loss) -> Derivation:
    """The checked step-by-step derivation of an activation (or of a loss in its prediction).

    **Raises:** VerificationError if any displayed equality, the agreement with ``sympy.diff``, a
    target form or a declared one-sided derivative fails its check.
    """
    var = record.variable
    named = _named(record)
    ctx = _context(record)
    ctx.define(named, record.expr)
    ctx.defaults.update({p.symbol: p.default for p in record.params})
    derived, derive_error = derived_or_none(record)
    plan = PLANS.get(record.name)
    sections = [_definition(record, named)]
    expr = record.expr
    if plan and plan.pre:
        w = ctx.chain(named)
        w.add(record.expr, ("definition",))
        for ps in plan.pre:
            expr = MOVES[ps.move](expr, ps.arg)
            w.add(expr, ps.label)
        sections.append(Section("Rewriting", (w.done(),)))
    w = ctx.chain(sp.Derivative(named, var))
    root = write_rule_chain(w, expr, var, ("rewritten as above",) if plan and plan.pre else ("definition",))
    cases = w.last
    blocks: list[Any] = []
    sub = substitution_paragraph(root)
    if sub is not None:
        blocks.append(sub)
    notes: list[Any] = []
    if plan is not None:
        notes.append(_target(ctx, w, plan, derived, var))
    else:
        add_simplification(w, getattr(derived, "derivative_simplified", None))
        note = _output_form_line(w, derived, named) if record.kind != "loss" else None
        if note is not None:
            notes.append(note)
    blocks.append(w.done())
    blocks += notes
    truth = diff_by_cases(record.expr, var)
    tree = ctx.check(root.after, truth, "rule tree against sympy.diff")
    final = ctx.check(w.last, truth, "result against sympy.diff")
    blocks.append(
        Paragraph(
            (
                "Agreement with sympy.diff: the rule-built derivative (",
                tree.describe(),
                ") and the final line (",
                final.describe(),
                ").",
            )
        )
    )
    spot = _spot_values(ctx, record, w.last, named)
    if spot is not None:
        blocks.append(spot)
    if derive_error:
        blocks.append(Paragraph((f"symact.derive could not analyse this function ({derive_error}).",)))
    if isinstance(record, Loss) and record.link:
        where = f"see the derivation {link_name(record)}" if composable(record) else "not element-wise"
        blocks.append(Paragraph((f"Its link is {record.link} ({where}).",)))
    sections.append(Section("Derivative, rule by rule", tuple(blocks)))
    analyses = {k.at: k for k in getattr(derived, "kinks", ())}
    defaults = {p.symbol: p.default for p in record.params}
    for kink in record.kinks:
        if not kink.at.subs(defaults).is_finite:
            sections.append(
                Section(
                    f"At {var} = {sp.sstr(kink.at)}",
                    (
                        Paragraph(
                            (
                                "At the default parameters this point is at infinity, so f has no kink "
                                "there; its one-sided derivatives are declared as ",
                                kink.left,
                                " and ",
                                kink.right,
                                " for finite values.",
                            )
                        ),
                    ),
                )
            )
            continue
        sections.append(_kink_section(ctx, record, kink, cases, named, analyses.get(kink.at)))
    return Derivation(
        name=record.name,
        title=f"{record.name}: derivative, step by step",
        sections=tuple(sections),
        result=unhold(w.last),
    )
