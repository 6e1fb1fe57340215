r"""Checking users' vector functions (softmax, log_softmax, softmin, logsumexp, GLU) and vector losses
(cross-entropy, NLL) row by row against correctly rounded references.

Calling convention (rows of length n along the last axis):

- vector function: ``f(x)`` maps an array of shape (rows, n) row-wise; ``vjp(x, g)`` returns the
  gradient of $\sum g \cdot f(x)$ with respect to x, shape (rows, n);
- vector loss: ``f(z, y)`` returns one value per row for logits z and targets y of shape (rows, n)
  (class probabilities, or one-hot); ``grad(z, y)`` returns $\partial L / \partial z$ per row.

Rows drawn: moderate logits, huge logits (up to $10^{300}$, and shifted by $\pm 800$ so that an
unshifted exp overflows), ties (all equal, two equal maxima), masked rows (some entries $-\infty$,
one finite at least), and rows near the exp thresholds.  The reference is the record's SymPy
expression in mpmath at doubling precision until two evaluations round alike.  The budget of an
output $r_i$ is $N(\mathrm{ulp}(r_i) + \mathrm{ulp}(\sum_j |x_j\, \partial f_i / \partial x_j|))$,
the vector form of the element-wise budget, plus the ulp of the largest logit where an output is
formed as $x_i - \mathrm{logsumexp}(x)$ (log_softmax, cross-entropy: the terms that cancel); of a VJP
entry, $N(\mathrm{ulp}(r_j) + \mathrm{ulp}(\sum_k |x_k \partial v_j/\partial x_k| + \sum_i |g_i
J_{ij}|))$, $v = g^T J$ (its own condition and the size of the terms it sums).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from symact.catalogue import Record, check_params
from symact.errors import UserError
from symact.numeric import exact_value, float_format, round_mpf, ulp
from symact.verify._budget import classify, wrong_relative
from symact.verify._frameworks import call_arrays, vjp_arrays
from symact.verify._hazards import thresholds
from symact.verify._report import FAIL, Finding, Report

__all__ = ["VECTOR_KINDS", "check_vector", "vector_rows"]

VECTOR_KINDS = ("vector", "vector_loss")
N_COLUMNS = 4


def vector_rows(
    n_rows: int, n: int, rng: np.random.Generator, dtype: object = np.float64
) -> dict[str, np.ndarray]:
    """Rows of logits by kind (each an array of shape (k, n)), values of the format `dtype`: huge
    logits up to its largest float, and logits at its exp thresholds."""
    fmt = float_format(dtype)
    top = math.log10(fmt.max)
    levels = thresholds(fmt)["exp"]
    k = max(n_rows // 6, 2)
    out = {"moderate": rng.normal(0.0, 3.0, (k, n))}
    out["huge logits"] = np.concatenate(
        [
            rng.normal(0.0, 3.0, (k // 2 + 1, n)) + rng.choice([-800.0, 800.0, 1e4], (k // 2 + 1, 1)),
            np.sign(rng.normal(size=(k // 2 + 1, n)))
            * 10.0 ** rng.uniform(0, min(top, 300), (k // 2 + 1, n)),
        ]
    )
    ties = np.repeat(rng.normal(0.0, 5.0, (k, 1)), n, axis=1)
    ties[k // 2 :, 1:] -= np.abs(rng.normal(0.0, 3.0, (k - k // 2, n - 1))) * (np.arange(n - 1) % 2)
    out["ties"] = ties
    masked = rng.normal(0.0, 3.0, (k, n))
    masked[rng.random((k, n)) < 0.4] = -np.inf
    masked[np.arange(k), rng.integers(0, n, k)] = rng.normal(0.0, 3.0, k)  # one finite entry at least
    out["masked"] = masked
    out["exp thresholds"] = rng.choice(levels, (k, n)) + rng.normal(0, 1, (k, n))
    return {kind: fmt.round(rows) for kind, rows in out.items()}


@functools.lru_cache(maxsize=64)
def _compiled(record: Any, n: int, params: tuple[tuple[str, Any], ...]) -> tuple[Any, ...]:
    xs = tuple(sp.Symbol(f"x_{i}", real=True) for i in range(n))
    ys = tuple(sp.Symbol(f"y_{i}", real=True) for i in range(n))
    bound = {sp.Symbol(k, real=True): v for k, v in params}
    if record.kind == "vector_loss":
        out = sp.Matrix([record.build(xs, ys)]).xreplace(bound)
    else:
        out = record.build(xs).xreplace(bound)
    jac = out.jacobian(xs)
    hess = sp.Matrix([jac[i, j] for i in range(jac.rows) for j in range(jac.cols)]).jacobian(xs)
    args = [*xs, *ys] if record.kind == "vector_loss" else list(xs)
    lam = functools.partial(sp.lambdify, args, modules="mpmath")
    return lam(out), lam(jac), lam(hess), int(out.rows), out.has(sp.log)


_REACH = 1600.0  # e^{x_i - m} below e^-1600 = 2^-2308 times a cotangent below 2^1024 is no float


def _start(args: list[float]) -> int:
    """The first working precision for a row: above its spread in bits, so that two evaluations cannot
    agree on a value that both miss 1 - p_k = e^{-spread} (a VJP at a row of spread 400).  The spread
    counts the entries within reach of the maximum, or of the minimum (softmin's e^{-x}); the others'
    terms are far below the smallest float."""
    finite = [a for a in args if math.isfinite(a)]
    if not finite:
        return 0
    hi, lo = max(finite), min(finite)
    near_hi = [a for a in finite if a >= hi - _REACH]
    near_lo = [a for a in finite if a <= lo + _REACH]
    spread = min(max(hi - min(near_hi), max(near_lo) - lo), _REACH)
    return int(spread / math.log(2)) + 128


def mp_rounded(fn: Callable[..., Any], args: list[float], fmt: Any) -> list[list[float]] | None:
    """fn at doubling precision until two evaluations round alike; rows of floats (nan if undefined)."""
    prev = None
    start = _start(args)
    for prec in [p for p in (160, 320, 640, 1280) if p >= start] + [2560]:
        with mpmath.workprec(prec):
            try:
                m = fn(*[mpmath.mpf(a) for a in args])
            except (ZeroDivisionError, ValueError, OverflowError):
                return None
            vals = [[_round(m[i, j], fmt) for j in range(m.cols)] for i in range(m.rows)]
        # two precisions agreeing on an exact 0 may both have cancelled (p - 1 with p = 1 - 1e-292)
        if vals == prev and (prec >= 1280 or all(v != 0 for r in vals for v in r)):
            return vals
        prev = vals
    return prev


def vjp_rounded(
    j_mp: Callable[..., Any], args: list[float], weights: list[float], n_out: int, n: int, fmt: Any
) -> list[float]:
    """sum_i g_i J_ij, correctly rounded: doubling precision as in :func:`mp_rounded`."""

    def vjp(*a: Any) -> Any:
        jm = j_mp(*a)
        return mpmath.matrix([[mpmath.fsum(weights[i] * jm[i, j] for i in range(n_out))] for j in range(n)])

    out = mp_rounded(vjp, args, fmt)
    return [v[0] for v in out] if out is not None else [math.nan] * n


def _round(v: Any, fmt: Any) -> float:
    if isinstance(v, mpmath.mpc) or mpmath.isnan(v):
        return math.nan
    return round_mpf(mpmath.mpf(v), fmt)


def bind_params(record: Record, params: Mapping[str, Any] | None) -> tuple[tuple[str, Any], ...]:
    given = {k: exact_value(v, name=k) for k, v in (params or {}).items()}
    try:
        chosen = check_params(record, given)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    return tuple(sorted((s.name, sp.Rational(float(v))) for s, v in chosen.items()))


def check_vector(
    record: Record,
    fn: Callable[..., Any] | None,
    grad: Callable[..., Any] | str | None,
    *,
    params: Mapping[str, Any] | None = None,
    dtype: object = np.float64,
    examples: int = 2000,
    seed: int = 0,
    ulps: float = 16.0,
) -> Report:
    """Check a vector function (and its VJP) or a vector loss (and its gradient), row by row.

    `grad` may be "autodiff": the VJP of `fn` by its framework (PyTorch or JAX).  (A loss with
    PyTorch's ``weight``, ``ignore_index`` or ``reduction`` is checked by
    :func:`symact.verify._vector_reduce.check_reduced`.)
    """
    n = N_COLUMNS
    bound = bind_params(record, params)
    f_mp, j_mp, h_mp, n_out, has_log = _compiled(record, n, bound)
    fmt = float_format(dtype)
    rng = np.random.default_rng(seed)
    groups = vector_rows(max(examples // n, 12), n, rng, fmt)
    rows = np.concatenate(list(groups.values()))
    loss = record.kind == "vector_loss"
    ys = np.eye(n)[rng.integers(0, n, rows.shape[0])] if loss else np.zeros(0)
    gs = fmt.round(rng.normal(0.0, 1.0, (rows.shape[0], n_out)))
    report = Report(record.name, sampled={f"{k} rows": int(v.shape[0]) for k, v in groups.items()})
    got_f = got_g = None
    inputs = (rows, ys) if loss else (rows,)
    try:
        framework = None
        if fn is not None:
            got_f, framework = call_arrays(fn, inputs, {}, fmt)
        if grad == "autodiff" and fn is not None:
            cotangent = np.ones(rows.shape[0]) if loss else gs
            got_g = vjp_arrays(fn, inputs, {}, cotangent, fmt, framework or "numpy")
        elif callable(grad):
            got_g, _ = call_arrays(grad, (rows, ys) if loss else (rows, gs), {}, fmt)
    except Exception as exc:
        raise UserError(
            f"calling the code on rows of shape {rows.shape} failed: {type(exc).__name__}: {exc}"
        ) from None
    checked = {"forward": 0, "gradient": 0}
    fails: dict[str, list[Finding]] = {"forward": [], "gradient": []}
    for r, row in enumerate(rows):
        args = [float(v) for v in row] + ([float(v) for v in ys[r]] if loss else [])
        with mpmath.workprec(320):
            try:
                jm = j_mp(*[mpmath.mpf(a) for a in args])
                hm: Any = h_mp(*[mpmath.mpf(a) for a in args]) if got_g is not None else None
            except (ZeroDivisionError, ValueError, OverflowError):
                continue
        finite = [abs(float(v)) for v in row if math.isfinite(v)]
        # an output formed as x_i - logsumexp(x) (log_softmax, cross-entropy) rounds a term of the
        # size of the largest logit: the terms that cancel, not the result, set its ulp
        scale = (max(finite, default=0.0) + math.log(n)) if has_log else 0.0
        if got_f is not None:
            ref = mp_rounded(f_mp, args, fmt)
            if ref is not None:
                want = np.array([v[0] for v in ref])
                cond = [
                    mpf_to_float(
                        mpmath.fsum(
                            abs(mpmath.mpf(row[j]) * jm[i, j]) for j in range(n) if math.isfinite(row[j])
                        )
                    )
                    for i in range(n_out)
                ]
                have = np.atleast_1d(got_f[r]).reshape(-1)
                checked["forward"] += 1
                compare(record.name, "forward", row, have, want, np.array(cond), scale, ulps, dtype, fails)
        if got_g is not None:
            weights = [1.0] if loss else list(gs[r])
            want = np.array(vjp_rounded(j_mp, args, weights, n_out, n, fmt))
            # the VJP's own condition: sum_k |x_k d(vjp_j)/dx_k|, and the size of the terms it sums
            cond_g = np.array(
                [
                    mpf_to_float(
                        mpmath.fsum(
                            abs(
                                mpmath.mpf(row[k])
                                * mpmath.fsum(weights[i] * hm[i * n + j, k] for i in range(n_out))
                            )
                            for k in range(n)
                            if math.isfinite(row[k])
                        )
                        + mpmath.fsum(abs(weights[i] * jm[i, j]) for i in range(n_out))
                    )
                    for j in range(n)
                ]
            )
            have = np.asarray(got_g[r], dtype=np.float64).reshape(-1)
            checked["gradient"] += 1
            compare(record.name, "gradient", row, have, want, cond_g, 0.0, ulps, dtype, fails)
    for layer in ("forward", "gradient"):
        if (layer == "forward" and got_f is None) or (layer == "gradient" and got_g is None):
            continue
        report.add(layer, fails[layer], checked[layer])
    return report


def mpf_to_float(v: Any) -> float:
    try:
        return float(v)
    except OverflowError:
        return math.inf


def compare(
    name: str,
    layer: str,
    row: np.ndarray,
    have: np.ndarray,
    want: np.ndarray,
    cond: np.ndarray,
    scale: float,
    ulps: float,
    dtype: object,
    fails: dict[str, list[Finding]],
    where: str = "",
) -> None:
    """Append a Finding to ``fails[layer]`` for each output beyond its budget (`where` names the
    input in the note; by default the row)."""
    if have.shape != want.shape:
        note = f"wrong: shape {have.shape} per row, expected {want.shape}"
        fails[layer].append(
            Finding(name, layer, FAIL, float(row[0]), math.nan, math.nan, math.inf, 0.0, note, "wrong")
        )
        return
    with np.errstate(all="ignore"):
        u_r = ulp(np.where(np.isfinite(want), want, 0.0), dtype=dtype)
        u_c = np.where(
            np.isfinite(cond) & (cond > 0), ulp(np.where(np.isfinite(cond), cond, 0.0), dtype=dtype), 0.0
        )
        u_c = np.where(np.isfinite(cond), u_c, math.inf)
        u_s = float(ulp(np.array([scale]), dtype=dtype)[0]) if scale else 0.0
        tol = ulps * (u_r + u_c + u_s) / u_r
        err = np.where(
            np.isfinite(have) & np.isfinite(want),
            np.abs(have - want) / u_r,
            np.where(have == want, 0.0, math.inf),
        )
    for i in range(want.size):
        g, r = float(have[i]), float(want[i])
        if math.isnan(r):
            continue
        kind = classify(g, r, float(err[i]), float(tol[i]), wrong_relative(dtype))
        if not kind:
            continue
        place = where or f"the row {np.array2string(row, precision=17, separator=', ')}"
        note = f"{kind}: output {i} of {place}"
        fails[layer].append(
            Finding(name, layer, FAIL, float(row[0]), g, r, float(err[i]), float(tol[i]), note, kind)
        )
