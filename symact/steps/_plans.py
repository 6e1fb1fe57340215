"""Target forms reached by named moves: a plan per function, as data.

A plan lists the moves applied before differentiating (`pre`) and after (`post`), the named output
(`output`, such as sigma(x)) and the goal written in the output a (`goal`, such as a(1 - a)).  The
moves compute every expression; the goal is only compared with what they reach.  Functions without
a plan get the rule chain and a final simplification.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symact.catalogue import A, X
from symact.steps._doc import Text

__all__ = ["PLANS", "SIGMA", "Plan", "PlanStep"]

SIGMA = sp.Function("sigma")
"""The logistic function's name in derivations: sigma(x) = 1/(1 + e^{-x})."""

_t = sp.Dummy("t")


@dataclass(frozen=True)
class PlanStep:
    """Apply the move called `move` with argument `arg`; `label` is what the derivation shows."""

    move: str
    label: Text
    arg: sp.Expr | None = None


@dataclass(frozen=True)
class Plan:
    """Moves before and after differentiating, the named output and the goal in the output a."""

    pre: tuple[PlanStep, ...]
    post: tuple[PlanStep, ...]
    output: sp.Expr
    goal: sp.Expr


_SIGMOID = sp.Eq(SIGMA(X), 1 / (1 + sp.exp(-X)))
_TANH = sp.Eq(sp.tanh(X), sp.sinh(X) / sp.cosh(X))

PLANS: dict[str, Plan] = {
    "sigmoid": Plan(
        pre=(PlanStep("rewrite as a power", ("rewrite as a power",)),),
        post=(
            PlanStep("split the fraction", ("split the fraction",)),
            PlanStep("add and subtract", ("add and subtract 1 in the numerator",)),
            PlanStep("split the numerator", ("split the fraction",)),
            PlanStep("recognise", ("recognise ", _SIGMOID), _SIGMOID),
        ),
        output=SIGMA(X),
        goal=A * (1 - A),
    ),
    "tanh": Plan(
        pre=(
            PlanStep(
                "definition",
                ("definition ", sp.Eq(sp.tanh(_t), sp.sinh(_t) / sp.cosh(_t))),
                sp.Eq(sp.tanh(_t), sp.sinh(_t) / sp.cosh(_t)),
            ),
        ),
        post=(
            PlanStep("split the fraction", ("split the fraction",)),
            PlanStep("power of a quotient", ("a quotient of squares is the square of the quotient",)),
            PlanStep("recognise", ("recognise ", _TANH), _TANH),
        ),
        output=sp.tanh(X),
        goal=1 - A**2,
    ),
}
"""Plans by catalogue name."""
