r"""Checking cross-entropy and NLL as PyTorch defines them: class-index targets, class weights,
``ignore_index`` and the reduction; for cross-entropy also class-probability targets with weights.

With ``weight``, ``ignore_index`` or ``reduction`` among the parameters, the code is called as
PyTorch's ``F.cross_entropy(input, target, weight=w, ignore_index=i, reduction=r,
label_smoothing=eps)`` (and ``F.nll_loss`` without the smoothing): `input` of shape (rows, C),
`target` the class indices (int64, shape (rows,)); only the options given are passed, except the
reduction, always.  C is the length of the weights (default 4).  The gradient function takes the same
arguments and returns dL/dinput; ``--grad autodiff`` differentiates the loss (summed, for
``reduction="none"``) by the framework.

The truth, from the catalogue record's proved shape $L = \sum_c w(y_c)\,(-\log p_c)$
(:func:`symact.codegen.vector_loss.recognise_loss`): a row's loss is
$\ell = \sum_c \omega_c\, w(y_c)\,(-\log p_c)$ with the class weights $\omega$ (as the code holds
them, rounded to the format), 0 for an ignored row; "mean" divides the batch's sum by the summed
weights $\sum \omega_{t}$ of the rows not ignored, "sum" does not.  With ``targets="probabilities"``
the targets are rows of class probabilities (shape (rows, C), a quarter one-hot, a quarter with
zeros), a row's loss is $\sum_c \omega_c\, w(y_c)\,(-\log p_c)$ with the given $y$, and "mean"
divides by the number of rows: PyTorch's definition, in which the weights do not normalise.
Batches of :data:`BATCH` rows (a quarter of them ignored) are drawn from the vector rows.  The budget
of a reduced value adds the size of the terms it sums:
$N(\mathrm{ulp}(r) + \mathrm{ulp}(\sum_i \kappa_i + k |\ell_i|) + \mathrm{ulp}(s))$, $\kappa_i$ a row's
condition, $k$ the rows kept and $s$ the logits that cancel.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from symact.catalogue import Record, vector_symbols
from symact.errors import UserError
from symact.numeric import FloatFormat, float_format
from symact.verify._frameworks import call_arrays, vjp_arrays
from symact.verify._report import Finding, Report
from symact.verify._vector import (
    N_COLUMNS,
    bind_params,
    compare,
    mp_rounded,
    mpf_to_float,
    vector_rows,
    vjp_rounded,
)

__all__ = ["BATCH", "REDUCTIONS", "LossOptions", "check_reduced", "split_options"]

REDUCTIONS = ("none", "mean", "sum")
OPTIONS = ("weight", "ignore_index", "reduction", "targets")
TARGETS = ("index", "probabilities")
BATCH = 8
"""Rows per call of a reduced loss (a 'mean' over few rows shows a wrong denominator plainly)."""
MAX_CLASSES = 8


@dataclass(frozen=True)
class LossOptions:
    """PyTorch's options of a class loss: class weights, the ignored target, the reduction."""

    weight: tuple[float, ...] | None
    ignore_index: int | None
    reduction: str
    probabilities: bool = False
    """Targets are class probabilities (shape (rows, C)), not class indices: PyTorch's mean is then
    over the rows, not over the summed weights of their targets."""


def split_options(
    record: Record, params: Mapping[str, Any] | None
) -> tuple[LossOptions | None, dict[str, Any]]:
    """(the PyTorch options among `params`, or None if there are none; the other parameters)."""
    rest = dict(params or {})
    given = {k: rest.pop(k) for k in OPTIONS if k in rest}
    if not given:
        return None, rest
    if record.kind != "vector_loss":
        raise UserError(f"{', '.join(given)}: only for the class losses (cross_entropy, nll_loss)")
    weight = given.get("weight")
    if weight is not None:
        try:
            weight = tuple(float(w) for w in weight)
        except (TypeError, ValueError):
            raise UserError(f"weight must be a sequence of numbers, got {weight!r}") from None
        if not 2 <= len(weight) <= MAX_CLASSES or not all(math.isfinite(w) and w >= 0 for w in weight):
            raise UserError(
                f"weight must hold 2 to {MAX_CLASSES} finite non-negative numbers (one per class), "
                f"got {len(weight)}"
            )
    index = given.get("ignore_index")
    if index is not None and (isinstance(index, bool) or not isinstance(index, int | np.integer)):
        raise UserError(f"ignore_index must be an integer, got {index!r}")
    reduction = given.get("reduction", "mean")
    if reduction not in REDUCTIONS:
        raise UserError(f"reduction must be one of {', '.join(REDUCTIONS)}, got {reduction!r}")
    targets = given.get("targets", "index")
    if targets not in TARGETS:
        raise UserError(f"targets must be one of {', '.join(TARGETS)}, got {targets!r}")
    probabilities = targets == "probabilities"
    if probabilities and index is not None:
        raise UserError(
            "ignore_index applies to class-index targets only (as in PyTorch), not to probabilities"
        )
    if probabilities and record.name != "cross_entropy":
        raise UserError(
            "targets=probabilities is for cross_entropy only (nll_loss takes class indices), "
            f"not {record.name}"
        )
    return LossOptions(weight, None if index is None else int(index), str(reduction), probabilities), rest


@functools.lru_cache(maxsize=32)
def _compiled(
    record: Any, n: int, params: tuple[tuple[str, Any], ...], weights: tuple[sp.Rational, ...]
) -> tuple[Any, ...]:
    """The weighted row loss, its gradient and Hessian in mpmath, and whether it takes logits."""
    from symact.codegen.vector_loss import N, Y, recognise_loss

    shape = recognise_loss(record)
    xs, ys = vector_symbols("x", n), vector_symbols("y", n)
    bound = {sp.Symbol(k, real=True): v for k, v in params}
    lse = sp.log(sp.Add(*[sp.exp(x) for x in xs]))
    terms = [(lse - x) if shape.logits else -x for x in xs]
    loss = sp.Add(
        *[w * shape.weight.subs({Y: y, N: n}) * t for w, y, t in zip(weights, ys, terms, strict=True)]
    )
    out = sp.Matrix([loss.xreplace(bound)])
    jac = out.jacobian(xs)
    hess = jac.T.jacobian(xs)
    lam = functools.partial(sp.lambdify, [*xs, *ys], modules="mpmath")
    return lam(out), lam(jac), lam(hess), shape.logits


def _probabilities(n_rows: int, n: int, rng: np.random.Generator, fmt: FloatFormat) -> np.ndarray:
    """Target rows of class probabilities, as the format holds them: a quarter one-hot, a quarter
    with zeros among spread values, half spread over every class."""
    p = rng.dirichlet(np.ones(n), n_rows)
    kind = rng.integers(0, 4, n_rows)
    hot = np.eye(n)[rng.integers(0, n, n_rows)]
    p = np.where((kind == 0)[:, None], hot, p)
    zeros = (kind == 1)[:, None] & (rng.random((n_rows, n)) < 0.5) & (hot == 0)
    p = np.where(zeros, 0.0, p)
    p = p / p.sum(axis=1, keepdims=True)
    return np.asarray(fmt.round(p), dtype=np.float64)


def _batches(n_rows: int, options: LossOptions, n: int, rng: np.random.Generator) -> np.ndarray:
    targets = rng.integers(0, n, n_rows)
    if options.ignore_index is not None:
        ignored = rng.random(n_rows) < 0.25
        ignored[np.arange(0, n_rows, BATCH) + rng.integers(0, BATCH, n_rows // BATCH)] = True
        targets[ignored] = options.ignore_index
    return targets


def check_reduced(
    record: Record,
    fn: Callable[..., Any] | None,
    grad: Callable[..., Any] | str | None,
    options: LossOptions,
    *,
    params: Mapping[str, Any],
    dtype: object = np.float64,
    examples: int = 2000,
    seed: int = 0,
    ulps: float = 16.0,
) -> Report:
    """Check a class loss called PyTorch's way (see the module), batch by batch."""
    fmt = float_format(dtype)
    n = len(options.weight) if options.weight else N_COLUMNS
    bound = bind_params(record, params)
    omega = fmt.round(options.weight) if options.weight else np.ones(n)
    weights = tuple(sp.Rational(float(w)) for w in omega)
    f_mp, j_mp, h_mp, logits = _compiled(record, n, bound, weights)
    rng = np.random.default_rng(seed)
    groups = vector_rows(max(examples // n, 2 * BATCH), n, rng, fmt)
    rows = np.concatenate(list(groups.values()))
    rows = rows[: rows.shape[0] // BATCH * BATCH]
    if options.probabilities:
        targets = _probabilities(rows.shape[0], n, rng, fmt)
        ys = targets
    else:
        targets = _batches(rows.shape[0], options, n, rng)
        ys = (targets[:, None] == np.arange(n)).astype(np.float64)
    kept = (targets != options.ignore_index) if options.ignore_index is not None else np.ones(len(rows), bool)
    kw: dict[str, Any] = {"reduction": options.reduction}
    if options.weight:
        kw["weight"] = omega
    if options.ignore_index is not None:
        kw["ignore_index"] = options.ignore_index
    kw.update({k: float(v) for k, v in params.items()})
    per_row = options.reduction == "none"
    spans = [slice(0, len(rows))] if per_row else [slice(b, b + BATCH) for b in range(0, len(rows), BATCH)]
    got_f: list[np.ndarray] = []
    got_g: list[np.ndarray] = []
    try:
        framework = None
        for s in spans:
            args = (rows[s], targets[s])
            if fn is not None:
                value, framework = call_arrays(fn, args, kw, fmt, framework)
                got_f.append(value)
            if grad == "autodiff" and fn is not None:
                cotangent = np.ones(s.stop - s.start) if per_row else np.ones(1)
                got_g.append(vjp_arrays(fn, args, kw, cotangent, fmt, framework or "numpy"))
            elif callable(grad):
                got_g.append(call_arrays(grad, args, kw, fmt)[0])
    except Exception as exc:
        shown = ", ".join(f"{k}={v!r}" if k != "weight" else "weight=[...]" for k, v in kw.items())
        raise UserError(
            f"calling the code as f(input, target, {shown}) failed: {type(exc).__name__}: "
            + str(exc).split("\n")[0]
        ) from None
    sampled = {f"{k} rows": int(v.shape[0]) for k, v in groups.items()}
    if options.probabilities:
        sampled["probability-target rows"] = int(rows.shape[0])
    else:
        sampled["ignored rows"] = int((~kept).sum())
    report = Report(record.name, sampled=sampled)
    rows_info = _rows_info(rows, ys, kept, n, j_mp, h_mp, grad is not None, omega, logits)
    fails: dict[str, list[Finding]] = {"forward": [], "gradient": []}
    checked = {"forward": 0, "gradient": 0}
    for k, s in enumerate(spans):
        idx = range(s.start, s.stop)
        live = [i for i in idx if kept[i]]
        if options.probabilities:  # PyTorch's mean over probability targets is over the rows
            total = sp.Integer(len(idx))
        else:
            total = sum((weights[targets[i]] for i in live), sp.S.Zero)
        if per_row or total != 0:  # a 'mean' over ignored rows only is 0/0 (nan in PyTorch)
            factor = sp.S.One if options.reduction != "mean" else 1 / total
            where = f"the {BATCH} rows from {s.start} ({len(live)} not ignored)"
            if got_f:
                _forward(
                    record.name,
                    f_mp,
                    got_f[k],
                    idx,
                    live,
                    rows_info,
                    factor,
                    per_row,
                    fmt,
                    ulps,
                    fails,
                    where,
                )
                checked["forward"] += len(idx) if per_row else 1
            if got_g:
                _gradient(record.name, j_mp, got_g[k], idx, rows_info, factor, rows, fmt, ulps, fails, where)
                checked["gradient"] += len(idx)
    for layer, got in (("forward", got_f), ("gradient", got_g)):
        if got:
            report.add(layer, fails[layer], checked[layer])
    return report


def _defined(row: Any) -> bool:
    """An ignored row's loss (0) is defined where its own logits are: no nan and no +inf."""
    return not any(math.isnan(v) or v == math.inf for v in row)


@dataclass
class _Row:
    args: list[float]
    kept: bool
    cond: float  # sum_j |x_j dl/dx_j|
    scale: float  # the size of the terms that cancel: max(omega) (max |x| + log n) for logits
    grad_cond: np.ndarray  # per entry: sum_k |x_k H_jk| + |J_j|


def _rows_info(
    rows: np.ndarray,
    ys: np.ndarray,
    kept: np.ndarray,
    n: int,
    j_mp: Any,
    h_mp: Any,
    with_grad: bool,
    omega: np.ndarray,
    logits: bool,
) -> list[_Row]:
    out = []
    for row, y, keep in zip(rows, ys, kept, strict=True):
        args = [float(v) for v in row] + [float(v) for v in y]
        cond, gcond = 0.0, np.zeros(n)
        finite = [abs(float(v)) for v in row if math.isfinite(v)]
        scale = float(np.max(omega)) * (max(finite, default=0.0) + math.log(n)) if logits else 0.0
        if keep:
            with mpmath.workprec(320):
                try:
                    a = [mpmath.mpf(v) for v in args]
                    jm = j_mp(*a)
                    cond = mpf_to_float(
                        mpmath.fsum(abs(a[j] * jm[0, j]) for j in range(n) if math.isfinite(row[j]))
                    )
                    if with_grad:
                        hm = h_mp(*a)
                        gcond = np.array(
                            [
                                mpf_to_float(
                                    mpmath.fsum(
                                        abs(a[k] * hm[j, k]) for k in range(n) if math.isfinite(row[k])
                                    )
                                    + abs(jm[0, j])
                                )
                                for j in range(n)
                            ]
                        )
                except (ZeroDivisionError, ValueError, OverflowError):
                    cond, gcond = math.inf, np.full(n, math.inf)
        out.append(_Row(args, bool(keep), cond, scale if keep else 0.0, gcond))
    return out


def _forward(
    name: str,
    f_mp: Any,
    got: np.ndarray,
    idx: range,
    live: list[int],
    info: list[_Row],
    factor: sp.Expr,
    per_row: bool,
    fmt: FloatFormat,
    ulps: float,
    fails: dict[str, list[Finding]],
    where: str,
) -> None:
    n = len(info[idx.start].args) // 2
    if per_row:
        for pos, i in enumerate(idx):
            r = info[i]
            ref = mp_rounded(f_mp, r.args, fmt) if r.kept else [[0.0 if _defined(r.args[:n]) else math.nan]]
            if ref is None:
                continue
            have = np.atleast_1d(np.asarray(got, dtype=np.float64).reshape(-1)[pos : pos + 1])
            row = np.array(r.args[:n])
            compare(
                name,
                "forward",
                row,
                have,
                np.array([ref[0][0]]),
                np.array([r.cond]),
                r.scale,
                ulps,
                fmt,
                fails,
            )
        return
    fac = float(factor)

    def batch(*xs: Any) -> Any:
        total = mpmath.fsum(
            f_mp(*xs[j * len(info[i].args) : (j + 1) * len(info[i].args)])[0, 0] for j, i in enumerate(live)
        )
        return mpmath.matrix([[total * mpmath.mpf(factor.p) / factor.q]])  # type: ignore[attr-defined]

    flat = [a for i in live for a in info[i].args]
    ref = mp_rounded(batch, flat, fmt) if live else [[0.0]]
    if ref is None:
        return
    want = ref[0][0]
    k = len(live)
    cond = fac * sum(info[i].cond for i in live) + k * abs(want)
    scale = fac * sum(info[i].scale for i in live)
    have = np.asarray(got, dtype=np.float64).reshape(-1)
    row = np.array(info[idx.start].args[: len(info[idx.start].args) // 2])
    compare(name, "forward", row, have, np.array([want]), np.array([cond]), scale, ulps, fmt, fails, where)


def _gradient(
    name: str,
    j_mp: Any,
    got: np.ndarray,
    idx: range,
    info: list[_Row],
    factor: sp.Expr,
    rows: np.ndarray,
    fmt: FloatFormat,
    ulps: float,
    fails: dict[str, list[Finding]],
    where: str,
) -> None:
    have_all = np.asarray(got, dtype=np.float64)
    n = rows.shape[1]
    fac = float(factor)
    k = sum(info[i].kept for i in idx)
    for pos, i in enumerate(idx):
        r = info[i]
        have = have_all.reshape(-1, n)[pos] if have_all.size == len(idx) * n else have_all.reshape(-1)
        if not r.kept:  # 0, where the row's loss is defined (no +inf or nan logit)
            want = np.zeros(n) if _defined(rows[i]) else np.full(n, math.nan)
            cond = np.zeros(n)
        else:
            with mpmath.workprec(640):
                g = mpmath.mpf(factor.p) / factor.q  # type: ignore[attr-defined]
            want = np.array(vjp_rounded(j_mp, r.args, [g], 1, n, fmt))
            cond = fac * r.grad_cond + k * np.abs(want)
        compare(name, "gradient", rows[i], have, want, cond, 0.0, ulps, fmt, fails, f"row {i} of {where}")
