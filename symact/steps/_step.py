"""The record of one differentiation step, and the name supply for chain-rule substitutions."""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

__all__ = ["Expansion", "NameSupply", "Step", "placeholder"]


def placeholder(expr: sp.Expr, var: sp.Symbol) -> sp.Derivative:
    """The unevaluated derivative d(expr)/d(var): a derivative still to be worked out."""
    return sp.Derivative(expr, var, evaluate=False)


@dataclass(frozen=True)
class Expansion:
    """What a rule says about one expression: its derivative as `form`, in terms of placeholders.

    `children` are the (expression, variable) pairs whose placeholders occur in `form`;
    `substitution` is the chain rule's named inner function (u, g(x)), if any; `rule` is the name
    shown in the derivation.
    """

    rule: str
    form: sp.Expr
    children: tuple[tuple[sp.Expr, sp.Symbol], ...] = ()
    substitution: tuple[sp.Symbol, sp.Expr] | None = None
    condition: str = ""


@dataclass(frozen=True)
class Step:
    """One rule application: d(before)/d(variable) = after, built from `substeps` via `form`.

    `after` is computed by the rule from the substeps' results (never by ``sympy.diff``); the chain
    rule records its named substitution ``u = g(x)`` in `substitution`.
    """

    rule: str
    before: sp.Expr
    after: sp.Expr
    variable: sp.Symbol
    form: sp.Expr
    substeps: tuple[Step, ...] = ()
    substitution: tuple[sp.Symbol, sp.Expr] | None = None
    condition: str = ""

    @property
    def placeholder(self) -> sp.Derivative:
        """The unevaluated derivative this step works out."""
        return placeholder(self.before, self.variable)

    def walk(self) -> list[Step]:
        """This step and all its substeps, depth first."""
        out = [self]
        for s in self.substeps:
            out += s.walk()
        return out

    @property
    def rules(self) -> tuple[str, ...]:
        """The names of all rules used, in order of first use."""
        return tuple(dict.fromkeys(s.rule for s in self.walk()))


@dataclass
class NameSupply:
    """Fresh names u, v, w, u_2, ... for chain-rule substitutions, avoiding symbols in use."""

    taken: set[str] = field(default_factory=set)
    _count: int = 0

    def next(self) -> sp.Symbol:
        """The next unused name, as a real symbol."""
        while True:
            base = ("u", "v", "w")[self._count % 3]
            round_ = self._count // 3
            name = base if round_ == 0 else f"{base}_{round_ + 1}"
            self._count += 1
            if name not in self.taken:
                self.taken.add(name)
                return sp.Symbol(name, real=True)
