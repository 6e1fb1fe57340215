"""Derivations for general n in index notation: softmax, log-softmax and the softmax cross-entropy.

The lines are written with indices i, j, k, the size n, sums over k and Kronecker deltas; each line
is checked by instantiating it: at n = 2, 3 and 4 and for every index value, it is unfolded (the
named outputs a_i, p_k replaced by their definitions, derivatives evaluated) and compared with the
derivative of the catalogue function at that size, symbolically and at 50 digits.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from symact.catalogue import VectorFunction, VectorLoss, vector_symbols
from symact.errors import VerificationError
from symact.steps._doc import Chain, Display, Document, Line, Paragraph, Ref, Result, Section, Text
from symact.steps._moves import H, unhold
from symact.steps._verify import Check, box_sampler, check_equal
from symact.steps.messages import catalogue_text, fn, plain, rule, say

__all__ = ["INDEXED", "indexed_derivation"]

I, J, K = sp.symbols("i j k", integer=True, positive=True)  # noqa: E741 (the textbook indices)
_K2 = sp.Symbol("l", integer=True, positive=True)
N = sp.Symbol("n", integer=True, positive=True)
Zb = sp.IndexedBase("z", real=True)
Ab = sp.IndexedBase("a", real=True)
Pb = sp.IndexedBase("p", real=True)
Yb = sp.IndexedBase("y", real=True)
SIZES = (2, 3, 4)
"""The sizes n at which every line is instantiated and checked."""


def _S(k: sp.Symbol = K) -> sp.Expr:
    return sp.Sum(sp.exp(Zb[k]), (k, 1, N))


def _partial(top: str, bottom: str) -> sp.Symbol:
    return sp.Symbol(rf"\frac{{\partial {top}}}{{\partial {bottom}}}")


@dataclass
class _Checker:
    """Checks an index-notation equality at every size in SIZES and every value of its free indices."""

    name: str
    meaning: Callable[[sp.Expr, int], sp.Expr]
    """Unfold the notation (outputs; the left-hand side symbol as ENTRY(indices)) at size n."""
    truth: Callable[[tuple[int, ...], int], sp.Expr]
    """The true derivative ENTRY(indices) at size n, in the z_m and y_m symbols."""
    indices: tuple[sp.Symbol, ...] = (I, J)
    count: int = 0
    assumptions: list[Callable[[int], dict[sp.Symbol, sp.Expr]]] = field(default_factory=list)

    def check(self, lhs: sp.Expr, rhs: sp.Expr, what: str, *, assume: bool = False) -> Check:
        self.count += 1
        methods: list[str] = []
        instances = 0
        for n in SIZES:
            indices = self.indices
            zs = vector_symbols("z", n)
            ys = vector_symbols("y", n)
            plain = {Zb[m + 1]: zs[m] for m in range(n)} | {Yb[m + 1]: ys[m] for m in range(n)}
            for values in itertools.product(range(1, n + 1), repeat=len(indices)):
                at = dict(zip(indices, values, strict=True))
                sides = []
                for side in (lhs, rhs):
                    e = self.meaning(unhold(side), n).xreplace({N: n, **at})
                    e = e.replace(ENTRY, lambda *args, n=n: self.truth(tuple(int(a) for a in args), n))
                    e = e.doit().xreplace(plain)
                    if assume:
                        e = e.xreplace({ys[-1]: 1 - sp.Add(*ys[:-1])})
                    sides.append(e)
                symbols = sorted(sides[0].free_symbols | sides[1].free_symbols, key=str)
                ranges = {y: (sp.S.Zero, sp.S.One) for y in ys}
                where = f"{self.name}: {what} at n = {n}, {', '.join(f'{k} = {v}' for k, v in at.items())}"
                c = check_equal(
                    sides[0],
                    sides[1],
                    what=where,
                    sampler=box_sampler(ranges, symbols),
                    seed=f"{self.name}:{self.count}:{n}:{values}",
                    points=2,
                )
                methods.append(str(c.symbolic))
                instances += 1
        note = say("note-indices-target" if assume else "note-indices")
        return Check(symbolic=", ".join(dict.fromkeys(methods)), points=2 * instances, note=note)


class _Writer:
    def __init__(self, checker: _Checker, lhs: sp.Expr) -> None:
        self.checker, self.lhs, self.lines = checker, lhs, []  # type: ignore[var-annotated]

    @property
    def last(self) -> sp.Expr:
        return self.lines[-1].expr if self.lines else self.lhs

    def add(self, expr: sp.Expr, label: Text, *, assume: bool = False) -> None:
        what = plain(label)
        check = self.checker.check(self.last, expr, what, assume=assume)
        self.lines.append(Line(expr=expr, label=label, check=check))

    def done(self) -> Chain:
        return Chain(lhs=self.lhs, lines=tuple(self.lines))


ENTRY = sp.Function("ENTRY")
"""Stands for the left-hand side (the true derivative) until the indices are numbers."""


def _unfold_outputs(expr: sp.Expr, base: sp.IndexedBase, body: Callable[[sp.Expr], sp.Expr]) -> sp.Expr:
    return expr.replace(lambda e: isinstance(e, sp.Indexed) and e.base == base, lambda e: body(e.indices[0]))


def _softmax_at(m: sp.Expr) -> sp.Expr:
    return sp.exp(Zb[m]) / _S(_K2)


def _jacobian(
    record: VectorFunction, lhs: sp.Symbol, base: sp.IndexedBase, body: Callable[[sp.Expr], sp.Expr]
) -> _Checker:
    def meaning(expr: sp.Expr, n: int) -> sp.Expr:
        expr = expr.xreplace({lhs: ENTRY(I, J)})
        expr = _unfold_outputs(expr, base, body)
        return _unfold_outputs(expr, Pb, _softmax_at)

    def truth(args: tuple[int, ...], n: int) -> sp.Expr:
        zs = vector_symbols("z", n)
        i, j = args
        return sp.diff(record.build(zs)[i - 1], zs[j - 1])

    return _Checker(record.name, meaning, truth)


def _softmax(record: VectorFunction) -> Document:
    lhs = _partial("a_i", "z_j")
    body = _softmax_at
    checker = _jacobian(record, lhs, Ab, body)
    w = _Writer(checker, lhs)
    S = _S()
    w.add(sp.Derivative(sp.exp(Zb[I]) / S, Zb[J], evaluate=False), say("first-line"))
    quotient = (sp.KroneckerDelta(I, J) * sp.exp(Zb[I]) * S - sp.exp(Zb[I]) * sp.exp(Zb[J])) / S**2
    w.add(
        quotient,
        (
            *say(
                "label-rules-with",
                rule("quotient rule"),
                sp.Eq(
                    sp.Symbol(r"\frac{\partial e^{z_i}}{\partial z_j}"),
                    sp.KroneckerDelta(I, J) * sp.exp(Zb[I]),
                ),
                sp.Eq(sp.Symbol(r"\frac{\partial}{\partial z_j} \sum_{k=1}^{n} e^{z_k}"), sp.exp(Zb[J])),
            ),
        ),
    )
    split = sp.KroneckerDelta(I, J) * H(sp.exp(Zb[I]) / S) - H(sp.exp(Zb[I]) / S) * H(sp.exp(Zb[J]) / S)
    w.add(split, say("move-split"))
    w.add(
        sp.KroneckerDelta(I, J) * Ab[I] - Ab[I] * Ab[J],
        say("move-recognise", sp.Eq(Ab[I], sp.exp(Zb[I]) / S)),
    )
    box = H(Ab[I]) * H(sp.KroneckerDelta(I, J) - Ab[J])
    w.add(box, say("move-factor-out", Ab[I]))
    chain = w.done()
    result = Result(
        lhs,
        box,
        say("softmax-words", box, H(Ab[I]) * H(1 - Ab[I]), -Ab[I] * Ab[J]),
        checker.check(lhs, box, "boxed"),
    )
    matrix = sp.Matrix(
        3, 3, lambda r, c: H(Ab[r + 1]) * H(1 - Ab[r + 1]) if r == c else -Ab[r + 1] * Ab[c + 1]
    )
    display = Display(
        sp.Symbol(r"\frac{\partial \mathbf{a}}{\partial \mathbf{z}}"), matrix, _matrix_check(record, matrix)
    )
    sections = [
        _definition(record, sp.Eq(Ab[I], sp.exp(Zb[I]) / S)),
        Section(
            say("section-derivative"),
            (chain, result, Paragraph(say("vector-matrix")), display, Paragraph(say("softmax-interpret"))),
        ),
    ]
    return _doc(record, sections, sp.Eq(Ab[I], sp.exp(Zb[I]) / S))


def _matrix_check(record: VectorFunction, matrix: sp.Matrix) -> Check:
    zs = vector_symbols("z", 3)
    outputs = record.build(zs)
    jac = outputs.jacobian(zs)
    filled = unhold(matrix).xreplace({Ab[m + 1]: outputs[m] for m in range(3)})
    checks = [
        check_equal(
            jac[r, c],
            filled[r, c],
            what=f"{record.name}: Jacobian entry ({r + 1}, {c + 1})",
            sampler=box_sampler({}, list(zs)),
            seed=f"{record.name}:matrix:{r}:{c}",
            points=2,
        )
        for r in range(3)
        for c in range(3)
    ]
    return Check(
        symbolic=", ".join(dict.fromkeys(str(c.symbolic) for c in checks)),
        points=18,
        note=say("note-every-entry"),
    )


def _log_softmax(record: VectorFunction) -> Document:
    lhs = _partial("a_i", "z_j")
    S = _S()

    def body(m: sp.Expr) -> sp.Expr:
        return Zb[m] - sp.log(_S(_K2))

    checker = _jacobian(record, lhs, Ab, body)
    w = _Writer(checker, lhs)
    w.add(sp.Derivative(Zb[I] - sp.log(S), Zb[J], evaluate=False), say("first-line"))
    w.add(
        sp.KroneckerDelta(I, J) - sp.exp(Zb[J]) / S,
        (
            *say(
                "label-rules-with",
                rule("sum rule"),
                sp.Eq(sp.Symbol(r"\frac{\partial z_i}{\partial z_j}"), sp.KroneckerDelta(I, J)),
                rule("logarithm rule with the chain rule"),
            ),
        ),
    )
    box = sp.KroneckerDelta(I, J) - Pb[J]
    w.add(box, say("move-recognise-softmax", sp.Eq(Pb[J], sp.exp(Zb[J]) / S)))
    result = Result(lhs, box, say("log-softmax-words", box, Pb[J]), checker.check(lhs, box, "boxed"))
    sections = [
        _definition(record, sp.Eq(Ab[I], Zb[I] - sp.log(S))),
        Section(
            say("section-derivative"),
            (w.done(), result, Paragraph(say("softmax-ref", Ref("softmax", fn("softmax"))))),
        ),
    ]
    return _doc(record, sections, sp.Eq(Ab[I], Zb[I] - sp.log(S)))


def _cross_entropy(record: VectorLoss) -> Document:
    lhs = _partial("L", "z_j")
    smoothing = [p.symbol for p in record.params]

    def meaning(expr: sp.Expr, n: int) -> sp.Expr:
        return _unfold_outputs(expr.xreplace({lhs: ENTRY(J)}), Pb, _softmax_at)

    def truth_at(eps: bool) -> Callable[[tuple[int, ...], int], sp.Expr]:
        def truth(args: tuple[int, ...], n: int) -> sp.Expr:
            zs, ys = vector_symbols("z", n), vector_symbols("y", n)
            loss = record.build(zs, ys)
            if not eps:
                loss = loss.xreplace({s: 0 for s in smoothing})
            return sp.diff(loss, zs[args[0] - 1])

        return truth

    checker = _Checker(record.name, meaning, truth_at(False), (J,))
    w = _Writer(checker, lhs)
    w.add(-sp.Sum(Yb[K] * sp.Derivative(sp.log(Pb[K]), Zb[J], evaluate=False), (K, 1, N)), say("linearity"))
    w.add(
        -sp.Sum(Yb[K] * (sp.KroneckerDelta(K, J) - Pb[J]), (K, 1, N)),
        say("derived-in", Ref("log_softmax", fn("log_softmax"))),
    )
    w.add(-Yb[J] + Pb[J] * sp.Sum(Yb[K], (K, 1, N)), say("move-delta"))
    box = Pb[J] - Yb[J]
    w.add(box, say("normalised-line", sp.Eq(sp.Sum(Yb[K], (K, 1, N)), 1)), assume=True)
    result = Result(lhs, box, say("ce-words", box), checker.check(lhs, box, "boxed", assume=True))
    blocks: list[Any] = [w.done(), result, Paragraph(say("canonical-ce"))]
    if smoothing:
        eps = smoothing[0]
        t = (1 - eps) * Yb[J] + eps / N
        smooth_checker = _Checker(record.name + ":smoothing", meaning, truth_at(True), (J,))
        rhs = Pb[J] - H(t)
        blocks += [
            Paragraph(say("ce-smoothing", sp.Eq(sp.Symbol("t_j"), t), sp.Symbol("p_j") - sp.Symbol("t_j"))),
            Display(lhs, rhs, smooth_checker.check(lhs, rhs, "label smoothing", assume=True)),
        ]
    loss_def = sp.Eq(sp.Symbol("L"), -sp.Sum(Yb[K] * sp.log(Pb[K]), (K, 1, N)))
    sections = [
        _definition(record, loss_def, extra=(say("ce-p", sp.Eq(Pb[K], sp.exp(Zb[K]) / _S(_K2))),)),
        Section(say("section-derivative"), tuple(blocks)),
    ]
    return _doc(record, sections, loss_def)


def _definition(record: Any, eq: sp.Eq, extra: tuple[Text, ...] = ()) -> Section:
    inputs = say("vector-sizes", sp.Symbol("z_1", real=True), sp.Symbol("z_n", real=True))
    if record.kind == "vector_loss":  # a loss is one number of the logits and the targets
        targets = say("vector-sizes", sp.Symbol("y_1", real=True), sp.Symbol("y_n", real=True))
        opening = say("vector-loss-defined", inputs, targets)
    else:
        opening = say("vector-defined", inputs)
    blocks: list[Any] = [Paragraph(opening), Display(eq.lhs, eq.rhs)]
    blocks += [Paragraph(t) for t in extra]
    if record.params:
        blocks.append(Paragraph(say("ce-default", tuple(sp.Eq(p.symbol, p.default) for p in record.params))))
    if record.frameworks:
        blocks.append(Paragraph(say("frameworks", catalogue_text(record.frameworks))))
    return Section(say("section-definition"), tuple(blocks))


def _doc(record: Any, sections: list[Section], definition: sp.Eq) -> Document:
    from symact.steps._elementwise import part_of, symbol_names

    return Document(
        name=record.name,
        title=(fn(record.name),),
        sections=tuple(sections),
        symbols=symbol_names(record.params),
        partial=True,
        definition=definition,
        part=part_of(record),
    )


INDEXED: dict[str, Callable[[Any], Document]] = {
    "softmax": _softmax,
    "log_softmax": _log_softmax,
    "cross_entropy": _cross_entropy,
}
"""Records derived for general n, by name."""


def indexed_derivation(record: Any) -> Document:
    """The general-n derivation of `record` (one of :data:`INDEXED`)."""
    builder = INDEXED.get(record.name)
    if builder is None:
        raise VerificationError(f"{record.name}: no general-n derivation")
    return builder(record)
