r"""The C backend compiled and held to the NumPy kernels' targets against correctly rounded references.

:func:`compile_library` builds ``symact_kernels.c`` with the system C compiler
(``-std=c99 -O2 -Wall -Wextra -Werror``); :class:`CLibrary` calls it through ctypes; :func:`check_c`
measures every C kernel of a :class:`~symact.codegen.generate.Generation` the way the generator
measured its NumPy kernel: the same full-range sample (``full_range_sample(size, seed=SEED)``,
restricted to the kernel's domain), the same truth and error unit (for a derivative, the ULP of the
sum of the magnitudes of its terms), the same targets (losses at every target value ``kp.targets``,
their limits at a = +-inf; output forms on the inputs where ACCURACY.md documents them accurate;
vector kernels on the generator's rows at very different scales).

Where a C result is bit-for-bit the NumPy kernel's result on the same input, its error *is* the
error the generator has just measured and verified; the other points (and every non-finite input) are
measured against references here, with :func:`symact.codegen.verify.measure`.  ``everywhere=True``
measures every point against references (slower; it gives the C kernels' own maxima).
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast

import numpy as np
import sympy as sp

from symact.codegen.backend import KernelCheck
from symact.codegen.c.emit import CFunction
from symact.codegen.emit import kernel_source
from symact.codegen.functions import to_reference
from symact.codegen.generate import (
    CAREFUL_TARGETS,
    DEFAULT_SIZE,
    SEED,
    TARGETS,
    VECTOR_ROWS,
    Generation,
    KernelResult,
    compile_source,
    loss_limit_problems,
)
from symact.codegen.measure import domain_sample, magnitude, subnormal
from symact.codegen.plan import RecordPlan
from symact.codegen.verify import Measurement, measure, output_form_range, ulp_errors
from symact.errors import SymactError
from symact.kernels import runtime as _runtime
from symact.numeric import floored, full_range_sample, reference

__all__ = [
    "CFLAGS",
    "CCheck",
    "CLibrary",
    "CompileError",
    "KernelLibrary",
    "check_c",
    "check_kernels",
    "compile_library",
    "compiler",
]

CFLAGS: tuple[str, ...] = ("-std=c99", "-O2", "-Wall", "-Wextra", "-Werror")
_DOUBLE_P = ctypes.POINTER(ctypes.c_double)


class CompileError(SymactError):
    """The C source does not compile; the message holds the compiler's first lines."""


def compiler() -> str | None:
    """The system C compiler (``cc``, ``gcc`` or ``clang``), or None."""
    return next((p for p in map(shutil.which, ("cc", "gcc", "clang")) if p), None)


def compile_library(header: str, source: str, folder: Path, cc: str | None = None) -> Path:
    """Write the two texts into `folder` and compile them into a shared library; its path."""
    cc = cc or compiler()
    if cc is None:
        raise CompileError("no C compiler on this machine")
    (folder / "symact_kernels.h").write_text(header, encoding="utf-8")
    (folder / "symact_kernels.c").write_text(source, encoding="utf-8")
    lib = folder / "libsymact_kernels.so"
    cmd = [cc, *CFLAGS, "-shared", "-fPIC", "-o", str(lib), str(folder / "symact_kernels.c"), "-lm"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise CompileError("\n".join((done.stderr or done.stdout).splitlines()[:6]))
    return lib


def _ptr(a: np.ndarray) -> Any:
    return a.ctypes.data_as(_DOUBLE_P)


def _doubles(a: Any, size: int | None = None) -> np.ndarray:
    arr = np.ascontiguousarray(np.asarray(a, dtype=np.float64).reshape(-1))
    return np.ascontiguousarray(np.broadcast_to(arr, (size,))) if size is not None else arr


class KernelLibrary(Protocol):
    """Compiled element-wise and loss kernels called on float64 arrays (C: :class:`CLibrary`; C#:
    ``symact.codegen.csharp.check.CSharpLibrary``), as :func:`check_kernels` calls them."""

    def elementwise(self, name: str, x: Any, params: tuple[float, ...] = ()) -> np.ndarray: ...

    def loss(self, name: str, a: Any, y: Any, params: tuple[float, ...] = ()) -> np.ndarray: ...


class CLibrary:
    """The compiled C kernels, called on float64 arrays."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lib = ctypes.CDLL(str(path))

    def _fn(self, name: str, restype: Any, nargs: int, nparams: int) -> Any:
        fn = getattr(self._lib, f"symact_{name}")
        fn.restype = restype
        fn.argtypes = [_DOUBLE_P] * nargs + [ctypes.c_size_t] * (2 if restype else 1)
        fn.argtypes += [ctypes.c_double] * nparams
        return fn

    def has(self, name: str) -> bool:
        return hasattr(self._lib, f"symact_{name}")

    def elementwise(self, name: str, x: Any, params: tuple[float, ...] = ()) -> np.ndarray:
        """``symact_NAME_array`` on `x` (any shape)."""
        xs = _doubles(x)
        out = np.empty_like(xs)
        self._fn(f"{name}_array", None, 2, len(params))(_ptr(xs), _ptr(out), xs.size, *params)
        return out.reshape(np.shape(x))

    def loss(self, name: str, a: Any, y: Any, params: tuple[float, ...] = ()) -> np.ndarray:
        """``symact_NAME_array`` of a loss on `a` and `y` (broadcast to a's size)."""
        av = _doubles(a)
        yv = _doubles(y, av.size)
        out = np.empty_like(av)
        self._fn(f"{name}_array", None, 3, len(params))(_ptr(av), _ptr(yv), _ptr(out), av.size, *params)
        return out.reshape(np.shape(a))

    def rows(self, name: str, x: np.ndarray, width: int, g: np.ndarray | None = None) -> np.ndarray | None:
        """``symact_NAME_rows`` on the rows of the 2-d `x` (and `g`); `width` outputs per row; None
        when the routine refuses the row length."""
        xs = np.ascontiguousarray(x, dtype=np.float64)
        rows, n = xs.shape
        out = np.empty(rows * width)
        args = [_ptr(xs)] + ([_ptr(np.ascontiguousarray(g, dtype=np.float64))] if g is not None else [])
        fn = self._fn(f"{name}_rows", ctypes.c_int, len(args) + 1, 0)
        status = fn(*args, _ptr(out), rows, n)
        return None if status != 0 else out.reshape(rows, width)

    def loss_rows(
        self, name: str, z: np.ndarray, y: np.ndarray, width: int, params: tuple[float, ...] = ()
    ) -> np.ndarray | None:
        """``symact_NAME_rows`` of a vector loss on the rows of `z` and targets `y`."""
        zs = np.ascontiguousarray(z, dtype=np.float64)
        ys = np.ascontiguousarray(np.broadcast_to(y, zs.shape), dtype=np.float64)
        rows, n = zs.shape
        out = np.empty(rows * width)
        fn = self._fn(f"{name}_rows", ctypes.c_int, 3, len(params))
        status = fn(_ptr(zs), _ptr(ys), _ptr(out), rows, n, *params)
        return None if status != 0 else out.reshape(rows, width)


@dataclass
class CCheck(KernelCheck):
    """The outcome for one C kernel (a :class:`~symact.codegen.backend.KernelCheck`): its measurement
    (the worst over its loss targets) and the ways it misses its target."""

    measurement: Measurement | None = None
    differing: int = 0  # results that differ from the NumPy kernel's (measured against references)
    compared: int = 0  # results compared


FLUSH_FLOOR = float(np.finfo(np.float64).tiny)
"""On a platform that flushes subnormal numbers to zero, an error is counted in units of at least the
smallest normal number: what a flushed intermediate value can cost."""


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return (np.isnan(a) & np.isnan(b)) | (a == b)


def _num(v: sp.Expr) -> float:
    return float(sp.N(sp.sympify(v), 30))


@dataclass
class _Kernel:
    """What the C check needs from one element-wise or loss KernelResult."""

    r: KernelResult
    rp: RecordPlan
    args: tuple[float, ...]
    c: Callable[..., np.ndarray]
    np: Callable[..., Any]
    target: float


def _worst(measured: list[Measurement], target: float) -> Measurement:
    failing = [m for m in measured if m.problems(target)]
    return failing[0] if failing else max(measured, key=lambda m: m.max_ulp)


def _scale(k: _Kernel, y: float | None) -> Callable[[np.ndarray], Any] | None:
    r = k.r
    assert r.chosen is not None
    mag = magnitude(r.chosen.expr) if r.plan.role == "grad" else None
    if mag is None:
        return None
    inputs = [r.plan.var.name, *[e.name for e in r.plan.extra]]
    s = compile_source(kernel_source("_s", [*inputs, *[p.name for p, _ in k.rp.params]], mag))["_s"]
    if y is None:
        return lambda x: _runtime.elementwise(s, x, None, k.args, None)
    return lambda x: _runtime.elementwise2(s, x, y, None, k.args)


def _measure_points(
    k: _Kernel, xs: np.ndarray, y: float | None, everywhere: bool, flush: bool = False
) -> tuple[Measurement, int, int]:
    r = k.r
    assert r.chosen is not None

    def c_fn(x: np.ndarray) -> np.ndarray:
        return k.c(x) if y is None else k.c(x, y)

    with np.errstate(all="ignore"):
        got_c = c_fn(xs)
        got_np = np.asarray(k.np(xs) if y is None else k.np(xs, y), dtype=np.float64)
    pick = np.ones(xs.shape, bool) if everywhere else ~_same(got_c, got_np) | ~np.isfinite(xs)
    params = dict(k.rp.defaults)
    if y is not None:
        params[r.plan.extra[0].name] = y
    pts = xs[pick]
    floor = FLUSH_FLOOR if flush else 0.0
    m = measure(
        c_fn, to_reference(r.chosen.expr), r.plan.var, pts, params=params, scale=_scale(k, y), floor=floor
    )
    return m, int((~_same(got_c, got_np)).sum()), int(xs.size)


def _check_kernel(k: _Kernel, xs_all: np.ndarray, everywhere: bool, flush: bool = False) -> CCheck:
    r = k.r
    group = "loss" if r.plan.extra else "activation"
    check = CCheck(r.plan.name, group, r.plan.role, k.target)
    xs = domain_sample(r.plan.domain, xs_all)
    if r.plan.extra:
        xs = xs[~np.isinf(xs)]
    measured = []
    for y in r.plan.targets or (None,):
        m, diff, n = _measure_points(k, xs, y, everywhere, flush)
        measured.append(m)
        check.differing += diff
        check.compared += n
    worst = _worst(measured, k.target)
    if r.plan.extra:
        assert r.chosen is not None

        def runner(y: float | None) -> Callable[[np.ndarray], Any]:
            return lambda a: k.c(a, y)

        worst.specials_wrong += loss_limit_problems(k.rp, r.plan, r.chosen, runner)
    check.measurement = worst
    check.problems = worst.problems(k.target)
    return check


def _output_formulp_errors(
    got: np.ndarray, grad: _Kernel, xs: np.ndarray, params: dict[str, sp.Expr], flush: bool = False
) -> np.ndarray:
    """Errors of `got` against f'(xs) in the derivative's unit (0 where f' has no reference; with
    `flush`, also where f' is subnormal and `got` is zero: the platform flushes it)."""
    assert grad.r.chosen is not None
    ref = reference(to_reference(grad.r.chosen.expr), grad.r.plan.var, xs, params=params)
    scale = _scale(grad, None)
    with np.errstate(all="ignore"):
        s = np.asarray(scale(xs), dtype=np.float64) if scale is not None else None
        err = ulp_errors(got, ref, s)
        err = floored(err, got, ref, FLUSH_FLOOR if flush else 0.0)
        return np.where(np.isnan(ref), 0.0, err)


def _check_output_form(
    k: _Kernel,
    fwd: Callable[..., Any],
    grad: _Kernel,
    xs_all: np.ndarray,
    everywhere: bool,
    documented: bool,
    flush: bool = False,
) -> CCheck:
    """The output form on a = f(x) (the NumPy f, as the generator measured it), for the sample's x in
    the range where ACCURACY.md documents the form accurate (`documented`: ``r.accurate_range``;
    otherwise that range is measured here from the NumPy kernel, as the generator does)."""
    r = k.r
    check = CCheck(r.plan.name, "activation", r.plan.role, k.target)
    xs = domain_sample(grad.r.plan.domain, xs_all[np.isfinite(xs_all)])
    with np.errstate(all="ignore"):
        a = np.asarray(fwd(xs), dtype=np.float64)
        if flush:  # the platform reads a subnormal output as zero: the form is not asked there
            xs, a = xs[~subnormal(a)], a[~subnormal(a)]
        got_c = k.c(a)
        got_np = np.asarray(k.np(a), dtype=np.float64)
    rng = r.accurate_range
    if not documented:
        rng = output_form_range(_output_formulp_errors(got_np, grad, xs, k.rp.defaults), xs, k.target)
    if rng is None:
        return check  # documented accurate nowhere: nothing is promised
    inside = (xs >= rng[0]) & (xs <= rng[1])
    differ = ~_same(got_c, got_np) & inside
    pick = inside if everywhere else differ
    err = _output_formulp_errors(got_c[pick], grad, xs[pick], k.rp.defaults, flush)
    m = Measurement(points=int(pick.sum()))
    m.nonfinite_wrong = [float(v) for v in xs[pick][~np.isfinite(err)][:5]]
    finite = np.isfinite(err)
    if finite.any():
        i = int(np.argmax(err[finite]))
        m.max_ulp, m.worst_x = float(err[finite][i]), float(xs[pick][finite][i])
    check.measurement, check.differing, check.compared = m, int(differ.sum()), int(inside.sum())
    check.problems = m.problems(k.target)
    return check


def _kernel(r: KernelResult, lib: KernelLibrary, ns: dict[str, Any]) -> _Kernel:
    record = r.record
    params = tuple((p.symbol, p.default) for p in record.params)
    args = tuple(_num(v) for _, v in params)
    name = r.plan.name
    if r.plan.extra:

        def c(a: np.ndarray, y: float) -> np.ndarray:
            return lib.loss(name, a, y, args)

    else:

        def c(a: np.ndarray) -> np.ndarray:  # type: ignore[misc]
            return lib.elementwise(name, a, args)

    target = (CAREFUL_TARGETS if r.plan.careful else TARGETS)[r.plan.role]
    return _Kernel(r, RecordPlan(record, params), args, c, ns[name], target)


def _vector_check(r: KernelResult, lib: CLibrary, ns: dict[str, Any], seed: int, everywhere: bool) -> CCheck:
    """A vector kernel on the generator's rows (:func:`symact.codegen.vector_gen.vector_kernels`)."""
    from symact.codegen.c.vector import shape as vector_shape
    from symact.codegen.vector_gen import rows, stats, truth, vjp_scale
    from symact.derive import derive

    record = r.record
    d = derive(record)
    xs_syms = d.inputs  # type: ignore[union-attr]
    outputs = len(d.outputs) if d.outputs else 1  # type: ignore[union-attr]
    data = rows(len(xs_syms), VECTOR_ROWS, seed)
    g = np.random.default_rng(seed + 1).normal(size=(VECTOR_ROWS, outputs))
    gsyms = tuple(sp.Symbol(f"g_{i}", real=True) for i in range(g.shape[1]))
    target = TARGETS[r.plan.role]
    check = CCheck(r.plan.name, "vector", r.plan.role, target)
    jac = d.jacobian  # type: ignore[union-attr]
    with np.errstate(all="ignore"):
        if r.plan.role == "fwd":
            got = lib.rows(r.plan.name, data, outputs)
            want = np.asarray(ns[r.plan.name](data), dtype=np.float64).reshape(VECTOR_ROWS, outputs)
            exprs = list(d.expression)  # type: ignore[union-attr]
        else:
            gv = g if outputs > 1 else g[:, 0]
            got = lib.rows(r.plan.name, data, data.shape[1], gv)
            want = np.asarray(ns[r.plan.name](data, gv), dtype=np.float64)
            outs = range(jac.shape[0])
            exprs = [sp.Add(*[gsyms[i] * jac[i, k] for i in outs]) for k in range(jac.shape[1])]
    if got is None:
        check.problems.append(f"the row routine refused rows of length {data.shape[1]}")
        return check
    differ = ~np.all(_same(got, want), axis=1)
    pick = np.ones(VECTOR_ROWS, bool) if everywhere else differ
    ref = truth(exprs, xs_syms, data[pick], g[pick], gsyms)
    shape = vector_shape(r.record.name)
    scale = vjp_scale(shape, data[pick], g[pick]) if r.plan.role == "vjp" and shape is not None else None
    m = stats(got[pick], ref, scale)
    check.measurement, check.differing, check.compared = m, int(differ.sum()), VECTOR_ROWS
    check.problems = m.problems(target)
    return check


def _vector_loss_check(
    r: KernelResult, lib: CLibrary, ns: dict[str, Any], seed: int, everywhere: bool
) -> CCheck:
    """A vector loss on the generator's rows and targets
    (:func:`symact.codegen.vector_loss.vector_loss_kernels`)."""
    from symact.catalogue import VectorLoss, vector_symbols
    from symact.codegen.c.vector_loss import shape as loss_shape
    from symact.codegen.vector_gen import rows, stats, truth
    from symact.codegen.vector_loss import N, Y, targets

    record = cast(VectorLoss, r.record)
    shape = loss_shape(r.record.name)
    n = record.n_default
    zs, ys = vector_symbols("z", n), vector_symbols("y", n)
    data = rows(n, VECTOR_ROWS, seed)
    if not shape.logits:
        data = -np.abs(data)
    target = targets(VECTOR_ROWS, n, seed + 2)
    defaults = {p.symbol: p.default for p in record.params}
    args = tuple(_num(p.default) for p in record.params)
    loss = record.build(zs, ys)
    fwd = r.plan.role == "fwd"
    width = 1 if fwd else n
    check = CCheck(r.plan.name, "vector_loss", r.plan.role, TARGETS[r.plan.role])
    with np.errstate(all="ignore"):
        got = lib.loss_rows(r.plan.name, data, target, width, args)
        want = np.asarray(ns[r.plan.name](data, target), dtype=np.float64).reshape(VECTOR_ROWS, width)
    if got is None:
        check.problems.append(f"the row routine refused rows of length {n}")
        return check
    differ = ~np.all(_same(got, want), axis=1)
    pick = np.ones(VECTOR_ROWS, bool) if everywhere else differ
    exprs = [loss] if fwd else [sp.diff(loss, z) for z in zs]
    exprs = [sp.sympify(e).subs(defaults) for e in exprs]
    ref = truth(exprs, zs, data[pick], target[pick], ys)
    scale = None
    if not fwd:  # |p_k sum(w)| + |w_k|, the magnitudes of the gradient's terms
        w = np.asarray(sp.lambdify((Y, N), shape.weight.subs(defaults), "numpy")(target[pick], n))
        w = w + 0 * target[pick]
        p = ns["softmax"](data[pick]) if shape.logits else 0 * data[pick]
        scale = np.abs(p * np.sum(w, axis=-1, keepdims=True)) + np.abs(w)
    m = stats(got[pick], ref, scale)
    check.measurement, check.differing, check.compared = m, int(differ.sum()), VECTOR_ROWS
    check.problems = m.problems(check.target)
    return check


def check_kernels(
    results: list[KernelResult],
    lib: KernelLibrary,
    numpy_kernels: dict[str, Any],
    *,
    size: int = DEFAULT_SIZE,
    seed: int = SEED,
    everywhere: bool = False,
    documented: bool = True,
    flush: bool = False,
) -> list[CCheck]:
    """Measure the C kernel of each of `results` (chosen candidate, plan, documented range) against
    references; one CCheck each.

    `numpy_kernels` maps names to the verified NumPy kernels, and a grad_from_output result needs its
    record's grad among `results`.  `size` and `seed` must be the generator's for C results equal to
    NumPy's to inherit their verified errors; with `everywhere` every point is measured.  Without
    `documented`, the range where an output form is accurate is measured from its NumPy kernel (as
    the generator does) instead of read from ``accurate_range``.  With `flush` (a platform that
    flushes subnormal numbers to zero, as XLA's CPU runtime does) the subnormal inputs are left out,
    and an error is counted in units of at least the smallest normal number (:data:`FLUSH_FLOOR`).
    """
    xs = full_range_sample(size, seed=seed)
    if flush:
        xs = xs[~subnormal(xs)]
    by_name = {r.plan.name: r for r in results}
    out = []
    for r in results:
        kind = r.record.kind
        if kind == "vector":
            out.append(_vector_check(r, cast(CLibrary, lib), numpy_kernels, seed, everywhere))
        elif kind == "vector_loss":
            out.append(_vector_loss_check(r, cast(CLibrary, lib), numpy_kernels, seed, everywhere))
        elif r.plan.role == "grad_from_output":
            fwd = numpy_kernels[r.record.name]
            grad = _kernel(by_name[r.record.name + "_grad"], lib, numpy_kernels)
            out.append(
                _check_output_form(
                    _kernel(r, lib, numpy_kernels), fwd, grad, xs, everywhere, documented, flush
                )
            )
        else:
            out.append(_check_kernel(_kernel(r, lib, numpy_kernels), xs, everywhere, flush))
    for check in out:  # a measured maximum only where every point was measured
        if everywhere and check.measurement is not None:
            check.max_ulp["float64"] = check.measurement.max_ulp
    return out


def check_c(
    gen: Generation,
    lib: KernelLibrary,
    functions: list[CFunction],
    *,
    size: int = DEFAULT_SIZE,
    seed: int = SEED,
    everywhere: bool = False,
) -> list[CCheck]:
    """Measure every C kernel in `functions` (printed from `gen`) against references; one CCheck each.

    The NumPy kernels are the ones of ``gen.source``, just verified by the generator on the same
    sample (`size`, `seed`).
    """
    ns: dict[str, Any] = {}
    exec(compile(gen.source, "<symact kernels>", "exec"), ns)
    by_name = {r.plan.name: r for r in gen.results if r.ok}
    chosen = [by_name[f.name] for f in functions]
    needed = {r.record.name + "_grad" for r in chosen if r.plan.role == "grad_from_output"}
    extra = [by_name[n] for n in sorted(needed) if n not in {f.name for f in functions}]
    checks = check_kernels([*chosen, *extra], lib, ns, size=size, seed=seed, everywhere=everywhere)
    return checks[: len(chosen)]
