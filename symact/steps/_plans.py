"""Target forms reached by named moves: a plan per function, as data.

A plan lists the moves applied before differentiating (`pre`) and after (`post`), the name the
function goes by in its derivation (`named`, such as sigma(x); f(x) otherwise), the expression the
output a stands for in the boxed result (`output`), the boxed form expected (`goal`: in a where
`output` is set, else in x and the named functions) and a further equal form stated in the box
(`also`).  The moves compute every expression; the goal is only compared with what they reach.
Functions without a plan get the rule chain and, where shorter, one simplification.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symact.catalogue import A, X, Y
from symact.steps._doc import Text
from symact.steps._named import NORMAL_CDF, NORMAL_PDF, SIGMA
from symact.steps.messages import say

__all__ = ["PLANS", "SIGMA", "Plan", "PlanStep"]

_t = sp.Dummy("t")
_alpha = sp.Symbol("alpha", real=True)
_beta = sp.Symbol("beta", real=True)
F = sp.Function("f")


@dataclass(frozen=True)
class PlanStep:
    """Apply the move called `move` with argument `arg`; `label` is what the derivation shows."""

    move: str
    label: Text
    arg: sp.Expr | None = None


@dataclass(frozen=True)
class Plan:
    """Moves before and after differentiating, the function's name, and the boxed form expected."""

    pre: tuple[PlanStep, ...] = ()
    post: tuple[PlanStep, ...] = ()
    output: sp.Expr | None = None
    goal: sp.Expr | None = None
    named: sp.Expr | None = None
    also: PlanStep | None = None


_SIGMOID = sp.Eq(SIGMA(X), 1 / (1 + sp.exp(-X)))
_TANH = sp.Eq(sp.tanh(X), sp.sinh(X) / sp.cosh(X))
_PHI = sp.Eq(NORMAL_CDF(X), (1 + sp.erf(X / sp.sqrt(2))) / 2)


def _recognise(eq: sp.Eq) -> PlanStep:
    return PlanStep("recognise", say("move-recognise", eq), eq)


PLANS: dict[str, Plan] = {
    "sigmoid": Plan(
        pre=(PlanStep("rewrite as a power", say("move-power")),),
        post=(
            PlanStep("split the fraction", say("move-split")),
            PlanStep("add and subtract", say("move-add-subtract-1")),
            PlanStep("split the numerator", say("move-split")),
            _recognise(_SIGMOID),
        ),
        named=SIGMA(X),
        output=SIGMA(X),
        goal=A * (1 - A),
    ),
    "tanh": Plan(
        pre=(
            PlanStep(
                "definition",
                say("move-definition", sp.Eq(sp.tanh(_t), sp.sinh(_t) / sp.cosh(_t))),
                sp.Eq(sp.tanh(_t), sp.sinh(_t) / sp.cosh(_t)),
            ),
        ),
        post=(
            PlanStep("split the fraction", say("move-split")),
            PlanStep("power of a quotient", say("move-quotient-squares")),
            _recognise(_TANH),
        ),
        named=sp.tanh(X),
        output=sp.tanh(X),
        goal=1 - A**2,
    ),
    "softplus": Plan(
        post=(
            PlanStep(
                "divide through",
                say("move-divide-by", sp.exp(_beta * X)),
                sp.exp(_beta * X),
            ),
            _recognise(sp.Eq(SIGMA(_beta * X), 1 / (1 + sp.exp(-_beta * X)))),
        ),
        goal=SIGMA(_beta * X),
    ),
    "log_sigmoid": Plan(
        post=(
            PlanStep("add and subtract", say("move-add-subtract-1")),
            PlanStep("split the numerator", say("move-split")),
            _recognise(_SIGMOID),
        ),
        goal=1 - SIGMA(X),
        also=PlanStep(
            "identity",
            say("move-symmetry-sigmoid", sp.Eq(SIGMA(-X), 1 - SIGMA(X))),
            sp.Eq(1 - SIGMA(X), SIGMA(-X)),
        ),
    ),
    "silu": Plan(
        pre=(_recognise(_SIGMOID),),
        post=(PlanStep("factor out", say("move-factor-out", SIGMA(X)), SIGMA(X)),),
        goal=SIGMA(X) * (1 + X * (1 - SIGMA(X))),
    ),
    "gelu": Plan(
        pre=(_recognise(_PHI),),
        goal=NORMAL_CDF(X) + X * NORMAL_PDF(X),
    ),
    "elu": Plan(
        post=(
            PlanStep(
                "identity",
                say("move-in-output-for", sp.Eq(_alpha * sp.exp(X), F(X) + _alpha), X < 0),
                sp.Eq(_alpha * sp.exp(X), F(X) + _alpha),
            ),
        ),
        goal=sp.Piecewise((1, X > 0), (F(X) + _alpha, X < 0)),
    ),
    "softsign": Plan(
        post=(
            PlanStep(
                "identity",
                say("move-identity", sp.Eq(X * sp.sign(X), sp.Abs(X))),
                sp.Eq(X * sp.sign(X), sp.Abs(X)),
            ),
        ),
        goal=1 / (1 + sp.Abs(X)) ** 2,
    ),
    "binary_cross_entropy": Plan(
        post=(PlanStep("sign into the numerator", say("move-sign-numerator")),),
        goal=-Y / A + (1 - Y) / (1 - A),
    ),
}
"""Plans by catalogue name."""
