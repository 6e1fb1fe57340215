r"""Piecewise conditions as kernels want them: one variable on the left, no needless point tests.

:func:`symact.derive.derive` writes a kink's convention as a branch ``Eq(x, c)`` (often or-ed with
``x < c``) and relations in whatever orientation SymPy chose (``threshold > x``).  A kernel pays for
every comparison, so :func:`tidy_piecewise`

1. writes each relation linear in the variable with the variable alone on the left
   (``threshold > x`` becomes ``x < threshold``; ``lambd < -x`` becomes ``x < -lambd``);
2. merges ``Eq(x, c) | (x < c)`` into ``x <= c`` (and ``>``/``>=`` alike): the same set;
3. drops a point test ``Eq(x, c)`` from a branch when the Piecewise without it has the same value at
   ``x = c`` (checked by evaluating both there; parameters at their defaults when SymPy cannot
   decide a comparison of symbols).

Each step leaves the Piecewise equal as a function of x.
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

__all__ = ["normalise_relation", "tidy_piecewise"]

_FLIP = {
    sp.StrictLessThan: sp.StrictGreaterThan,
    sp.LessThan: sp.GreaterThan,
    sp.StrictGreaterThan: sp.StrictLessThan,
    sp.GreaterThan: sp.LessThan,
    sp.Eq: sp.Eq,
    sp.Ne: sp.Ne,
}
_WIDEN = {sp.StrictLessThan: sp.LessThan, sp.StrictGreaterThan: sp.GreaterThan}


def normalise_relation(rel: sp.Basic, x: sp.Symbol) -> sp.Basic:
    """`rel` as ``x <op> c`` when it is linear in x with coefficient +-1; otherwise unchanged."""
    if type(rel) not in _FLIP:
        return rel
    d = sp.expand(rel.lhs - rel.rhs)
    k = d.coeff(x)
    rest = d - k * x
    if k not in (sp.S.One, sp.S.NegativeOne) or rest.has(x):
        return rel
    op = type(rel) if k == 1 else _FLIP[type(rel)]
    return op(x, -rest / k, evaluate=False)


def _normalise(cond: sp.Basic, x: sp.Symbol) -> sp.Basic:
    if isinstance(cond, sp.Or | sp.And):
        return cond.func(*[_normalise(a, x) for a in cond.args])
    return normalise_relation(cond, x)


def _merge_points(cond: sp.Basic, x: sp.Symbol) -> sp.Basic:
    """Eq(x, c) | (x < c) -> x <= c, and Eq(x, c) | (x > c) -> x >= c."""
    if not isinstance(cond, sp.Or):
        return cond
    terms = list(cond.args)
    for eq in [t for t in terms if isinstance(t, sp.Eq) and t.lhs == x]:
        for strict in [t for t in terms if type(t) in _WIDEN and t.lhs == x and t.rhs == eq.rhs]:
            terms.remove(eq)
            terms.remove(strict)
            terms.append(_WIDEN[type(strict)](x, eq.rhs, evaluate=False))
            break
    return sp.Or(*terms) if len(terms) > 1 else terms[0]


def _value_at(
    branches: list[tuple[sp.Expr, sp.Basic]], x: sp.Symbol, c: sp.Expr, numeric: Mapping[sp.Symbol, sp.Expr]
) -> sp.Expr | None:
    """The value of Piecewise(*branches) at x = c, or None if a condition cannot be decided."""
    for value, cond in branches:
        holds = cond.subs(x, c)
        if holds not in (sp.true, sp.false):
            holds = holds.subs(numeric)
        if holds == sp.true:
            return value.subs(x, c)
        if holds != sp.false:
            return None
    return None


def _same(a: sp.Expr | None, b: sp.Expr) -> bool:
    return a is not None and sp.simplify(a - b) == 0


def _widen_later(
    trial: list[tuple[sp.Expr, sp.Basic]],
    branches: list[tuple[sp.Expr, sp.Basic]],
    i: int,
    x: sp.Symbol,
    c: sp.Expr,
    value: sp.Expr,
    numeric: Mapping[sp.Symbol, sp.Expr],
) -> list[tuple[sp.Expr, sp.Basic]] | None:
    """Move the point x = c into the first later branch ``x < c`` (``x > c``) that has `value` there.

    The branches in between must not hold at c; the later branch's relation becomes ``<=`` (``>=``).
    """
    offset = len(branches) - len(trial)  # 1 when branch i was dropped entirely
    for j in range(i + 1, len(branches)):
        v, cond = branches[j]
        rel = normalise_relation(cond, x)
        if type(rel) in _WIDEN and rel.lhs == x and sp.simplify(rel.rhs - c) == 0:
            if _same(v.subs(x, c), value.subs(x, c)):
                out = list(trial)
                out[j - offset] = (v, _WIDEN[type(rel)](x, rel.rhs, evaluate=False))
                return out
            return None
        between = _value_at([(sp.S.Zero, cond)], x, c, numeric)
        if between is not None:  # this branch holds at c: the point stops here
            return None
    return None


def tidy_piecewise(expr: sp.Expr, x: sp.Symbol, numeric: Mapping[sp.Symbol, sp.Expr]) -> sp.Expr:
    """Every Piecewise in `expr` tidied as the module docstring says."""

    def visit(e: sp.Basic) -> sp.Basic:
        if not e.args:
            return e
        e = e.func(*[visit(a) for a in e.args])
        if isinstance(e, sp.Piecewise):
            return _tidy(e, x, numeric)
        return e

    return visit(expr)  # type: ignore[return-value]


def _tidy(pw: sp.Piecewise, x: sp.Symbol, numeric: Mapping[sp.Symbol, sp.Expr]) -> sp.Expr:
    branches = [(v, _merge_points(_normalise(c, x), x)) for v, c in pw.args]
    changed = True
    while changed:
        changed = False
        for i, (value, cond) in enumerate(branches):
            terms = list(cond.args) if isinstance(cond, sp.Or) else [cond]
            for eq in [t for t in terms if isinstance(t, sp.Eq) and t.lhs == x]:
                left = [t for t in terms if t != eq]
                trial = list(branches)
                if left:
                    trial[i] = (value, sp.Or(*left) if len(left) > 1 else left[0])
                else:
                    del trial[i]
                if _same(_value_at(trial, x, eq.rhs, numeric), value.subs(x, eq.rhs)):
                    branches = trial
                    changed = True
                    break
                widened = _widen_later(trial, branches, i, x, eq.rhs, value, numeric)
                if widened is not None:
                    branches = widened
                    changed = True
                    break
            if changed:
                break
    if len(branches) == 1:
        return branches[0][0]
    return sp.Piecewise(*branches)
