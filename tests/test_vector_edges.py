"""Vector kernels at the edges, in NumPy and C: rows whose spread exceeds the float range, +-inf and
nan entries, ties, subnormal differences, a single column, tiny VJP entries, cotangent shapes.

Truths are correctly rounded references (``symact.numeric.reference`` through the generator's
``_truth``) of the record's textbook expression built at the row length, and its Jacobian by
``sympy.diff``: an infinite entry is bound as +-2^1100 (its limit), a value that depends on a nan
entry is nan, and values without a limit are nan by the documented convention: in a normalised
function's input, a row that is all -inf, the +inf entries of a forward row holding several, and a
VJP's row holding +inf (logsumexp: its limits).  Every kernel runs with divide, overflow
and invalid operations raising, and pytest turns any warning into an error.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from c_backend import CC, HEADER, SOURCE

import symact.kernels as K
from symact import catalogue
from symact.catalogue import vector_symbols
from symact.codegen.c.check import CLibrary, compile_library
from symact.codegen.vector import NormalisedForm, recognise
from symact.codegen.vector_gen import (
    EDGE_ROWS,
    SPECIAL_ROWS,
    _fit,
    _rows,
    _specials,
    _stats,
    _truth,
    _vjp_scale,
    forward_no_limit,
    no_limit_rows,
    vector_kernels,
)
from symact.codegen.vector_loss import SPECIAL_LOSS_ROWS, recognise_loss
from symact.codegen.verify import ERRSTATE
from symact.kernels import _runtime


def _record(name: str) -> catalogue.Record:
    return catalogue.get(name.removesuffix("_vjp").removesuffix("_grad"))


VECTOR = sorted(n for n in K.__all__ if "axis" in inspect.signature(getattr(K, n)).parameters)
FUNCTIONS = [n for n in VECTOR if _record(n).kind == "vector"]
LOSSES = [n for n in VECTOR if n not in FUNCTIONS]
RAISE = dict(ERRSTATE)  # divide, over, invalid raise; underflow ignored


# rows of every length the kernels take: the issue's two-column rows, a single column, the edges
TWO = np.array(
    [
        [1e308, -1e308],
        [-1e308, 1e308],
        [np.inf, 0.0],
        [np.inf, -np.inf],
        [-np.inf, 0.0],
        [np.nan, 0.0],
        [5e-324, 0.0],
        [3.0, 3.0],
        [0.0, -760.0],
    ]
)
ONE = np.array([[3.0], [1e308], [-1e308], [5e-324], [np.inf], [-np.inf], [np.nan]])


def _rows_for(name: str) -> list[np.ndarray]:
    """Row sets (one per length) for a vector function: its edge and special rows at its size, two
    columns, and a single column (GLU: its pairs, never both halves infinite, and no nan)."""
    record = _record(name)
    n = record.n_default
    shape = recognise(record)
    if shape is None:
        raise AssertionError(name)
    edges = np.array([_fit(v, n) for _, v in EDGE_ROWS])
    sets = [np.vstack([edges, _specials(shape, n)]), TWO]
    if not isinstance(shape, NormalisedForm):  # GLU: pairs (u, v)
        keep = ~np.isnan(TWO).any(axis=1) & ~np.isinf(TWO).all(axis=1)
        return [sets[0], TWO[keep]]
    return [*sets, ONE]


def _g(rows: np.ndarray, width: int) -> np.ndarray:
    """Cotangents: a fixed pattern, 1e30 times it on rows of spread 500 .. 2000."""
    g = np.linspace(-1.5, 2.25, rows.shape[0] * width).reshape(rows.shape[0], width) + 0.125
    with np.errstate(invalid="ignore", over="ignore"):
        spread = np.max(rows, axis=1) - np.min(rows, axis=1)
    return np.where(((spread >= 500) & (spread <= 2000))[:, None], g * 1e30, g)


def _function_truth(
    name: str, rows: np.ndarray, g: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """(truth, error scale) of a vector function or its VJP on `rows`."""
    record = _record(name)
    n = rows.shape[1]
    xs = vector_symbols("x", n)
    out = record.build(xs)  # type: ignore[attr-defined]
    shape = recognise(record)
    no_limit = None
    if isinstance(shape, NormalisedForm) and g is not None:
        no_limit = no_limit_rows(shape.scale * rows)
    if g is None:
        ref = _truth(list(out), xs, rows)
        if isinstance(shape, NormalisedForm) and not shape.rule.reduces:
            ref = np.where(forward_no_limit(shape.scale * rows), np.nan, ref)
        return ref, None
    gs = tuple(sp.Symbol(f"g_{i}", real=True) for i in range(len(out)))
    exprs = [sp.Add(*[gs[i] * sp.diff(out[i], xs[k]) for i in range(len(out))]) for k in range(n)]
    return _truth(exprs, xs, rows, g, gs, nan_rows=no_limit), _vjp_scale(shape, rows, g)  # type: ignore[arg-type]


def _check(got: np.ndarray, ref: np.ndarray, scale: np.ndarray | None, target: float, what: str) -> None:
    m = _stats(np.asarray(got, dtype=np.float64).reshape(ref.shape), ref, scale)
    assert not m.problems(target), (what, m.problems(target), got, ref)


def _numpy_function(name: str, rows: np.ndarray, g: np.ndarray | None) -> np.ndarray:
    fn = getattr(K, name)
    reduces = g is not None and np.ndim(getattr(K, name.removesuffix("_vjp"))(rows)) == 1
    with np.errstate(**RAISE):  # type: ignore[arg-type]
        return np.asarray(fn(rows) if g is None else fn(rows, g[:, 0] if reduces else g))


@pytest.mark.parametrize("name", FUNCTIONS)
def test_vector_function_edges_against_references(name: str) -> None:
    """Spreads beyond the float range, +-inf, nan, ties, subnormal differences, a single column, and
    tiny VJP entries (1e30 cotangents on spreads of several hundred) for every vector function."""
    for rows in _rows_for(name):
        if name.endswith("_vjp"):
            width = np.asarray(getattr(K, name.removesuffix("_vjp"))(rows[:1] * 0)).reshape(1, -1).shape[1]
            g = _g(rows, width)
            ref, scale = _function_truth(name, rows, g)
            _check(_numpy_function(name, rows, g), ref, scale, 8.0, (name, rows.shape))
        else:
            ref, _ = _function_truth(name, rows, None)
            _check(_numpy_function(name, rows, None), ref, None, 4.0, (name, rows.shape))


def _loss_rows(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(z, y) at the loss's size (its special rows, then the edge rows), and (z, y) at two classes."""
    z = np.array([_fit(v, n) for _, v, _ in SPECIAL_LOSS_ROWS] + [_fit(v, n) for _, v in EDGE_ROWS])
    y = np.array(
        [_fit(w, n) for _, _, w in SPECIAL_LOSS_ROWS] + [_fit((0.5, 0.25, 0.25), n)] * len(EDGE_ROWS)
    )
    two = np.array([[1e308, -1e308], [-1e308, 1e308], [np.nan, -1.0], [0.0, -760.0], [np.inf, 0.0]])
    return z, y, two, np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1e30, 0.0], [1.0, 0.0]])


def _loss_truth(name: str, z: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    record = _record(name)
    n = z.shape[1]
    zs, ys = vector_symbols("z", n), vector_symbols("y", n)
    loss = record.build(zs, ys).subs({p.symbol: p.default for p in record.params})  # type: ignore[attr-defined]
    shape = recognise_loss(record)  # type: ignore[arg-type]
    exprs = [loss] if not name.endswith("_grad") else [sp.diff(loss, v) for v in zs]
    ref = _truth(exprs, zs, z, y, ys, nan_rows=no_limit_rows(z) if shape.logits else None, depends=loss)
    scale = None
    if name.endswith("_grad"):
        with np.errstate(all="ignore"):
            p = _runtime.softmax(z, -1) if shape.logits else np.zeros_like(z)
            scale = np.abs(p * np.sum(y, axis=-1, keepdims=True)) + np.abs(y)  # w = y at the defaults
    return ref, scale


@pytest.mark.parametrize("name", LOSSES)
def test_vector_loss_edges_against_references(name: str) -> None:
    """nan in a class of weight 0 (nll_loss's gradient: -y there), masked classes, +inf, spreads
    beyond the float range (a finite cross-entropy of 1.25e308), large weights on tiny probabilities."""
    z, y, two, y2 = _loss_rows(_record(name).n_default)
    for zz, yy in ((z, y), (two, y2)):
        if not recognise_loss(_record(name)).logits:  # type: ignore[arg-type]
            zz = np.where(zz > 0, -zz, zz)  # log-probabilities
        ref, scale = _loss_truth(name, zz, yy)
        with np.errstate(**RAISE):  # type: ignore[arg-type]
            got = getattr(K, name)(zz, yy)
        _check(got, ref, scale, 8.0 if name.endswith("_grad") else 4.0, name)


def test_the_issue_cases() -> None:
    """The reported values, each against its reference or PyTorch's documented result."""
    x = np.array([[1e308, -1e308]])
    with np.errstate(**RAISE):  # type: ignore[arg-type]
        np.testing.assert_array_equal(K.softmax(x), [[1.0, 0.0]])
        np.testing.assert_array_equal(K.softmin(-x), [[1.0, 0.0]])
        np.testing.assert_array_equal(K.log_softmax(x), [[0.0, -np.inf]])  # -2e308 rounds to -inf
        np.testing.assert_array_equal(K.logsumexp(x), [1e308])
        np.testing.assert_array_equal(K.cross_entropy(-x, np.array([[0.5, 0.5]])), [1e308])
        # PyTorch, JAX and SciPy: logsumexp with a +inf entry is +inf; nan stays nan
        lse = K.logsumexp(np.array([[np.inf, 0.0], [np.inf, -np.inf], [np.inf, np.nan]]))
        assert lse[0] == np.inf and lse[1] == np.inf and np.isnan(lse[2])
        # nll_loss: a nan log-probability of weight 0 is dropped by the loss and by its gradient
        grad = K.nll_loss_grad(np.array([[np.nan, -1.0], [np.nan, -1.0]]), np.array([[0.0, 1.0], [0.5, 0.5]]))
    np.testing.assert_array_equal(grad[0], [0.0, -1.0])
    assert np.isnan(grad[1, 0]) and grad[1, 1] == -0.5


@pytest.mark.parametrize("name", [n for n in FUNCTIONS if n.endswith("_vjp")])
def test_cotangent_shapes_broadcast_as_numpy(name: str) -> None:
    """g shaped like the output, or broadcasting to it as NumPy does ((rows, 1) a kept dimension for
    a reduction); any other shape is refused with both shapes named."""
    fwd = getattr(K, name.removesuffix("_vjp"))
    fn = getattr(K, name)
    x = np.linspace(-3.0, 4.0, 5 * 6).reshape(5, 6)
    out_shape = np.shape(fwd(x))
    full = np.linspace(0.5, 2.0, int(np.prod(out_shape))).reshape(out_shape)
    want_full = fn(x, full)
    assert want_full.shape == x.shape
    column = full[:, :1] if len(out_shape) == 2 else full[:, None]  # (rows, 1)
    expected = fn(x, np.broadcast_to(column, out_shape).copy()) if len(out_shape) == 2 else want_full
    np.testing.assert_array_equal(fn(x, column), expected)
    if len(out_shape) == 1:  # a reduction: (rows,) and (rows, 1) are the same cotangent
        np.testing.assert_array_equal(fn(x, full), want_full)
    else:  # a row of length n broadcasts over the rows, as in NumPy
        row = full[0]
        np.testing.assert_array_equal(fn(x, row), fn(x, np.broadcast_to(row, out_shape).copy()))
    with pytest.raises(ValueError, match=r"g of shape \(4, 3\).*output shape"):
        fn(x, np.ones((4, 3)))


def test_vjp_cotangent_of_a_1d_input() -> None:
    """A single row (1-d x): logsumexp's output is a scalar and its cotangent may be one."""
    x = np.array([0.0, 1.0, -2.0])
    np.testing.assert_array_equal(K.logsumexp_vjp(x, 2.0), 2.0 * K.softmax(x))
    np.testing.assert_array_equal(K.softmax_vjp(x, 1.0), K.softmax_vjp(x, np.ones(3)))


def test_glu_infinite_pairs_are_nan_without_a_warning() -> None:
    """u sigma(v) with u and v both infinite has no limit where sigma(v) -> 0 (inf * 0): nan, as
    PyTorch computes it, with no warning; nan in either half gives nan."""
    x = np.array([[np.inf, -np.inf], [np.inf, np.inf], [np.nan, 1.0], [1.0, np.nan], [np.inf, 3.0]])
    with np.errstate(**RAISE):  # type: ignore[arg-type]
        out = K.glu(x)[:, 0]
        vjp = K.glu_vjp(x, np.ones((5, 1)))
    assert np.isnan(out[0]) and out[1] == np.inf and np.isnan(out[2:4]).all() and out[4] == np.inf
    assert vjp[0, 0] == 0.0 and np.isnan(vjp[0, 1])  # d/du = sigma(-inf) = 0; d/dv = inf * 0
    assert vjp[1, 0] == 1.0 and np.isnan(vjp[1, 1])
    assert np.isnan(vjp[2:4]).all()


def test_generator_refuses_a_kernel_that_fails_the_edge_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the former shift (z - m unguarded beyond the float range), logsumexp is not written."""

    def unguarded(z: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        m = np.max(z, axis=axis, keepdims=True)
        d = z - m
        bb = d - z
        return m, d, (z - (d - bb)) + (-m - bb)

    monkeypatch.setattr(_runtime, "_shift", unguarded)
    found = vector_kernels(catalogue.get("logsumexp"), rows=12, seed=5)
    fwd = next(f for f in found if f[1] == "fwd")
    assert fwd[2] is None and fwd[4], fwd[4]
    assert len(_rows(3, 12, 5)) == 12 and len(SPECIAL_ROWS) >= 5


# --- the C backend: the same rows, the same references ---------------------------------------------

needs_cc = pytest.mark.skipif(CC is None, reason="no C compiler on this machine")


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> CLibrary:
    folder = tmp_path_factory.mktemp("c_edges")
    return CLibrary(compile_library(HEADER.read_text(), SOURCE.read_text(), folder, CC))


@needs_cc
@pytest.mark.parametrize("name", FUNCTIONS)
def test_c_vector_function_edges_against_references(lib: CLibrary, name: str) -> None:
    for rows in _rows_for(name):
        if name.endswith("_vjp"):
            width = np.asarray(getattr(K, name.removesuffix("_vjp"))(rows[:1] * 0)).reshape(1, -1).shape[1]
            g = _g(rows, width)
            ref, scale = _function_truth(name, rows, g)
            got = lib.rows(name, rows, rows.shape[1], g)
            assert got is not None
            _check(got, ref, scale, 8.0, (name, rows.shape))
        else:
            ref, _ = _function_truth(name, rows, None)
            got = lib.rows(name, rows, ref.shape[1])
            assert got is not None
            _check(got, ref, None, 4.0, (name, rows.shape))


@needs_cc
@pytest.mark.parametrize("name", LOSSES)
def test_c_vector_loss_edges_against_references(lib: CLibrary, name: str) -> None:
    z, y, two, y2 = _loss_rows(_record(name).n_default)
    args = tuple(float(p.default) for p in _record(name).params)
    for zz, yy in ((z, y), (two, y2)):
        if not recognise_loss(_record(name)).logits:  # type: ignore[arg-type]
            zz = np.where(zz > 0, -zz, zz)
        ref, scale = _loss_truth(name, zz, yy)
        got = lib.loss_rows(name, zz, yy, ref.shape[1], args)
        assert got is not None
        _check(got, ref, scale, 8.0 if name.endswith("_grad") else 4.0, name)


TINY_ROWS = np.array([[0.0, -760.0], [0.0, -760.0], [-745.0, 0.0]])
TINY_G = np.array([[0.0, 1e30], [1e30, -1e30], [3e29, 0.0]])


@pytest.mark.parametrize("name", ["softmax_vjp", "softmin_vjp", "logsumexp_vjp"])
def test_tiny_vjp_entries_against_references(name: str, tmp_path: Path) -> None:
    """A normal VJP entry made of a tiny probability (e^-760) and a large cotangent is not flushed to
    0, also at the class of the maximum when its own cotangent is 0 (softmax: -p_0 sum_i g_i p_i)."""
    rows = -TINY_ROWS if name == "softmin_vjp" else TINY_ROWS
    g = TINY_G[:, :1] if name == "logsumexp_vjp" else TINY_G
    ref, scale = _function_truth(name, rows, g)
    assert np.any((np.abs(ref) > 0) & (np.abs(ref) < 1e-290))  # the case is exercised
    _check(_numpy_function(name, rows, g), ref, scale, 8.0, name)
    # row 0 (cotangent 0 at the maximum) has no cancellation: plain ULPs there too
    _check(_numpy_function(name, rows, g)[:1], ref[:1], None, 8.0, name)
    if CC is not None:
        lib = CLibrary(compile_library(HEADER.read_text(), SOURCE.read_text(), tmp_path, CC))
        got = lib.rows(name, rows, rows.shape[1], g)
        assert got is not None
        _check(got, ref, scale, 8.0, (name, "C"))


# --- where the maximum's probability rounds to 1 ------------------------------------------------

NEAR_ONE = np.array([v for label, v in EDGE_ROWS if label.startswith(("the maximum's", "1 - p", "softmin:"))])


@pytest.mark.parametrize("name", ["softmax_vjp", "softmin_vjp", "log_softmax_vjp", "cross_entropy_grad"])
def test_vjp_where_the_maximum_probability_rounds_to_one(name: str, tmp_path: Path) -> None:
    """1 - p_k at the class k of the maximum (2.8e-16 .. 2.8e-3, and 4.9e-292) formed from the other
    entries: with g (or the target) one-hot at k nothing cancels, so every entry is within the target
    in plain ULPs of its own value; the kernels before gave 0 for 1.6e-32 and -2.2e-16 for -2.76e-16."""
    rows = NEAR_ONE
    assert rows.shape == (6, 4)
    c = -1.0 if name == "softmin_vjp" else 1.0
    onehot = np.eye(4)[np.argmax(c * rows, axis=1)]
    if name == "cross_entropy_grad":
        ref, _ = _loss_truth(name, rows, onehot)
        got = K.cross_entropy_grad(rows, onehot)
    else:
        ref, _ = _function_truth(name, rows, onehot)
        got = _numpy_function(name, rows, onehot)
    assert np.any((ref != 0) & (np.abs(ref) < 1e-30))  # the case is exercised
    _check(got, ref, None, 8.0, name)
    if CC is not None:
        lib = CLibrary(compile_library(HEADER.read_text(), SOURCE.read_text(), tmp_path, CC))
        c_got = (
            lib.loss_rows(name, rows, onehot, 4, (0.0,))
            if name == "cross_entropy_grad"
            else lib.rows(name, rows, 4, onehot)
        )
        assert c_got is not None
        _check(c_got, ref, None, 8.0, (name, "C"))


@pytest.mark.parametrize("name", ["softmax_vjp", "softmin_vjp"])
def test_a_constant_cotangent_gives_zero(name: str) -> None:
    """softmax's outputs sum to 1, so its VJP of a constant cotangent is 0: exactly, since g - g_k is
    0 (also broadcast from shape (rows, 1))."""
    x = np.array([[0.3, -2.0, 5.0, 1e-3], [36.4, -36.9, -708.0, -708.7], [1e308, -1e308, 0.5, 2.0]])
    np.testing.assert_array_equal(getattr(K, name)(x, np.array([[0.7], [-3.0], [1e30]])), np.zeros_like(x))


def test_softmin_at_minus_inf_takes_the_limit() -> None:
    """softmin(x) = softmax(-x): a -inf entry of x is a +inf of -x and takes all the mass (the limit;
    PyTorch 2.13 and JAX give nan on these rows); several such entries have no limit: nan there, 0
    at the others.  softmax and log_softmax at +inf alike; their VJPs stay nan there."""
    x = np.array([[-0.15, -1.36, -4.46, -np.inf], [1.0, -np.inf, 0.5, -np.inf], [-np.inf] * 4])
    with np.errstate(**RAISE):  # type: ignore[arg-type]
        out = K.softmin(x)
        np.testing.assert_array_equal(out[0], [0.0, 0.0, 0.0, 1.0])
        np.testing.assert_array_equal(out[1], [0.0, np.nan, 0.0, np.nan])
        assert np.isnan(out[2]).all()  # -x all +inf: no limit
        np.testing.assert_array_equal(K.softmax(-x[:2]), out[:2])
        np.testing.assert_array_equal(K.log_softmax(-x[0]), [-np.inf, -np.inf, -np.inf, 0.0])
        assert np.isnan(K.softmin_vjp(x[:1], np.ones((1, 4)))).all()
