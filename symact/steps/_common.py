"""Pieces shared by the derivation builders: ranges, labels, rule chains, simplification, derive."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from symact.catalogue import Loss, Param, Record, UnknownFunctionError, get
from symact.derive import derive
from symact.steps._context import ChainWriter, interval_range
from symact.steps._doc import Paragraph, Ref, Text
from symact.steps._engine import ChainLine, differentiate, rule_chain
from symact.steps._moves import unhold
from symact.steps._step import Step
from symact.steps._verify import prove_zero
from symact.steps.messages import RULE_SOURCES, fn, rule, say

__all__ = [
    "add_simplification",
    "chain_label",
    "derived_or_none",
    "param_ranges",
    "same",
    "shortest",
    "substitution_paragraph",
    "title_of",
    "write_rule_chain",
]


def param_ranges(params: Sequence[Param]) -> dict[sp.Symbol, tuple[sp.Expr, sp.Expr]]:
    """Sampling ranges for parameters: their valid range near the default (within 1/4 of it)."""
    out = {}
    for p in params:
        if not p.default.is_finite:
            box = interval_range(p.valid)
            out[p.symbol] = box if box is not None else (sp.S.One, sp.S.One)
            continue
        near = sp.Interval(p.default - sp.Rational(1, 4), p.default + sp.Rational(1, 4))
        box = interval_range(sp.Intersection(p.valid, near))
        out[p.symbol] = box if box is not None else (p.default, p.default)
    return out


_TRIVIAL = ("constant rule", "constant multiple rule")


def chain_label(line: ChainLine) -> Text:
    """The label of a rule-chain line: its rule (trivial rules folded into it are not named), and any
    substitution it names."""
    main, *rest = line.rules
    shown = [main, *[r for r in rest if r not in _TRIVIAL and not r.endswith("= 1")]]
    parts: list[Any] = []
    for r in shown:
        parts += [*(say("sep-list") if parts else ()), rule(r)]
    for r in shown:
        if r in RULE_SOURCES:
            parts += [*say("sep-list"), *say("derived-in", Ref(RULE_SOURCES[r], fn(RULE_SOURCES[r])))]
    conditions = sorted({s.condition for s in line.steps if s.condition})
    for u, inner in line.substitutions:
        parts += [*say("sep-list"), sp.Eq(u, inner, evaluate=False)]
    if conditions:
        joined: list[Any] = []
        for c in conditions:
            joined += [*(say("sep-list") if joined else ()), *say(f"cond:{c}")]
        parts += say("label-condition", tuple(joined))
    return tuple(parts)


def substitution_paragraph(root: Step) -> Paragraph | None:
    """'Name the inner function u = g(x), so h = u^n' for every chain-rule substitution."""
    parts: list[Any] = []
    for step in root.walk():
        if step.substitution is None:
            continue
        u, inner = step.substitution
        outer = step.substeps[0].before
        parts += [
            *(say("sep-space") if parts else ()),
            *say("name-inner", sp.Eq(u, inner, evaluate=False), sp.Eq(step.before, outer, evaluate=False)),
        ]
    return Paragraph(tuple(parts)) if parts else None


def write_rule_chain(writer: ChainWriter, expr: sp.Expr, var: sp.Symbol, first_label: Text) -> Step:
    """Differentiate `expr` (held parts released) and add every rule line to `writer`; return the tree."""
    root = differentiate(unhold(expr), var)
    for step in root.walk():
        if step.substitution is not None and step.substitution not in writer.context.substitutions:
            writer.context.substitutions.append(step.substitution)
    writer.add(sp.Derivative(expr, var, evaluate=False), first_label)
    _, lines = rule_chain(root)
    for line in lines:
        writer.add(line.expr, chain_label(line))
    return root


def shortest(expr: sp.Expr, budget_ops: int = 40) -> sp.Expr:
    """The shortest of a few normal forms (branch by branch for Piecewise); simplify only if small."""
    if isinstance(expr, sp.Piecewise):
        return sp.Piecewise(*[(shortest(e, budget_ops), c) for e, c in expr.args])
    options = [expr, sp.factor_terms(expr), sp.cancel(sp.together(expr))]
    if sp.count_ops(expr) <= budget_ops:
        options.append(sp.simplify(expr))
    return min(options, key=lambda e: (sp.count_ops(e), len(sp.srepr(e))))


def _move_name(before: sp.Expr, after: sp.Expr) -> Text:
    """The name of the normal form that turns `before` into `after` (a plain 'simplify' otherwise)."""
    if isinstance(before, sp.Piecewise) or isinstance(after, sp.Piecewise):
        return say("move-simplify-cases")
    if after == sp.factor_terms(before):
        return say("move-common-factor")
    if after == sp.cancel(sp.together(before)):
        return say("move-common-denominator")
    if after == sp.expand(before):
        return say("expand")
    return say("move-simplify")


def add_simplification(writer: ChainWriter, candidate: sp.Expr | None = None) -> None:
    """A final line when a shorter equal form exists (`candidate`: one found elsewhere), labelled by
    the normal form that gives it."""
    current = unhold(writer.last)
    options = [shortest(current)]
    if candidate is not None and not candidate.has(sp.Piecewise):
        options.append(candidate)
    options.sort(key=lambda e: (sp.count_ops(e), len(sp.srepr(e))))
    for simpler in options:
        if simpler == writer.last or sp.count_ops(simpler) >= sp.count_ops(writer.last):
            return
        if writer.try_add(simpler, _move_name(current, simpler)):
            return


def derived_or_none(record: Any) -> tuple[Any, str]:
    """``symact.derive.derive(record)``, or None and the reason it failed."""
    try:
        return derive(record), ""
    except Exception as exc:  # a failure of derive is reported, never hidden
        return None, f"{type(exc).__name__}: {exc}"


def same(a: sp.Expr, b: sp.Expr) -> bool:
    """True when ``a - b`` is proved 0 symbolically."""
    return prove_zero(a - b) is not None


def composable(record: Record) -> bool:
    """True for a loss whose link is an element-wise activation (its dL/dz and neuron are derived)."""
    link = getattr(record, "link", None)
    if record.kind != "loss" or not link:
        return False
    try:
        return get(link).kind == "elementwise"
    except UnknownFunctionError:
        return False


def link_name(loss: Loss) -> str:
    return f"{loss.name}_with_{loss.link}"


def title_of(name: str, link: str = "") -> Text:
    """The title of the derivation of catalogue function `name` (after its `link` activation, if any)."""
    return say("title-after", fn(name), fn(link)) if link else (fn(name),)
