r"""Hazard points of a function, found from its expression: where float formulas break down.

For every ``exp(g)`` in $f$ or $f'$ (and in the naive forms of softplus-like sums, ``log(1 + exp(g))``),
the floats $x$ where $g(x)$ crosses a threshold of the float format:

- overflow of $e^g$ ($g = \ln \mathrm{max}$), underflow to subnormal and to zero ($g = \ln
  \mathrm{tiny}$, $\ln$ of the smallest subnormal);
- saturation of $1 + e^{g}$ ($g = \pm\ln(2/\epsilon)$: $\sigma$ at $|x| \approx 37$ in double).

For ``erf(g)``/``erfc(g)``: $|g|$ where erf rounds to $\pm 1$ and where erfc underflows.  For
``log(g)``/``log1p(g)`` and divisions by $g$: the roots of $g$ (cancellation, poles).  Each threshold
$T$ is solved for $x$ by bisection on a grid (any $g$, not just linear ones); the hazard points are
the solutions and their float neighbours.  The subnormal range is sampled separately.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import sympy as sp

from symact.numeric import float_format

__all__ = ["hazard_positions", "subnormal_points", "thresholds"]

_GRID = np.concatenate([-np.logspace(6, -4, 700), [0.0], np.logspace(-4, 6, 700)])


def thresholds(dtype: object) -> dict[str, tuple[float, ...]]:
    """The levels of the format where exp ("exp": overflow, underflow to subnormal and to zero,
    saturation of 1 + e^g) and erf ("erf") arguments break down; "zero" is 0."""
    fmt = float_format(dtype)
    eps = fmt.eps
    big, tiny, sub = fmt.max, fmt.tiny, fmt.smallest_subnormal
    sat = math.log(2 / eps)
    return {
        "exp": (math.log(big), math.log(tiny), math.log(sub), math.log(sub) - math.log(2), sat, -sat),
        # erf(g) rounds to +-1 where erfc(|g|) < eps/2; erfc(g) underflows where erfc(g) < sub/2
        "erf": (_erfc_inv(eps / 4), -_erfc_inv(eps / 4), _erfc_inv(tiny), _erfc_inv(sub)),
        "zero": (0.0,),
    }


def _erfc_inv(y: float) -> float:
    lo, hi = 0.0, 30.0
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if math.erfc(mid) > y else (lo, mid)
    return (lo + hi) / 2


def _arguments(expr: sp.Expr) -> list[tuple[str, sp.Expr]]:
    out: list[tuple[str, sp.Expr]] = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.exp):
            out.append(("exp", node.args[0]))
        elif isinstance(node, (sp.erf, sp.erfc)):
            out.append(("erf", node.args[0]))
        elif isinstance(node, sp.log):
            out.append(("zero", node.args[0] - 1))  # log(1 + u) cancels where u -> 0
            out.append(("zero", node.args[0]))
        elif isinstance(node, sp.Pow) and node.args[1].is_negative:
            out.append(("zero", node.args[0]))
    return out


def _solve(g: sp.Expr, var: sp.Symbol, level: float) -> list[float]:
    try:
        fn = sp.lambdify([var], g - level, modules="numpy")
        with np.errstate(all="ignore"):
            vals = np.asarray(fn(_GRID), dtype=np.float64) * np.ones_like(_GRID)
    except Exception:
        return []
    roots = []
    for i in np.flatnonzero(
        np.isfinite(vals[:-1]) & np.isfinite(vals[1:]) & (np.sign(vals[:-1]) * np.sign(vals[1:]) < 0)
    ):
        lo, hi = float(_GRID[i]), float(_GRID[i + 1])
        flo = float(vals[i])
        for _ in range(200):
            mid = (lo + hi) / 2
            if mid in (lo, hi):
                break
            with np.errstate(all="ignore"):
                fm = float(fn(mid))
            if not math.isfinite(fm):
                break
            if (fm > 0) == (flo > 0):
                lo, flo = mid, fm
            else:
                hi = mid
        roots.append((lo + hi) / 2)
    return roots


@functools.lru_cache(maxsize=256)
def hazard_positions(exprs: tuple[sp.Expr, ...], var: sp.Symbol, dtype_name: str) -> tuple[float, ...]:
    """The x where an argument of exp/erf/log/division in `exprs` crosses a threshold of the format."""
    limits = thresholds(dtype_name)
    found: set[float] = set()
    for expr in exprs:
        for kind, g in _arguments(expr):
            if not g.has(var) or g.free_symbols - {var}:
                continue
            for level in limits[kind]:
                found.update(_solve(g, var, level))
    fmt_max = float_format(dtype_name).max
    return tuple(sorted(v for v in found if math.isfinite(v) and abs(v) <= fmt_max))


def subnormal_points(n: int, rng: np.random.Generator, dtype: object) -> np.ndarray:
    """`n` floats with log-uniform magnitudes over the subnormal range of `dtype`, both signs."""
    fmt = float_format(dtype)
    lo = math.log2(fmt.smallest_subnormal)
    hi = float(fmt.emin)
    mags = np.exp2(rng.uniform(lo, hi, n))
    signs = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    return signs * mags
