"""The checks behind every displayed equality: a symbolic zero and a 50-digit numeric spot check.

:func:`check_equal` is the one place a displayed equality ``lhs = rhs`` is accepted.  The symbolic
check tries cheap normal forms first (expansion, cancellation, exponential rewriting) and runs
``simplify`` only on small expressions, so its time stays bounded.  Non-smooth expressions are
compared branch by branch after rewriting Max, Min, Abs, sign and Heaviside as Piecewise; branches
on conditions of measure zero (a kink) are ignored and the check says so.  The numeric check
evaluates both sides with mpmath at 50 digits at reproducible random points.  Either failing raises
:class:`symact.errors.VerificationError`.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp

from symact.derive import to_piecewise as _fold_nonsmooth
from symact.errors import VerificationError
from symact.steps._interior import strict_interior
from symact.steps.messages import methods, say

__all__ = [
    "Check",
    "Sampler",
    "box_sampler",
    "check_equal",
    "diff_by_cases",
    "nested_nonsmooth",
    "prove_zero",
    "to_piecewise",
]

DIGITS = 50
"""Working precision of the numeric check (decimal digits)."""

TOLERANCE = sp.Float("1e-40", DIGITS)
"""Relative agreement required at every point (50-digit evaluation of exact expressions)."""

SIMPLIFY_MAX_OPS = 250
"""``simplify`` is tried only on differences with at most this many operations (bounded time)."""

_CHEAP: tuple[tuple[str, Callable[[sp.Expr], sp.Expr]], ...] = (
    ("expand", sp.expand),
    ("cancel", lambda e: sp.cancel(sp.together(e))),
    ("exp rewrite + cancel", lambda e: sp.cancel(sp.together(sp.expand(e.rewrite(sp.exp))))),
    ("expand_log", lambda e: sp.expand(sp.expand_log(e, force=True))),
)
_COSTLY: tuple[tuple[str, Callable[[sp.Expr], sp.Expr]], ...] = (
    ("simplify", sp.simplify),
    ("exp rewrite + simplify", lambda e: sp.simplify(e.rewrite(sp.exp))),
)

_NONSMOOTH = (sp.Max, sp.Min, sp.Abs, sp.Heaviside, sp.sign)


@dataclass(frozen=True)
class Check:
    """How a displayed equality was checked: the symbolic method and the numeric points."""

    symbolic: str | tuple[Any, ...]
    """The normal forms that gave 0 (``cancel``, ``by cases: expand``), or a Text saying how."""
    points: int
    note: tuple[Any, ...] = ()

    def describe(self) -> tuple[Any, ...]:
        """One line, for the document: ``symbolic (cancel); numeric: 6 points at 50 digits``."""
        how = self.symbolic if isinstance(self.symbolic, tuple) else (methods(self.symbolic),)
        text = say("check-describe", how, str(self.points), str(DIGITS))
        return say("check-note", text, self.note) if self.note else text


def to_piecewise(expr: sp.Expr) -> sp.Expr:
    """`expr` with Max, Min, Abs, Heaviside and sign rewritten as Piecewise and folded."""
    if not expr.has(*_NONSMOOTH):
        return sp.piecewise_fold(expr) if expr.has(sp.Piecewise) else expr
    return _fold_nonsmooth(expr)


def _negligible(cond: sp.Basic) -> bool:
    """True when `cond` holds nowhere or only on a set of measure zero (a kink)."""
    if cond == sp.false:
        return True
    if cond == sp.true:
        return False
    parts = sp.And.make_args(cond)
    if any(isinstance(p, sp.Eq) and not p.has(sp.Piecewise, *_NONSMOOTH) and p.lhs != p.rhs for p in parts):
        return True
    free = cond.free_symbols
    if len(free) == 1:
        try:
            region = cond.as_set()
        except (NotImplementedError, TypeError, ValueError):
            return False
        return bool(region.is_empty) or isinstance(region, sp.FiniteSet)
    return bool(sp.simplify(cond) == sp.false)


def _shadowed(cond: sp.Basic, earlier: list[sp.Basic]) -> bool:
    """True when the earlier conditions of an ordered Piecewise leave `cond` at most a null set."""
    if not earlier:
        return False
    free = set(cond.free_symbols).union(*[c.free_symbols for c in earlier])
    if len(free) != 1:
        return False
    try:
        region = sp.S.Reals if cond == sp.true else sp.sympify(cond).as_set()
        left = sp.Complement(region, sp.Union(*[sp.sympify(c).as_set() for c in earlier]))
    except (NotImplementedError, TypeError, ValueError):
        return False
    return bool(left.is_empty) or isinstance(left, sp.FiniteSet)


def prove_zero(expr: sp.Expr) -> str | None:
    """The name of the first normal form that reduces `expr` to 0 (None if none does)."""
    expr = sp.sympify(expr).replace(sp.DiracDelta, lambda *args: sp.S.Zero)
    if expr == 0:
        return "identical after evaluation"
    if expr.has(sp.Piecewise, *_NONSMOOTH):
        folded = to_piecewise(expr)
        if isinstance(folded, sp.Piecewise):
            methods = []
            earlier: list[sp.Basic] = []
            for branch, cond in folded.args:
                shadowed = _shadowed(cond, earlier)
                earlier.append(cond)
                if shadowed or _negligible(cond):
                    continue
                method = prove_zero(branch)
                if method is None:
                    return None
                methods.append(method)
            return "by cases: " + ", ".join(dict.fromkeys(methods)) if methods else "by cases"
        expr = folded
    for name, strategy in _CHEAP:
        if strategy(expr) == 0:
            return name
    if sp.count_ops(expr) <= SIMPLIFY_MAX_OPS:
        for name, strategy in _COSTLY:
            if strategy(expr) == 0:
                return name
    return None


def _same_cases(lhs: sp.Expr, rhs: sp.Expr) -> str | None:
    """Two Piecewise with the same conditions: compare branch by branch."""
    if not (isinstance(lhs, sp.Piecewise) and isinstance(rhs, sp.Piecewise)):
        return None
    if [c for _, c in lhs.args] != [c for _, c in rhs.args]:
        return None
    methods = []
    for (e, _), (f, _) in zip(lhs.args, rhs.args, strict=True):
        method = prove_zero(e - f)
        if method is None:
            return None
        methods.append(method)
    return "case by case: " + ", ".join(dict.fromkeys(methods))


def nested_nonsmooth(expr: sp.Expr) -> bool:
    """True when a Max, Min, Abs, Heaviside or sign has a non-smooth argument (or sits in a Piecewise)."""
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (*_NONSMOOTH, sp.Piecewise)) and any(
            a.has(*_NONSMOOTH, sp.Piecewise) for a in node.args if isinstance(a, sp.Basic)
        ):
            return True
    return False


@functools.lru_cache(maxsize=256)
def diff_by_cases(expr: sp.Expr, var: sp.Symbol) -> sp.Expr:
    """``sympy.diff`` applied case by case on the open regions of a Piecewise (plain diff otherwise)."""
    if nested_nonsmooth(expr):
        expr = to_piecewise(expr)
    if not expr.has(sp.Piecewise):
        return sp.diff(expr, var)
    folded = sp.piecewise_fold(expr)
    if not isinstance(folded, sp.Piecewise):
        return sp.diff(folded, var)
    return sp.Piecewise(*[(sp.diff(e, var), c) for e, c in strict_interior(folded)])


Sampler = Callable[[random.Random], dict[sp.Symbol, sp.Expr]]
"""Draws one point: a value for every free symbol of the compared expressions."""


def _value(expr: sp.Expr, point: Mapping[sp.Symbol, sp.Expr]) -> sp.Expr:
    return sp.sympify(expr).xreplace(dict(point)).evalf(DIGITS)


def _agree(left: sp.Expr, right: sp.Expr) -> bool:
    if not (left.is_number and right.is_number) or left.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return False
    scale = max(sp.Float(1, DIGITS), abs(left), abs(right))
    return bool(abs(left - right) <= TOLERANCE * scale)


def check_equal(
    lhs: sp.Expr,
    rhs: sp.Expr,
    *,
    what: str,
    sampler: Sampler,
    seed: str,
    points: int = 5,
) -> Check:
    """Prove ``lhs == rhs`` symbolically and check it numerically; `what` names the step in errors.

    **Raises:** VerificationError when the difference does not reduce to 0 or when the two sides
    differ (relatively, by more than 1e-40) at one of the points.
    """
    method = _same_cases(sp.sympify(lhs), sp.sympify(rhs)) or prove_zero(sp.sympify(lhs) - sp.sympify(rhs))
    if method is None:
        raise VerificationError(
            f"{what}: {sp.sstr(lhs)} = {sp.sstr(rhs)} is not proved (no normal form gives 0)"
        )
    rng = random.Random(seed)
    for _ in range(points):
        point = sampler(rng)
        left, right = _value(lhs, point), _value(rhs, point)
        if not _agree(left, right):
            where = ", ".join(f"{s}={sp.sstr(v.evalf(8))}" for s, v in sorted(point.items(), key=str))
            raise VerificationError(
                f"{what}: sides differ at {where}: {sp.sstr(left.evalf(12))} vs {sp.sstr(right.evalf(12))}"
            )
    note = say("note-off-kinks") if method.startswith("by cases") else ()
    return Check(symbolic=method, points=points, note=note)


def box_sampler(ranges: Mapping[sp.Symbol, tuple[sp.Expr, sp.Expr]], symbols: Sequence[sp.Symbol]) -> Sampler:
    """Uniform exact rationals in the given ranges (default (-3, 3), (1/20, 3) for positive symbols)."""

    def draw(rng: random.Random) -> dict[sp.Symbol, sp.Expr]:
        point: dict[sp.Symbol, sp.Expr] = {}
        for s in symbols:
            lo, hi = ranges.get(s, ((sp.Rational(1, 20), sp.S(3)) if s.is_positive else (sp.S(-3), sp.S(3))))
            frac = sp.Rational(rng.randrange(1, 10**6), 10**6)
            point[s] = sp.Float(lo + (hi - lo) * frac, DIGITS)
        return point

    return draw
