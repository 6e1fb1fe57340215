"""Differentiation rules: small objects in a table from SymPy class (or predicate) to rule.

A rule turns one expression into an :class:`Expansion`: the derivative written with placeholders
for the derivatives still to be worked out.  :data:`STEP_RULES` maps a SymPy class to its rule (looked up
through the class's MRO); :data:`PREDICATE_RULES` are tried first (constants, the variable itself).
Adding a rule means adding an entry here; the engine never changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import sympy as sp

from symact.steps._interior import strict_interior
from symact.steps._named import NORMAL_CDF, NORMAL_PDF, SIGMA
from symact.steps._step import Expansion, NameSupply, placeholder
from symact.steps._verify import nested_nonsmooth, to_piecewise

__all__ = ["PREDICATE_RULES", "STEP_RULES", "StepRule", "strict_interior"]

d = placeholder


class StepRule(Protocol):
    """A differentiation rule: `expand` gives the derivative of `expr` with respect to `var`."""

    @property
    def name(self) -> str: ...

    def expand(self, expr: sp.Expr, var: sp.Symbol, names: NameSupply) -> Expansion: ...


@dataclass(frozen=True)
class ConstantRule:
    """d/dx c = 0 for an expression free of x."""

    name: str = "constant rule"

    def expand(self, expr: sp.Expr, var: sp.Symbol, names: NameSupply) -> Expansion:
        return Expansion(self.name, sp.S.Zero)


@dataclass(frozen=True)
class VariableRule:
    """d/dx x = 1."""

    name: str = "d x / d x = 1"

    def expand(self, expr: sp.Expr, var: sp.Symbol, names: NameSupply) -> Expansion:
        return Expansion(f"d{var}/d{var} = 1", sp.S.One)


@dataclass(frozen=True)
class SumRule:
    """The derivative of a sum is the sum of the derivatives (constant terms included, then 0)."""

    name: str = "sum rule"

    def expand(self, expr: sp.Expr, var: sp.Symbol, names: NameSupply) -> Expansion:
        terms = list(sp.Add.make_args(expr))
        return Expansion(self.name, sp.Add(*[d(t, var) for t in terms]), tuple((t, var) for t in terms))


def _is_denominator(factor: sp.Expr, var: sp.Symbol) -> bool:
    return bool(factor.is_Pow and factor.exp.is_negative and factor.base.has(var) and not factor.exp.has(var))


@dataclass(frozen=True)
class MulRule:
    """Constant multiple, quotient or product rule, whichever the factors call for."""

    name: str = "product rule"

    def expand(self, expr: sp.Expr, var: sp.Symbol, names: NameSupply) -> Expansion:
        coeff, rest = expr.as_independent(var, as_Add=False)
        if coeff != 1:
            return Expansion("constant multiple rule", coeff * d(rest, var), ((rest, var),))
        factors = sp.Mul.make_args(expr)
        den = [f for f in factors if _is_denominator(f, var)]
        num = [f for f in factors if not _is_denominator(f, var)]
        if den and num:
            n, q = sp.Mul(*num), sp.Mul(*[f.base ** (-f.exp) for f in den])
            form = (d(n, var) * q - n * d(q, var)) / q**2
            return Expansion("quotient rule", form, ((n, var), (q, var)))
        first, second = factors[0], sp.Mul(*factors[1:])
        form = d(first, var) * second + first * d(second, var)
        return Expansion(self.name, form, ((first, var), (second, var)))


@dataclass(frozen=True)
class PowRule:
    """Power rule (any constant exponent), chain rule with a named inner function, a^g, f^g."""

    name: str = "power rule"

    def expand(self, expr: sp.Expr, var: sp.Symbol, names: NameSupply) -> Expansion:
        base, exp = expr.as_base_exp()
        if not exp.has(var):
            if base == var:
                return Expansion(self.name, exp * var ** (exp - 1))
            u = names.next()
            form = d(u**exp, u) * d(base, var)
            return Expansion("chain rule", form, ((u**exp, u), (base, var)), substitution=(u, base))
        if not base.has(var):
            rule = "exponential rule" if exp == var else "exponential rule with the chain rule"
            return Expansion(rule, expr * sp.log(base) * d(exp, var), ((exp, var),))
        rewritten = sp.exp(exp * sp.log(base), evaluate=False)
        return Expansion("rewrite f^g = e^{g log f}", d(rewritten, var), ((rewritten, var),))


@dataclass(frozen=True)
class UnaryRule:
    """d/dx F(g) = F'(g) g' for a function F of one argument, with F' given by `derivative`."""

    name: str
    derivative: Callable[[sp.Expr], sp.Expr]
    condition: str = ""

    def expand(self, expr: sp.Expr, var: sp.Symbol, names: NameSupply) -> Expansion:
        arg = expr.args[0]
        outer = self.derivative(arg)
        if arg == var:
            return Expansion(self.name, outer, condition=self.condition)
        return Expansion(
            f"{self.name} with the chain rule", outer * d(arg, var), ((arg, var),), condition=self.condition
        )


@dataclass(frozen=True)
class FunctionRule:
    """Any other SymPy function of one argument: its derivative from SymPy's own ``fdiff``."""

    name: str = "derivative of a named function"

    def expand(self, expr: sp.Expr, var: sp.Symbol, names: NameSupply) -> Expansion:
        if len(expr.args) != 1:
            raise NotImplementedError(
                f"no differentiation rule for {type(expr).__name__} of several arguments"
            )
        rule = UnaryRule(f"derivative of {type(expr).__name__}", lambda g: expr.func(g).fdiff(1))
        return rule.expand(expr, var, names)


def _tidy(cond: sp.Basic) -> sp.Basic:
    """A condition in one variable rewritten from its solution set (``x > x/10`` becomes ``x > 0``)."""
    if len(cond.free_symbols) != 1:
        return cond
    (s,) = cond.free_symbols
    try:
        return sp.sympify(cond).as_set().as_relational(s)
    except (NotImplementedError, TypeError, ValueError):
        return cond


@dataclass(frozen=True)
class PiecewiseRule:
    """Each case differentiated on the open region where it applies (the kinks are left out)."""

    name: str = "by cases"

    def expand(self, expr: sp.Expr, var: sp.Symbol, names: NameSupply) -> Expansion:
        branches = strict_interior(expr)
        form = sp.Piecewise(*[(d(v, var), c) for v, c in branches])
        return Expansion(
            "differentiate each case", form, tuple((v, var) for v, _ in branches), condition="off the kinks"
        )


@dataclass(frozen=True)
class ExtremumRule:
    """max(g, h) (or min): the derivative of whichever argument is larger (smaller), by cases."""

    name: str
    larger: bool

    def expand(self, expr: sp.Expr, var: sp.Symbol, names: NameSupply) -> Expansion:
        g, *rest = expr.args
        h = expr.func(*rest) if len(rest) > 1 else rest[0]
        first, second = (sp.Gt(g, h), sp.Lt(g, h)) if self.larger else (sp.Lt(g, h), sp.Gt(g, h))
        first, second = _tidy(first), _tidy(second)
        form = sp.Piecewise((d(g, var), first), (d(h, var), second))
        return Expansion(self.name, form, ((g, var), (h, var)), condition="where the arguments differ")


@dataclass(frozen=True)
class CasesRule:
    """Nested non-smooth functions (max of a max, |max(x, 0) - 1|) are first written as cases."""

    name: str = "write as cases"

    def expand(self, expr: sp.Expr, var: sp.Symbol, names: NameSupply) -> Expansion:
        cases = to_piecewise(expr)
        return Expansion(self.name, d(cases, var), ((cases, var),))


def _nested(expr: sp.Expr, var: sp.Symbol) -> bool:
    return nested_nonsmooth(expr) and to_piecewise(expr) != expr


def _sech2(g: sp.Expr) -> sp.Expr:
    return 1 - sp.tanh(g) ** 2


PREDICATE_RULES: tuple[tuple[Callable[[sp.Expr, sp.Symbol], bool], StepRule], ...] = (
    (lambda e, v: not e.has(v), ConstantRule()),
    (lambda e, v: e == v, VariableRule()),
    (_nested, CasesRule()),
)
"""Rules chosen by a property of the expression, tried before the class table."""

STEP_RULES: dict[type, StepRule] = {
    sp.Add: SumRule(),
    sp.Mul: MulRule(),
    sp.Pow: PowRule(),
    sp.exp: UnaryRule("exponential rule", sp.exp),
    sp.log: UnaryRule("logarithm rule", lambda g: 1 / g),
    sp.tanh: UnaryRule("tanh rule", _sech2),
    sp.sinh: UnaryRule("sinh rule", sp.cosh),
    sp.cosh: UnaryRule("cosh rule", sp.sinh),
    sp.sin: UnaryRule("sine rule", sp.cos),
    sp.cos: UnaryRule("cosine rule", lambda g: -sp.sin(g)),
    sp.atan: UnaryRule("arctangent rule", lambda g: 1 / (1 + g**2)),
    sp.erf: UnaryRule("erf rule", lambda g: 2 * sp.exp(-(g**2)) / sp.sqrt(sp.pi)),
    sp.erfc: UnaryRule("erfc rule", lambda g: -2 * sp.exp(-(g**2)) / sp.sqrt(sp.pi)),
    sp.Abs: UnaryRule("absolute value rule", sp.sign, condition="where the argument is not 0"),
    sp.sign: UnaryRule("sign rule", lambda g: sp.S.Zero, condition="where the argument is not 0"),
    sp.Heaviside: UnaryRule("step rule", lambda g: sp.S.Zero, condition="where the argument is not 0"),
    sp.Max: ExtremumRule("max rule, by cases", larger=True),
    sp.Min: ExtremumRule("min rule, by cases", larger=False),
    sp.Piecewise: PiecewiseRule(),
    SIGMA: UnaryRule("sigmoid rule", lambda g: SIGMA(g) * (1 - SIGMA(g))),
    NORMAL_CDF: UnaryRule("normal CDF rule", NORMAL_PDF),
    sp.Function: FunctionRule(),
}
"""The class table: a SymPy class (matched through the MRO) to its rule."""
