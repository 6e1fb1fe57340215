"""Kernels of vector functions: source text from :mod:`symact.codegen.vector` shapes, and verification.

Forward kernels call the proved stable routines; VJPs are printed from the Jacobian split
$J_{ik} = \\delta_{ik} D(a_k) + P(a_i) Q(a_k)$ (or, for a reduction such as logsumexp, from its gradient,
itself a normalised vector function).  Verification uses rows of a few inputs at very different
scales and spreads against correctly rounded references of the textbook entries, with the other
inputs bound exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from symact.catalogue import Record
from symact.codegen.emit import Emitted, kernel_source
from symact.codegen.printer import KernelPrinter
from symact.codegen.rules import rewrite
from symact.codegen.vector import NormalisedForm, PairedForm, recognise
from symact.codegen.vector import normalised as _normalised
from symact.codegen.verify import ERRSTATE, Measurement
from symact.kernels import runtime as _runtime
from symact.numeric import reference, ulp, ulp_error

__all__ = ["vector_kernels"]

_TINY = float(np.finfo(np.float64).tiny)


def _wrapper(public: str, inputs: list[str], call: str, doc: str) -> str:
    sig = ", ".join(
        [f"{n}: ArrayLike" for n in inputs] + ["*", "axis: int = -1", "out: numpy.ndarray | None = None"]
    )
    return f'def {public}({sig}) -> Any:\n    """{doc}"""\n    return {call}\n'


def _p(expr: sp.Expr) -> str:
    return KernelPrinter({"fully_qualified_modules": True}).doprint(expr)


def _sources(record: Record, shape: NormalisedForm | PairedForm) -> list[tuple[str, str, str, str]]:
    """(public name, role, kernel source, wrapper source) for the forward kernel and the VJP."""
    name = record.name
    out = []
    if isinstance(shape, NormalisedForm):
        z = "x" if shape.scale == 1 else "-x"
        k = f"def _v_{name}(x, axis):\n    return _rt.{shape.rule.routine}({z}, axis)\n"
        out.append(
            (
                name,
                "fwd",
                k,
                _wrapper(
                    name,
                    ["x"],
                    f"_rt.vector(_v_{name}, (x,), axis, out)",
                    f"{record.description} Along `axis`; stable routine "
                    f"`{shape.rule.routine}` ({shape.rule.name}).",
                ),
            )
        )
        body = None
        if shape.vjp_diag is not None:
            body = (
                f"    a = _rt.{shape.rule.routine}({z}, axis)\n"
                f"    return g*({_p(shape.vjp_diag)}) + ({_p(shape.vjp_q)})*numpy.sum(g*({_p(shape.vjp_p)}), "
                "axis=axis, keepdims=True)\n"
            )
        else:
            grad = _gradient_routine(record)
            if grad is not None:
                routine, c = grad
                body = (
                    f"    return numpy.expand_dims(g, axis)*_rt.{routine}({'x' if c == 1 else '-x'}, axis)\n"
                )
        if body is not None:
            out.append(
                (
                    f"{name}_vjp",
                    "vjp",
                    f"def _v_{name}_vjp(x, g, axis):\n{body}",
                    _wrapper(
                        f"{name}_vjp",
                        ["x", "g"],
                        f"_rt.vector(_v_{name}_vjp, (x, g), axis, out)",
                        f"Vector-Jacobian product g^T J of {name} along `axis`.",
                    ),
                )
            )
        return out
    h, _ = rewrite(shape.h)
    dh = [rewrite(sp.diff(shape.h, s))[0] for s in (shape.u, shape.v)]
    k = (
        kernel_source(f"_k_{name}", ["u", "v"], h)
        + f"\n\ndef _v_{name}(x, axis):\n    return _rt.paired(_k_{name}, x, axis)\n"
    )
    out.append(
        (
            name,
            "fwd",
            k,
            _wrapper(
                name,
                ["x"],
                f"_rt.vector(_v_{name}, (x,), axis, out)",
                f"{record.description} Along `axis` (size even).",
            ),
        )
    )
    kv = (
        kernel_source(f"_k_{name}_du", ["u", "v"], dh[0])
        + "\n\n"
        + kernel_source(f"_k_{name}_dv", ["u", "v"], dh[1])
        + f"\n\ndef _v_{name}_vjp(x, g, axis):\n"
        f"    return numpy.concatenate([g*_rt.paired(_k_{name}_du, x, axis), "
        f"g*_rt.paired(_k_{name}_dv, x, axis)], axis=axis)\n"
    )
    out.append(
        (
            f"{name}_vjp",
            "vjp",
            kv,
            _wrapper(
                f"{name}_vjp",
                ["x", "g"],
                f"_rt.vector(_v_{name}_vjp, (x, g), axis, out)",
                f"Vector-Jacobian product g^T J of {name} along `axis`; g has half the size of x.",
            ),
        )
    )
    return out


def _gradient_routine(record: Record) -> tuple[str, int] | None:
    """For a reduction (one output), its gradient row as a normalised routine: (routine, c)."""
    from symact.derive import derive

    d = derive(record)
    row = sp.Matrix([d.jacobian[0, k] for k in range(d.jacobian.shape[1])])  # type: ignore[union-attr]
    found = _normalised(row, d.inputs)  # type: ignore[union-attr]
    return None if found is None else (found[0].routine, found[1])


def _rows(n: int, count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    scale = 10.0 ** rng.uniform(-3, 3, (count, 1))
    offset = np.where(rng.random((count, 1)) < 0.3, rng.uniform(-1e4, 1e4, (count, 1)), 0.0)
    rows = rng.uniform(-1, 1, (count, n)) * scale + offset
    rows[0] = np.linspace(-800.0, 0.0, n)
    rows[1] = 0.0
    return rows


def _truth(
    exprs: list[sp.Expr],
    symbols: tuple[sp.Symbol, ...],
    rows: np.ndarray,
    extra: np.ndarray | None = None,
    extra_syms: tuple[sp.Symbol, ...] = (),
    dtype: Any = np.float64,
) -> np.ndarray:
    out = np.empty((rows.shape[0], len(exprs)))
    for r, row in enumerate(rows):
        params: dict[str, float] = {s.name: float(v) for s, v in zip(symbols[1:], row[1:], strict=True)}
        if extra is not None:
            params.update({s.name: float(v) for s, v in zip(extra_syms, extra[r], strict=True)})
        for c, e in enumerate(exprs):
            out[r, c] = reference(e, symbols[0], [float(row[0])], params=params, dtype=dtype)[0]
    return out


def _stats(got: np.ndarray, ref: np.ndarray, scale: np.ndarray | None) -> Measurement:
    m = Measurement()
    err = ulp_error(got, ref)
    if scale is not None:
        with np.errstate(all="ignore"):
            unit = ulp(np.maximum(np.abs(ref), np.abs(scale)))
            err = np.where(np.isfinite(got) & np.isfinite(ref), np.abs(got - ref) / unit, err)
    normal = np.isfinite(ref) & (np.abs(ref) >= _TINY)
    bad = np.isfinite(ref) & ~np.isfinite(got)
    m.nonfinite_wrong = [float(v) for v in got[bad][:3]]
    m.points = int(normal.sum())
    if m.points:
        e = err[normal]
        m.max_ulp = float(np.max(e))
        m.p999_ulp = float(np.quantile(e, 0.999))
    return m


def vector_kernels(
    record: Record, *, rows: int, seed: int
) -> list[tuple[str, str, Emitted | None, Measurement | None, list[str], str]]:
    """(public, role, emitted, measurement, problems, rule) for each kernel of a vector record."""
    from symact.derive import derive

    shape = recognise(record)
    if shape is None:
        raise ValueError(f"{record.name}: neither a normalised nor a paired vector function")
    d = derive(record)
    xs = d.inputs  # type: ignore[union-attr]
    data = _rows(len(xs), rows, seed)
    g = np.random.default_rng(seed + 1).normal(size=(rows, len(d.outputs) if d.outputs else 1))  # type: ignore[union-attr]
    gsyms = tuple(sp.Symbol(f"g_{i}", real=True) for i in range(g.shape[1]))
    rule = shape.rule.name if isinstance(shape, NormalisedForm) else "paired element-wise kernel"
    results: list[tuple[str, str, Emitted | None, Measurement | None, list[str], str]] = []
    for public, role, ksrc, wsrc in _sources(record, shape):
        ns: dict[str, Any] = {"numpy": np, "_rt": _runtime}
        exec(compile(ksrc, "<symact kernel>", "exec"), ns)
        fn = ns[f"_v_{public}"]
        problems: list[str] = []
        try:
            with np.errstate(**ERRSTATE):  # type: ignore[arg-type]
                if role == "fwd":
                    got = np.asarray(_runtime.vector(fn, (data,), -1, None))
                else:
                    gv = g if len(d.outputs) > 1 else g[:, 0]  # type: ignore[union-attr]
                    got = np.asarray(_runtime.vector(fn, (data, gv), -1, None))
        except FloatingPointError as exc:
            results.append((public, role, None, None, [f"floating-point exception: {exc}"], rule))
            continue
        if role == "fwd":
            exprs = list(d.expression)  # type: ignore[union-attr]
            ref = _truth(exprs, xs, data)
            got = got.reshape(ref.shape)
            m = _stats(got, ref, None)
            target = 4.0
            rows32 = data[:10].astype(np.float32)
            with np.errstate(over="ignore", under="ignore"):
                got32 = np.asarray(_runtime.vector(fn, (rows32,), -1, None))
            ref32 = _truth(exprs, xs, rows32.astype(np.float64), dtype=np.float32)
            if got32.dtype != np.float32:
                problems.append(f"float32 input gave {got32.dtype}")
            err32 = ulp_error(got32.reshape(ref32.shape).astype(np.float64), ref32, dtype=np.float32)
            m.f32_max_ulp = float(np.max(err32[np.isfinite(ref32)]))
        else:
            jac = d.jacobian  # type: ignore[union-attr]
            exprs = [
                sp.Add(*[gsyms[i] * jac[i, k] for i in range(jac.shape[0])]) for k in range(jac.shape[1])
            ]
            ref = _truth(exprs, xs, data, g, gsyms)
            scale = _vjp_scale(shape, data, g)
            m = _stats(got, ref, scale)
            target = 8.0
        problems += m.problems(target)
        emitted = None if problems else Emitted(public, ksrc, None, wsrc)
        results.append((public, role, emitted, m, problems, rule))
    return results


def _vjp_scale(shape: NormalisedForm | PairedForm, data: np.ndarray, g: np.ndarray) -> np.ndarray | None:
    """Sum of the magnitudes of the VJP's terms, |g_k D(a_k)| + |Q(a_k)| sum_i |g_i P(a_i)|."""
    if not isinstance(shape, NormalisedForm) or shape.vjp_diag is None:
        return None
    a_sym = sp.Symbol("a", real=True)
    fns: list[Callable[[np.ndarray], np.ndarray]] = [
        sp.lambdify(a_sym, e + 0 * a_sym, "numpy")
        for e in (shape.vjp_diag, shape.vjp_p, shape.vjp_q)  # type: ignore[operator]
    ]
    z = data if shape.scale == 1 else -data
    a = getattr(_runtime, shape.rule.routine)(z, -1)
    diag, p, q = (np.broadcast_to(f(a), a.shape) for f in fns)
    return np.abs(g * diag) + np.abs(q) * np.sum(np.abs(g * p), axis=-1, keepdims=True)


# Public names of the measurement helpers (re-exported by symact.codegen.measure).
rows, truth, stats, vjp_scale, gradient_routine = _rows, _truth, _stats, _vjp_scale, _gradient_routine
