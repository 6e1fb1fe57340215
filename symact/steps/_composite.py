"""Loss composed with its link activation: dL/dz = dL/da da/dz reduced to the canonical mu - y, then
the neuron z = w_1 x_1 + w_2 x_2 + b (dL/dw_i, dL/db) and the mean over m samples.

Notation symbols (the symbol shown as dL/da, ...) carry their meaning in the context's
`quantities`, so every displayed line is checked like any other: a = g(z) and z = w.x + b are undone
after evaluation.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symact.catalogue import A, Activation, Loss, X, Y, get
from symact.errors import VerificationError
from symact.steps._common import derived_or_none, link_name, param_ranges, shortest, title_of
from symact.steps._context import Context, interval_range
from symact.steps._doc import Document, Paragraph, Ref, Result, Section
from symact.steps._engine import differentiate
from symact.steps._moves import MOVES, H, MoveError, unhold
from symact.steps._named import SIGMA
from symact.steps.messages import rule, say

__all__ = ["link_derivation"]

Z = sp.Symbol("z", real=True)
B = sp.Symbol("b", real=True)
W1, W2, X1, X2 = sp.symbols("w_1 w_2 x_1 x_2", real=True)
M = sp.Symbol("m", integer=True, positive=True)
K = sp.Symbol("k", integer=True, positive=True)
_XI = sp.IndexedBase("x", real=True)
_YI = sp.IndexedBase("y", real=True)
_AI = sp.IndexedBase("a", real=True)


def _partial(top: str, bottom: str) -> sp.Symbol:
    """A notation symbol printed as the partial derivative of `top` by `bottom`."""
    return sp.Symbol(rf"\frac{{\partial {top}}}{{\partial {bottom}}}")


def _output_derivative(link: Activation) -> sp.Expr:
    """da/dz as a function of a (the output form), or in z if there is none."""
    derived, _ = derived_or_none(link)
    form = getattr(getattr(derived, "output_form", None), "expression", None)
    if form is not None and not form.has(sp.Piecewise):
        return form
    return sp.diff(link.expr, X).subs(X, Z)


def _canonical(gradient: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    """(c, mu) with gradient = c (mu - y), c constant and mu free of y; None if there are none."""
    c = sp.cancel(-sp.diff(gradient, Y))
    if c == 0 or c.has(A, Y, Z):
        return None
    mu = shortest(sp.cancel((gradient + c * Y) / c))
    return None if mu.has(Y) else (c, mu)


def _loss_box(loss: Loss) -> sp.Expr:
    """dL/da as boxed in the loss's own derivation (the rule result where it has none)."""
    from symact.steps._elementwise import elementwise_derivation

    results = elementwise_derivation(loss).results
    return results[0].rhs if results else differentiate(loss.expr, A).after


def link_derivation(loss: Loss) -> Document:
    """dL/dz for L(a, y) with a = link(z) in the three steps of the neuron, reduced toward the
    canonical mu - y; then dL/dw_i, dL/db and the mean over m samples.

    **Raises:** VerificationError if a step fails, or if the link is not an element-wise activation.
    """
    found = get(loss.link or "")
    if not isinstance(found, Activation):
        raise VerificationError(
            f"{loss.name}: link {loss.link!r} is a {found.kind} function, not element-wise"
        )
    link = found
    g = link.expr.subs(X, Z)
    ctx = Context(name=link_name(loss))
    ctx.ranges.update(param_ranges((*loss.params, *link.params)))
    for sym, dom in ((Z, link.domain), (Y, loss.target_domain)):
        box = interval_range(dom)
        if box is not None:
            ctx.ranges[sym] = box
    dLda, dadz, dLdz = _partial("L", "a"), _partial("a", "z"), _partial("L", "z")
    loss_a = loss.expr
    ctx.quantities.update(
        {dLda: sp.diff(loss_a, A), dadz: sp.diff(g, Z), dLdz: sp.diff(loss_a.subs(A, g), Z)}
    )
    ctx.substitutions.append((A, g))
    loss_ref = Ref(loss.name, title_of(loss.name))
    link_ref = Ref(link.name, title_of(link.name))
    blocks: list[Any] = [
        Paragraph(
            say(
                "neuron-intro",
                sp.Eq(Z, H(W1 * X1) + H(W2 * X2) + B, evaluate=False),
                sp.Eq(A, g, evaluate=False),
                sp.Eq(sp.Symbol("L"), loss_a, evaluate=False),
            )
        ),
        Paragraph(say("neuron-step1")),
    ]
    step1 = _loss_box(loss)
    w = ctx.chain(dLda)
    w.add(step1, say("derived-in", loss_ref))
    blocks.append(w.done())
    blocks.append(Paragraph(say("neuron-step2", sp.Eq(A, g, evaluate=False))))
    out_deriv = _output_derivative(link)
    w = ctx.chain(dadz)
    w.add(out_deriv, say("derived-in", link_ref))
    blocks.append(w.done())
    blocks.append(Paragraph(say("neuron-step3")))
    w = ctx.chain(dLdz)
    w.add(dLda * dadz, (rule("chain rule"),))
    w.add(step1 if out_deriv == 1 else H(step1) * H(out_deriv), say("steps-1-2"))
    if isinstance(unhold(step1), sp.Add) and out_deriv != 1:
        w.add(MOVES["distribute"](w.last), say("distribute"))
    expanded = sp.expand(unhold(w.last))
    if expanded != unhold(w.last):
        w.add(expanded, say("expand"))
    reduced = shortest(sp.cancel(sp.together(unhold(w.last))))
    if reduced != unhold(w.last):
        w.add(reduced, say("cancel"))
    defaults = {p.symbol: p.default for p in (*loss.params, *link.params)}
    if _canonical(unhold(w.last)) is None and w.last.has(*defaults):
        ctx.fixed.update(defaults)
        at_defaults = shortest(sp.cancel(sp.together(unhold(w.last).subs(defaults))))
        w.add(at_defaults, say("at-default", tuple(sp.Eq(k, v) for k, v in defaults.items())))
    found_form = _canonical(unhold(w.last))
    gradient = None
    if found_form is not None:
        c, mu = found_form
        gradient = c * (mu - Y)
        shown = mu - Y if c == 1 else sp.Mul(c, H(mu - Y))
        if shown != w.last:
            w.add(shown, say("canonical-line"))
        sigma = sp.Eq(SIGMA(A), 1 / (1 + sp.exp(-A)))
        if mu.has(sp.exp):
            try:
                named = MOVES["recognise"](mu, sigma)
            except MoveError:
                named = None
            if named is not None and not named.has(sp.exp):
                mu = named
                found_form = (c, mu)
                gradient = c * (mu - Y)
                w.add(mu - Y if c == 1 else sp.Mul(c, H(mu - Y)), say("move-recognise", sigma))
    blocks.append(w.done())
    final = w.last
    blocks.append(Result(dLdz, final, _canonical_words(found_form), ctx.check(dLdz, final, "boxed dL/dz")))
    sections = [Section(say("neuron-section-z"), tuple(blocks))]
    if gradient is not None:
        sections.append(_neuron(ctx, loss_a, g, gradient))
    return Document(
        name=link_name(loss),
        title=title_of(loss.name, link.name),
        sections=tuple(sections),
        result=unhold(final),
        symbols={p.symbol: p.tex for p in (*loss.params, *link.params) if getattr(p, "tex", "")},
        partial=True,
        definition=sp.Eq(sp.Symbol("L"), loss_a.subs(A, g), evaluate=False),
        part="neuron",
    )


def _canonical_words(found_form: tuple[sp.Expr, sp.Expr] | None) -> tuple[Any, ...]:
    if found_form is None:
        return say("not-canonical")
    c, mu = found_form
    if c == 1:
        return say("canonical", mu - Y)
    return say("canonical-scaled", c, mu - Y)


def _neuron(ctx: Context, loss_a: sp.Expr, g: sp.Expr, gradient: sp.Expr) -> Section:
    """dL/dw_i, dL/db and the mean over m samples for z = w_1 x_1 + w_2 x_2 + b, each boxed."""
    zdef = W1 * X1 + W2 * X2 + B
    ctx.substitutions.insert(0, (Z, zdef))
    dLdz = _partial("L", "z")
    full = loss_a.subs(A, g).subs(Z, zdef)
    weights = (W1, W2, B)
    for wrt in weights:
        ctx.quantities[_partial("L", wrt.name)] = sp.diff(full, wrt)
        ctx.quantities[_partial("z", wrt.name)] = sp.diff(zdef, wrt)
    blocks: list[Any] = [
        Paragraph(
            say(
                "neuron-weights",
                tuple(
                    _join([sp.Eq(_partial("z", w.name), sp.diff(zdef, w), evaluate=False) for w in weights])
                ),
            )
        )
    ]
    for wrt in weights:
        lhs, dz = _partial("L", wrt.name), _partial("z", wrt.name)
        w = ctx.chain(lhs)
        w.add(dLdz * dz, (rule("chain rule"),))
        w.add(_held_product(gradient * sp.diff(zdef, wrt)), say("from-above"))
        blocks.append(w.done())
    xi = sp.Symbol("x_i", real=True)
    general = _held_product(gradient * xi)
    checks = [
        ctx.check(_partial("L", w.name), general.xreplace({xi: x}), f"boxed dL/d{w.name}")
        for w, x in ((W1, X1), (W2, X2))
    ]
    blocks.append(Result(_partial("L", "w_i"), general, say("neuron-general"), checks[-1]))
    blocks.append(
        Result(_partial("L", "b"), gradient, (), ctx.check(_partial("L", "b"), gradient, "boxed dL/db"))
    )
    blocks.append(
        Paragraph(
            say("neuron-mean", sp.Eq(sp.Symbol("J"), sp.Sum(sp.Symbol("L_k"), (K, 1, M)) / M, evaluate=False))
        )
    )
    blocks += _mean(ctx, full, gradient)
    return Section(say("neuron-section-w"), tuple(blocks))


def _join(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for i, item in enumerate(items):
        out += [*(say("sep-list") if i else ()), item]
    return out


def _held_product(expr: sp.Expr) -> sp.Expr:
    """A product of a sum and other factors shown as written: (a - y) x_1."""
    coeff, rest = expr.as_coeff_Mul()
    factors = sp.Mul.make_args(rest)
    if len(factors) < 2:
        return expr
    return coeff * sp.Mul(*[H(f) for f in factors])


def _mean(ctx: Context, full: sp.Expr, gradient: sp.Expr) -> list[Any]:
    """dJ/dw_1 for J = (1/m) sum_k L_k: the derivative passes through the sum (checked with m = 3)."""
    sample = {X1: _XI[1, K], X2: _XI[2, K], Y: _YI[K]}
    loss_k = full.xreplace(sample)
    dJ = _partial("J", "w_1")
    ctx.quantities[dJ] = sp.diff(sp.Sum(loss_k, (K, 1, M)) / M, W1)
    per_sample = sp.Symbol(r"\frac{\partial L_k}{\partial w_1}")
    ctx.quantities[per_sample] = sp.diff(loss_k, W1)
    ctx.fixed[M] = sp.Integer(3)
    w = ctx.chain(dJ)
    w.add(sp.Sum(per_sample, (K, 1, M)) / M, say("linearity"))
    g_k = gradient.xreplace({A: _AI[K], Y: _YI[K]}) * _XI[1, K]
    a_of_z, z_of_w = ctx.substitutions[-1][1], ctx.substitutions[0][1]
    ctx.quantities[_AI[K]] = a_of_z.subs(Z, z_of_w).xreplace(sample)
    rhs = sp.Sum(g_k, (K, 1, M)) / M
    w.add(rhs, say("per-sample", _AI[K]))
    return [w.done(), Result(dJ, rhs, (), ctx.check(dJ, rhs, "boxed dJ/dw_1"))]
