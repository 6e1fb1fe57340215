"""The derivation of an element-wise function (an activation, or a loss in its prediction a).

Sections: the definition (parameters as symbols, defaults stated once); the derivative: optional
rewriting (a plan's `pre` moves), the rule chain, the way to the target form (a plan's `post` moves,
or one shortening simplification, or the output form), the boxed result and what it means; then one
sentence and one table per non-smooth point.  Every displayed equality is checked (see
:mod:`symact.steps._context`); the renderer lists the checks in a closing section.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symact.catalogue import A, Activation, Loss
from symact.errors import VerificationError
from symact.steps._common import (
    add_simplification,
    composable,
    derived_or_none,
    link_name,
    param_ranges,
    same,
    substitution_paragraph,
    title_of,
    write_rule_chain,
)
from symact.steps._constants import constants_of, symbolic_expr
from symact.steps._context import ChainWriter, Context, interval_range
from symact.steps._doc import Display, Document, Items, Paragraph, Ref, Result, Section, Text
from symact.steps._kinks import kink_block
from symact.steps._moves import MOVES, H, unhold
from symact.steps._named import DEFINITIONS, NORMAL_CDF, NORMAL_PDF
from symact.steps._plans import PLANS, Plan
from symact.steps._verify import diff_by_cases
from symact.steps.messages import MESSAGES, catalogue_text, say

__all__ = ["elementwise_derivation", "part_of", "symbol_names"]

F = sp.Function("f")
L = sp.Function("L")


def symbol_names(params: Any) -> dict[sp.Symbol, str]:
    """The LaTeX name of every parameter symbol that declares one."""
    return {p.symbol: p.tex for p in params if getattr(p, "tex", "")}


SEED_ORDER = ("binary_step", "identity", "sigmoid", "tanh", "relu", "leaky_relu", "softmax")
"""The functions of the tutorials, in their order: the booklet's first part."""


def part_of(record: Any) -> str:
    """The part of the booklet a record's derivation belongs to."""
    if record.name in SEED_ORDER:
        return "seed"
    if record.kind in ("loss", "vector_loss"):
        return "loss"
    if record.kind == "vector":
        return "vector"
    return "piecewise" if record.kinks else "smooth"


def _named(record: Activation | Loss, plan: Plan | None) -> sp.Expr:
    """sigma(x), tanh(x) (from the plan), f(x) for an activation, L(a, y) for a loss."""
    if isinstance(record, Loss):
        return L(record.variable, record.target)
    if plan is not None and plan.named is not None:
        return plan.named
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


def _definition(record: Activation | Loss, named: sp.Expr, expr: sp.Expr) -> Section:
    blocks: list[Any] = [
        Paragraph(
            say("defined-loss", record.variable, record.target)
            if isinstance(record, Loss)
            else say("defined")
        ),
        Display(named, expr),
    ]
    items: list[Text] = [
        say("parameter", p.symbol, catalogue_text(p.description), p.default) for p in record.params
    ]
    items += [
        say("constant", symbol, catalogue_text(words), sp.Float(value, 12))
        for symbol, value, words in constants_of(record)
    ]
    if items:
        blocks.append(Paragraph(say("parameters")))
        blocks.append(Items(tuple(items)))
    if record.frameworks:
        blocks.append(Paragraph(say("frameworks", catalogue_text(record.frameworks))))
    return Section(say("section-definition"), tuple(blocks))


def _post(ctx: Context, writer: ChainWriter, plan: Plan, var: sp.Symbol) -> None:
    """Apply the plan's moves after the rule chain and compare the form reached with its goal."""
    current = writer.last
    for ps in plan.post:
        current = MOVES[ps.move](current, ps.arg)
        writer.add(current, ps.label)
    if plan.goal is None:
        return
    reached = unhold(current)
    if plan.output is not None:
        reached = reached.subs(plan.output, A)
        bad = reached.has(var)
    else:
        bad = False
    if bad or not same(ctx.unfold(reached), ctx.unfold(plan.goal)) or not _same_shape(reached, plan.goal):
        raise VerificationError(
            f"{ctx.name}: the moves reach {sp.sstr(reached)}, not the goal {sp.sstr(plan.goal)}"
        )


def _same_shape(reached: sp.Expr, goal: sp.Expr) -> bool:
    """True when the form reached is the goal up to expansion (the goal's named functions kept)."""
    return bool(sp.expand(reached - goal) == 0) or same(reached, goal)


def _output_line(writer: ChainWriter, derived: Any, named: sp.Expr) -> bool:
    """Close the chain with f'(x) = g(f(x)) when an output form g was found; True if added."""
    of: Any = getattr(derived, "output_form", None)
    if getattr(of, "status", None) != "found" or of.expression is None or of.expression.has(sp.Piecewise):
        return False
    if not of.expression.has(A):
        return False
    return writer.try_add(
        of.expression.subs(A, named), say("move-in-output", sp.Eq(A, named, evaluate=False))
    )


_SPOT_POINTS = (-10, 0, 10)


def _spot_values(
    ctx: Context, record: Activation, result: sp.Expr, defaults: dict[sp.Symbol, sp.Expr]
) -> list[Any]:
    """A sentence on the size of f' at -10, 0, 10 (exact where rational, else 6 digits of a 50-digit value),
    and one on saturation where f' is tiny at both ends."""
    var = record.variable
    kinks = {k.at.subs(defaults) for k in record.kinks}
    plain = ctx.unfold(result).subs(defaults)
    parts: list[Any] = []
    values: dict[int, sp.Expr] = {}
    for point in _SPOT_POINTS:
        if point in kinks or not record.domain.contains(point) == sp.true:
            continue
        exact = sp.simplify(plain.subs(var, point)) if plain.subs(var, point).is_number else None
        if exact is None or not exact.is_number or exact.has(sp.nan, sp.zoo):
            continue
        value = exact if exact.is_Rational and exact.q < 1000 else sp.Float(exact.evalf(50), 6)
        values[point] = value
        parts.append(sp.Eq(sp.Symbol(f"f'({point})"), value, evaluate=False))
    if not parts:
        return []
    listed: list[Any] = []
    for p in parts:
        listed += [*(say("sep-list") if listed else say("sep-space")), p]
    out: list[Any] = [Paragraph((*say("values"), *listed, *say("end-sentence")))]
    small = [p for p in (-10, 10) if p in values and 0 < abs(values[p]) < sp.Rational(1, 1000)]
    if len(small) == 2:
        out.append(Paragraph(say("saturates", sp.Eq(var, sp.Symbol("\\pm 10")), values[10])))
    elif len(small) == 1:
        out.append(Paragraph(say("saturates-one", sp.Eq(var, small[0]), values[small[0]])))
    return out


def elementwise_derivation(record: Activation | Loss) -> Document:
    """The checked step-by-step derivation of an activation (or of a loss in its prediction).

    **Raises:** VerificationError if any displayed equality, the agreement with an independent
    differentiation, a target form or a declared one-sided derivative fails its check.
    """
    var = record.variable
    plan = PLANS.get(record.name)
    named = _named(record, plan)
    expr, consts = symbolic_expr(record)
    ctx = _context(record)
    if named.func not in DEFINITIONS and not isinstance(named, sp.tanh):
        ctx.define(named, expr)
    defaults = {p.symbol: p.default for p in record.params}
    defaults.update({s: v for s, v, _ in consts})
    ctx.defaults.update(defaults)
    for s, v, _ in consts:
        ctx.ranges[s] = (v - sp.Rational(1, 4), v + sp.Rational(1, 4))
    derived, _ = derived_or_none(record)
    sections = [_definition(record, named, expr)]
    blocks: list[Any] = []
    if plan and plan.pre:
        w = ctx.chain(named)
        if expr != named:
            w.add(expr, say("first-line"))
        for ps in plan.pre:
            w.add(MOVES[ps.move](w.last, ps.arg), ps.label)
        blocks.append(w.done())
    w = ctx.chain(sp.Derivative(named, var))
    start = blocks[-1].lines[-1].expr if blocks else expr
    root = write_rule_chain(w, start, var, say("rewritten" if blocks else "first-line"))
    cases = w.last
    sub = substitution_paragraph(root)
    if sub is not None:
        blocks.append(sub)
    output = None
    also = None
    if plan is not None:
        _post(ctx, w, plan, var)
        output = plan.output
        box = w.last
        if plan.also is not None:
            also = MOVES[plan.also.move](w.last, plan.also.arg)
            w.add(also, plan.also.label)
    else:
        add_simplification(w, getattr(derived, "derivative_simplified", None))
        if isinstance(record, Activation) and _output_line(w, derived, named):
            output = named
        box = w.last
    blocks.append(w.done())
    lhs = sp.Derivative(named, var)
    box = _held_product(box)
    result_check = ctx.check(lhs, box, "boxed result")
    words = _words(record, named, box, output, derived)
    blocks.append(Result(lhs=lhs, rhs=box, words=words, check=result_check, output=output, also=also))
    truth = diff_by_cases(expr, var)
    tree = ctx.check(root.after, truth, "rule tree against sympy.diff")
    final = ctx.check(w.last, truth, "result against sympy.diff")
    if isinstance(record, Activation):
        blocks += _spot_values(ctx, record, box, defaults)
    if isinstance(record, Loss) and record.link and composable(record):
        blocks.append(
            Paragraph(say("after-link", Ref(link_name(record), title_of(record.name, record.link))))
        )
    sections.append(Section(say("section-derivative"), tuple(blocks)))
    analyses = {k.at: k for k in getattr(derived, "kinks", ())}
    kink_blocks: list[Any] = []
    for kink in record.kinks:
        kink_blocks += kink_block(
            ctx, record, kink, cases, named, analyses.get(kink.at), defaults, first=not kink_blocks
        )
    if kink_blocks:
        sections.append(Section(say("section-kinks"), tuple(kink_blocks)))
    extra = [
        (say("check-independent"), tree),
        (say("check-final"), final),
    ]
    return Document(
        name=record.name,
        title=_title(record),
        sections=tuple(sections),
        result=unhold(box),
        symbols={**symbol_names(record.params), **{s: tex for s, tex in _const_tex(consts)}},
        partial=isinstance(record, Loss),
        definition=sp.Eq(named, expr, evaluate=False),
        part=part_of(record),
        extra_checks=tuple(extra),
    )


def _const_tex(consts: Any) -> list[tuple[sp.Symbol, str]]:
    from symact.steps._constants import TEX

    return [(s, TEX[s.name]) for s, _, _ in consts if s.name in TEX]


def _title(record: Activation | Loss) -> Text:
    return title_of(record.name)


def _held_product(expr: sp.Expr) -> sp.Expr:
    """A product shown with its factors as written, shortest first (sigma(x) (1 - sigma(x)))."""
    plain = unhold(expr)
    if not isinstance(plain, sp.Mul):
        return expr
    coeff, rest = plain.as_coeff_Mul()
    factors = sp.Mul.make_args(rest)
    if len(factors) < 2:
        return expr
    return coeff * sp.Mul(*[H(f) for f in factors]) if coeff != 1 else sp.Mul(*[H(f) for f in factors])


def _words(
    record: Activation | Loss, named: sp.Expr, box: sp.Expr, output: sp.Expr | None, derived: Any
) -> Text:
    key = f"words-{record.name}"
    said: Text = (*say("words", say(key)), *say("sep-space")) if key in MESSAGES else ()
    return (*said, *_more_words(record, box, output, derived))


def _more_words(record: Activation | Loss, box: sp.Expr, output: sp.Expr | None, derived: Any) -> Text:
    extra: Text = ()
    if unhold(box).has(NORMAL_PDF):
        extra = (
            *say("sep-space"),
            *say(
                "named-normal",
                sp.Eq(NORMAL_PDF(record.variable), DEFINITIONS[NORMAL_PDF](record.variable), evaluate=False),
                sp.Eq(NORMAL_CDF(record.variable), DEFINITIONS[NORMAL_CDF](record.variable), evaluate=False),
            ),
        )
    if output is not None:
        return say("result-output", sp.Eq(A, output, evaluate=False), unhold(box).subs(output, A))
    if (
        isinstance(record, Activation)
        and getattr(getattr(derived, "output_form", None), "status", None) == "none"
    ):
        return (*say("output-none", A), *extra)
    return extra
