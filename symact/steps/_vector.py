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
from symact.steps._context import ChainWriter, Context
from symact.steps._doc import Derivation, Paragraph, Section
from symact.steps._moves import unhold

__all__ = ["vector_derivation", "vector_loss_derivation"]


def _size(record: VectorFunction | VectorLoss) -> int:
    n = record.n_default
    if getattr(record, "even_only", False) and n % 2:
        n += 1
    return n


def _partial(top: sp.Symbol, bottom: sp.Symbol) -> sp.Symbol:
    return sp.Symbol(rf"\frac{{\partial {sp.latex(top)}}}{{\partial {sp.latex(bottom)}}}")


def vector_derivation(record: VectorFunction) -> Derivation:
    """The first row of the Jacobian, entry by entry, with the output form found by symact.derive."""
    n = _size(record)
    xs = vector_symbols("x", n)
    outputs = record.build(xs)
    names = vector_symbols("a", len(outputs))
    ctx = Context(name=record.name)
    ctx.ranges.update(param_ranges(record.params))
    ctx.quantities.update(dict(zip(names, outputs, strict=True)))
    derived, error = derived_or_none(record)
    form = getattr(derived, "output_form", None)
    blocks: list[Any] = [
        Paragraph((record.description,)),
        Paragraph((f"At n = {n}: ", sp.Eq(sp.Symbol(r"\mathbf{a}"), outputs, evaluate=False), ".")),
    ]
    if record.frameworks:
        blocks.append(Paragraph((f"Frameworks: {record.frameworks}.",)))
    sections = [Section("Definition", tuple(blocks))]
    rows: list[Any] = []
    for j, x in enumerate(xs):
        lhs = _partial(names[0], x)
        ctx.quantities[lhs] = sp.diff(outputs[0], x)
        w = ctx.chain(lhs)
        write_rule_chain(w, outputs[0], x, ("definition",))
        add_simplification(w)
        if form is not None and not form[0, j].has(sp.Piecewise):
            w.add(form[0, j], ("output form (symact.derive), in the outputs ", sp.Symbol("a_i")))
        agreement = ctx.check(w.last, sp.diff(outputs[0], x), "result against sympy.diff")
        rows.append(w.done())
        rows.append(Paragraph((f"Agreement with sympy.diff: {agreement.describe()}.",)))
    if form is not None:
        rows.append(
            Paragraph(
                (
                    "The whole Jacobian in terms of the outputs (symact.derive): ",
                    sp.Eq(sp.Symbol("J"), form, evaluate=False),
                    ".",
                )
            )
        )
    if error:
        rows.append(Paragraph((f"symact.derive could not analyse this function ({error}).",)))
    sections.append(Section("First row of the Jacobian, rule by rule", tuple(rows)))
    return Derivation(
        name=record.name, title=f"{record.name}: Jacobian, step by step", sections=tuple(sections)
    )


def _recognise_softmax(w: ChainWriter, zs: tuple[sp.Symbol, ...]) -> tuple[sp.Symbol, ...] | None:
    """Write e^{z_j} / sum_k e^{z_k} as p_j, if the gradient is made of them."""
    expr = unhold(w.last)
    if not expr.has(sp.exp):
        return None
    ps = vector_symbols("p", len(zs))
    total = sp.Add(*[sp.exp(z) for z in zs])
    s = sp.Dummy("S", positive=True)
    in_p = sp.cancel(
        sp.together(expr.subs(total, s).subs({sp.exp(z): p * s for z, p in zip(zs, ps, strict=True)}))
    )
    if in_p.has(s) or in_p.has(*zs):
        return None
    w.context.quantities.update({p: sp.exp(z) / total for z, p in zip(zs, ps, strict=True)})
    w.add(
        in_p,
        (
            "recognise ",
            sp.Eq(
                sp.Symbol("p_j"),
                sp.exp(sp.Symbol("z_j")) / sp.Sum(sp.exp(sp.Symbol("z_k")), (sp.Symbol("k"), 1, len(zs))),
                evaluate=False,
            ),
        ),
    )
    return ps


def vector_loss_derivation(record: VectorLoss) -> Derivation:
    """The gradient component dL/dz_1, rule by rule, then p_1 - y_1 where the target is normalised."""
    n = _size(record)
    zs, ys = vector_symbols("z", n), vector_symbols("y", n)
    loss = record.build(zs, ys)
    ctx = Context(name=record.name)
    ctx.ranges.update(param_ranges(record.params))
    ctx.ranges.update({y: (sp.S.Zero, sp.S.One) for y in ys})
    blocks: list[Any] = [
        Paragraph((record.description,)),
        Paragraph((f"At n = {n}: ", sp.Eq(sp.Symbol("L"), loss, evaluate=False), ".")),
    ]
    if record.frameworks:
        blocks.append(Paragraph((f"Frameworks: {record.frameworks}.",)))
    sections = [Section("Definition", tuple(blocks))]
    lhs = _partial(sp.Symbol("L"), zs[0])
    ctx.quantities[lhs] = sp.diff(loss, zs[0])
    w = ctx.chain(lhs)
    write_rule_chain(w, loss, zs[0], ("definition",))
    add_simplification(w)
    ps = _recognise_softmax(w, zs)
    notes: list[Any] = []
    if ps is not None and unhold(w.last).has(*ys):
        constraint = 1 - sp.Add(*ys[:-1])
        ctx.fixed[ys[-1]] = constraint
        reduced = sp.expand(unhold(w.last).subs(ys[-1], constraint))
        w.add(reduced, ("normalised target ", sp.Eq(sp.Sum(sp.Symbol("y_j"), (sp.Symbol("j"), 1, n)), 1)))
        for p in record.params:
            if p.default == 0 and w.last.has(p.symbol):
                ctx.fixed[p.symbol] = sp.S.Zero
                w.add(sp.expand(w.last.subs(p.symbol, 0)), (f"{p.name} = 0 (the default)",))
        if w.last == ps[0] - ys[0]:
            checks = [
                ctx.check(sp.diff(loss, z), p - y, f"component {i + 1}: p - y")
                for i, (z, p, y) in enumerate(zip(zs, ps, ys, strict=True))
            ]
            notes.append(
                Paragraph(
                    (
                        "The target form is reached: ",
                        sp.Eq(lhs, ps[0] - ys[0], evaluate=False),
                        f"; every component i = 1..{n} of sympy.diff's gradient equals p_i - y_i under "
                        f"the same conditions ({checks[-1].describe()}): the gradient is p - y.",
                    )
                )
            )
    final = ctx.check(w.last, sp.diff(loss, zs[0]), "result against sympy.diff")
    notes.append(Paragraph((f"Agreement with sympy.diff: {final.describe()}.",)))
    sections.append(Section("Gradient, rule by rule", (w.done(), *notes)))
    return Derivation(
        name=record.name, title=f"{record.name}: gradient, step by step", sections=tuple(sections)
    )
