r"""Stable rewrites: small rule objects, one engine (:func:`rewrite`), and their proofs.

A :class:`RewriteRule` says that `before` (a pattern with ``Wild`` symbols) equals `after`.  The engine
walks an expression bottom-up and, at every node, tries the rules of :data:`REWRITE_RULES` in order; a
pattern that is a product (or sum) also matches any sub-product (sub-sum) of a node with more
factors (terms), the other factors being kept.  It repeats until nothing changes.  Every rule is
proved once by :func:`prove_rule` (symbolically: the difference of both sides, written in textbook
functions, simplifies to 0), at generation time and in the tests.

Piecewise conditions are tidied separately (:mod:`symact.codegen.conditions`).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from symact.codegen.functions import (
    HypotSum,
    Log1mExp,
    MishGate,
    NormCdf,
    NormPdf,
    Sech2,
    Sigmoid,
    SigmoidPrime,
    Softplus,
    SquareShare,
    TanhSoftplus,
    XLogRatio,
    XLogY,
    expm1,
    hypot,
    log1p,
    to_textbook,
)
from symact.errors import VerificationError

__all__ = ["REWRITE_RULES", "RewriteRule", "prove_rule", "rewrite"]

_w = sp.Wild("w", real=True)
_c = sp.Wild("c", exclude=[0])
_v = sp.Wild("v", real=True)
_MAX_SUBSET = 4


@dataclass(frozen=True)
class RewriteRule:
    """`before` == `after` for all real values of the wild symbols; `name` for reports."""

    name: str
    before: sp.Expr
    after: sp.Expr
    note: str = ""
    condition: Callable[[dict[sp.Wild, sp.Expr]], bool] = field(default=lambda m: True, compare=False)

    def _match(self, node: sp.Expr) -> sp.Expr | None:
        m = node.match(self.before)
        if m is None or not all(w in m for w in self.before.atoms(sp.Wild)):
            return None
        if any(_new_root(v, node) for v in m.values()) or not self.condition(m):
            return None
        return self.after.xreplace(m)

    @functools.cached_property
    def heads(self) -> tuple[type, ...]:
        """The function classes `before` holds; a node without all of them cannot match."""
        return tuple({type(f) for f in self.before.atoms(sp.Function)})

    def apply(self, node: sp.Expr) -> sp.Expr | None:
        """The rewritten node, or None if the rule does not match it."""
        if any(not node.has(h) for h in self.heads):
            return None
        direct = self._match(node)
        if direct is not None:
            return direct
        kind = type(self.before)
        if kind not in (sp.Mul, sp.Add) or not isinstance(node, kind):
            return None
        k = len(self.before.args)
        if len(node.args) <= k or len(node.args) > k + _MAX_SUBSET:
            return None
        for combo in itertools.combinations(range(len(node.args)), k):
            part = kind(*[node.args[i] for i in combo])
            got = self._match(part)
            if got is not None:
                rest = [a for i, a in enumerate(node.args) if i not in combo]
                return kind(got, *rest)  # type: ignore[no-any-return]
        return None


def _roots(e: sp.Expr) -> set[sp.Expr]:
    return {p for p in e.atoms(sp.Pow) if not p.exp.is_integer and not p.base.is_number}


def _new_root(value: sp.Expr, node: sp.Expr) -> bool:
    """A match that needs a root the node does not hold (exp(-x) read as exp(-(√(2x))²/2)) is refused."""
    return bool(_roots(value) - _roots(node))


def _no_minus_one(m: dict[sp.Wild, sp.Expr]) -> bool:
    """log(1 + w) with w = -1 + t is log(t) in disguise: refused."""
    return sp.S.NegativeOne not in sp.Add.make_args(m[_w]) and not isinstance(m[_w], sp.exp)


_sqrt2 = sp.sqrt(2)
_s = sp.Wild("s", real=True)
_k = sp.Wild("k", exclude=[0])


def _share_ok(m: dict[sp.Wild, sp.Expr]) -> bool:
    """k u²/(k u² + c) as a share: u a symbol, k a positive number, c free of u (both forms share the
    pole u² = -c/k)."""
    return bool(m[_w].is_Symbol and m[_k].is_positive and m[_k].is_number and not m[_c].has(m[_w]))


def _hypot_ok(m: dict[sp.Wild, sp.Expr]) -> bool:
    """sqrt(w^2 + c) as hypot(w, sqrt c): c free of w and not known to be negative."""
    return not m[_c].has(m[_w]) and m[_c].is_negative is not True


REWRITE_RULES: tuple[RewriteRule, ...] = (
    RewriteRule(
        "sigmoid-prime", sp.exp(-_w) * (1 + sp.exp(-_w)) ** -2, SigmoidPrime(_w), "σ' = e^{-u}/(1+e^{-u})²"
    ),
    RewriteRule(
        "sigmoid-prime-exp", sp.exp(_w) * (1 + sp.exp(_w)) ** -2, SigmoidPrime(_w), "e^u/(1+e^u)² = σ'(u)"
    ),
    RewriteRule("sigmoid", (1 + sp.exp(-_w)) ** -1, Sigmoid(_w), "1/(1+e^{-u}) = σ(u)"),
    RewriteRule("sigmoid-exp", sp.exp(_w) * (1 + sp.exp(_w)) ** -1, Sigmoid(_w), "e^u/(1+e^u) = σ(u)"),
    RewriteRule("sigmoid-neg", (1 + sp.exp(_w)) ** -1, Sigmoid(-_w), "1/(1+e^u) = σ(-u)"),
    RewriteRule("softplus", sp.log(1 + sp.exp(_w)), Softplus(_w), "log(1+e^u) = softplus(u)"),
    RewriteRule("log-sigmoid", sp.log(Sigmoid(_w)), -Softplus(-_w), "log σ(u) = -softplus(-u)"),
    RewriteRule("sigmoid-product", Sigmoid(_w) * Sigmoid(-_w), SigmoidPrime(_w), "σ(u)σ(-u) = σ'(u)"),
    RewriteRule("sech2", 1 - sp.tanh(_w) ** 2, Sech2(_w), "1 - tanh²u = sech²u"),
    RewriteRule(
        "tanh-sigmoid", 1 + sp.tanh(_w), 2 * Sigmoid(2 * _w), "1 + tanh u = 2σ(2u) (no cancellation)"
    ),
    RewriteRule("tanh-sigmoid-half", sp.S.Half + sp.tanh(_w) / 2, Sigmoid(2 * _w), "(1 + tanh u)/2 = σ(2u)"),
    RewriteRule(
        "tanh-softplus", sp.tanh(Softplus(_w)), TanhSoftplus(_w), "tanh(softplus u) as a rational in e^{-|u|}"
    ),
    RewriteRule("mish-gate", Sigmoid(_w) * Sech2(Softplus(_w)), MishGate(_w), "σ(u) sech²(softplus u)"),
    RewriteRule("expm1", sp.exp(_w) - 1, expm1(_w), "e^u - 1 = expm1(u)"),
    RewriteRule("expm1-scaled", _c * sp.exp(_w) - _c, _c * expm1(_w), "c e^u - c = c expm1(u)"),
    RewriteRule(
        "log1mexp", sp.log(1 - sp.exp(_w)), Log1mExp(_w), "log(1 - e^u), two stable forms split at -log 2"
    ),
    RewriteRule(
        "xlogx",
        sp.Piecewise((0, sp.Eq(_w, 0)), (_w * sp.log(_w), True)),
        XLogY(_w, _w),
        "0 log 0 = 0: xlogy(u, u)",
    ),
    RewriteRule(
        "xlog-ratio",
        XLogY(_w, _w) - _v * _w,
        XLogRatio(_w, _v),
        "xlogy(u, u) - c u = u (log u - c), log u in double-double where they cancel",
    ),
    RewriteRule("log1p", sp.log(1 + _w), log1p(_w), "log(1 + u) = log1p(u)", condition=_no_minus_one),
    RewriteRule("norm-cdf", 1 + sp.erf(_w), 2 * NormCdf(_sqrt2 * _w), "1 + erf(u) = erfc(-u) = 2Φ(√2 u)"),
    RewriteRule("norm-cdf-half", sp.S.Half + sp.erf(_w) / 2, NormCdf(_sqrt2 * _w), "(1 + erf u)/2 = Φ(√2 u)"),
    RewriteRule("norm-cdf-erfc", sp.erfc(_w), 2 * NormCdf(-_sqrt2 * _w), "erfc(u) = 2Φ(-√2 u)"),
    RewriteRule("norm-pdf", sp.exp(-(_w**2) / 2), sp.sqrt(2 * sp.pi) * NormPdf(_w), "e^{-u²/2} = √(2π) φ(u)"),
    RewriteRule(
        "hypot", sp.sqrt(_w**2 + _c), hypot(_w, sp.sqrt(_c)), "√(u² + c) = hypot(u, √c)", condition=_hypot_ok
    ),
    RewriteRule(
        "hypot-inverse",
        1 / sp.sqrt(_w**2 + _c),
        1 / hypot(_w, sp.sqrt(_c)),
        "1/√(u² + c) = 1/hypot(u, √c)",
        condition=_hypot_ok,
    ),
    RewriteRule(
        "square-share",
        _k * _w**2 / (_k * _w**2 + _c),
        SquareShare(_w, _c / _k),
        "k u²/(k u² + c) = u²/(u² + c/k) = 1/(1 + (c/k)/u/u) (no u² overflow)",
        condition=_share_ok,
    ),
    RewriteRule(
        "rationalise",
        _k * _w + _k * hypot(_w, _s),
        _k * HypotSum(_w, _s),
        "u + hypot(u, s), written s²/(hypot(u, s) - u) for u < 0 (no cancellation)",
    ),
    RewriteRule(
        "rationalise-ratio",
        _k + _k * _w / hypot(_w, _s),
        _k * HypotSum(_w, _s) / hypot(_w, _s),
        "k + k u/hypot(u, s) = k (u + hypot(u, s))/hypot(u, s)",
    ),
)
"""The rewrite table, tried in this order at every node."""


def _try_rules(node: sp.Basic, rules: tuple[RewriteRule, ...], used: list[str]) -> sp.Basic | None:
    if not isinstance(node, sp.Expr):
        return None
    hit = _first_rule(node, rules)
    if hit is None:
        return None
    used.append(hit[1])
    return hit[0]


@functools.lru_cache(maxsize=8192)
def _first_rule(node: sp.Expr, rules: tuple[RewriteRule, ...]) -> tuple[sp.Basic, str] | None:
    """The first of `rules` that rewrites `node`, and what it gives; remembered, because every pass
    of :func:`rewrite` (and every candidate of every kernel) meets the same nodes again, and SymPy's
    matching of products is the most expensive step of the generator."""
    for rule in rules:
        got = rule.apply(node)
        if got is not None and got != node:
            return got, rule.name
    return None


def _rewrite_once(expr: sp.Basic, rules: tuple[RewriteRule, ...], used: list[str]) -> sp.Basic:
    """One top-down pass: the largest pattern at a node wins over patterns inside its arguments."""
    if not expr.args or isinstance(expr, sp.Wild):
        return expr
    got = _try_rules(expr, rules, used)
    if got is not None:
        return got
    args = [_rewrite_once(a, rules, used) for a in expr.args]
    if all(a is b for a, b in zip(args, expr.args, strict=True)):
        return expr
    node = expr.func(*args)
    got = _try_rules(node, rules, used)
    return node if got is None else got


def rewrite(
    expr: sp.Expr, *, rules: tuple[RewriteRule, ...] = REWRITE_RULES, max_rounds: int = 12
) -> tuple[sp.Expr, list[str]]:
    """Apply `rules` bottom-up until nothing changes; returns the result and the rules used (in order)."""
    used: list[str] = []
    for _ in range(max_rounds):
        new = _rewrite_once(expr, rules, used)
        if new == expr:
            return expr, used
        expr = new  # type: ignore[assignment]
    return expr, used


def _instance(rule: RewriteRule) -> tuple[sp.Expr, sp.Expr, list[sp.Symbol]]:
    wilds = sorted(rule.before.atoms(sp.Wild), key=lambda w: w.name)
    syms = [sp.Symbol(f"{w.name}0", real=True) for w in wilds]
    sub = dict(zip(wilds, syms, strict=True))
    return rule.before.xreplace(sub), rule.after.xreplace(sub), syms


_STRATEGIES: tuple[Callable[[sp.Expr], sp.Expr], ...] = (
    lambda d: d,
    sp.simplify,
    lambda d: sp.simplify(sp.expand_log(d.rewrite(sp.exp), force=True)),
    lambda d: sp.simplify(d.rewrite(sp.erf)),
)


def prove_rule(rule: RewriteRule) -> str:
    """Prove `rule` symbolically; return the method, or raise VerificationError."""
    before, after, _ = _instance(rule)
    diff = to_textbook(before) - to_textbook(after)
    for number, strategy in enumerate(_STRATEGIES):
        if strategy(diff) == 0:
            return f"difference simplifies to 0 (strategy {number})"
    raise VerificationError(f"rewrite rule {rule.name!r} could not be proved: {before} = {after}")
