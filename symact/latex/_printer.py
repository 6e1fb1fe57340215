"""The LaTeX printer of derivations: SymPy's LatexPrinter with the few differences symact needs.

Overrides only what differs: named functions of a derivation print as in the textbooks
(sigma(x) as $\\sigma(x)$, f(x) as $f(x)$, L(a, y) as $L(a, y)$); parameter names of several
letters joined by underscores print as one italic word (``negative_slope``), not as a subscript; a
sum holding a held part keeps that part first, as written by the move that made it
(``(1 + e^{-x} - 1)``); a product of held factors is written with a centred dot between them (a
held sum in parentheses); a rational whose large denominator has only the factors 2 and 5 prints as
its exact (terminating) decimal expansion, as the catalogue's SELU constants are written.
"""

from __future__ import annotations

from typing import Any, ClassVar

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter

__all__ = ["SymactLatexPrinter", "latex"]

_NAMES: dict[str, str] = {"sigma": r"\sigma", "Phi": r"\Phi", "phi": r"\varphi"}
"""Named functions printed with a symbol of their own; others print their name."""


class SymactLatexPrinter(LatexPrinter):
    """LatexPrinter with textbook named functions and held (UnevaluatedExpr) parts kept as written.

    Settings of its own: `partial` (False: a derivative prints with d, as for a function of one
    variable; True: with the partial sign; None: SymPy's choice); `lead` (True: a sum's simplest terms
    come first, as a textbook writes 1 + x(1 - sigma), Phi + x phi and -y/a + (1 - y)/(1 - a)).
    """

    _default_settings: ClassVar[dict[str, Any]] = {
        **LatexPrinter._default_settings,
        "partial": None,
        "lead": False,
    }

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        partial = self._settings["partial"]
        if partial is None or len(expr.variables) != 1:
            return str(super()._print_Derivative(expr))
        (var,) = expr.variables
        sign = r"\partial" if partial else "d"
        head = rf"\frac{{{sign}}}{{{sign} {self._print(var)}}}"
        inner = expr.expr
        if isinstance(inner, sp.Add | sp.Piecewise) or (
            inner.could_extract_minus_sign() and not inner.is_Symbol
        ):
            return rf"{head} \left({self._print(inner)}\right)"
        return f"{head} {self.parenthesize(inner, 50)}"

    def _print_Or(self, expr: sp.Basic) -> str:
        simple = _simple_or(expr)
        return self._print(simple) if simple is not None else str(super()._print_Or(expr))

    def _print_And(self, expr: sp.Basic) -> str:
        between = _between(expr)
        if between is None:
            return str(super()._print_And(expr))
        lo, var, hi, strict_lo, strict_hi = between
        left = "<" if strict_lo else r"\le"
        right = "<" if strict_hi else r"\le"
        return f"{self._print(lo)} {left} {self._print(var)} {right} {self._print(hi)}"

    def _print_KroneckerDelta(self, expr: sp.Expr, exp: str | None = None) -> str:
        i, j = expr.args
        tex = rf"\delta_{{{self._print(i)}{self._print(j)}}}"
        return f"{tex}^{{{exp}}}" if exp is not None else tex

    def _print_Function(self, expr: sp.Expr, exp: str | None = None) -> str:
        if isinstance(expr, AppliedUndef):
            name = _NAMES.get(expr.func.__name__, expr.func.__name__)
            args = ", ".join(self._print(a) for a in expr.args)
            head = f"{name}({args})"
            return f"{head}^{{{exp}}}" if exp is not None else head
        return str(super()._print_Function(expr, exp=exp))

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        if expr in self._settings["symbol_names"]:
            return str(self._settings["symbol_names"][expr])
        head, sep, _ = expr.name.partition("_")
        if sep and len(head) > 1 and "\\" not in expr.name and "{" not in expr.name:
            return r"\mathit{" + expr.name.replace("_", r"\_") + "}"
        return str(super()._print_Symbol(expr, style=style))

    def _print_Rational(self, expr: sp.Rational) -> str:
        decimal = _terminating_decimal(expr)
        return decimal if decimal is not None else str(super()._print_Rational(expr))

    def _print_Add(self, expr: sp.Add, order: Any = None) -> str:
        held = [t for t in expr.args if isinstance(t, sp.UnevaluatedExpr)]
        if self._settings["lead"]:

            def simplest(t: sp.Expr) -> tuple[int, bool]:
                p = t.args[0] if isinstance(t, sp.UnevaluatedExpr) else t
                return (int(sp.count_ops(p)), bool(p.could_extract_minus_sign()))

            terms = sorted(expr.as_ordered_terms(), key=simplest)
            out = self._print(terms[0])
            for term in terms[1:]:
                if term.could_extract_minus_sign():
                    out += " - " + self.parenthesize(-term, 40)
                else:
                    out += " + " + self.parenthesize(term, 40)
            return out
        if not held:
            return str(super()._print_Add(expr, order=order))
        rest = [t for t in expr.as_ordered_terms() if not isinstance(t, sp.UnevaluatedExpr)]
        out = self._print(held[0])
        for term in [*held[1:], *rest]:
            if term.could_extract_minus_sign():
                out += " - " + self.parenthesize(-term, 40)
            else:
                out += " + " + self._print(term)
        return out

    def _print_Mul(self, expr: sp.Mul) -> str:
        coeff, rest = expr.as_coeff_Mul()
        decimal = _terminating_decimal(coeff) if isinstance(coeff, sp.Rational) and rest != 1 else None
        if decimal is not None:
            return f"{decimal} {self.parenthesize(rest, 40)}"
        held = [f for f in expr.args if isinstance(f, sp.UnevaluatedExpr)]
        if len(held) < 2:
            return str(super()._print_Mul(expr))
        others = [f for f in expr.args if not isinstance(f, sp.UnevaluatedExpr)]
        inner = [f.args[0] for f in held]
        if not any(_is_fraction(f) for f in inner):
            inner = _textbook_order(inner)
        factors = [*others, *inner]
        sign = ""
        if others and others[0] == -1:
            sign, factors = "-", factors[1:]
        parts = [self.parenthesize(f, 50) if f in others else self.parenthesize(f, 40) for f in factors]
        fractions = any(_is_fraction(f) for f in factors)
        return sign + (r" \cdot " if fractions else " ").join(parts)


def _bound(rel: sp.Basic, want: sp.Symbol | None = None) -> tuple[sp.Symbol, str, sp.Expr] | None:
    """A one-sided condition as (variable, direction, bound): x > c gives (x, ">", c); -x > c gives
    (x, "<", -c).  None unless one side is a real symbol or its negative and the other is free of it."""
    if not isinstance(rel, sp.StrictGreaterThan | sp.StrictLessThan | sp.GreaterThan | sp.LessThan):
        return None
    strict = isinstance(rel, sp.StrictGreaterThan | sp.StrictLessThan)
    greater = isinstance(rel, sp.StrictGreaterThan | sp.GreaterThan)
    for side, other, sign in ((rel.lhs, rel.rhs, 1), (rel.rhs, rel.lhs, -1)):
        for var, flip in ((side, 1), (-side, -1)):
            if isinstance(var, sp.Symbol) and not other.has(var) and want in (None, var):
                up = (
                    (greater if sign == 1 else not greater)
                    if flip == 1
                    else not (greater if sign == 1 else not greater)
                )
                op = (">" if up else "<") + ("" if strict else "=")
                return var, op, other * flip
    return None


def _bounds(args: tuple[sp.Basic, ...]) -> list[tuple[sp.Symbol, str, sp.Expr]] | None:
    """Both conditions as bounds in opposite directions on one shared symbol, or None."""
    shared = sorted(set.intersection(*[a.free_symbols for a in args]), key=str)
    for var in shared:
        parts = [_bound(a, var) for a in args]
        if all(p is not None for p in parts) and {p[1][0] for p in parts} == {">", "<"}:  # type: ignore[index]
            return parts  # type: ignore[return-value]
    return None


def _simple_or(expr: sp.Basic) -> sp.Basic | None:
    """x > c or x < -c as |x| > c; x > c or x < c as x != c (None if neither)."""
    if len(expr.args) != 2:
        return None
    parts = _bounds(expr.args)
    if parts is None:
        return None
    (v1, o1, b1), (v2, o2, b2) = parts  # type: ignore[misc]
    if v1 != v2 or {o1, o2} != {">", "<"}:
        return None
    up, down = (b1, b2) if o1 == ">" else (b2, b1)
    if sp.simplify(up - down) == 0:
        return sp.Ne(v1, up)
    if sp.simplify(up + down) == 0:
        return sp.StrictGreaterThan(sp.Abs(v1), up)
    return None


def _between(expr: sp.Basic) -> tuple[sp.Expr, sp.Symbol, sp.Expr, bool, bool] | None:
    """lo < x and x < hi as (lo, x, hi, strict lo, strict hi) (None if not of that shape)."""
    if len(expr.args) != 2:
        return None
    parts = _bounds(expr.args)
    if parts is None:
        return None
    (v1, o1, b1), (v2, o2, b2) = parts  # type: ignore[misc]
    if v1 != v2 or {o1[0], o2[0]} != {">", "<"}:
        return None
    (lo, olo), (hi, ohi) = ((b1, o1), (b2, o2)) if o1[0] == ">" else ((b2, o2), (b1, o1))
    return lo, v1, hi, not olo.endswith("="), not ohi.endswith("=")


def _textbook_order(factors: list[sp.Expr]) -> list[sp.Expr]:
    """Held factors as a textbook orders them: shorter first (sigma(x) (1 - sigma(x))), but a lone
    symbol that occurs in no other factor last ((a - y) x_1)."""

    def key(f: sp.Expr) -> tuple[int, int]:
        name = f.base.label.name if isinstance(f, sp.Indexed) else getattr(f, "name", None)
        others = {getattr(s, "name", "") for g in factors if g is not f for s in g.free_symbols}
        lone = isinstance(f, sp.Symbol | sp.Indexed) and name not in others
        return (1 if lone else 0, len(str(LatexPrinter().doprint(f))))

    return sorted(factors, key=key)


def _is_fraction(expr: sp.Expr) -> bool:
    """True for an expression printed as a fraction (a product with a denominator)."""
    return any(f.is_Pow and f.exp.is_negative for f in sp.Mul.make_args(expr)) or (
        expr.is_Rational and not expr.is_Integer
    )


def _terminating_decimal(q: sp.Rational) -> str | None:
    """The exact decimal expansion of `q` when its denominator is a large product of 2s and 5s."""
    p, d = int(q.p), int(q.q)
    if d <= 1000:
        return None
    twos = fives = 0
    rest = d
    while rest % 2 == 0:
        rest, twos = rest // 2, twos + 1
    while rest % 5 == 0:
        rest, fives = rest // 5, fives + 1
    if rest != 1:
        return None
    places = max(twos, fives)
    digits = str(abs(p) * 10**places // d).rjust(places + 1, "0")
    text = f"{digits[:-places]}.{digits[-places:]}".rstrip("0").rstrip(".")
    return f"-{text}" if p < 0 else text


_PRINTER = SymactLatexPrinter()


def latex(
    expr: sp.Basic,
    *,
    symbols: dict[sp.Symbol, str] | None = None,
    partial: bool | None = None,
    lead: bool = False,
) -> str:
    """`expr` as LaTeX, printed by :class:`SymactLatexPrinter` (`symbols`: LaTeX names of symbols)."""
    if symbols is None and partial is None and not lead:
        return str(_PRINTER.doprint(expr))
    printer = SymactLatexPrinter({"symbol_names": symbols or {}, "partial": partial, "lead": lead})
    return str(printer.doprint(expr))
