"""One non-smooth point of an element-wise function: one sentence and one table.

The one-sided derivatives are found from the by-cases derivative (the case active on each side, then
its limit at the point), checked, and compared with the catalogue's declared values; the sentence
says whether f is differentiable there and which interval the valid choices form (the subgradients
at a convex kink, the Clarke interval otherwise); the table gives both sides, that interval and the
values PyTorch and JAX return.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symact.catalogue import Activation, Kink, Loss
from symact.errors import VerificationError
from symact.steps._common import same
from symact.steps._context import Context
from symact.steps._doc import KinkTable, Paragraph, Text
from symact.steps._verify import Check, to_piecewise
from symact.steps.messages import say

__all__ = ["kink_block"]


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


def _one_side(
    ctx: Context,
    var: sp.Symbol,
    named: sp.Expr,
    cases: sp.Expr,
    at: sp.Expr,
    side: int,
    numeric: dict[sp.Symbol, sp.Expr],
) -> tuple[sp.Expr, list[Check]]:
    branch = _active(cases, var, at, side, numeric)
    deriv = sp.Derivative(named, var)
    case_check = ctx.check_case(deriv, branch, var, at, side)
    value = sp.limit(branch, var, at, "-" if side < 0 else "+")
    limit_check = ctx.check(sp.Limit(branch, var, at, "-" if side < 0 else "+"), value, "one-sided limit")
    return value, [case_check, limit_check]


def kink_block(
    ctx: Context,
    record: Activation | Loss,
    kink: Kink,
    cases: sp.Expr,
    named: sp.Expr,
    analysis: Any,
    defaults: dict[sp.Symbol, sp.Expr],
    *,
    first: bool,
) -> list[Any]:
    """The sentence and table of one non-smooth point (a sentence only where it lies at infinity)."""
    var = record.variable
    point = sp.Eq(var, kink.at)
    if not kink.at.subs(defaults).is_finite:
        return [Paragraph((*say("section-kink", point), *say("sep-colon"), *say("kink-infinite")))]
    numeric = {s: (lo + hi) / 2 for s, (lo, hi) in ctx.ranges.items() if s != var}
    numeric.update(defaults)
    left, left_checks = _one_side(ctx, var, named, cases, kink.at, -1, numeric)
    right, right_checks = _one_side(ctx, var, named, cases, kink.at, 1, numeric)
    exact = {s: v for s, v in defaults.items() if s not in {p.symbol for p in record.params}}
    for side, value, declared in (("left", left, kink.left), ("right", right, kink.right)):
        if not same(value.xreplace(exact), declared):
            raise VerificationError(
                f"{record.name}: at {kink.at} the derived {side} derivative is {sp.sstr(value)}, "
                f"the catalogue declares {sp.sstr(declared)}"
            )
    f = named
    if kink.jump:
        sentence: Text = say("kink-jump", f, point)
        interval_row: tuple[Text, Text] | None = None
    elif same(left, right):
        sentence = say("kink-smooth", point, f, sp.Eq(sp.Symbol("f'"), left, evaluate=False))
        interval_row = None
    else:
        gap = (left - right).subs(numeric).evalf()
        lo, hi = (left, right) if gap <= 0 else (right, left)
        if gap <= 0:
            sentence = say("kink-convex", f, point)
            interval_row = (say("row-subgradient"), (sp.Interval(lo, hi),))
        else:
            sentence = say("kink-concave", f, point)
            interval_row = (say("row-clarke"), (sp.Interval(lo, hi),))
    if first and not kink.jump:
        sentence = (*sentence, *say("sep-space"), *say("kink-why"))
    rows: list[tuple[Text, Text]] = [(say("row-left"), (left,)), (say("row-right"), (right,))]
    if interval_row is not None:
        rows.append(interval_row)
    rev: dict[sp.Expr, sp.Expr] = {v: s for s, v in exact.items()}
    if len(exact) > 1:
        rev[sp.Mul(*exact.values())] = sp.Mul(*exact.keys())
    for framework in ("pytorch", "jax"):
        if framework not in kink.conventions:
            continue
        given = kink.conventions[framework]
        value_text: Text = say("row-none") if given is None else (given.xreplace(rev),)
        rows.append((say(f"row-{framework}"), value_text))
    checks = tuple(
        (say(key, kink.at), c)
        for key, cs in (("kink-left-check", left_checks), ("kink-right-check", right_checks))
        for c in cs
    )
    return [
        KinkTable(
            sentence=(*say("section-kink", point), *say("sep-sentence"), *sentence),
            rows=tuple(rows),
            checks=checks,
        )
    ]
