r"""The error a float implementation is allowed at a point: from the truth, never from a formula.

At a float $x$ with true value $f(x)$, correctly rounded to $r$, the budget is the absolute error

$$N\,\mathrm{ulp}(r) + 4\,\mathrm{ulp}(s f'(x)) \;\approx\; (N + 4\kappa(x)) \text{ ULP of } r,
\qquad \kappa(x) = \left|\frac{s\, f'(x)}{f(x)}\right|$$

(equal up to a factor 2 from the binades), $N$ the precision budget (``--ulp``, default
:data:`DEFAULT_ULP`) and $\kappa$ a condition number of $f$ at $x$, weight :data:`CONDITION_ULPS`:

- $s = |x|$ where the function's definition scales its input inexactly inside a function
  (``erf(x/sqrt 2)``, ``exp(-x**2/2)``, ``exp(beta x)``; :func:`scales_input`): what any float
  evaluation loses when it perturbs its input by a rounding or two;
- $s = \min(|x|, 1)$ elsewhere (:data:`LENGTH_SCALE`): a correct evaluation rounds no input, and what
  is left is the cancellation of terms of size $|f'|$ near a root, at $|x|$ of order 1.  So at
  x = -700 a SiLU gradient is held to 16 + 4 ULP, not 16 + 2800.

An intermediate that underflows into the subnormal range and is then scaled by x (x e^x at
x = -714) is exact only to its spacing (:data:`SUBNORMAL_SCALE`): where the true value is zero or
subnormal the budget is at least $N(1 + \min(|x|, 1024))$ subnormal spacings, and a normal value's
adds $1 + \min(|x|, 1024)$ spacings (less than an ULP from about 2^-1012 up).  At a root of $f$ the
condition term keeps the budget finite.  Both $r$ and $f'(x)$ are correctly rounded references: how
badly the catalogue's own textbook formula would do at $x$ plays no part.

A value outside the budget is a FAIL, classified as

- **wrong**: not finite where the truth is, or off by more than $2^{-10}$ relative (a wrong sign, a
  zero where the truth is a normal float, a 100% error);
- **imprecise**: within $2^{-10}$ relative, but beyond the budget.

Inside a root's condition band (where the budget itself exceeds $2^{-10} |r|$, e.g. at the float
nearest an irrational root of $f$) the budget decides alone: no evaluation that rounds its input
determines the sign of $r$ there.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import sympy as sp

from symact.numeric import float_format, reference, ulp

__all__ = [
    "DEFAULT_ULP",
    "HALF_DEFAULT_ULP",
    "WRONG_RELATIVE",
    "budget_abs",
    "budgets",
    "classify",
    "default_ulp",
    "derivative",
    "scales_input",
    "wrong_relative",
]

DEFAULT_ULP = 16.0
"""The default precision budget N (ULP at a well-conditioned point).  The float64 implementations of
PyTorch and JAX that are stable pass it; measured in ``benchmarks/sensitivity.py`` and the tests."""

HALF_DEFAULT_ULP = 4.0
"""The default budget N in float16 and bfloat16, whose ULP is 2^13 (2^16) times float32's: PyTorch's
half-precision functions, evaluated in float32 and rounded once, are within 1 ULP; 4 leaves room for
a formula of a few operations evaluated in the half format itself (16 ULP of bfloat16 would be 6%)."""


def default_ulp(dtype: object) -> float:
    """The default precision budget N of a format: :data:`DEFAULT_ULP`, or :data:`HALF_DEFAULT_ULP`
    for float16 and bfloat16."""
    return HALF_DEFAULT_ULP if float_format(dtype).precision < 24 else DEFAULT_ULP


CONDITION_ULPS = 4.0
"""The weight of the condition term ulp(x f'(x)): an evaluation that rounds its argument once or twice
(x * beta, x / sqrt 2: the constant and the product) perturbs x by up to about 2 u, which moves f by
about 2 u |x f'(x)|, within 4 ulp(x f'(x)) across binades."""

SUBNORMAL_SCALE = 1024.0
"""An intermediate rounded in the subnormal range and then scaled by x (x sigma(x) at x = -730) is
exact to an absolute half spacing only before the scaling: where the true value is zero or subnormal
the floor is N (1 + min(|x|, 1024)) subnormal spacings, and a normal value's budget adds
1 + min(|x|, 1024) spacings (twice what that scaling costs; less than an ULP from 2^-1012 up in
float64)."""

WRONG_RELATIVE = 2.0**-10
"""A relative error above this is "wrong" (not merely imprecise), whatever the budget; in float16 and
bfloat16, whose 16 ULP exceed it, the threshold is 16 eps (:func:`wrong_relative`)."""


def wrong_relative(dtype: object) -> float:
    """The relative error beyond which a value is "wrong" in the format: max(2^-10, 16 eps)."""
    return max(WRONG_RELATIVE, 16 * float_format(dtype).eps)


LENGTH_SCALE = 1.0
"""Where no argument of the function is an inexact scaling of its input, the condition term is
4 ulp(min(|x|, 1) f'(x)) instead of 4 ulp(x f'(x)): a correct evaluation rounds no input there, and
what is left is the cancellation of terms of size |f'| near a root at |x| of order 1 (the length
scale of activation functions: at x = -1.28, the root of SiLU's derivative, PyTorch's
sigma (1 + x (1 - sigma)) cancels two terms of 0.22)."""

_EXACT_OPS = (sp.Piecewise, sp.Max, sp.Min, sp.Abs, sp.Heaviside, sp.sign)


def _dyadic(c: sp.Expr) -> bool:
    """Whether multiplying a float by the number `c` is exact (c = ±2^k)."""
    if not c.is_Rational or c == 0:
        return False
    p, q = abs(int(c.p)), int(c.q)  # type: ignore[attr-defined]
    return p & (p - 1) == 0 and q & (q - 1) == 0


def _rounds_input(arg: sp.Expr, var: sp.Symbol) -> bool:
    """Whether `arg`, an argument of a function, is arithmetic on `var` alone that rounds it: c*x with
    c not ±2^k, x**2, x + 3, ... (x itself, -x and x/2 are exact)."""
    if var not in arg.free_symbols or arg.has(sp.Function) or arg.has(sp.exp, sp.log):
        return False
    if arg == var:
        return False
    coeff, rest = arg.as_coeff_Mul()
    return not (rest == var and _dyadic(coeff))


@functools.lru_cache(maxsize=512)
def scales_input(expr: sp.Expr, var: sp.Symbol) -> bool:
    """Whether an argument of a function in `expr` is an inexact scaling of `var` (erf(x/sqrt 2),
    exp(-x**2/2), tanh(c (x + 0.044715 x**3)), exp(beta x) with beta not ±2^k, b**x): any float
    evaluation perturbs the input there, by a rounding or two, and the condition number of the
    function at x weighs that (:data:`CONDITION_ULPS`).  A parameter left as a symbol counts as an
    inexact scaling.  This is a fact of the function's definition (its constants), not of how a
    formula rounds."""
    if expr.free_symbols - {var}:
        return True
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Pow):
            base, e = node.args
            if var in e.free_symbols and base != 2:
                return True
            if not e.is_Integer and _rounds_input(base, var):
                return True
        elif isinstance(node, sp.Function) and not isinstance(node, _EXACT_OPS):
            if any(_rounds_input(a, var) for a in node.args):
                return True
    return False


def _smooth(expr: sp.Expr) -> sp.Expr:
    return expr.rewrite(sp.Piecewise) if expr.has(sp.Max, sp.Min, sp.Abs, sp.Heaviside) else expr


@functools.lru_cache(maxsize=512)
def derivative(expr: sp.Expr, var: sp.Symbol) -> sp.Expr | None:
    """f' of `expr` (its Max/Min/Abs written as Piecewise), None where SymPy cannot differentiate."""
    try:
        return sp.diff(_smooth(expr), var)
    except Exception:
        return None


def budgets(
    expr: sp.Expr,
    var: sp.Symbol,
    xs: np.ndarray,
    ref: np.ndarray,
    ulps: float,
    dtype: object,
    extra: sp.Expr | None = None,
) -> np.ndarray:
    """The budget at each float of `xs` in ULP of the rounded truth `ref` (inf where unknown).

    `extra`: the sensitivity y df/dy to another input of the code (a loss's target), whose ulp
    joins the condition term.  Non-finite `xs` or `ref` get nan (the caller compares those exactly).
    """
    xs = np.asarray(xs, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    out = np.full(xs.shape, np.nan)
    ok = np.isfinite(xs) & np.isfinite(ref)
    if not ok.any():
        return out
    d_expr = derivative(expr, var)
    if d_expr is None:
        out[ok] = math.inf
        return out
    d = reference(d_expr, var, xs[ok], dtype=np.float64).astype(np.float64)
    reach = np.abs(xs[ok]) if scales_input(expr, var) else np.minimum(np.abs(xs[ok]), LENGTH_SCALE)
    with np.errstate(all="ignore"):
        scale = reach * np.abs(d)
        u_r = ulp(ref[ok], dtype=dtype)
        u_k = np.where(scale == 0, 0.0, ulp(np.where(np.isfinite(scale), scale, 0.0), dtype=dtype))
        u_k = np.where(np.isfinite(scale), u_k, math.inf)
        if extra is not None:
            t = np.abs(reference(extra, var, xs[ok], dtype=np.float64).astype(np.float64))
            u_t = np.where(t == 0, 0.0, ulp(np.where(np.isfinite(t), t, 0.0), dtype=dtype))
            u_k = u_k + np.where(np.isfinite(t), u_t, math.inf)
        out[ok] = (ulps * u_r + CONDITION_ULPS * u_k) / u_r
        tiny = float_format(dtype).tiny
        spacings = (1 + np.minimum(np.abs(xs[ok]), SUBNORMAL_SCALE)) * (tiny * float_format(dtype).eps)
        low = np.abs(ref[ok]) < tiny
        out[ok] = np.where(low, np.maximum(out[ok], ulps * spacings / u_r), out[ok] + spacings / u_r)
    return out


def budget_abs(
    expr: sp.Expr,
    var: sp.Symbol,
    xs: np.ndarray,
    ref: np.ndarray,
    ulps: float,
    dtype: object,
    extra: sp.Expr | None = None,
) -> np.ndarray:
    """:func:`budgets` as absolute errors."""
    b = budgets(expr, var, xs, ref, ulps, dtype, extra)
    with np.errstate(all="ignore"):
        return b * ulp(np.asarray(ref, dtype=np.float64), dtype=dtype)


def classify(
    got: float, ref: float, error_ulps: float, tolerance_ulps: float, wrong: float = WRONG_RELATIVE
) -> str:
    """ "wrong", "imprecise" or "" (within budget) for a value `got` against the rounded truth `ref`."""
    if math.isnan(ref):
        return ""
    if not math.isfinite(got) or not math.isfinite(ref):
        return "" if got == ref else "wrong"
    if error_ulps <= tolerance_ulps:
        return ""
    rel = abs(got - ref) / abs(ref) if ref else math.inf
    return "wrong" if rel > wrong else "imprecise"
