r"""Kernels of vector losses (cross-entropy over classes): a proved shape, source text, verification.

A vector loss $L(z, y)$ over $n$ classes is recognised as a weighted negative log-likelihood,

$$L = \sum_i w(y_i)\,(-\log p_i), \qquad -\log p_i = \operatorname{logsumexp}(z) - z_i \text{ (logits)}
\quad\text{or}\quad -z_i \text{ (log-probabilities)},$$

with one per-class weight $w(y, n)$ that depends on the class's own target, the parameters and the
class count only.  Each claim is proved symbolically on the record's own expression:

- the weights: $w_i = -\partial L/\partial z_i$ with $\operatorname{logsumexp}$ held fixed, the same
  function of $y_i$ for every class, and of the form $A + B/n$ (fitted at n = 3, 4 and proved equal
  at n = 2 .. 6);
- the loss: $L - \sum_i w_i(-\log p_i)$ simplifies to 0 (n = 2 .. 6);
- the gradient: each entry of the derivation's Jacobian equals $p_k \sum_i w_i - w_k$ (logits) or
  $-w_k$ (log-probabilities), $p = \operatorname{softmax}(z)$.

The kernels then call the stable routines (``log_softmax`` shifted by the maximum), and are measured
against correctly rounded references of the textbook expression on rows at very different scales.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from symact.catalogue import Record, VectorLoss
from symact.catalogue import vector_symbols as _symbols
from symact.codegen.emit import Emitted
from symact.codegen.printer import KernelPrinter
from symact.codegen.vector_gen import fit as _fit
from symact.codegen.vector_gen import float32_rows as _float32_rows
from symact.codegen.vector_gen import no_limit_rows
from symact.codegen.vector_gen import rows as _rows
from symact.codegen.vector_gen import stats as _stats
from symact.codegen.vector_gen import truth as _truth
from symact.codegen.verify import ERRSTATE, Measurement
from symact.kernels import runtime as _runtime
from symact.numeric import ulp_error

__all__ = ["LossShape", "recognise_loss", "vector_loss_kernels"]

Y = sp.Symbol("y", real=True)
N = sp.Symbol("n", positive=True, integer=True)
SIZES = (2, 3, 4, 5, 6)
_L = sp.Symbol("L", real=True)

Found = tuple[str, str, Emitted | None, Measurement | None, list[str], str]


@dataclass(frozen=True)
class LossShape:
    """$L = \\sum_i w(y_i, n)(-\\log p_i)$; `logits` says whether $\\log p = $ log_softmax(z) or z."""

    weight: sp.Expr  # in Y, N and the parameters
    logits: bool
    proofs: tuple[str, ...]


def _zero(e: sp.Expr) -> bool:
    return sp.simplify(e) == 0 or sp.simplify(sp.expand(sp.expand_log(e, force=True))) == 0


def _weights(record: VectorLoss, n: int) -> tuple[sp.Expr, bool]:
    """(w(y) at class count n, whether the inputs are logits); raises ValueError if not this shape."""
    zs, ys = _symbols("z", n), _symbols("y", n)
    expr = sp.expand(record.build(zs, ys))
    lse = sp.log(sp.Add(*[sp.exp(z) for z in zs]))
    held = expr.subs(lse, _L)
    logits = held.has(_L)
    ws = [-sp.diff(held, z) for z in zs]
    if any(w.has(_L, *zs) for w in ws):
        raise ValueError("the loss is not linear in the inputs with logsumexp held fixed")
    nl = [(_L - z) if logits else -z for z in zs]
    if not _zero(held - sp.Add(*[w * v for w, v in zip(ws, nl, strict=True)])):
        raise ValueError(f"the loss is not a weighted negative log-likelihood (n = {n})")
    own = ws[0].subs(ys[0], Y)
    for w, y in zip(ws, ys, strict=True):
        if w.free_symbols & (set(ys) - {y}) or not _zero(w - own.subs(Y, y)):
            raise ValueError("a class's weight depends on other classes' targets")
    return own, logits


def recognise_loss(record: VectorLoss) -> LossShape:
    """The proved shape of `record` (raises ValueError naming the step that fails)."""
    found = {n: _weights(record, n) for n in SIZES}
    logits = found[3][1]
    if any(v[1] != logits for v in found.values()):
        raise ValueError("the loss takes logits at some class counts and log-probabilities at others")
    w3, w4 = found[3][0], found[4][0]
    weight = sp.expand((4 * w4 - 3 * w3) + 12 * (w3 - w4) / N)
    for n, (w, _) in found.items():
        if not _zero(w - weight.subs(N, n)):
            raise ValueError(f"the class weight is not A + B/n in the class count (fails at n = {n})")
    proofs = [
        f"w(y, n) = {weight}: -dL/dz_i with logsumexp held, the same for every class, proved at "
        f"n = {', '.join(map(str, SIZES))}",
        "L - sum_i w(y_i)("
        + ("logsumexp(z) - z_i" if logits else "-z_i")
        + ") simplifies to 0 at n = "
        + ", ".join(map(str, SIZES)),
    ]
    zs, ys = _symbols("z", record.n_default), _symbols("y", record.n_default)
    loss = record.build(zs, ys)
    denom = sp.Add(*[sp.exp(z) for z in zs])
    ws = [weight.subs({Y: y, N: len(zs)}) for y in ys]
    for k, z in enumerate(zs):
        claimed = sp.exp(z) / denom * sp.Add(*ws) - ws[k] if logits else -ws[k]
        if not _zero(sp.diff(loss, z) - claimed):
            raise ValueError(f"the gradient is not p_k sum(w) - w_k at k = {k + 1}")
    proofs.append(
        "dL/dz_k = " + ("p_k sum_i w_i - w_k" if logits else "-w_k") + f" for every k at n = {len(zs)}"
    )
    return LossShape(weight, logits, tuple(proofs))


def _p(expr: sp.Expr) -> str:
    return KernelPrinter({"fully_qualified_modules": True}).doprint(expr)


def _sources(record: VectorLoss, shape: LossShape) -> list[tuple[str, str, str, str]]:
    """(public name, role, kernel source, wrapper source) for the loss and its gradient."""
    name = record.name
    pnames = [p.name for p in record.params]
    args = "".join(f", {n}" for n in pnames)
    w = _p(shape.weight)
    head = f"(z, y, axis{args}):\n    n = z.shape[axis]\n    w = {w}\n"
    fwd = "_rt.nll_of_logits(z, w, axis)" if shape.logits else "_rt.weighted_nll(z, w, axis)"
    grad = "_rt.softmax_complement(z, -w, axis)" if shape.logits else "_rt.nan_where(z, -w, w)"
    if "n" not in w:
        head = head.replace("    n = z.shape[axis]\n", "")
    sig = ", ".join(
        ["z: ArrayLike", "y: ArrayLike", "*"]
        + [f"{p.name}: float = {float(p.default)!r}" for p in record.params]
        + ["axis: int = -1", "out: numpy.ndarray | None = None"]
    )
    params = f"({', '.join(pnames)},)" if pnames else "()"
    what = "logits z" if shape.logits else "log-probabilities z"
    out = []
    for public, role, body, doc in (
        (
            name,
            "fwd",
            f"    return {fwd}\n",
            f"{record.description} One value per row of {what} along `axis` (reduced; no mean).\n\n"
            f"    Computed as sum_i w_i (-log p_i) with w = {shape.weight} (proved).",
        ),
        (
            f"{name}_grad",
            "grad",
            f"    return {grad}\n",
            f"Gradient of {name} with respect to the {what} along `axis` (same shape as z):\n\n"
            f"    {'softmax(z) sum(w) - w' if shape.logits else '-w'} with w = {shape.weight} (proved).",
        ),
    ):
        ksrc = f"def _v_{public}{head}{body}"
        wsrc = (
            f'def {public}({sig}) -> Any:\n    """{doc}"""\n'
            f"    return _rt.vector(_v_{public}, (z, y), axis, out, {params})\n"
        )
        out.append((public, role, ksrc, wsrc))
    return out


SPECIAL_LOSS_ROWS: tuple[tuple[str, tuple[float, ...], tuple[float, ...]], ...] = (
    ("nan in a class of weight 0", (np.nan, -1.0, -2.0), (0.0, 1.0, 0.0)),
    ("a masked class (-inf) of weight 0", (-np.inf, -0.5, -1.0), (0.0, 0.25, 0.75)),
    ("a masked class of positive weight", (-np.inf, -0.5, -1.0), (1.0, 0.0, 0.0)),
    ("+inf", (np.inf, -0.5, -1.0), (0.5, 0.5, 0.0)),
    ("all masked", (-np.inf, -np.inf, -np.inf), (0.0, 1.0, 0.0)),
    ("large weights on a spread of several hundred", (0.0, -760.0, -800.0), (1e30, 0.0, 0.0)),
    ("spread beyond the float range", (-1e308, 1e308, -1.0), (0.5, 0.25, 0.25)),
)
"""(logits or log-probabilities, targets) rows every vector loss is verified on, besides the rows of
``vector_gen._rows`` (which include the finite edge rows); cut or filled to the class count."""


def special_loss_rows(n: int) -> tuple[np.ndarray, np.ndarray]:
    """:data:`SPECIAL_LOSS_ROWS` as (z, y) arrays of `n` classes."""
    z = np.array([_fit(v, n) for _, v, _ in SPECIAL_LOSS_ROWS])
    y = np.array([_fit(w, n) for _, _, w in SPECIAL_LOSS_ROWS])
    return z, y


def _targets(rows: int, n: int, seed: int) -> np.ndarray:
    """Target rows: one-hot, probability vectors, zeros and arbitrary values in [0, 1]."""
    rng = np.random.default_rng(seed)
    y = rng.uniform(0, 1, (rows, n))
    kind = np.arange(rows) % 4
    onehot = np.eye(n)[rng.integers(0, n, rows)]
    y[kind == 0] = onehot[kind == 0]
    y[kind == 1] /= y[kind == 1].sum(axis=1, keepdims=True)
    y[kind == 2] = np.where(rng.random((int((kind == 2).sum()), n)) < 0.5, 0.0, y[kind == 2])
    return y


def _gradient_terms(
    shape: LossShape, zs: tuple[sp.Symbol, ...], ys: tuple[sp.Symbol, ...], defaults: dict[sp.Symbol, sp.Expr]
) -> list[sp.Expr]:
    r"""$\sum_i |w_i|\,|p_k - [i = k]|$ for each class k: the sizes of the gradient's terms."""
    denom = sp.Add(*[sp.exp(z) for z in zs])
    ws = [sp.Abs(shape.weight.subs({Y: y, N: len(zs)}).subs(defaults)) for y in ys]
    return [
        sp.Add(*[w * sp.Abs(sp.exp(z) / denom - (1 if i == k else 0)) for i, w in enumerate(ws)])
        for k, z in enumerate(zs)
    ]


def vector_loss_kernels(record: Record, *, rows: int, seed: int) -> list[Found]:
    """(public, role, emitted, measurement, problems, rule) for the loss and its gradient."""
    assert isinstance(record, VectorLoss)
    shape = recognise_loss(record)
    n = record.n_default
    zs, ys = _symbols("z", n), _symbols("y", n)
    data = _rows(n, rows, seed)
    if not shape.logits:  # log-probabilities are <= 0
        data = -np.abs(data)
    special_z, special_y = special_loss_rows(n)
    data = np.vstack([data, special_z])
    target = np.vstack([_targets(rows, n, seed + 2), special_y])
    for r in range(0, rows, 8):  # one-hot at the class of the maximum, where p_k w_k - w_k cancels
        if np.isfinite(data[r]).all():
            target[r] = np.eye(n)[np.argmax(data[r])]
    no_limit = no_limit_rows(data) if shape.logits else None
    loss = record.build(zs, ys)
    defaults = {p.symbol: p.default for p in record.params}
    pvalues = tuple(float(p.default) for p in record.params)
    rule = "weighted NLL of " + ("log_softmax (shift by max)" if shape.logits else "log-probabilities")
    found: list[Found] = []
    for public, role, ksrc, wsrc in _sources(record, shape):
        ns: dict[str, object] = {"numpy": np, "_rt": _runtime}
        exec(compile(ksrc, "<symact kernel>", "exec"), ns)
        fn = ns[f"_v_{public}"]
        try:
            with np.errstate(**ERRSTATE):  # type: ignore[arg-type]
                got = np.asarray(_runtime.vector(fn, (data, target), -1, None, pvalues))  # type: ignore[arg-type]
        except FloatingPointError as exc:
            found.append((public, role, None, None, [f"floating-point exception: {exc}"], rule))
            continue
        exprs = [loss] if role == "fwd" else [sp.diff(loss, z) for z in zs]
        exprs = [sp.sympify(e).subs(defaults) for e in exprs]
        bound_loss = sp.sympify(loss).subs(defaults)
        ref = _truth(exprs, zs, data, target, ys, nan_rows=no_limit, depends=bound_loss)
        scale = None
        if role == "grad":
            with np.errstate(all="ignore"):  # rows with nan or infinite entries: the scale is unused there
                w = (
                    np.asarray(sp.lambdify((Y, N), shape.weight.subs(defaults), "numpy")(target, n))
                    + 0 * target
                )
                p = _runtime.softmax(data, -1) if shape.logits else np.zeros_like(data)
                scale = np.abs(p * np.sum(w, axis=-1, keepdims=True)) + np.abs(w)
            if shape.logits:  # the terms w_i (p_k - [i = k]) themselves (1 - p_k not rounded)
                scale = _truth(
                    _gradient_terms(shape, zs, ys, defaults), zs, data, target, ys, nan_rows=no_limit
                )
        m = _stats(got.reshape(ref.shape), ref, scale)
        problems = []
        pick = _float32_rows(data)
        rows32 = (data[pick].astype(np.float32), target[pick].astype(np.float32))
        got32 = np.asarray(_runtime.vector(fn, rows32, -1, None, pvalues))  # type: ignore[arg-type]
        ref32 = _truth(
            exprs,
            zs,
            data[pick].astype(np.float32).astype(np.float64),
            target[pick].astype(np.float32).astype(np.float64),
            ys,
            np.float32,
        )
        if got32.dtype != np.float32:
            problems.append(f"float32 input gave {got32.dtype}")
        err32 = ulp_error(got32.reshape(ref32.shape).astype(np.float64), ref32, dtype=np.float32)
        m.f32_max_ulp = float(np.max(err32[np.isfinite(ref32)]))
        problems += m.problems(4.0 if role == "fwd" else 8.0)
        emitted = None if problems else Emitted(public, ksrc, None, wsrc)
        found.append((public, role, emitted, m, problems, rule))
    return found


targets = _targets  # public name (re-exported by symact.codegen.measure)
gradient_terms = _gradient_terms  # public name (used by symact.codegen.arrays.vector_check)
