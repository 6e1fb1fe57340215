r"""Vector functions: recognise the element template, rewrite it stably, derive a VJP from the Jacobian.

A vector function is built at a small size n.  Two shapes are recognised, by checking every output
entry against a template (never by name):

- **normalised**: $y_i = h(x_i, S)$ with a symmetric reduction $S = \sum_j g(x_j)$.  The pair
  $(h, g)$ is looked up in :data:`VECTOR_RULES` (softmax, softmin, log-softmax, logsumexp); each
  rule names a stable routine of ``symact.kernels._runtime`` (shift by the maximum, with the
  rounding error of $x - \max$ kept by TwoSum) and is proved: the shifted form equals the textbook
  one for symbolic inputs.
- **paired**: $y_i = h(x_i, x_{i + n/2})$ (GLU): an element-wise kernel of the two halves.

The VJP comes from the derivation's Jacobian.  For a normalised function, the Jacobian in the
outputs is split as $J_{ik} = \delta_{ik} D(a_k) + P(a_i) Q(a_k)$ (checked entry by entry), so
$(g^T J)_k = g_k D(a_k) + Q(a_k) \sum_i g_i P(a_i)$: one reduction, printed with ``numpy.sum``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import sympy as sp

from symact.catalogue import Record, VectorFunction, vector_symbols

__all__ = [
    "VECTOR_RULES",
    "NormalisedForm",
    "PairedForm",
    "VectorRule",
    "complement_factor",
    "linear_in_p",
    "probability_split",
    "prove_vector_rule",
    "recognise",
]

T = sp.Symbol("t", real=True)
S = sp.Symbol("S", positive=True)
_N = 4


@dataclass(frozen=True)
class VectorRule:
    r"""y_i = h(z_i, S) with S = \sum_j e^{z_j}, z = c x  ==>  ``_rt.<routine>(z, axis)``.

    The routine evaluates `shifted` (h written with the shift m = max_j z_j); :func:`prove_vector_rule`
    proves h(z_i, S) = shifted(z_i, \sum_j e^{z_j - m}, m) for symbolic z and m.
    """

    name: str
    h: Callable[[sp.Expr, sp.Expr], sp.Expr]
    shifted: Callable[[sp.Expr, sp.Expr, sp.Expr], sp.Expr]
    routine: str
    reduces: bool = False


VECTOR_RULES: tuple[VectorRule, ...] = (
    VectorRule("softmax-shift", lambda z, s: sp.exp(z) / s, lambda z, s, m: sp.exp(z - m) / s, "softmax"),
    VectorRule(
        "log-softmax-shift", lambda z, s: z - sp.log(s), lambda z, s, m: (z - m) - sp.log(s), "log_softmax"
    ),
    VectorRule(
        "logsumexp-shift", lambda z, s: sp.log(s), lambda z, s, m: m + sp.log(s), "logsumexp", reduces=True
    ),
)
"""The normalised shapes and their stable routines."""


def prove_vector_rule(rule: VectorRule, n: int = 3) -> str:
    """Prove the shifted form equal to the textbook one for `n` symbolic inputs and a symbolic shift."""
    zs = vector_symbols("z", n)
    m = sp.Symbol("m", real=True)
    textbook = rule.h(zs[0], sp.Add(*[sp.exp(z) for z in zs]))
    shifted = rule.shifted(zs[0], sp.Add(*[sp.exp(z - m) for z in zs]), m)
    for strategy in (sp.simplify, lambda e: sp.simplify(sp.expand_log(sp.factor_terms(e), force=True))):
        if strategy(textbook - shifted) == 0:
            return f"h(z) - shifted(z, m) simplifies to 0 (n = {n}, symbolic m)"
    raise ValueError(f"vector rule {rule.name} could not be proved")


@dataclass(frozen=True)
class NormalisedForm:
    rule: VectorRule
    scale: int  # c: the routine gets c * x
    vjp_diag: sp.Expr | None  # D(a)
    vjp_p: sp.Expr | None  # P(a)
    vjp_q: sp.Expr | None  # Q(a)
    shift_invariant: bool = False  # every column of the Jacobian sums to 0: g^T J = (g - c)^T J


@dataclass(frozen=True)
class PairedForm:
    h: sp.Expr  # in U, V
    u: sp.Symbol
    v: sp.Symbol


def _template(term: sp.Expr, x: sp.Symbol) -> sp.Expr:
    return term.xreplace({x: T})


def _reduction(expr: sp.Expr, xs: tuple[sp.Symbol, ...]) -> tuple[sp.Expr, sp.Expr] | None:
    """(the expression with a symmetric sum sum_j g(x_j) replaced by S, g(T)), or None."""
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Add) and len(node.args) == len(xs):
            owners = []
            for term in node.args:
                used = [x for x in xs if term.has(x)]
                if len(used) != 1:
                    break
                owners.append(used[0])
            else:
                if sorted(owners, key=str) == sorted(xs, key=str):
                    templates = {_template(term, x) for term, x in zip(node.args, owners, strict=True)}
                    if len(templates) == 1:
                        return expr.xreplace({node: S}), templates.pop()
    return None


def _normalised(outputs: sp.Matrix, xs: tuple[sp.Symbol, ...]) -> tuple[VectorRule, int] | None:
    first = _reduction(outputs[0], xs)
    if first is None:
        return None
    h0, g = first
    h = h0.xreplace({xs[0]: T})
    if h.has(*xs):
        return None
    for i, y in enumerate(outputs):
        own = xs[i] if len(outputs) == len(xs) else xs[0]
        red = _reduction(y, xs)
        if red is None or sp.simplify(red[0].xreplace({own: T}) - h) != 0 or red[1] != g:
            return None
    reduces = len(outputs) == 1 and len(xs) > 1
    for rule in VECTOR_RULES:
        if rule.reduces != reduces:
            continue
        for c in (1, -1):
            if sp.simplify(sp.exp(c * T) - g) == 0 and sp.simplify(rule.h(c * T, S) - h) == 0:
                return rule, c
    return None


def _split_jacobian(form: sp.Matrix, names: tuple[sp.Symbol, ...]) -> tuple[sp.Expr, sp.Expr, sp.Expr] | None:
    """D, P, Q with J_ik = delta_ik D(a_k) + P(a_i) Q(a_k), checked on every entry; None otherwise."""
    s, t = sp.Symbol("s", real=True), sp.Symbol("q", real=True)
    n = form.shape[0]
    r = sp.factor(form[0, 1].xreplace({names[0]: s, names[1]: t}))
    p_part = sp.Mul(*[f for f in sp.Mul.make_args(r) if not f.has(t)])
    q_part = sp.Mul(*[f for f in sp.Mul.make_args(r) if f.has(t)])
    if p_part.has(t) or q_part.has(s):
        return None
    diag = sp.simplify(form[0, 0].xreplace({names[0]: t}) - p_part.xreplace({s: t}) * q_part)
    for i in range(n):
        for k in range(n):
            want = (diag.xreplace({t: names[k]}) if i == k else 0) + p_part.xreplace(
                {s: names[i]}
            ) * q_part.xreplace({t: names[k]})
            if sp.simplify(form[i, k] - want) != 0:
                return None
    return diag, p_part, q_part


def recognise(record: Record) -> NormalisedForm | PairedForm | None:
    """The shape of a vector record (see the module docstring), or None if it has neither."""
    from symact.derive import derive

    xs = vector_symbols("x", _N)
    outputs = cast(VectorFunction, record).build(xs)
    found = _normalised(outputs, xs)
    if found is not None:
        rule, c = found
        d = derive(record)
        split = None
        if d.output_form is not None:  # type: ignore[union-attr]
            split = _split_jacobian(d.output_form, d.outputs)  # type: ignore[union-attr]
        if split is None:
            return NormalisedForm(rule, c, None, None, None)
        a = sp.Symbol("a", real=True)
        t = sp.Symbol("q", real=True)
        s = sp.Symbol("s", real=True)
        diag, p, q = split
        jac = d.jacobian  # type: ignore[union-attr]
        invariant = all(
            sp.simplify(sp.Add(*[jac[i, k] for i in range(jac.shape[0])])) == 0 for k in range(jac.shape[1])
        )
        return NormalisedForm(
            rule, c, diag.xreplace({t: a}), p.xreplace({s: a}), q.xreplace({t: a}), invariant
        )
    half = len(outputs)
    if 2 * half == len(xs):
        u, v = sp.Symbol("u", real=True), sp.Symbol("v", real=True)
        h = outputs[0].xreplace({xs[0]: u, xs[half]: v})
        if h.has(*xs):
            return None
        for i in range(half):
            if sp.simplify(outputs[i] - h.xreplace({u: xs[i], v: xs[i + half]})) != 0:
                return None
        return PairedForm(h, u, v)
    return None


normalised = _normalised  # public name (used by symact.codegen.vector_gen)


_AS_P = {"softmax": lambda p: p, "log_softmax": sp.log}
"""A routine's value a in terms of p = softmax(z): a = p, or a = log p."""


def linear_in_p(shape: NormalisedForm, expr: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    """(c1, c0) with `expr` (a function of the routine's value a) = c1 p + c0, p = softmax(z), constants;
    None otherwise.  Substituting a = p or a = log p (p > 0) is exact on the routine's values."""
    as_p = _AS_P.get(shape.rule.routine)
    if as_p is None:
        return None
    a, p = sp.Symbol("a", real=True), sp.Symbol("p", positive=True)
    in_p = sp.expand(sp.simplify(sp.sympify(expr).xreplace({a: as_p(p)})))
    poly = sp.Poly(in_p, p) if in_p.is_polynomial(p) else None
    if poly is None or poly.degree() > 1 or poly.free_symbols - {p}:
        return None
    return poly.coeff_monomial(p), poly.coeff_monomial(1)


def probability_split(shape: NormalisedForm) -> tuple[sp.Expr, sp.Expr, sp.Expr, sp.Expr] | None:
    r"""$(\alpha, \beta, \gamma, \delta)$ with $D(a) = \alpha p + \beta$ and $Q(a) = \gamma p + \delta$,
    $p = \mathrm{softmax}(z)$, constants; None when D or Q is not of that form.

    Then $(g^T J)_k = p_k(\alpha g_k + \gamma s) + (\beta g_k + \delta s)$, $s = \sum_i g_i P(a_i)$, and the
    product with $p_k$ is formed by ``_rt.softmax_scaled`` (no early underflow of a tiny $p_k$); so is
    $s$ where $P = \pi p + \rho$ (:func:`linear_in_p`).
    """
    if shape.vjp_diag is None or shape.vjp_q is None:
        return None
    d, q = linear_in_p(shape, shape.vjp_diag), linear_in_p(shape, shape.vjp_q)
    if d is None or q is None:
        return None
    return d[0], d[1], q[0], q[1]


def complement_factor(shape: NormalisedForm) -> sp.Expr | None:
    r"""$\beta$ when the VJP is $\beta(g_k - p_k \sum_i g_i)$ (log_softmax's: $D = \beta$, $P$ a constant
    $\rho$, $Q = \gamma p$ with $\gamma\rho = -\beta$), evaluated by ``_rt.softmax_complement``
    ($1 - p_k$ formed from the other entries at the class of the maximum); None otherwise."""
    split = probability_split(shape)
    p_lin = linear_in_p(shape, shape.vjp_p) if split is not None and shape.vjp_p is not None else None
    if split is None or p_lin is None:
        return None
    alpha, beta, gamma, delta = split
    if alpha != 0 or delta != 0 or p_lin[0] != 0 or beta == 0 or sp.simplify(gamma * p_lin[1] + beta) != 0:
        return None
    return beta
