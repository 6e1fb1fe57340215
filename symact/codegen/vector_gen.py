"""Kernels of vector functions: source text from :mod:`symact.codegen.vector` shapes, and verification.

Forward kernels call the proved stable routines; VJPs are printed from the Jacobian split
$J_{ik} = \\delta_{ik} D(a_k) + P(a_i) Q(a_k)$ (or, for a reduction such as logsumexp, from its gradient,
itself a normalised vector function).  Verification uses rows of a few inputs at very different
scales and spreads against correctly rounded references of the textbook entries, with the other
inputs bound exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from symact.catalogue import Record
from symact.codegen.emit import Emitted, kernel_source
from symact.codegen.printer import KernelPrinter
from symact.codegen.rules import rewrite
from symact.codegen.vector import (
    NormalisedForm,
    PairedForm,
    complement_factor,
    linear_in_p,
    probability_split,
    recognise,
)
from symact.codegen.vector import normalised as _normalised
from symact.codegen.verify import ERRSTATE, Measurement
from symact.kernels import runtime as _runtime
from symact.numeric import compile_mp, exact_input, float_format, reference, ulp, ulp_error

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
        body = _normalised_vjp_body(record, shape, z)
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
    gsym = sp.Symbol("g", real=True)
    dh = [rewrite(gsym * sp.diff(shape.h, s))[0] for s in (shape.u, shape.v)]
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
        kernel_source(f"_k_{name}_du", ["u", "v", "g"], dh[0])
        + "\n\n"
        + kernel_source(f"_k_{name}_dv", ["u", "v", "g"], dh[1])
        + f"\n\ndef _v_{name}_vjp(x, g, axis):\n"
        f"    du = _rt.paired_cotangent(_k_{name}_du, x, g, axis, '{name}_vjp')\n"
        f"    dv = _rt.paired_cotangent(_k_{name}_dv, x, g, axis, '{name}_vjp')\n"
        "    return numpy.concatenate([du, dv], axis=axis)\n"
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


def _normalised_vjp_body(record: Record, shape: NormalisedForm, z: str) -> str | None:
    """The body of the VJP of a normalised function (input `z` = x or -x), or None.

    With the Jacobian split linear in p = softmax(z) (:func:`probability_split`), the products with
    p are formed by ``_rt.softmax_scaled``; otherwise ``g D(a) + Q(a) sum(g P(a))`` as printed.  A VJP
    unchanged by a constant added to g (softmax's) gets g - g_k, k the class of the row's maximum
    (``_rt.shifted_cotangent``), so that nothing cancels where p_k rounds to 1; one of the form
    beta (g - p sum(g)) (log_softmax's) is ``_rt.softmax_complement`` (:func:`complement_factor`).  A
    reduction's VJP is g times its gradient routine, g shaped like the output or with the axis kept.
    """
    name, routine = record.name, shape.rule.routine
    if shape.vjp_diag is None or shape.vjp_p is None or shape.vjp_q is None:
        grad = _gradient_routine(record)
        if grad is None:
            return None
        groutine, c = grad
        zg = "x" if c == 1 else "-x"
        head = f"    g = _rt.reduced_cotangent(g, x.shape, axis, '{name}_vjp')\n"
        if groutine == "softmax":
            return head + f"    return _rt.softmax_scaled({zg}, g, axis)\n"
        return head + f"    return g*_rt.{groutine}({zg}, axis)\n"
    a = sp.Symbol("a", real=True)
    g, s = sp.Symbol("g", real=True), sp.Symbol("s", real=True)
    split = probability_split(shape)
    p_lin = linear_in_p(shape, shape.vjp_p) if split is not None else None
    head = f"    g = _rt.cotangent(g, x.shape, '{name}_vjp')\n"
    if shape.shift_invariant:  # g^T J = (g - g_k)^T J, k the class of the maximum
        head += f"    g = _rt.shifted_cotangent({z}, g, axis)\n"
    beta = complement_factor(shape)
    if beta is not None:  # beta (g - p sum(g)), 1 - p_k formed from the other entries
        factor = "" if beta == 1 else f"{_p(beta)}*"
        return head + f"    return {factor}_rt.softmax_complement({z}, g, axis)\n"
    if p_lin is not None and p_lin[0] != 0:  # s = sum(g (pi p + rho)), g p formed by softmax_scaled
        terms = f"_rt.softmax_scaled({z}, {_p(p_lin[0] * g)}, axis)"
        terms += "" if p_lin[1] == 0 else f" + ({_p(p_lin[1] * g)})"
        head += f"    s = numpy.sum({terms}, axis=axis, keepdims=True)\n"
    else:
        if shape.vjp_p.has(a) or split is None:
            head += f"    a = _rt.{routine}({z}, axis)\n"
        head += f"    s = numpy.sum(g*({_p(shape.vjp_p)}), axis=axis, keepdims=True)\n"
    if split is None:
        return head + f"    return g*({_p(shape.vjp_diag)}) + ({_p(shape.vjp_q)})*s\n"
    alpha, beta, gamma, delta = split
    coef, rest = alpha * g + gamma * s, beta * g + delta * s
    tail = "" if rest == 0 else f" + ({_p(rest)})"
    return head + f"    return _rt.softmax_scaled({z}, {_p(coef)}, axis){tail}\n"


def _gradient_routine(record: Record) -> tuple[str, int] | None:
    """For a reduction (one output), its gradient row as a normalised routine: (routine, c)."""
    from symact.derive import derive

    d = derive(record)
    row = sp.Matrix([d.jacobian[0, k] for k in range(d.jacobian.shape[1])])  # type: ignore[union-attr]
    found = _normalised(row, d.inputs)  # type: ignore[union-attr]
    return None if found is None else (found[0].routine, found[1])


_MAX = float(np.finfo(np.float64).max)
_FILL = (0.25, -3.5, 2.0, -0.75, 1.5, -8.0)

EDGE_ROWS: tuple[tuple[str, tuple[float, ...]], ...] = (
    ("spread beyond the float range", (1e308, -1e308, 0.5)),
    ("spread beyond the float range, maximum last", (-_MAX, -1.0, _MAX)),
    ("ties", (5.0, 5.0, 5.0, 5.0)),
    ("ties at the maximum", (7.0, -1.0, 7.0, 7.0)),
    ("subnormal differences", (5e-324, 0.0, -5e-324, 1e-310)),
    ("spread of several hundred", (0.0, -720.0, -750.0, -800.0)),
    ("spread of several hundred, maximum inside", (-740.0, 0.0, -709.5, -1000.0)),
    ("huge entries close together", (1e300, float(np.nextafter(1e300, 0)), 1e300 * (1 - 2.0**-40), 9e299)),
    (
        "the maximum's probability rounds to 1",
        (36.36942201002898, -36.94463502508645, -707.9878825948716, -708.6637881605405),
    ),
    (
        "1 - p at the maximum of 2.8e-16, spread near exp's underflow threshold",
        (-745.1395862956131, -708.2623761433654, -745.6458660678911, -744.9134161429304),
    ),
    (
        "1 - p at the maximum of 4.9e-292",
        (-708.3691552862531, -746.3230582154291, -36.94328792113232, -708.4296460847467),
    ),
    (
        "1 - p at the maximum of 2.8e-3",
        (-1.3093057414296636, -3.5094057233185922, 5.218103631390402, -1.4877321853264558),
    ),
    (
        "softmin: 1 - p at the maximum of -x of 7.7e-17 (softmax: of 2e-323)",
        (706.0077248438772, -708.139370250933, -37.02544531669254, -745.2470455068463),
    ),
    (
        "softmin: 1 - p at the maximum of -x of 4.9e-16",
        (-744.9231875362696, -709.2043056452824, -708.6899818960693, -37.9199936028122),
    ),
)
"""Finite rows every vector kernel is verified on (cut or filled to the row length)."""

SPECIAL_ROWS: tuple[tuple[str, tuple[float, ...]], ...] = (
    ("a masked class (-inf)", (0.5, -np.inf, 3.0, -2.0)),
    ("two +inf", (np.inf, 0.0, np.inf, -1.0)),
    ("-inf (softmin's +inf)", (-0.5, -1.25, -4.5, -np.inf)),
    ("a masked class beside a spread beyond the float range", (1e308, -np.inf, -1e308, 2.0)),
    ("+inf", (np.inf, 0.0, 1.0, 2.0)),
    ("+inf and -inf", (-np.inf, np.inf, 0.0, 1.0)),
    ("all masked", (-np.inf, -np.inf, -np.inf, -np.inf)),
    ("nan", (np.nan, 0.0, 1.0, 2.0)),
)
"""Rows with infinite or nan entries, verified against the documented conventions: a masked entry has
weight 0 (the limit); +inf in a normalised function's input takes all the mass in the forward kernel
(softmax 1 there and 0 elsewhere; nan at the +inf entries when there are several, which have no
limit), +inf gives nan in a VJP (logsumexp: +inf); nan gives nan where the value depends on it."""

_LARGE_G = 1e30  # the cotangent on rows of spread of several hundred: tiny p_k times g is a normal float


def _fit(values: tuple[float, ...], n: int) -> np.ndarray:
    return np.array([*values, *_FILL][:n]) if len(values) < n else np.array(values[:n])


def _rows(n: int, count: int, seed: int) -> np.ndarray:
    """`count` rows of `n` inputs: random rows at very different scales and offsets, then
    :data:`EDGE_ROWS` (the last rows)."""
    rng = np.random.default_rng(seed)
    scale = 10.0 ** rng.uniform(-3, 3, (count, 1))
    offset = np.where(rng.random((count, 1)) < 0.3, rng.uniform(-1e4, 1e4, (count, 1)), 0.0)
    rows = rng.uniform(-1, 1, (count, n)) * scale + offset
    rows[0] = np.linspace(-800.0, 0.0, n)
    rows[1] = 0.0
    edges = np.array([_fit(v, n) for _, v in EDGE_ROWS])[: max(count - 2, 0)]
    rows[count - len(edges) :] = edges
    return rows


def special_rows(n: int) -> np.ndarray:
    """:data:`SPECIAL_ROWS` cut or filled to `n` inputs."""
    return np.array([_fit(v, n) for _, v in SPECIAL_ROWS])


def _float32_rows(data: np.ndarray) -> np.ndarray:
    """The first 10 rows within the float32 range (the float32 check; the edge rows are float64's)."""
    return np.nonzero(np.all(np.abs(data) < 1e30, axis=1))[0][:10]


def _cotangents(data: np.ndarray, width: int, seed: int) -> np.ndarray:
    """Normal cotangents, one-hot at the class of the maximum on every third row; 1e30 times that on
    rows of spread 500 .. 2000 (where an early underflow of a tiny probability would flush a normal
    result to 0)."""
    g = np.random.default_rng(seed).normal(size=(data.shape[0], width))
    if width == data.shape[1]:  # every third finite row: g one-hot at the class of the maximum of
        for r in range(2, data.shape[0], 3):  # x, or of -x (softmin), where g_k - p_k g_k cancels
            if np.isfinite(data[r]).all():
                k = int(np.argmax(data[r] if r % 2 else -data[r]))
                g[r] = np.where(np.arange(width) == k, 1.0, 0.0)
    with np.errstate(invalid="ignore", over="ignore"):
        spread = np.max(data, axis=1) - np.min(data, axis=1)
    return np.where(((spread >= 500) & (spread <= 2000))[:, None], g * _LARGE_G, g)


def _truth(
    exprs: list[sp.Expr],
    symbols: tuple[sp.Symbol, ...],
    rows: np.ndarray,
    extra: np.ndarray | None = None,
    extra_syms: tuple[sp.Symbol, ...] = (),
    dtype: Any = np.float64,
    nan_rows: np.ndarray | None = None,
    depends: sp.Expr | None = None,
) -> np.ndarray:
    """Correctly rounded values of `exprs` on `rows` (and `extra` values of `extra_syms`).

    An infinite entry is bound to +-2^1100 (its limit); a nan entry makes the value nan unless the
    binding of the others drops it from `depends` (by default the expression itself; for a loss's
    gradient, the loss: a term of weight exactly 0); rows of `nan_rows` are nan (the
    documented value where the limit is not what the kernel promises, such as softmax at +inf).
    """
    out = np.empty((rows.shape[0], len(exprs)))
    fmt = float_format(dtype)
    others = (*symbols[1:], *extra_syms)
    fns = [compile_mp(sp.sympify(e), symbols[0], others) for e in exprs]
    for r, row in enumerate(rows):
        prec = precision_for(row)
        values = dict(zip(symbols, row, strict=True))
        if extra is not None:
            values.update(zip(extra_syms, extra[r], strict=True))
        if nan_rows is not None and nan_rows[r]:
            out[r] = np.nan
            continue
        nans = {s for s, v in values.items() if np.isnan(v)}
        for c, e in enumerate(exprs):
            if nans:
                known = {s: exact_input(v) for s, v in values.items() if s not in nans}
                bound = sp.sympify(e).xreplace(known)
                dep = sp.sympify(e if depends is None else depends)
                dropped = dep.free_symbols & nans and not dep.xreplace(known).free_symbols & nans
                out[r, c] = (
                    reference(bound, symbols[0], [0.0], dtype=dtype, precision=prec)[0] if dropped else np.nan
                )
                continue
            at = tuple(float(values[s]) for s in others)
            out[r, c] = fns[c].rounded(float(row[0]), fmt, prec, at=at)
    return out


def precision_for(row: np.ndarray) -> int:
    """The working precision a reference on `row` starts from: its spread in bits (capped where every
    term e^{x_i - m} it would resolve is far below the smallest float) and 128 more, so that two
    evaluations cannot agree on a value that both miss 1 - p_k = e^{-spread}."""
    finite = row[np.isfinite(row)]
    with np.errstate(over="ignore"):
        spread = float(np.max(finite) - np.min(finite)) if finite.size else 0.0
    return int(min(spread, 1600.0) / math.log(2)) + 128


def _stats(got: np.ndarray, ref: np.ndarray, scale: np.ndarray | None) -> Measurement:
    m = Measurement()
    err = ulp_error(got, ref)
    if scale is not None:
        with np.errstate(all="ignore"):
            sc = np.where(np.isfinite(scale), np.abs(scale), 0.0)
            unit = ulp(np.maximum(np.abs(ref), sc))
            err = np.where(np.isfinite(got) & np.isfinite(ref), np.abs(got - ref) / unit, err)
    normal = np.isfinite(ref) & (np.abs(ref) >= _TINY)
    bad = np.isfinite(ref) & ~np.isfinite(got)
    m.nonfinite_wrong = [float(v) for v in got[bad][:3]]
    special = ~np.isfinite(ref) & (ulp_error(got, ref) != 0)
    if special.any():
        rows = np.nonzero(special.any(axis=-1))[0] if special.ndim > 1 else np.nonzero(special)[0]
        m.specials_wrong.append(
            f"{int(special.sum())} nan/inf values not as documented (rows {rows[:5].tolist()}, "
            f"e.g. {float(got[special][0])!r} for {float(ref[special][0])!r})"
        )
    m.points = int(normal.sum())
    if m.points:
        e = np.where(np.isnan(err[normal]), np.inf, err[normal])
        m.max_ulp = float(np.max(e))
        with np.errstate(invalid="ignore"):  # inf errors: the quantile interpolates inf - inf
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
    data = np.vstack([_rows(len(xs), rows, seed), _specials(shape, len(xs))])
    g = _cotangents(data, len(d.outputs) if d.outputs else 1, seed + 1)  # type: ignore[union-attr]
    pos_inf = _pos_inf_rows(shape, data)
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
            if isinstance(shape, NormalisedForm) and not shape.rule.reduces:
                ref = np.where(forward_no_limit(shape.scale * data), np.nan, ref)
            got = got.reshape(ref.shape)
            m = _stats(got, ref, None)
            target = 4.0
            rows32 = data[_float32_rows(data)].astype(np.float32)
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
            ref = _truth(exprs, xs, data, g, gsyms, nan_rows=pos_inf)
            scale = _vjp_scale(shape, data, g)
            if scale is not None:  # the terms g_i J_ik themselves, not those of the split's formula
                terms = [
                    sp.Add(*[sp.Abs(gsyms[i] * jac[i, k]) for i in range(jac.shape[0])])
                    for k in range(jac.shape[1])
                ]
                scale = _truth(terms, xs, data, g, gsyms, nan_rows=pos_inf)
            m = _stats(got, ref, scale)
            target = 8.0
        problems += m.problems(target)
        emitted = None if problems else Emitted(public, ksrc, None, wsrc)
        results.append((public, role, emitted, m, problems, rule))
    return results


def _specials(shape: NormalisedForm | PairedForm, n: int) -> np.ndarray:
    """:func:`special_rows` for `shape`; a paired function gets none with nan or with both halves of a
    pair infinite (its convention there, nan where either half is nan and nan for inf * 0, is tested
    separately), since references bind each entry on its own."""
    rows = special_rows(n)
    if isinstance(shape, PairedForm):
        u, v = np.split(rows, 2, axis=1)
        keep = ~np.isnan(rows).any(axis=1) & ~(np.isinf(u) & np.isinf(v)).any(axis=1)
        rows = rows[keep]
    return rows


def no_limit_rows(z: np.ndarray) -> np.ndarray:
    """Rows of a normalised function's input z = c x that hold +inf or are all -inf: nan by
    convention (PyTorch's and JAX's value), except for a reduction's forward kernel (logsumexp: +inf
    and -inf, its limits, which the references give)."""
    return np.any(z == np.inf, axis=1) | np.all(z == -np.inf, axis=1)


def forward_no_limit(z: np.ndarray) -> np.ndarray:
    """Entries of a normalised function's forward kernel (input z = c x) without a limit, nan by
    convention: every entry of a row that is all -inf, and the +inf entries of a row holding two or
    more (the others take their limits: the +inf entries take all the mass)."""
    several = np.sum(z == np.inf, axis=-1, keepdims=True) > 1
    return np.all(z == -np.inf, axis=-1, keepdims=True) | (several & (z == np.inf))  # type: ignore[no-any-return]


def _pos_inf_rows(shape: NormalisedForm | PairedForm, data: np.ndarray) -> np.ndarray | None:
    return no_limit_rows(shape.scale * data) if isinstance(shape, NormalisedForm) else None


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
    with np.errstate(all="ignore"):  # rows with nan or infinite entries: the scale is unused there
        a = getattr(_runtime, shape.rule.routine)(z, -1)
        diag, p, q = (np.broadcast_to(f(a), a.shape) for f in fns)
        return np.abs(g * diag) + np.abs(q) * np.sum(np.abs(g * p), axis=-1, keepdims=True)  # type: ignore[no-any-return]


# Public names of the measurement helpers (re-exported by symact.codegen.measure).
rows, truth, stats, vjp_scale, gradient_routine = _rows, _truth, _stats, _vjp_scale, _gradient_routine
fit, float32_rows = _fit, _float32_rows
specials, cotangents, pos_inf_rows = _specials, _cotangents, _pos_inf_rows
