r"""Limits at $\pm\infty$ of a kernel whose coefficients depend on parameters (or a loss's target).

An expression is split into terms $\sum_i c_i\, g_i(x)$, the $c_i$ free of $x$.  Each $g_i$ has a
limit $L_i$ (``sympy.limit``); the infinite ones are ordered by growth (the limit of the ratio of
two of them).  At run time the limit is that of the fastest-growing term whose coefficient is not
zero, $\operatorname{sign}(c_i L_i)\,\infty$, and the sum of the finite $c_i L_i$ when every
infinite term has a zero coefficient (such a term is identically 0, so it contributes nothing).
This is exact for every value of the coefficients, where ``sympy.limit`` of the whole expression
answers $-\infty \operatorname{sign}(c)$, wrong at $c = 0$.

The result is a SymPy expression: a ``Piecewise`` over ``Ne(c_i, 0)`` whose infinite values are
:class:`SignedInfinity` (printed without forming ``0 * inf``).
"""

from __future__ import annotations

import sympy as sp

from symact.codegen.functions import to_textbook

__all__ = ["SignedInfinity", "term_limit"]


class SignedInfinity(sp.Function):
    """``copysign(inf, c)`` for c != 0 and 0 for c = 0 (printed as such; never ``c * inf``)."""

    nargs = 1


def _terms(expr: sp.Expr, x: sp.Symbol) -> list[tuple[sp.Expr, sp.Expr]] | None:
    """(coefficient, x-part) per term of `expr` expanded; None when a term does not split."""
    out: dict[sp.Expr, sp.Expr] = {}
    for term in sp.Add.make_args(sp.expand(expr, deep=False)):
        coeff, part = term.as_independent(x, as_Add=False)
        if part.has(sp.Piecewise):
            return None
        out[part] = out.get(part, sp.S.Zero) + coeff
    return [(c, g) for g, c in out.items() if c != 0]


def _lim(g: sp.Expr, x: sp.Symbol, at: sp.Expr) -> sp.Expr | None:
    try:
        value = sp.limit(g, x, at)
    except (NotImplementedError, ValueError, TypeError):
        return None
    if value.has(sp.Limit, sp.AccumBounds, sp.nan, sp.zoo) or value.free_symbols:
        return None
    return value  # type: ignore[no-any-return]


def _piece(expr: sp.Expr, x: sp.Symbol, at: sp.Expr) -> sp.Expr | None:
    """The branch of a Piecewise that holds near `at` (None when that is not decided)."""
    if not isinstance(expr, sp.Piecewise):
        return expr
    for value, cond in expr.args:
        holds = cond.subs(x, at)
        if holds == sp.true:
            return _piece(value, x, at)
        if holds != sp.false:
            return None
    return None


def term_limit(expr: sp.Expr, x: sp.Symbol, at: sp.Expr) -> sp.Expr | None:
    """The limit of `expr` as `x` -> `at` (+-oo) for every value of its other symbols; None if unknown."""
    body = _piece(expr, x, at)
    if body is None:
        return None
    terms = _terms(body, x)
    if terms is None:
        return None
    finite: list[sp.Expr] = []
    infinite: list[tuple[sp.Expr, sp.Expr, sp.Expr]] = []  # (coefficient, part, sign of the limit)
    for c, g in terms:
        g = to_textbook(g)
        value = _lim(g, x, at)
        if value is None:
            return None
        if value.is_finite:
            finite.append(c * value)
        elif value in (sp.oo, -sp.oo):
            infinite.append((c, g, sp.sign(value)))
        else:
            return None
    groups: list[list[tuple[sp.Expr, sp.Expr, sp.Expr]]] = []  # fastest first, equal growth together
    for item in infinite:
        placed = False
        for gi, group in enumerate(groups):
            ratio = _lim(item[1] / group[0][1], x, at)
            if ratio is None:
                return None
            if ratio == 0:
                continue
            if ratio.is_finite:
                group.append(item)
            else:
                groups.insert(gi, [item])
            placed = True
            break
        if not placed:
            groups.append([item])
    result: sp.Expr = sp.Add(*finite)
    for group in reversed(groups):
        lead = group[0][1]
        weight = sp.Add(*[c * _lim(g / lead, x, at) for c, g, _ in group]) * group[0][2]  # type: ignore[operator]
        weight = sp.factor_terms(sp.expand(weight))
        if weight.is_zero:
            continue
        if weight.is_number:
            result = sp.oo * sp.sign(weight)
        elif weight.is_nonzero:
            result = SignedInfinity(weight)
        else:
            result = sp.Piecewise((SignedInfinity(weight), sp.Ne(weight, 0)), (result, True))
    return result
