"""The open regions of a Piecewise: what differentiating case by case needs (the rules and the
checks both use it, so it sits below both)."""

from __future__ import annotations

import functools

import sympy as sp

__all__ = ["strict_interior"]


def _strict(cond: sp.Basic) -> sp.Basic:
    """The interior of a condition: non-strict inequalities made strict, equalities dropped."""
    if isinstance(cond, sp.Le):
        return sp.Lt(cond.lhs, cond.rhs)
    if isinstance(cond, sp.Ge):
        return sp.Gt(cond.lhs, cond.rhs)
    if isinstance(cond, sp.Eq):
        return sp.false
    if isinstance(cond, sp.And | sp.Or):
        return cond.func(*[_strict(c) for c in cond.args])
    return cond


@functools.lru_cache(maxsize=512)
def strict_interior(pw: sp.Piecewise) -> tuple[tuple[sp.Expr, sp.Basic], ...]:
    """The branches of `pw` on exclusive, open conditions (branches with an empty interior dropped).

    Conditions in one variable are solved as sets (their interior, written back as inequalities);
    others are made exclusive by ``sympy.piecewise_exclusive`` and then strict.
    """
    free = set().union(*[c.free_symbols for _, c in pw.args])
    if len(free) == 1:
        (s,) = free
        out, seen = [], sp.S.EmptySet
        try:
            for value, cond in pw.args:
                region = sp.Complement(sp.sympify(cond).as_set(), seen)
                seen = sp.Union(seen, sp.sympify(cond).as_set())
                inner = region.interior
                if not inner.is_empty:
                    out.append((value, inner.as_relational(s)))
            return tuple(out)
        except (NotImplementedError, TypeError, ValueError):
            pass
    exclusive = sp.piecewise_exclusive(pw, skip_nan=True)
    result = []
    for value, cond in exclusive.args:
        inner = _strict(cond)
        if inner != sp.false:
            result.append((value, inner))
    return tuple(result)
