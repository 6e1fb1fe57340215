r"""Stable functions: SymPy functions that stand for a textbook expression and print stably.

Each class is an ordinary SymPy ``Function`` of one argument $u$ that

- knows its textbook definition (:meth:`StableFunction.textbook`), which the rewrite rules and the
  proofs use to show that a rewritten expression equals the derivation's;
- knows its derivative (``fdiff``) in terms of stable functions, so the chain rule stays stable;
- is *lowered* by the kernel printers into floating-point steps that never overflow, never lose the
  tail to cancellation and never underflow early (:mod:`symact.codegen.lower`).

``expm1`` and ``log1p`` are SymPy's own (``sympy.codegen.cfunctions``).
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp
from sympy.codegen.cfunctions import expm1, hypot, log1p

__all__ = [
    "STABLE_FUNCTIONS",
    "HypotSum",
    "Log1mExp",
    "MishGate",
    "NormCdf",
    "NormPdf",
    "Sech2",
    "Sigmoid",
    "SigmoidPrime",
    "Softplus",
    "SquareShare",
    "StableFunction",
    "TanhSoftplus",
    "XLogY",
    "expm1",
    "hypot",
    "log1p",
    "to_reference",
    "to_textbook",
]

_u = sp.Symbol("u", real=True)


class StableFunction(sp.Function):
    """A function of one real argument with a textbook definition and a stable evaluation."""

    nargs = 1
    is_real = True

    @classmethod
    def definition(cls, u: sp.Expr) -> sp.Expr:
        """The textbook expression this function stands for, in `u`."""
        raise NotImplementedError

    @classmethod
    def reference_form(cls, u: sp.Expr) -> sp.Expr:
        """An equal expression that mpmath evaluates without absorbing a tiny term into 1."""
        return cls.definition(u)

    def textbook(self) -> sp.Expr:
        return self.definition(self.args[0])

    def _eval_evalf(self, prec: int) -> sp.Expr:
        return self.textbook()._eval_evalf(prec)  # type: ignore[no-any-return]

    def _eval_is_real(self) -> bool | None:
        return self.args[0].is_real  # type: ignore[no-any-return]


class Sigmoid(StableFunction):
    r"""$\sigma(u) = 1/(1 + e^{-u})$."""

    @classmethod
    def definition(cls, u: sp.Expr) -> sp.Expr:
        return 1 / (1 + sp.exp(-u))

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return SigmoidPrime(self.args[0])


class SigmoidPrime(StableFunction):
    r"""$\sigma'(u) = \sigma(u)\sigma(-u) = e^{-u}/(1 + e^{-u})^2$."""

    @classmethod
    def definition(cls, u: sp.Expr) -> sp.Expr:
        return sp.exp(-u) / (1 + sp.exp(-u)) ** 2

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        u = self.args[0]
        return SigmoidPrime(u) * (Sigmoid(-u) - Sigmoid(u))


class Softplus(StableFunction):
    r"""$\operatorname{softplus}(u) = \log(1 + e^{u})$."""

    @classmethod
    def definition(cls, u: sp.Expr) -> sp.Expr:
        return sp.log(1 + sp.exp(u))

    @classmethod
    def reference_form(cls, u: sp.Expr) -> sp.Expr:
        return log1p(sp.exp(u))

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return Sigmoid(self.args[0])


class Sech2(StableFunction):
    r"""$\operatorname{sech}^2 u = 1 - \tanh^2 u$."""

    @classmethod
    def definition(cls, u: sp.Expr) -> sp.Expr:
        return 1 - sp.tanh(u) ** 2

    @classmethod
    def reference_form(cls, u: sp.Expr) -> sp.Expr:
        return 1 / sp.cosh(u) ** 2

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        u = self.args[0]
        return -2 * sp.tanh(u) * Sech2(u)


class TanhSoftplus(StableFunction):
    r"""$\tanh(\operatorname{softplus} u)$, the gate of mish."""

    @classmethod
    def definition(cls, u: sp.Expr) -> sp.Expr:
        return sp.tanh(sp.log(1 + sp.exp(u)))

    @classmethod
    def reference_form(cls, u: sp.Expr) -> sp.Expr:
        return sp.tanh(log1p(sp.exp(u)))

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return MishGate(self.args[0])


class MishGate(StableFunction):
    r"""$\sigma(u)\,(1 - \tanh^2(\operatorname{softplus} u))$, the derivative of :class:`TanhSoftplus`."""

    @classmethod
    def definition(cls, u: sp.Expr) -> sp.Expr:
        return (1 - sp.tanh(sp.log(1 + sp.exp(u))) ** 2) / (1 + sp.exp(-u))

    @classmethod
    def reference_form(cls, u: sp.Expr) -> sp.Expr:
        return 1 / (sp.cosh(log1p(sp.exp(u))) ** 2 * (1 + sp.exp(-u)))


class NormCdf(StableFunction):
    r"""$\Phi(u) = \tfrac12 \operatorname{erfc}(-u/\sqrt2)$, the standard normal distribution function."""

    @classmethod
    def definition(cls, u: sp.Expr) -> sp.Expr:
        return sp.erfc(-u / sp.sqrt(2), evaluate=False) / 2

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return NormPdf(self.args[0])


class NormPdf(StableFunction):
    r"""$\varphi(u) = e^{-u^2/2}/\sqrt{2\pi}$, the standard normal density."""

    @classmethod
    def definition(cls, u: sp.Expr) -> sp.Expr:
        return sp.exp(-(u**2) / 2) / sp.sqrt(2 * sp.pi)

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        u = self.args[0]
        return -u * NormPdf(u)


class Log1mExp(StableFunction):
    r"""$\log(1 - e^{u})$ for $u < 0$.

    Evaluated as $\log(-\operatorname{expm1} u)$ near 0 and $\operatorname{log1p}(-e^u)$ beyond $-\log 2$.
    """

    @classmethod
    def definition(cls, u: sp.Expr) -> sp.Expr:
        return sp.log(1 - sp.exp(u))

    @classmethod
    def reference_form(cls, u: sp.Expr) -> sp.Expr:
        return log1p(-sp.exp(u))

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        u = self.args[0]
        return -1 / (-expm1(-u))


class XLogY(sp.Function):
    r"""$x \log y$ with the value 0 where $x = 0$ (``scipy.special.xlogy``)."""

    nargs = 2

    @classmethod
    def definition(cls, u: sp.Expr, v: sp.Expr) -> sp.Expr:
        return sp.Piecewise((0, sp.Eq(u, 0)), (u * sp.log(v), True))

    @classmethod
    def reference_form(cls, u: sp.Expr, v: sp.Expr) -> sp.Expr:
        return cls.definition(u, v)


class XLogRatio(sp.Function):
    r"""$y(\log y - c)$ with the value 0 where $y = 0$: the relative-entropy term.  Near $c = \log y$ it
    cancels; the runtime takes $\log y$ in double-double there (``_rt.xlog_minus``)."""

    nargs = 2

    @classmethod
    def definition(cls, u: sp.Expr, c: sp.Expr) -> sp.Expr:
        return sp.Piecewise((0, sp.Eq(u, 0)), (u * (sp.log(u) - c), True))

    @classmethod
    def reference_form(cls, u: sp.Expr, c: sp.Expr) -> sp.Expr:
        return cls.definition(u, c)


class HypotSum(sp.Function):
    r"""$u + \operatorname{hypot}(u, s)$, evaluated as $s^2/(\operatorname{hypot}(u, s) - u)$ for $u < 0$."""

    nargs = 2

    @classmethod
    def definition(cls, u: sp.Expr, s: sp.Expr) -> sp.Expr:
        return u + sp.sqrt(u**2 + s**2)

    @classmethod
    def reference_form(cls, u: sp.Expr, s: sp.Expr) -> sp.Expr:
        return u + sp.sqrt(u**2 + s**2)

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        u, s = self.args
        if argindex == 1:
            return HypotSum(u, s) / hypot(u, s)
        return s / hypot(u, s)


class SquareShare(sp.Function):
    r"""$u^2/(u^2 + c)$ for $c > 0$, evaluated as $1/(1 + (c/u)/u)$ for $|u| \ge 1$ (no $u^2$ overflow)."""

    nargs = 2

    @classmethod
    def definition(cls, u: sp.Expr, c: sp.Expr) -> sp.Expr:
        return u**2 / (u**2 + c)

    @classmethod
    def reference_form(cls, u: sp.Expr, c: sp.Expr) -> sp.Expr:
        return cls.definition(u, c)


STABLE_FUNCTIONS: tuple[type[StableFunction], ...] = (
    Sigmoid,
    SigmoidPrime,
    Softplus,
    Sech2,
    TanhSoftplus,
    MishGate,
    NormCdf,
    NormPdf,
    Log1mExp,
)


_PLAIN: dict[type, Callable[..., sp.Expr]] = {
    hypot: lambda u, v: sp.sqrt(u**2 + v**2),
    HypotSum: HypotSum.definition,
    XLogY: XLogY.definition,
    XLogRatio: XLogRatio.definition,
    SquareShare: SquareShare.definition,
}
"""Functions written the same way for references and in textbook form."""


def to_reference(expr: sp.Expr) -> sp.Expr:
    """`expr` with every stable function replaced by its :meth:`~StableFunction.reference_form`."""
    table: dict[type, Callable[..., sp.Expr]] = {cls: cls.reference_form for cls in STABLE_FUNCTIONS}
    return _replace(expr, {**table, **_PLAIN})


def to_textbook(expr: sp.Expr) -> sp.Expr:
    """`expr` with every stable function (and expm1, log1p) replaced by its textbook expression."""
    table: dict[type, Callable[..., sp.Expr]] = {cls: cls.definition for cls in STABLE_FUNCTIONS}
    table[expm1] = lambda u: sp.exp(u) - 1
    table[log1p] = lambda u: sp.log(1 + u)
    return _replace(expr, {**table, **_PLAIN})


def _replace(expr: sp.Expr, table: dict[type, Callable[..., sp.Expr]]) -> sp.Expr:
    def visit(e: sp.Basic) -> sp.Basic:
        if not e.args:
            return e
        args = [visit(a) for a in e.args]
        builder = table.get(type(e))
        if builder is not None:
            return builder(*args)
        return e.func(*args)

    return visit(expr)  # type: ignore[return-value]
