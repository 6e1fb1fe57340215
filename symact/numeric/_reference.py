"""Correctly rounded reference values of SymPy expressions."""

from __future__ import annotations

import numpy as np
import sympy as sp

from symact.numeric._mp import Params, bind, compile_mp
from symact.numeric._round import float_format

__all__ = ["reference"]


def reference(
    expr: sp.Expr,
    var: sp.Symbol,
    xs: object,
    *,
    params: Params = None,
    dtype: object = np.float64,
    precision: int = 0,
) -> np.ndarray:
    r"""Correctly rounded values of `expr` at the points `xs`.

    Each point is evaluated with mpmath, doubling the working precision until two successive values
    are so close that every number between them (with a safety margin of $2^8$) rounds to the same
    float: the result is then correctly rounded to `dtype` (ties to even, subnormals, overflow to
    infinity).  $\pm\infty$ give the limits of `expr` there (evaluated at $\pm 2^{1100}$ and
    $\pm 2^{2200}$; ``sympy.limit`` when those disagree); nan, poles and values outside the real
    domain give nan.

    **Arguments:**
    - `expr`: a SymPy expression in `var` (Piecewise, Max/Min, Abs, erf/erfc, exp/log, tanh, ...).
    - `var`: the variable.
    - `xs`: points (array-like of floats); evaluated as the exact binary values they hold.
    - `params`: values of the other symbols, by name or symbol; floats are taken exactly.
    - `dtype`: the format to round to (float64, float32 or float16).
    - `precision`: the working precision to start from, in bits (for an expression whose terms
      cancel below the default's reach, such as $1 - p$ with $p = 1 - e^{-400}$).

    **Returns:** an array of `dtype` shaped like `xs`.
    """
    fmt = float_format(dtype)
    fn = compile_mp(bind(sp.sympify(expr), params), var)
    pts = np.asarray(xs, dtype=np.float64)
    flat = [fn.rounded(float(x), fmt, precision) for x in pts.ravel()]
    return np.asarray(flat, dtype=np.float64).reshape(pts.shape).astype(fmt.dtype)
