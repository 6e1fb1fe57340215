"""Split an element-wise function into smooth pieces between its breakpoints.

Max, Min, Abs, Heaviside and sign are rewritten as Piecewise; the breakpoints are the points where a
Piecewise condition changes truth value.  Each piece is the branch that is active on the open
interval between two consecutive breakpoints.  Breakpoints are ordered at the parameters' default
values (the expressions stay symbolic).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from symact.errors import ArgumentError

__all__ = ["Piece", "breakpoints", "pieces", "to_piecewise"]


def to_piecewise(expr: sp.Expr) -> sp.Expr:
    """`expr` with Max, Min, Abs, Heaviside and sign written as Piecewise (then folded)."""
    rewritten = expr.replace(
        lambda e: isinstance(e, sp.Max | sp.Min | sp.Abs | sp.Heaviside | sp.sign),
        lambda e: e.rewrite(sp.Piecewise),
    )
    return sp.piecewise_fold(rewritten)


@dataclass(frozen=True)
class Piece:
    """The smooth branch `expr` of f on the open interval (lo, hi); lo/hi may be -oo/oo."""

    lo: sp.Expr
    hi: sp.Expr
    expr: sp.Expr

    def contains(self, value: float, numeric: Mapping[sp.Symbol, sp.Expr]) -> bool:
        lo, hi = (float(sp.sympify(e).subs(numeric)) for e in (self.lo, self.hi))
        return lo < value < hi

    def sample_range(self, numeric: Mapping[sp.Symbol, sp.Expr], width: float = 8.0) -> tuple[float, float]:
        """A finite sub-interval of the piece, for numeric spot checks (inset from the ends)."""
        lo, hi = (float(sp.sympify(e).subs(numeric)) for e in (self.lo, self.hi))
        if lo == float("-inf") and hi == float("inf"):
            return -width, width
        if lo == float("-inf"):
            return hi - width, hi - 1e-3
        if hi == float("inf"):
            return lo + 1e-3, lo + width
        inset = (hi - lo) * 1e-3
        return lo + inset, hi - inset


def _boundaries(cond: sp.Basic, x: sp.Symbol) -> set[sp.Expr]:
    found: set[sp.Expr] = set()
    for rel in cond.atoms(sp.Rel):
        if not rel.has(x):
            continue
        sols = sp.solve(sp.Eq(rel.lhs, rel.rhs), x, dict=False)
        found.update(sp.sympify(s) for s in sols if sp.sympify(s).is_real is not False)
    return found


def breakpoints(pw: sp.Expr, x: sp.Symbol, numeric: Mapping[sp.Symbol, sp.Expr]) -> list[sp.Expr]:
    """The points where a Piecewise condition in `pw` changes, sorted at the `numeric` values."""
    points: set[sp.Expr] = set()
    for node in sp.preorder_traversal(pw):
        if isinstance(node, sp.Piecewise):
            for _, cond in node.args:
                points |= _boundaries(cond, x)
    unique: dict[float, sp.Expr] = {}
    for p in points:
        value = float(p.subs(numeric))
        unique.setdefault(value, p)
    return [unique[v] for v in sorted(unique)]


def _active_branch(pw: sp.Expr, x: sp.Symbol, at: float, numeric: Mapping[sp.Symbol, sp.Expr]) -> sp.Expr:
    """`pw` with every Piecewise replaced by its branch active at x = at (conditions at numeric)."""

    def choose(node: sp.Piecewise) -> sp.Expr:
        for value, cond in node.args:
            truth = sp.sympify(cond).subs(numeric).subs(x, sp.Float(at, 30))
            if truth == sp.true:
                return _active_branch(value, x, at, numeric)
        raise ArgumentError(f"no branch of {node} is active at x = {at}")

    return pw.replace(lambda e: isinstance(e, sp.Piecewise), choose)


def pieces(
    expr: sp.Expr, x: sp.Symbol, numeric: Mapping[sp.Symbol, sp.Expr], domain: sp.Set = sp.S.Reals
) -> list[Piece]:
    """The smooth pieces of `expr` on `domain` (an interval), left to right."""
    pw = to_piecewise(expr)
    lo_d = domain.inf if isinstance(domain, sp.Interval) else sp.S.NegativeInfinity
    hi_d = domain.sup if isinstance(domain, sp.Interval) else sp.S.Infinity
    inner = [
        p
        for p in breakpoints(pw, x, numeric)
        if float(lo_d.subs(numeric)) < float(p.subs(numeric)) < float(hi_d.subs(numeric))
    ]
    ends = [lo_d, *inner, hi_d]
    result = []
    for lo, hi in itertools.pairwise(ends):
        flo, fhi = float(lo.subs(numeric)), float(hi.subs(numeric))
        if flo == float("-inf"):
            mid = fhi - 1.0
        elif fhi == float("inf"):
            mid = flo + 1.0
        else:
            mid = (flo + fhi) / 2
        result.append(Piece(lo=lo, hi=hi, expr=_active_branch(pw, x, mid, numeric)))
    return result
