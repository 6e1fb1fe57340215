"""Output forms: f'(x) written as g(a) with a = f(x), found and proved, or refuted with a witness.

On each smooth piece the toolkit inverts f (``sympy.solve`` for x in a = f(x)), substitutes the
inverse into f' and simplifies with the assumptions the piece's image allows.  A candidate is kept
only if ``f'(x) - g(f(x))`` simplifies to 0 on that piece.  The pieces' forms are joined into one
Piecewise in `a` when their images are disjoint.  When two parts of the real line share an output
value but not a derivative, there is no output form and the pair of points is the witness.
Three outcomes are kept apart: found (and proved), none (witness), and not found (f is injective but
no closed-form inverse was found).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import mpmath
import sympy as sp

from symact.budget import with_budget
from symact.catalogue import A
from symact.derive._check import zero_method
from symact.derive._pieces import Piece

__all__ = ["OutputForm", "find_output_form", "side_limit"]


@dataclass(frozen=True)
class OutputForm:
    """The outcome of the search: `expression` (in A) or a `witness`, and how it was established."""

    status: str  # "found" | "none" | "not found"
    expression: sp.Expr | None = None
    proof: str = ""
    witness: dict[str, str] | None = None
    notes: tuple[str, ...] = ()
    fixed: tuple[str, ...] = ()  # parameters the form holds only at their current values


def side_limit(
    expr: sp.Expr,
    x: sp.Symbol,
    at: sp.Expr,
    direction: str,
    numeric: Mapping[sp.Symbol, sp.Expr] | None = None,
) -> sp.Expr:
    """A one-sided limit, symbolic in the parameters when SymPy can, else at the `numeric` values."""

    def lim(e: sp.Expr, c: sp.Expr) -> sp.Expr:
        return (
            sp.limit(e, x, c) if c in (sp.S.Infinity, sp.S.NegativeInfinity) else sp.limit(e, x, c, direction)
        )

    try:
        return lim(expr, at)
    except NotImplementedError:
        if numeric is None:
            raise
        return lim(expr.subs(numeric), sp.sympify(at).subs(numeric))


def _image(piece: Piece, x: sp.Symbol, numeric: Mapping[sp.Symbol, sp.Expr]) -> tuple[float, float]:
    f = piece.expr.subs(numeric)
    ends = (
        float(side_limit(f, x, piece.lo.subs(numeric), "+")),
        float(side_limit(f, x, piece.hi.subs(numeric), "-")),
    )
    return min(ends), max(ends)


def _invert(piece: Piece, x: sp.Symbol, a: sp.Symbol, deriv: sp.Expr) -> list[sp.Expr]:
    try:
        solutions: list[sp.Expr]
        solutions, _ = with_budget(sp.solve, sp.Eq(a, piece.expr), x, fallback=[])
    except (NotImplementedError, ValueError):
        return []
    candidates = []
    for h in solutions:
        g = deriv.rewrite(sp.exp).subs(x, h)
        g = g.replace(
            lambda e: e.is_Pow and e.exp in (sp.S.Half, -sp.S.Half),
            lambda e: sp.Pow(sp.factor(e.base), e.exp),
        )
        simple = with_budget(sp.simplify, g, fallback=g)[0]
        options = [simple, sp.factor(simple)]
        candidates.append(min(options, key=sp.count_ops))
    return candidates


def _symbol_for(lo: float, hi: float) -> sp.Symbol:
    if lo >= 0:
        return sp.Symbol("a", positive=True)
    if hi <= 0:
        return sp.Symbol("a", negative=True)
    return sp.Symbol("a", real=True)


def _piece_form(
    piece: Piece, x: sp.Symbol, deriv: sp.Expr, image: tuple[float, float]
) -> tuple[sp.Expr, str] | None:
    """g with g(f(x)) = f'(x) on the piece, and the proof method, or None."""
    if sp.simplify(deriv).is_constant():
        return sp.simplify(deriv), "constant on the piece"
    a_local = _symbol_for(*image)
    t = sp.Symbol("t", positive=True)
    if piece.lo.is_finite:
        local = {x: piece.lo + t}
    elif piece.hi.is_finite:
        local = {x: piece.hi - t}
    else:
        local = {}
    for g in _invert(piece, x, a_local, deriv):
        if g.has(x):
            continue
        method = zero_method((deriv - g.subs(a_local, piece.expr)).subs(local))
        if method is not None:
            return g.subs(a_local, A), method + (" with x inside the piece" if local else "")
    return None


def _solve_in(
    f: Callable[[mpmath.mpf], mpmath.mpf], target: mpmath.mpf, lo: mpmath.mpf, hi: mpmath.mpf
) -> mpmath.mpf:
    a, b = mpmath.mpf(lo), mpmath.mpf(hi)
    fa = f(a) - target
    for _ in range(200):
        m = (a + b) / 2
        fm = f(m) - target
        if (fm > 0) == (fa > 0):
            a, fa = m, fm
        else:
            b = m
    return (a + b) / 2


def _runs(
    f: Callable[[mpmath.mpf], mpmath.mpf], lo: mpmath.mpf, hi: mpmath.mpf, span: mpmath.mpf
) -> list[list[mpmath.mpf]]:
    """Maximal monotone runs of f on a grid of (lo, hi) ∩ [-span, span] (ends inset by 1e-25).

    A piece on which f is constant is one run with equal end values.
    """
    start = lo + mpmath.mpf(10) ** -25 if lo > -span else -span
    end = hi - mpmath.mpf(10) ** -25 if hi < span else span
    if start >= end:
        return []
    grid = [start + i * (end - start) / 400 for i in range(401)]
    values = [f(t) for t in grid]
    if all(v == values[0] for v in values):
        return [[grid[0], grid[-1], values[0], values[0]]]
    runs: list[list[mpmath.mpf]] = []
    begin = 0
    for i in range(1, len(grid) - 1):
        if (values[i] - values[i - 1]) * (values[i + 1] - values[i]) <= 0:
            runs.append([grid[begin], grid[i], values[begin], values[i]])
            begin = i
    runs.append([grid[begin], grid[-1], values[begin], values[-1]])
    return [r for r in runs if r[2] != r[3]]


def _mp(e: sp.Expr, numeric: Mapping[sp.Symbol, sp.Expr]) -> mpmath.mpf:
    value = sp.sympify(e).subs(numeric)
    if value in (sp.S.Infinity, sp.S.NegativeInfinity):
        return mpmath.inf if value > 0 else -mpmath.inf
    return mpmath.mpf(str(sp.Float(value, 60)))


def find_witness(
    expr: sp.Expr,
    deriv: sp.Expr,
    x: sp.Symbol,
    numeric: Mapping[sp.Symbol, sp.Expr],
    parts: list[Piece],
    span: float = 20.0,
) -> dict[str, str] | None:
    """Points x1 != x2 with f(x1) = f(x2) and f'(x1) != f'(x2), searched piece by piece on [-span, span]."""
    f = sp.lambdify(x, expr.subs(numeric), modules="mpmath")
    df = sp.lambdify(x, deriv.subs(numeric), modules="mpmath")
    with mpmath.workdps(50):
        ends = [(_mp(p.lo, numeric), _mp(p.hi, numeric)) for p in parts]
        finite = [abs(e) for pair in ends for e in pair if mpmath.isfinite(e)]
        reach = mpmath.mpf(span) + (max(finite) if finite else 0)
        runs = []
        for lo, hi in ends:
            runs.extend(_runs(f, lo, hi, reach))
        for i, (a1, b1, fa1, fb1) in enumerate(runs):
            for a2, b2, fa2, fb2 in runs[i + 1 :]:
                if fa1 == fb1 and fa2 == fb2:
                    continue  # two constant pieces: f' = 0 on both
                if fa1 == fb1 or fa2 == fb2:
                    (c1, c2, v), (m1, m2, u1, u2) = (
                        ((a1, b1, fa1), (a2, b2, fa2, fb2))
                        if fa1 == fb1
                        else ((a2, b2, fa2), (a1, b1, fa1, fb1))
                    )
                    if not min(u1, u2) < v < max(u1, u2):
                        continue
                    x1, x2 = (c1 + c2) / 2, _solve_in(f, v, m1, m2)
                else:
                    lo = max(min(fa1, fb1), min(fa2, fb2))
                    hi = min(max(fa1, fb1), max(fa2, fb2))
                    if lo >= hi:
                        continue
                    target = lo + (hi - lo) / 3
                    x1 = _solve_in(f, target, a1, b1)
                    x2 = _solve_in(f, target, a2, b2)
                d1, d2 = df(x1), df(x2)
                if abs(d1 - d2) > mpmath.mpf(10) ** -20 * (abs(d1) + abs(d2)):
                    return {
                        "x1": mpmath.nstr(x1, 20),
                        "x2": mpmath.nstr(x2, 20),
                        "f": mpmath.nstr(f(x1), 20),
                        "df_x1": mpmath.nstr(d1, 20),
                        "df_x2": mpmath.nstr(d2, 20),
                    }
    return None


def find_output_form(
    expr: sp.Expr,
    x: sp.Symbol,
    parts: list[Piece],
    derivs: list[sp.Expr],
    kink_values: Mapping[sp.Expr, sp.Expr],
    numeric: Mapping[sp.Symbol, sp.Expr],
    full_derivative: sp.Expr,
) -> OutputForm:
    """Search for an output form of `expr` over its smooth `parts` (with derivatives `derivs`).

    `kink_values` maps each kink point c to the derivative assigned there by the convention in force;
    `numeric` gives parameter values used to order images and to search for a witness.
    """
    images = [_image(p, x, numeric) for p in parts]
    overlap = any(
        max(images[i][0], images[j][0]) < min(images[i][1], images[j][1])
        or (images[i][0] == images[i][1] and images[j][0] < images[i][0] < images[j][1])
        for i in range(len(parts))
        for j in range(len(parts))
        if i != j
    )
    witness = find_witness(expr, full_derivative, x, numeric, parts)
    if witness is not None:
        return OutputForm(status="none", witness=witness)
    if overlap:
        return OutputForm(status="not found", notes=("the pieces' images overlap",))
    branches: list[tuple[sp.Expr, sp.Basic]] = []
    fixed: dict[sp.Symbol, sp.Expr] = {}
    methods: list[str] = []
    notes: list[str] = []
    for piece, deriv, (lo, hi) in zip(parts, derivs, images, strict=True):
        found = _piece_form(piece, x, deriv, (lo, hi))
        if found is None:
            return OutputForm(
                status="not found", notes=(f"no closed-form inverse on ({piece.lo}, {piece.hi})",)
            )
        g, method = found
        methods.append(method)
        if lo == hi:
            value = piece.expr
            if value.has(x):  # constant only at these parameter values (a zero slope): fix them
                params = sorted(value.free_symbols - {x}, key=str)
                fixed.update({s: numeric[s] for s in params if s in numeric})
                value = value.subs(numeric).subs(x, piece.sample_range(numeric)[0])
                names = ", ".join(f"{s} = {v}" for s, v in fixed.items())
                notes.append(
                    f"f is constant on ({piece.lo}, {piece.hi}) only when {names}; the form holds there"
                )
            branches.insert(0, (g, sp.Eq(A, value)))
            continue
        cond = sp.true
        lo_e = side_limit(piece.expr, x, piece.lo, "+", numeric)
        hi_e = side_limit(piece.expr, x, piece.hi, "-", numeric)
        lo_e, hi_e = (
            (lo_e, hi_e) if lo == min(float(lo_e.subs(numeric)), float(hi_e.subs(numeric))) else (hi_e, lo_e)
        )
        if lo != float("-inf"):
            cond = sp.And(cond, A > lo_e)
        if hi != float("inf"):
            cond = sp.And(cond, A < hi_e)
        branches.append((g, cond))
    point_branches: list[tuple[sp.Expr, sp.Basic]] = []
    for c, value in kink_values.items():
        a_c = sp.simplify(expr.subs(x, c))
        covered = [
            g for g, cond in branches if sp.sympify(cond).subs(numeric).subs(A, a_c.subs(numeric)) == sp.true
        ]
        if covered:
            if sp.simplify(covered[0] - value) != 0:
                notes.append(
                    f"at a = {a_c} (x = {c}) the output form gives {covered[0]}, not the convention's {value}"
                )
            continue
        point_branches.append((value, sp.Eq(A, a_c)))
    all_branches = point_branches + branches
    if len(all_branches) == 1 and all_branches[0][1] == sp.true:
        form = all_branches[0][0]
    else:
        last_value, _ = all_branches[-1]
        form = sp.Piecewise(*all_branches[:-1], (last_value, True))
    form = form.subs(fixed)
    proof = "per piece: f'(x) - g(f(x)) = 0 (" + "; ".join(dict.fromkeys(methods)) + ")"
    return OutputForm(
        status="found", expression=form, proof=proof, notes=tuple(notes), fixed=tuple(str(s) for s in fixed)
    )
