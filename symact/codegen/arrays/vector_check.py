"""An array framework's vector functions and losses held to the NumPy vector kernels' targets, on the
rows the generator verified them on.

float64: the generator's rows (:mod:`symact.codegen.vector_gen`: random rows at very different scales,
the finite edge rows, and the rows with +-inf and nan; cotangents one-hot at the class of the maximum
and 1e30 times normal on rows of spread of several hundred; for a loss, the targets and special rows
of :mod:`symact.codegen.vector_loss`).  Where a row's result is bit for bit the NumPy kernel's, its
error is the one the generator verified; every other row is measured here against the same correctly
rounded references, with the same conventions at +-inf and nan, the same error unit (a VJP's: the
ULP of the sum of the magnitudes of its terms) and the same targets.

float32: the forward kernels (and a loss's gradient) on the generator's float32 rows, against
references rounded to float32; the target is the NumPy kernels' (1 ULP).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np
import sympy as sp

from symact.codegen.arrays.check import F32_TARGET, ArrayCheck, ArrayIO
from symact.codegen.arrays.vector import VectorGroup
from symact.codegen.generate import VECTOR_ROWS, KernelResult
from symact.codegen.measure import TARGETS
from symact.codegen.verify import Measurement
from symact.numeric import ulp_error

__all__ = ["check_vectors"]


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return (np.isnan(a) & np.isnan(b)) | (a == b)


def _flushed(got: np.ndarray, ref: np.ndarray, io: ArrayIO, dtype: Any = np.float64) -> np.ndarray:
    """`got`, with the values within the smallest normal number of `dtype` of the truth taken as the
    truth where the framework flushes subnormal numbers to zero (``io.flush``): what a flush costs."""
    if not io.flush:
        return got
    ref = np.asarray(ref, dtype=np.float64).reshape(got.shape)
    with np.errstate(invalid="ignore"):
        near = np.abs(got - ref) <= float(np.finfo(dtype).tiny)
    return np.where(near, ref, got)


def _f32(got: np.ndarray, ref: np.ndarray, problems: list[str], io: ArrayIO) -> float | None:
    if got.dtype != np.float32:
        problems.append(f"float32 input gave {got.dtype}")
    got = _flushed(got.reshape(ref.shape).astype(np.float64), ref.astype(np.float64), io, np.float32)
    err = ulp_error(got, ref, dtype=np.float32)
    ok = np.isfinite(ref)
    return float(np.max(err[ok])) if ok.any() else None


def _function(
    r: KernelResult, ns: dict[str, Any], numpy_ns: dict[str, Any], io: ArrayIO, seed: int
) -> tuple[Measurement, int, float | None, list[str]]:
    """(measurement of the differing rows, their count, the float32 maximum, problems) of a vector
    function's forward kernel or VJP."""
    from symact.codegen.c.vector import shape as vector_shape
    from symact.codegen.vector import NormalisedForm
    from symact.codegen.vector_gen import (
        cotangents,
        float32_rows,
        forward_no_limit,
        pos_inf_rows,
        rows,
        specials,
        stats,
        truth,
        vjp_scale,
    )
    from symact.derive import derive

    shape = vector_shape(r.record.name)
    assert shape is not None
    d = derive(r.record)
    xs = d.inputs  # type: ignore[union-attr]
    width = len(d.outputs) if d.outputs else 1  # type: ignore[union-attr]
    data = np.vstack([rows(len(xs), VECTOR_ROWS, seed), specials(shape, len(xs))])
    g = cotangents(data, width, seed + 1)
    gv = g if width > 1 else g[:, 0]
    fwd = r.plan.role == "fwd"
    args = [data] if fwd else [data, gv]
    with np.errstate(all="ignore"):
        got = io.run(ns[r.plan.name], args, {}).astype(np.float64).reshape(len(data), -1)
        want = np.asarray(numpy_ns[r.plan.name](*args), dtype=np.float64).reshape(got.shape)
    pick = ~np.all(_same(got, want), axis=1)
    gsyms = tuple(sp.Symbol(f"g_{i}", real=True) for i in range(g.shape[1]))
    jac = d.jacobian  # type: ignore[union-attr]
    problems: list[str] = []
    m32 = None
    if fwd:
        exprs = list(d.expression)  # type: ignore[union-attr]
        ref = truth(exprs, xs, data[pick])
        if isinstance(shape, NormalisedForm) and not shape.rule.reduces:
            ref = np.where(forward_no_limit(shape.scale * data[pick]), np.nan, ref)
        m = stats(_flushed(got[pick], ref, io), ref, None)
        rows32 = data[float32_rows(data)].astype(np.float32)
        with np.errstate(all="ignore"):
            got32 = io.run(ns[r.plan.name], [rows32], {})
        m32 = _f32(got32, truth(exprs, xs, rows32.astype(np.float64), dtype=np.float32), problems, io)
    else:
        outs = range(jac.shape[0])
        exprs = [sp.Add(*[gsyms[i] * jac[i, k] for i in outs]) for k in range(jac.shape[1])]
        no_limit = pos_inf_rows(shape, data)
        nan_rows = None if no_limit is None else no_limit[pick]
        ref = truth(exprs, xs, data[pick], g[pick], gsyms, nan_rows=nan_rows)
        scale = vjp_scale(shape, data[pick], g[pick])
        if scale is not None:  # the terms g_i J_ik themselves, as the generator measures them
            terms = [sp.Add(*[sp.Abs(gsyms[i] * jac[i, k]) for i in outs]) for k in range(jac.shape[1])]
            scale = truth(terms, xs, data[pick], g[pick], gsyms, nan_rows=nan_rows)
        m = stats(_flushed(got[pick], ref, io), ref, scale)
    return m, int(pick.sum()), m32, problems


def _loss(
    r: KernelResult, ns: dict[str, Any], numpy_ns: dict[str, Any], io: ArrayIO, seed: int
) -> tuple[Measurement, int, float | None, list[str]]:
    """The same for a vector loss or its gradient, on the generator's rows and targets."""
    from symact.catalogue import VectorLoss, vector_symbols
    from symact.codegen.c.vector_loss import shape as loss_shape
    from symact.codegen.vector_gen import float32_rows, no_limit_rows, rows, stats, truth
    from symact.codegen.vector_loss import N, Y, gradient_terms, special_loss_rows, targets

    record = cast(VectorLoss, r.record)
    shape = loss_shape(record.name)
    n = record.n_default
    zs, ys = vector_symbols("z", n), vector_symbols("y", n)
    data = rows(n, VECTOR_ROWS, seed)
    if not shape.logits:
        data = -np.abs(data)
    special_z, special_y = special_loss_rows(n)
    data = np.vstack([data, special_z])
    target = np.vstack([targets(VECTOR_ROWS, n, seed + 2), special_y])
    for i in range(0, VECTOR_ROWS, 8):  # one-hot at the class of the maximum, as the generator's
        if np.isfinite(data[i]).all():
            target[i] = np.eye(n)[np.argmax(data[i])]
    no_limit = no_limit_rows(data) if shape.logits else None
    defaults = {p.symbol: p.default for p in record.params}
    kw = {p.symbol.name: float(p.default) for p in record.params}
    loss = record.build(zs, ys)
    fwd = r.plan.role == "fwd"
    with np.errstate(all="ignore"):
        got = io.run(ns[r.plan.name], [data, target], kw).astype(np.float64).reshape(len(data), -1)
        want = np.asarray(numpy_ns[r.plan.name](data, target), dtype=np.float64).reshape(got.shape)
    pick = ~np.all(_same(got, want), axis=1)
    exprs = [loss] if fwd else [sp.diff(loss, z) for z in zs]
    exprs = [sp.sympify(e).subs(defaults) for e in exprs]
    nan_rows = None if no_limit is None else no_limit[pick]
    bound = sp.sympify(loss).subs(defaults)
    ref = truth(exprs, zs, data[pick], target[pick], ys, nan_rows=nan_rows, depends=bound)
    scale = None
    if not fwd:
        if shape.logits:  # the terms w_i (p_k - [i = k]) themselves, as the generator measures them
            terms = gradient_terms(shape, zs, ys, defaults)
            scale = truth(terms, zs, data[pick], target[pick], ys, nan_rows=nan_rows)
        else:  # |w_k|
            w = sp.lambdify((Y, N), shape.weight.subs(defaults), "numpy")(target[pick], n)
            scale = np.abs(np.asarray(w) + 0 * target[pick])
    m = stats(_flushed(got[pick], ref, io), ref, scale)
    problems: list[str] = []
    sel = float32_rows(data)
    z32, y32 = data[sel].astype(np.float32), target[sel].astype(np.float32)
    with np.errstate(all="ignore"):
        got32 = io.run(ns[r.plan.name], [z32, y32], kw)
    ref32 = truth(exprs, zs, z32.astype(np.float64), y32.astype(np.float64), ys, np.float32)
    m32 = _f32(got32, ref32, problems, io)
    return m, int(pick.sum()), m32, problems


def check_vectors(
    groups: list[VectorGroup],
    ns: dict[str, Any],
    numpy_ns: dict[str, Any],
    io: ArrayIO,
    *,
    seed: int,
    notes: Callable[[KernelResult], str],
) -> list[ArrayCheck]:
    """Measure every kernel of `groups` (the framework's in `ns`, NumPy's in `numpy_ns`) in float64 and
    float32; one ArrayCheck each.  `notes` says how the framework serves a kernel."""
    out = []
    for g in groups:
        for r in g.kernels:
            assert r.chosen is not None
            measure = _loss if g.loss else _function
            m, differing, m32, problems = measure(r, ns, numpy_ns, io, seed)
            target = TARGETS[r.plan.role]
            check = ArrayCheck(r.plan.name, r.record.kind, r.plan.role, target)
            verified = r.measurement.max_ulp if r.measurement is not None else 0.0
            check.max_ulp["float64"] = max(verified, m.max_ulp) if differing else verified
            if m32 is not None:
                check.max_ulp["float32"] = m32
                m.f32_max_ulp = m32
            check.problems = problems + m.problems(target, F32_TARGET)
            check.form = r.chosen.origin + (f" ({', '.join(r.chosen.rules)})" if r.chosen.rules else "")
            check.note = notes(r)
            out.append(check)
    return out
