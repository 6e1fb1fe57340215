"""The checking context of one derivation: named functions, substitutions, sampling ranges.

Every displayed equality goes through :meth:`Context.check`: both sides are unfolded (named
functions replaced by their definitions, placeholders differentiated, held parts released, named
inner functions substituted back) and handed to :func:`symact.steps._verify.check_equal` with a
seed derived from the derivation's name and the equality's position, so the numeric points are the
same on every run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from symact.errors import VerificationError
from symact.steps._doc import Chain, Line, Text
from symact.steps._named import DEFINITIONS
from symact.steps._verify import (
    DIGITS,
    Check,
    box_sampler,
    check_equal,
    diff_by_cases,
    nested_nonsmooth,
    prove_zero,
    to_piecewise,
)
from symact.steps.messages import plain, say

__all__ = ["ChainWriter", "Context", "interval_range"]

_BOX = sp.Interval(-3, 3)


def interval_range(domain: sp.Set) -> tuple[sp.Expr, sp.Expr] | None:
    """A finite sampling box inside `domain` (intersected with [-3, 3], ends inset); None if unusable."""
    try:
        box = sp.Intersection(domain, _BOX)
    except (TypeError, ValueError):
        return None
    if not isinstance(box, sp.Interval) or box.measure == 0:
        return None
    lo, hi = box.inf, box.sup
    inset = (hi - lo) / 1000
    return lo + inset, hi - inset


@dataclass
class Context:
    """Definitions and sampling for the checks of one derivation (`name` seeds the numeric points).

    `quantities` give the meaning of notation symbols (such as the symbol shown as dL/da) and are
    expanded first; `definitions` expand named functions; `substitutions` (chain-rule inner functions,
    intermediate quantities such as a = sigma(z)) are undone after the placeholders are evaluated;
    `fixed` pins symbols for the check (such as the number of samples m).
    """

    name: str
    definitions: dict[sp.FunctionClass, sp.Lambda] = field(default_factory=lambda: dict(DEFINITIONS))
    substitutions: list[tuple[sp.Symbol, sp.Expr]] = field(default_factory=list)
    ranges: dict[sp.Symbol, tuple[sp.Expr, sp.Expr]] = field(default_factory=dict)
    fixed: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)
    defaults: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)
    quantities: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)
    count: int = 0

    def define(self, applied: sp.Expr, body: sp.Expr) -> None:
        """Declare the named function `applied` (such as f(x)) to stand for `body`."""
        self.definitions[applied.func] = sp.Lambda(applied.args, body)

    def unfold(self, expr: sp.Expr) -> sp.Expr:
        """`expr` in plain terms: definitions expanded, placeholders evaluated, substitutions undone."""
        out = sp.sympify(expr)
        for _ in range(4):
            if not self.quantities:
                break
            out = out.xreplace(self.quantities)
        for _ in range(4):
            before = out
            for func, body in self.definitions.items():
                out = out.replace(func, body)
            if out == before:
                break
        out = out.replace(
            lambda e: isinstance(e, sp.Derivative) and (e.expr.has(sp.Piecewise) or nested_nonsmooth(e.expr)),
            lambda e: diff_by_cases(e.expr.doit(), e.variables[0]),
        )
        if self.fixed:
            out = out.xreplace(self.fixed)
        out = out.doit()
        for u, inner in reversed(self.substitutions):
            out = out.subs(u, inner)
        return out.doit() if self.fixed else out

    def check(self, lhs: sp.Expr, rhs: sp.Expr, what: str) -> Check:
        """Check ``lhs = rhs`` (symbolically and at 50 digits); raises VerificationError if it fails."""
        self.count += 1
        left, right = self.unfold(lhs), self.unfold(rhs)
        symbols = sorted(left.free_symbols | right.free_symbols, key=str)
        sampler = box_sampler(self.ranges, symbols)
        return check_equal(
            left, right, what=f"{self.name}: {what}", sampler=sampler, seed=f"{self.name}:{self.count}"
        )

    def check_case(self, full: sp.Expr, case: sp.Expr, var: sp.Symbol, at: sp.Expr, side: int) -> Check:
        """Check that `case` is the derivative `full` on one side of `at`.

        Symbolically: with the parameters at their defaults (other symbols at the middle of their
        sampling ranges), the by-cases derivative's case whose region contains the open interval
        of width 10^-6 next to `at` is proved equal to `case`.  Numerically: both agree at 50
        digits at x = at -+ 10^-k, k = 3..8.
        """
        self.count += 1
        left, right = self.unfold(full), self.unfold(case)
        numeric = {s: (lo + hi) / 2 for s, (lo, hi) in self.ranges.items() if s != var}
        numeric.update(self.defaults)
        where = f"{'left' if side < 0 else 'right'} of {sp.sstr(at)}"
        if not _case_holds_next_to(left, right, var, at, side, numeric):
            raise VerificationError(f"{self.name}: the case chosen {where} is not the derivative there")
        for k in range(3, 9):
            point = {**numeric, var: at.subs(numeric) + side * sp.Rational(1, 10**k)}
            lv = left.xreplace(point).evalf(DIGITS)
            rv = right.xreplace(point).evalf(DIGITS)
            scale = max(1, abs(lv)) if lv.is_number else 1
            if not (lv.is_number and rv.is_number) or abs(lv - rv) > sp.Float("1e-40", DIGITS) * scale:
                raise VerificationError(f"{self.name}: the case chosen {where} differs from the derivative")
        name = "left" if side < 0 else "right"
        return Check(
            symbolic=say(f"method-case-region-{name}", at),
            points=6,
            note=say(f"note-approach-{name}", at),
        )

    def chain(self, lhs: sp.Expr) -> ChainWriter:
        return ChainWriter(self, lhs)


def _case_holds_next_to(
    full: sp.Expr, case: sp.Expr, var: sp.Symbol, at: sp.Expr, side: int, numeric: dict[sp.Symbol, sp.Expr]
) -> bool:
    """True when, at `numeric`, `full` (by cases) equals `case` on an open interval next to `at`."""
    pw = to_piecewise(full.xreplace(numeric))
    target = case.xreplace(numeric)
    point = at.xreplace(numeric)
    width = sp.Rational(1, 10**6)
    interval = sp.Interval.open(point - width, point) if side < 0 else sp.Interval.open(point, point + width)
    if not isinstance(pw, sp.Piecewise):
        return prove_zero(pw - target) is not None
    seen: sp.Set = sp.S.EmptySet
    for value, cond in pw.args:
        if cond.free_symbols - {var}:
            return False
        try:
            region = sp.S.Reals if cond == sp.true else sp.sympify(cond).as_set()
        except (NotImplementedError, TypeError, ValueError):
            return False
        if interval.is_subset(sp.Complement(region, seen)):
            return prove_zero(value - target) is not None
        seen = sp.Union(seen, region)
    return False


@dataclass
class ChainWriter:
    """Builds a :class:`Chain`, checking each new line against the previous one."""

    context: Context
    lhs: sp.Expr
    lines: list[Line] = field(default_factory=list)

    @property
    def last(self) -> sp.Expr:
        return self.lines[-1].expr if self.lines else self.lhs

    def add(self, expr: sp.Expr, label: Text) -> sp.Expr:
        what = plain(label)
        check = self.context.check(self.last, expr, what)
        self.lines.append(Line(expr=expr, label=label, check=check))
        return expr

    def try_add(self, expr: sp.Expr, label: Text) -> bool:
        """Add the line if its check passes; otherwise leave the chain unchanged and return False.

        For optional lines only (a shorter form proposed elsewhere); required steps use :meth:`add`.
        """
        try:
            self.add(expr, label)
        except VerificationError:
            self.context.count -= 1
            return False
        return True

    def add_checked(self, expr: sp.Expr, label: Text, check: Check) -> sp.Expr:
        """Add a line whose check was made by the caller (a one-sided case)."""
        self.lines.append(Line(expr=expr, label=label, check=check))
        return expr

    def done(self) -> Chain:
        return Chain(lhs=self.lhs, lines=tuple(self.lines))
