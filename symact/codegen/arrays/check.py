"""An array framework's kernels held to the NumPy kernels' targets against correctly rounded references.

float64: every kernel through :func:`symact.codegen.c.check.check_kernels`, the measurement the C
backend uses (the same full-range sample, references, error unit, targets, loss targets and limits,
output forms on their documented range); the framework's kernel is called through
:class:`FrameworkLibrary`, which has the C library's calling interface.  Where a result equals the
NumPy kernel's, its error is the one the generator verified; the other points are measured here
(output forms: every point of their documented range).

float32: every forward kernel and derivative on the generator's float32 sample (losses at their first
target, as the generator does), against references rounded to float32; the target is the NumPy
kernels' (1 ULP).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from symact.codegen.arrays.emit import Group
from symact.codegen.backend import KernelCheck
from symact.codegen.c.check import check_kernels
from symact.codegen.functions import to_reference
from symact.codegen.generate import DEFAULT_SIZE32, Generation, KernelResult
from symact.codegen.measure import domain_sample, subnormal
from symact.numeric import full_range_sample, reference, ulp_error

__all__ = ["F32_TARGET", "ArrayCheck", "ArrayIO", "FrameworkLibrary", "check_framework", "kernel_note"]

F32_TARGET = 1.0
"""float32 target in ULPs (the NumPy kernels')."""


@dataclass(frozen=True)
class ArrayIO:
    """How the check hands NumPy data to a framework and back (`to_array`, `to_numpy`)."""

    to_array: Callable[[np.ndarray], Any]
    to_numpy: Callable[[Any], np.ndarray]
    flush: bool = False
    """The platform flushes subnormal inputs and results to zero (XLA's CPU runtime): the check leaves
    subnormal inputs out and accepts a zero where the true value is subnormal."""
    bucket: bool = False
    """Pad the leading axis to a power of two (repeating the first entry) and cut the result back:
    a framework that compiles every operation for each shape (JAX) then compiles it for a few
    shapes, not for every sample size of every kernel.  Entries are computed independently along
    that axis, so the values do not change."""

    def run(self, fn: Callable[..., Any], arrays: list[np.ndarray], kw: dict[str, Any]) -> np.ndarray:
        """`fn(*arrays, **kw)` through the framework, as a NumPy array."""
        n = arrays[0].shape[0] if self.bucket and arrays and arrays[0].ndim else 0
        size = 1 << max(n - 1, 2047).bit_length() if n else 0
        if n and all(a.ndim and a.shape[0] == n for a in arrays):
            arrays = [np.concatenate([a, np.repeat(a[:1], size - n, axis=0)]) for a in arrays]
        else:
            n = 0
        out = np.asarray(self.to_numpy(fn(*[self.to_array(np.ascontiguousarray(a)) for a in arrays], **kw)))
        return out[:n] if n and out.ndim and out.shape[0] == size else out


@dataclass
class ArrayCheck(KernelCheck):
    """One kernel of a framework backend (a :class:`~symact.codegen.backend.KernelCheck`).

    `max_ulp` holds the measured maximum per dtype (``{"float64": ..., "float32": ...}``; a dtype with
    no measurable point is absent).  float64: the larger of the NumPy kernel's verified maximum and the
    framework's maximum where its result differs from NumPy's (an upper bound of the framework's own
    maximum); an output form's is measured at every input where ACCURACY.md documents it accurate
    (float64 only).  `form`: the candidate form and its rules; `note`: how the framework serves it
    (drivers, substitutions).
    """

    form: str = ""


class FrameworkLibrary:
    """The framework's generated functions behind the calling interface of
    :class:`symact.codegen.c.check.CLibrary` (``elementwise``, ``loss``)."""

    def __init__(self, ns: dict[str, Any], params: dict[str, list[str]], io: ArrayIO) -> None:
        self.ns, self.params, self.io = ns, params, io

    def _call(self, name: str, inputs: list[np.ndarray], args: tuple[float, ...]) -> np.ndarray:
        kw = dict(zip(self.params[name], args, strict=True))
        return np.asarray(self.io.run(self.ns[name], [np.asarray(v) for v in inputs], kw), dtype=np.float64)

    def elementwise(self, name: str, a: np.ndarray, params: tuple[float, ...]) -> np.ndarray:
        return self._call(name, [np.asarray(a, dtype=np.float64)], params)

    def loss(self, name: str, a: np.ndarray, y: float, params: tuple[float, ...] = ()) -> np.ndarray:
        av = np.asarray(a, dtype=np.float64)
        return self._call(name, [av, np.full(av.shape, y)], params)


def kernel_note(r: KernelResult, text: str, framework: str, substitutes: dict[str, str]) -> str:
    """How `framework` serves kernel `r` (printed as `text`): float64 evaluation, the derivative used
    by its differentiation, and each routine it serves differently from NumPy (`substitutes`)."""
    parts = [f"{framework} operations in float64 (float32 widened, rounded once)"]
    if r.plan.role == "fwd":
        parts.append("backward: g * NAME_grad(x), the verified derivative from the input")
    used = sorted(set(re.findall(r"(?:_rt|xp)\.(\w+)", text)))
    parts += [substitutes[u] for u in used if u in substitutes]
    return "; ".join(parts)


def _f32(r: KernelResult, lib: FrameworkLibrary, seed: int) -> tuple[float | None, list[str]]:
    """The float32 maximum of one forward kernel or derivative, and its problems."""
    assert r.chosen is not None
    xs = domain_sample(r.plan.domain, full_range_sample(DEFAULT_SIZE32, seed=seed + 1, dtype=np.float32))
    xs = xs.astype(np.float32)
    if lib.io.flush:
        xs = xs[~subnormal(xs, np.float32)]
    params = {p.symbol.name: p.default for p in r.record.params}
    kw = {p.symbol.name: float(p.default) for p in r.record.params}
    inputs = [xs]
    if r.plan.extra:
        xs = xs[np.isfinite(xs)]
        y = r.plan.targets[0]
        params[r.plan.extra[0].name] = y
        inputs = [xs, np.full(xs.shape, y, dtype=np.float32)]
    with np.errstate(all="ignore"):
        got = lib.io.run(lib.ns[r.plan.name], inputs, kw)
    problems = [] if got.dtype == np.float32 else [f"float32 input gave {got.dtype}"]
    ref = reference(
        to_reference(r.chosen.expr), r.plan.var, xs.astype(np.float64), params=params, dtype=np.float32
    )
    with np.errstate(all="ignore"):
        err = ulp_error(got.astype(np.float64), ref.astype(np.float64), dtype=np.float32)
    ok = np.isfinite(xs) & ~np.isnan(ref)
    if lib.io.flush:
        ok &= ~(subnormal(ref, np.float32) & (got == 0))
    if not ok.any():
        return None, problems
    i = int(np.argmax(err[ok]))
    worst = float(err[ok][i])
    if worst > F32_TARGET:
        problems.append(f"float32 {worst:.3g} ULP > {F32_TARGET:g} at x = {float(xs[ok][i])!r}")
    return worst, problems


def check_framework(
    gen: Generation,
    groups: list[Group],
    ns: dict[str, Any],
    io: ArrayIO,
    *,
    size: int,
    seed: int,
    notes: Callable[[KernelResult], str],
) -> list[ArrayCheck]:
    """Measure every kernel of `groups` (imported into `ns`) in float64 and float32; one ArrayCheck
    each.  `notes` says how the framework serves a kernel."""
    numpy_ns: dict[str, Any] = {}
    exec(compile(gen.source, "<symact kernels>", "exec"), numpy_ns)
    results = [r for g in groups for r in g.kernels]
    lib = FrameworkLibrary(ns, {r.plan.name: [p.symbol.name for p in r.record.params] for r in results}, io)
    forms = [r for r in results if r.plan.role == "grad_from_output"]
    plain = [r for r in results if r.plan.role != "grad_from_output"]
    flush = io.flush
    checked = check_kernels(plain, cast(Any, lib), numpy_ns, size=size, seed=seed, flush=flush)
    by_name = {c.name: c for c in checked}
    with_grads = [*forms, *[r for r in plain if r.plan.role == "grad"]]
    everywhere = check_kernels(
        with_grads, cast(Any, lib), numpy_ns, size=size, seed=seed, everywhere=True, flush=flush
    )
    by_name.update({c.name: c for c in everywhere[: len(forms)]})
    out = []
    for r in results:
        assert r.chosen is not None
        c = by_name[r.plan.name]
        m64 = c.measurement.max_ulp if c.measurement is not None else None
        verified = r.measurement.max_ulp if r.measurement is not None else None
        if r.plan.role != "grad_from_output" and verified is not None:
            m64 = verified if m64 is None or not c.differing else max(m64, verified)
        check = ArrayCheck(c.name, c.group, c.role, c.target, problems=list(c.problems))
        if m64 is not None:
            check.max_ulp["float64"] = m64
        if r.plan.role in ("fwd", "grad"):
            m32, f32_problems = _f32(r, lib, seed)
            if m32 is not None:
                check.max_ulp["float32"] = m32
            check.problems += f32_problems
        check.form = r.chosen.origin + (f" ({', '.join(r.chosen.rules)})" if r.chosen.rules else "")
        check.note = notes(r)
        out.append(check)
    return out
