"""Kernels of the vector losses (cross-entropy, NLL) and masked (-inf) entries of vector functions."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import symact.kernels as K
from symact.catalogue import VectorLoss, get, vector_symbols
from symact.codegen.vector_loss import recognise_loss
from symact.numeric import reference, ulp_error

RNG = np.random.default_rng(7)
N = 4


def _rows(count: int) -> tuple[np.ndarray, np.ndarray]:
    z = RNG.normal(size=(count, N)) * 10.0 ** RNG.uniform(-2, 2, (count, 1))
    y = RNG.uniform(0, 1, (count, N))
    y /= y.sum(axis=1, keepdims=True)
    return z, y


def _reference(
    record: VectorLoss, z: np.ndarray, y: np.ndarray, params: dict[str, float], k: int | None
) -> float:
    zs, ys = vector_symbols("z", z.size), vector_symbols("y", y.size)
    expr = record.build(zs, ys)
    if k is not None:
        expr = sp.diff(expr, zs[k])
    bound = {**params, **{s.name: float(v) for s, v in zip(zs[1:], z[1:], strict=True)}}
    bound.update({s.name: float(v) for s, v in zip(ys, y, strict=True)})
    return float(reference(expr, zs[0], [float(z[0])], params=bound)[0])


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_cross_entropy_meets_its_targets_at_four_classes(smoothing: float) -> None:
    """Rows of 4 classes (the generator verified 3) with and without label smoothing."""
    record = get("cross_entropy")
    assert isinstance(record, VectorLoss)
    z, y = _rows(6)
    with np.errstate(all="raise"):
        loss = K.cross_entropy(z, y, label_smoothing=smoothing)
        grad = K.cross_entropy_grad(z, y, label_smoothing=smoothing)
    params = {"label_smoothing": smoothing}
    want = np.array([_reference(record, zr, yr, params, None) for zr, yr in zip(z, y, strict=True)])
    assert float(np.max(ulp_error(loss, want))) <= 4.0
    t = (1 - smoothing) * y + smoothing / N
    scale = np.abs(K.softmax(z) * t.sum(axis=1, keepdims=True)) + np.abs(t)
    for k in range(N):
        want_k = np.array([_reference(record, zr, yr, params, k) for zr, yr in zip(z, y, strict=True)])
        err = np.abs(grad[:, k] - want_k) / np.spacing(np.maximum(np.abs(want_k), scale[:, k]))
        assert float(np.max(err)) <= 8.0, k


def test_gradient_is_p_minus_y_for_a_normalised_target() -> None:
    z, y = _rows(50)
    np.testing.assert_allclose(K.cross_entropy_grad(z, y), K.softmax(z) - y, rtol=0, atol=4e-16)
    np.testing.assert_array_equal(K.nll_loss_grad(K.log_softmax(z), y), -y)


def test_cross_entropy_is_nll_of_log_softmax() -> None:
    z, y = _rows(50)
    a, b = K.cross_entropy(z, y), K.nll_loss(K.log_softmax(z), y)
    assert float(np.max(ulp_error(a, b))) <= 4.0


def test_float32_in_float32_out_and_axis() -> None:
    z, y = _rows(5)
    got = K.cross_entropy(z.T.astype(np.float32), y.T.astype(np.float32), axis=0)
    assert got.dtype == np.float32 and got.shape == (5,)
    np.testing.assert_allclose(got, K.cross_entropy(z, y), rtol=2e-7)
    assert K.cross_entropy_grad(z.T, y.T, axis=0).shape == (N, 5)


def test_masked_entries_act_as_if_removed() -> None:
    """A logit at -inf is a masked class: every vector kernel equals the row without it."""
    z, y = _rows(20)
    masked = z.copy()
    masked[:, 1] = -np.inf
    y[:, 1] = 0.0
    kept = np.delete(z, 1, axis=1)
    with np.errstate(all="raise"):
        p = K.softmax(masked)
        lp = K.log_softmax(masked)
        lse = K.logsumexp(masked)
        ce = K.cross_entropy(masked, y)
        ce_grad = K.cross_entropy_grad(masked, y)
    np.testing.assert_array_equal(p[:, 1], 0.0)
    np.testing.assert_array_equal(lp[:, 1], -np.inf)
    np.testing.assert_array_equal(np.delete(p, 1, axis=1), K.softmax(kept))
    np.testing.assert_array_equal(np.delete(lp, 1, axis=1), K.log_softmax(kept))
    np.testing.assert_array_equal(lse, K.logsumexp(kept))
    np.testing.assert_array_equal(ce, K.cross_entropy(kept, np.delete(y, 1, axis=1)))
    kept_grad = K.cross_entropy_grad(kept, np.delete(y, 1, axis=1))
    np.testing.assert_array_equal(np.delete(ce_grad, 1, axis=1), kept_grad)


def test_rows_without_a_limit_are_nan() -> None:
    """All -inf and nan rows are nan; a +inf entry takes all the mass in softmax and log_softmax (the
    limit), while cross-entropy on a row holding +inf is nan (PyTorch's and JAX's value)."""
    rows = np.array([[-np.inf, -np.inf, -np.inf], [np.inf, 0.0, 1.0], [np.nan, 0.0, 1.0]])
    with np.errstate(all="raise"):
        p, lp = K.softmax(rows), K.log_softmax(rows)
        assert np.isnan(p[[0, 2]]).all() and np.isnan(lp[[0, 2]]).all()
        np.testing.assert_array_equal(p[1], [1.0, 0.0, 0.0])
        np.testing.assert_array_equal(lp[1], [0.0, -np.inf, -np.inf])
        lse = K.logsumexp(rows)
        ce = K.cross_entropy(rows, np.full(3, 1 / 3))
    assert lse[0] == -np.inf and lse[1] == np.inf and np.isnan(lse[2])  # +inf: PyTorch's, JAX's value
    assert np.isnan(ce).all()
    # a target class at -inf: the loss is +inf, its true value
    assert K.cross_entropy(np.array([-np.inf, 0.0]), np.array([1.0, 0.0])) == np.inf


def test_a_loss_that_is_not_a_weighted_nll_is_refused() -> None:
    def squared(zs: tuple[sp.Symbol, ...], ys: tuple[sp.Symbol, ...]) -> sp.Expr:
        return sp.Add(*[(z - y) ** 2 for z, y in zip(zs, ys, strict=True)])

    def coupled(zs: tuple[sp.Symbol, ...], ys: tuple[sp.Symbol, ...]) -> sp.Expr:
        lse = sp.log(sp.Add(*[sp.exp(z) for z in zs]))
        return -sp.Add(*[ys[(i + 1) % len(ys)] * (z - lse) * ys[i] for i, z in enumerate(zs)])

    for build, why in ((squared, "not linear"), (coupled, "other classes")):
        with pytest.raises(ValueError, match=why):
            recognise_loss(VectorLoss("bad", build, "a loss of another shape"))
