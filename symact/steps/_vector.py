"""Derivations of vector functions (a row of the Jacobian) and of losses over n classes (a gradient
component, reduced to p - y for the softmax cross-entropy).

Both work at the record's default size n with the symbols x_1..x_n (z_1..z_n, y_1..y_n); notation
symbols carry their meaning in the checking context, so each line is checked like any other.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symact.catalogue import VectorFunction, VectorLoss, vector_symbols
from symact.steps._common import add_simplification, derived_or_none, param_ranges, write_rule_chain
from symact.steps._context import Context
from symact.steps._doc import Display, Document, Items, Paragraph, Result, Section
from symact.steps.messages import catalogue_text, fn, say

__all__ = ["vector_derivation", "vector_loss_derivation"]


def _size(record: VectorFunction | VectorLoss) -> int:
    n = record.n_default
    if getattr(record, "even_only", False) and n % 2:
        n += 1
    return n


def _partial(top: sp.Symbol, bottom: sp.Symbol) -> sp.Symbol:
    return sp.Symbol(rf"\frac{{\partial {sp.latex(top)}}}{{\partial {sp.latex(bottom)}}}")


def _doc(
    record: Any, sections: list[Section], definition: Any, checks: list[Any], result: Any = None
) -> Document:
    from symact.steps._elementwise import part_of, symbol_names

    return Document(
        name=record.name,
        title=(fn(record.name),),
        sections=tuple(sections),
        result=result,
        symbols=symbol_names(record.params),
        partial=True,
        definition=definition,
        part=part_of(record),
        extra_checks=tuple(checks),
    )


def _definition(record: Any, lhs: sp.Expr, value: sp.Expr, n: int) -> Section:
    blocks: list[Any] = [Paragraph(say("vector-defined-n", n)), Display(lhs, value)]
    if record.params:
        blocks.append(Paragraph(say("parameters")))
        blocks.append(
            Items(
                tuple(
                    say("parameter", p.symbol, catalogue_text(p.description), p.default)
                    for p in record.params
                )
            )
        )
    if record.frameworks:
        blocks.append(Paragraph(say("frameworks", catalogue_text(record.frameworks))))
    return Section(say("section-definition"), tuple(blocks))


def vector_derivation(record: VectorFunction) -> Document:
    """The first row of the Jacobian at the record's size, entry by entry, each boxed."""
    n = _size(record)
    xs = vector_symbols("x", n)
    outputs = record.build(xs)
    names = vector_symbols("a", len(outputs))
    ctx = Context(name=record.name)
    ctx.ranges.update(param_ranges(record.params))
    ctx.quantities.update(dict(zip(names, outputs, strict=True)))
    derived, _ = derived_or_none(record)
    form = getattr(derived, "output_form", None)
    sections = [_definition(record, sp.Symbol(r"\mathbf{a}"), outputs, n)]
    rows: list[Any] = [Paragraph(say("vector-first-row", n))]
    checks: list[Any] = []
    for j, x in enumerate(xs):
        lhs = _partial(names[0], x)
        ctx.quantities[lhs] = sp.diff(outputs[0], x)
        w = ctx.chain(lhs)
        write_rule_chain(w, outputs[0], x, say("first-line"))
        add_simplification(w)
        if form is not None and not form[0, j].has(sp.Piecewise):
            w.try_add(form[0, j], say("move-in-outputs", sp.Symbol("a_i")))
        checks.append(
            (
                say("check-kink", say("vector-entry", lhs), say("check-final")),
                ctx.check(w.last, sp.diff(outputs[0], x), "result"),
            )
        )
        rows.append(w.done())
        rows.append(Result(lhs, w.last, (), ctx.check(lhs, w.last, "boxed entry")))
    if form is not None:
        rows.append(Paragraph(say("vector-whole")))
        rows.append(Display(sp.Symbol("J"), form))
    sections.append(Section(say("section-derivative"), tuple(rows)))
    return _doc(record, sections, sp.Eq(sp.Symbol(r"\mathbf{a}"), outputs, evaluate=False), checks)


def vector_loss_derivation(record: VectorLoss) -> Document:
    """The gradient component dL/dz_1, rule by rule, then in the predictions where it can be."""
    n = _size(record)
    zs, ys = vector_symbols("z", n), vector_symbols("y", n)
    loss = record.build(zs, ys)
    ctx = Context(name=record.name)
    ctx.ranges.update(param_ranges(record.params))
    ctx.ranges.update({y: (sp.S.Zero, sp.S.One) for y in ys})
    sections = [_definition(record, sp.Symbol("L"), loss, n)]
    lhs = _partial(sp.Symbol("L"), zs[0])
    ctx.quantities[lhs] = sp.diff(loss, zs[0])
    w = ctx.chain(lhs)
    write_rule_chain(w, loss, zs[0], say("first-line"))
    add_simplification(w)
    final = ctx.check(w.last, sp.diff(loss, zs[0]), "result against sympy.diff")
    result = Result(lhs, w.last, (), ctx.check(lhs, w.last, "boxed"))
    sections.append(
        Section(say("section-derivative"), (Paragraph(say("vector-loss-first", n)), w.done(), result))
    )
    return _doc(record, sections, sp.Eq(sp.Symbol("L"), loss, evaluate=False), [(say("check-final"), final)])
