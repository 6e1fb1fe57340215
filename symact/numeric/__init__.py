r"""Numeric references for symact: correctly rounded values, ULP errors, full-range samples.

The kernels and the verifier measure floating-point results against these.

- ``reference(expr, var, xs, *, params=None, dtype=np.float64) -> np.ndarray``: the values of a
  SymPy expression at float points, **correctly rounded** to `dtype`.  Arb (python-flint) first
  evaluates each point to a ball that holds the true value; when both ends of the ball round to the
  same float, that is the answer (rigorous, one evaluation).  A ``Piecewise`` is taken piece by piece:
  its conditions are decided exactly, in rational arithmetic, on the input.  Otherwise mpmath
  evaluates the point, doubling the precision (80, 160, ... up to 20480 bits) until two successive
  values round to the same float with a $2^8$ margin.  One case is not decided by any precision
  within reach: a value within about $2^{-8000}$ of a tie between two floats (a loss at $a = 10^{100}$
  is the tie $3a/4$ plus $e^{-a}$).  Both floats are then within half an ULP of it, and the reference
  is the rounding of the best value found (Arb's at 32768 bits, or mpmath's at 20480).  Limits at
  $\pm\infty$; nan for nan input, poles and complex values.
  The compiled mpmath function and the values are cached per expression (a few thousand points of
  GELU take well under a second).
- ``ulp_error(got, ref, *, dtype=np.float64) -> np.ndarray``: $|got - ref| / \mathrm{ulp}(ref)$;
  equal infinities (and nan against nan) give 0, nan or inf against a finite value give inf; the
  subnormal spacing is used below the normal range.
- ``ulp(ref, *, dtype=np.float64)``: the spacing of `dtype` at `ref`.
- ``full_range_sample(n, *, seed, dtype=np.float64) -> np.ndarray``: deterministic inputs:
  log-uniform magnitudes $10^{-300}$ .. max (float32: its own range) with both signs, a dense part on
  $[-50, 50]$, and $\pm 0, \pm\infty$, nan.
- ``compile_mp(expr, var, others=()) -> MpFunction``: the cached adaptive-precision evaluator
  behind `reference`; ``MpFunction.value(x, bits=120)`` gives an mpmath value to `bits` bits
  (``approximate(x, bits=8)``: from one Arb ball where one decides it, for a magnitude), and
  ``MpFunction.rounded(x, fmt, at=...)`` a correctly rounded value with the `others` at given floats
  (one compiled function for every row of a vector function).
- ``rounded_memo()`` / ``remember_rounded(memo)``: the process's table of correctly rounded values,
  handed from a worker process to its parent (so a backend's check reuses the generator's values).
- ``round_mpf(value, fmt)`` / ``float_format(dtype)``: correct rounding of mpmath values;
  ``exact_fraction(value)``: a float or mpmath number as the exact fraction it is.

Example:

>>> import numpy as np, sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> reference(1 / (1 + sp.exp(-x)), x, [0.0, -800.0, np.inf]).tolist()
[0.5, 0.0, 1.0]
"""

from symact.numeric._mp import (
    MpFunction,
    RoundedMemo,
    bind,
    compile_mp,
    exact_input,
    exact_value,
    remember_rounded,
    rounded_memo,
)
from symact.numeric._reference import reference
from symact.numeric._round import FloatFormat, exact_fraction, float_format, round_mpf
from symact.numeric._sample import full_range_sample
from symact.numeric._ulp import floored, ulp, ulp_error

__all__ = [
    "FloatFormat",
    "MpFunction",
    "RoundedMemo",
    "bind",
    "compile_mp",
    "exact_fraction",
    "exact_input",
    "exact_value",
    "float_format",
    "floored",
    "full_range_sample",
    "reference",
    "remember_rounded",
    "round_mpf",
    "rounded_memo",
    "ulp",
    "ulp_error",
]
