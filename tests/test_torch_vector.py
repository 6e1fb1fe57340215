"""The vector functions and losses of ``symact.torch`` (softmax, softmin, log_softmax, logsumexp, glu,
cross_entropy, nll_loss): values against correctly rounded references on the edge rows, the
documented values at +-inf and nan, the autograd wiring (backward is the verified VJP or gradient,
bit for bit), gradcheck, ``torch.compile(fullgraph=True)``, float32 rounding, ``dim``, the errors,
the nn modules, and the build's check (shown to fail on a wrong kernel).
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from symact import catalogue
from symact.catalogue import VectorLoss, vector_symbols
from symact.codegen.generate import SEED, VECTOR_ROWS, Generation
from symact.codegen.measure import TARGETS
from symact.codegen.vector_gen import EDGE_ROWS, fit, rows, special_rows, stats, truth
from symact.codegen.vector_loss import special_loss_rows, targets
from symact.derive import derive
from symact.errors import ArgumentError
from symact.numeric import ulp_error

torch = pytest.importorskip("torch", reason="PyTorch is not installed (the symact[torch] extra)")

import symact.kernels as sk  # noqa: E402
import symact.torch as st  # noqa: E402
import symact.torch.nn as snn  # noqa: E402
from symact.codegen.torch import TORCH, TorchBackend  # noqa: E402
from symact.frameworks.torch_ns import TargetGradientError  # noqa: E402

FUNCTIONS = ["softmax", "softmin", "log_softmax", "logsumexp", "glu"]
LOSSES = ["cross_entropy", "nll_loss"]
INF, NAN = math.inf, math.nan


def _t(a: np.ndarray | list[list[float]], dtype: torch.dtype = torch.float64) -> torch.Tensor:
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=dtype)


def _same(a: torch.Tensor | np.ndarray, b: torch.Tensor | np.ndarray) -> bool:
    a = a.detach().numpy() if isinstance(a, torch.Tensor) else a
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else b
    return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


def _data(n: int) -> np.ndarray:
    """The generator's rows of n entries (random, then the finite edge rows) and the rows with +-inf
    and nan."""
    return np.vstack([rows(n, VECTOR_ROWS, SEED), special_rows(n)])


def _loss_data(name: str) -> tuple[np.ndarray, np.ndarray]:
    record = catalogue.get(name)
    assert isinstance(record, VectorLoss)
    n = record.n_default
    z = rows(n, VECTOR_ROWS, SEED)
    if name == "nll_loss":  # log-probabilities
        z = -np.abs(z)
    sz, sy = special_loss_rows(n)
    return np.vstack([z, sz]), np.vstack([targets(VECTOR_ROWS, n, SEED + 2), sy])


# -- values -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["softmax", "softmin", "log_softmax", "logsumexp", "glu"])
def test_values_on_the_edge_rows_meet_the_target_against_references(name: str) -> None:
    """The finite edge rows (spreads beyond the float range, ties, subnormal differences, the class
    of the maximum with p rounding to 1, ...) against correctly rounded references, 4 ULP."""
    d = derive(catalogue.get(name))
    n = len(d.inputs)  # type: ignore[union-attr]
    data = np.array([fit(v, n) for _, v in EDGE_ROWS])
    got = getattr(st, name)(_t(data)).numpy().reshape(len(data), -1)
    ref = truth(list(d.expression), d.inputs, data)  # type: ignore[union-attr]
    m = stats(got, ref, None)
    assert m.points > 0 and m.problems(TARGETS["fwd"]) == [], m.problems(TARGETS["fwd"])


@pytest.mark.parametrize("name", LOSSES)
def test_losses_on_the_edge_rows_meet_the_target_against_references(name: str) -> None:
    record = catalogue.get(name)
    assert isinstance(record, VectorLoss)
    n = record.n_default
    z = np.array([fit(v, n) for _, v in EDGE_ROWS])
    if name == "nll_loss":
        z = -np.abs(z)
    y = targets(len(z), n, SEED)
    zs, ys = vector_symbols("z", n), vector_symbols("y", n)
    defaults = {p.symbol: p.default for p in record.params}
    loss = sp.sympify(record.build(zs, ys)).subs(defaults)
    got = getattr(st, name)(_t(z), _t(y)).numpy().reshape(-1, 1)
    m = stats(got, truth([loss], zs, z, y, ys), None)
    assert m.points > 0 and m.problems(TARGETS["fwd"]) == [], m.problems(TARGETS["fwd"])


def test_the_documented_values_at_infinity_and_nan() -> None:
    x = _t([[INF, 0, 0, 0], [INF, 0, INF, -1], [0.5, -INF, 3, -2], [-INF] * 4, [NAN, 0, 1, 2]])
    p = st.softmax(x).numpy()
    assert _same(p[0], np.array([1.0, 0, 0, 0]))
    assert _same(p[1], np.array([NAN, 0, NAN, 0]))  # several +inf: no limit there
    assert p[2, 1] == 0 and abs(p[2].sum() - 1) < 1e-15
    assert np.isnan(p[3]).all() and np.isnan(p[4]).all()
    assert _same(st.log_softmax(x[:1]).numpy()[0], np.array([0.0, -INF, -INF, -INF]))
    lse = st.logsumexp(x).numpy()
    assert _same(lse[[0, 1, 3, 4]], np.array([INF, INF, -INF, NAN])) and math.isfinite(lse[2])
    assert _same(st.softmin(-x[:1]), p[:1])
    assert _same(st.softmax_vjp(x[:1], torch.ones_like(x[:1])), _t([[NAN] * 4]))  # +inf: nan in a VJP
    assert _same(st.cross_entropy(x[:1], _t([[1.0, 0, 0, 0]])), _t([NAN]))
    masked = st.cross_entropy(_t([[-INF, -0.5, -1.0]]), _t([[0.0, 0.25, 0.75]]))
    assert math.isfinite(float(masked))  # a masked class of weight 0 adds 0
    assert float(st.cross_entropy(_t([[-INF, -0.5, -1.0]]), _t([[1.0, 0, 0]]))) == INF


@pytest.mark.parametrize("name", FUNCTIONS)
def test_nan_and_inf_exactly_where_the_numpy_kernels_give_them(name: str) -> None:
    """On the generator's rows (with +-inf and nan): nan exactly where the NumPy kernel gives nan,
    +-inf where it gives them; the normal values within 8 ULP of NumPy's (each within the 4 ULP
    target of the reference: measured by the build, and above on the edge rows)."""
    n = 4
    data = _data(n)
    with np.errstate(all="ignore"):
        want = np.asarray(getattr(sk, name)(data), dtype=np.float64)
    got = getattr(st, name)(_t(data)).numpy()
    assert got.shape == want.shape
    assert np.array_equal(np.isnan(got), np.isnan(want))
    assert np.array_equal(np.isinf(got), np.isinf(want)) and np.all(
        got[np.isinf(got)] == want[np.isinf(want)]
    )
    fin = np.isfinite(want) & (np.abs(want) >= np.finfo(np.float64).tiny)
    assert np.all(ulp_error(got[fin], want[fin]) <= 8)


# -- autograd -----------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name", FUNCTIONS)
def test_backward_is_the_verified_vjp_bit_for_bit(name: str, dtype: torch.dtype) -> None:
    data = _data(4)
    x = _t(data, dtype).requires_grad_(True)
    out = getattr(st, name)(x)
    g = torch.from_numpy(np.random.default_rng(3).normal(size=tuple(out.shape))).to(dtype)
    (grad,) = torch.autograd.grad(out, x, g)
    assert grad.dtype == dtype and grad.shape == x.shape
    assert _same(grad, getattr(st, name + "_vjp")(x.detach(), g))


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name", LOSSES)
def test_loss_backward_is_the_cotangent_times_the_verified_gradient(name: str, dtype: torch.dtype) -> None:
    z, y = _loss_data(name)
    zt = _t(z, dtype).requires_grad_(True)
    out = getattr(st, name)(zt, _t(y, dtype))
    assert out.shape == (len(z),) and out.dtype == dtype
    (ones,) = torch.autograd.grad(out, zt, torch.ones_like(out))
    assert _same(ones, getattr(st, name + "_grad")(zt.detach(), _t(y, dtype)))
    g = _t(np.linspace(-3, 3, len(z)), dtype)
    (grad,) = torch.autograd.grad(getattr(st, name)(zt, _t(y, dtype)), zt, g)
    want = (
        g.double()[:, None] * getattr(st, name + "_grad")(zt.detach().double(), _t(y, dtype).double())
    ).to(dtype)
    assert _same(grad, want)


def _point(n: int, rows_: int = 3) -> torch.Tensor:
    return torch.linspace(-2.1, 1.7, rows_ * n, dtype=torch.float64).reshape(rows_, n).requires_grad_(True)


@pytest.mark.parametrize("dim", [-1, 0])
@pytest.mark.parametrize("name", FUNCTIONS)
def test_gradcheck(name: str, dim: int) -> None:
    x = _point(4, 4)
    assert torch.autograd.gradcheck(lambda t: getattr(st, name)(t, dim=dim), (x,))


@pytest.mark.parametrize("name", LOSSES)
def test_gradcheck_losses(name: str) -> None:
    z = _point(3)
    y = torch.softmax(torch.linspace(-1, 2, 9, dtype=torch.float64).reshape(3, 3), -1)
    kw = {"label_smoothing": 0.1} if name == "cross_entropy" else {}
    assert torch.autograd.gradcheck(lambda t: getattr(st, name)(t, y, **kw), (z,))
    assert torch.autograd.gradcheck(lambda t: getattr(st, name)(t, y, dim=0, **kw), (z,))


def test_no_second_derivative_is_made_up() -> None:
    """No second derivative of a vector function is derived: differentiating the backward again is an
    error, not numbers nobody verified."""
    x = _point(4)
    (g,) = torch.autograd.grad(st.softmax(x)[:, 0].sum(), x, create_graph=True)
    with pytest.raises(RuntimeError):
        torch.autograd.grad(g.sum(), x)


def test_a_loss_refuses_a_gradient_for_its_target() -> None:
    y = torch.tensor([[0.0, 1.0, 0.0]], dtype=torch.float64, requires_grad=True)
    with pytest.raises(TargetGradientError, match="cross_entropy: no derivative with respect to the target"):
        st.cross_entropy(_point(3)[:1], y).sum().backward()


# raised inside Dynamo when it traces any autograd.Function (torch 2.13), not by symact's code
@pytest.mark.filterwarnings("ignore:.*should not be instantiated:DeprecationWarning")
@pytest.mark.parametrize("name", ["softmax", "cross_entropy"])
def test_torch_compile_fullgraph_gives_the_eager_values(name: str) -> None:
    """One graph, no break, forward and backward, the eager values bit for bit (``aot_eager``)."""
    fn = getattr(st, name)
    compiled = torch.compile(fn, fullgraph=True, backend="aot_eager")
    x = _t(rows(4, VECTOR_ROWS, SEED)[:-8])
    args = (x,) if name == "softmax" else (x, _t(targets(len(x), 4, SEED)))
    assert _same(compiled(*args), fn(*args))
    xg = x.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(compiled(xg, *args[1:]).sum(), xg)
    (want,) = torch.autograd.grad(fn(xg, *args[1:]).sum(), xg)
    assert _same(g, want)


# -- dtype, dim, shapes -------------------------------------------------------------------------


@pytest.mark.parametrize("name", FUNCTIONS + LOSSES)
def test_float32_is_the_float64_result_rounded_once(name: str) -> None:
    x32 = _t(rows(4, VECTOR_ROWS, SEED)[:20], torch.float32)
    args32 = (x32,) if name in FUNCTIONS else (x32, _t(targets(20, 4, SEED), torch.float32))
    out = getattr(st, name)(*args32)
    assert out.dtype == torch.float32
    assert _same(out, getattr(st, name)(*[a.double() for a in args32]).float())


@pytest.mark.parametrize("name", FUNCTIONS)
def test_dim_other_than_the_last(name: str) -> None:
    x = _t(np.random.default_rng(5).normal(size=(4, 6, 2)) * 30)
    fn = getattr(st, name)
    for dim in (0, 1, -3, -2):
        moved = fn(torch.movedim(x, dim, -1))
        want = torch.movedim(moved, -1, dim) if moved.ndim == x.ndim else moved
        assert _same(fn(x, dim=dim), want), dim
    g = torch.ones_like(fn(x, dim=1))
    assert _same(
        getattr(st, name + "_vjp")(x, g, dim=1),
        torch.movedim(
            getattr(st, name + "_vjp")(
                torch.movedim(x, 1, -1), torch.movedim(g, 1, -1) if g.ndim == 3 else g
            ),
            -1,
            1,
        ),
    )


def test_loss_dim_and_target_broadcasting() -> None:
    z = _t(np.random.default_rng(6).normal(size=(3, 5)))
    y = torch.softmax(_t(np.random.default_rng(7).normal(size=(3, 5))), -1)
    assert _same(st.cross_entropy(z, y, dim=0), st.cross_entropy(z.T, y.T))
    onehot = torch.eye(5, dtype=torch.float64)[2]
    assert _same(st.cross_entropy(z, onehot), st.cross_entropy(z, onehot.expand(3, 5)))
    assert _same(st.nll_loss(st.log_softmax(z), onehot), -st.log_softmax(z)[:, 2])


def test_errors_name_the_argument_or_the_shapes() -> None:
    with pytest.raises(ArgumentError, match="at least one dimension"):
        st.softmax(torch.tensor(1.0, dtype=torch.float64))
    with pytest.raises(ArgumentError, match="dim 2 is out of range"):
        st.softmax(torch.ones(3, 4, dtype=torch.float64), dim=2)
    with pytest.raises(ArgumentError, match="dim -3 is out of range"):
        st.logsumexp(torch.ones(3, 4, dtype=torch.float64), dim=-3)
    with pytest.raises(ArgumentError, match="must be even, got 3"):
        st.glu(torch.ones(2, 3, dtype=torch.float64))
    with pytest.raises(ArgumentError, match=r"softmax_vjp: g of shape \(3, 5\) does not broadcast"):
        st.softmax_vjp(torch.ones(3, 4, dtype=torch.float64), torch.ones(3, 5, dtype=torch.float64))
    with pytest.raises(ArgumentError, match="logsumexp_vjp: g of shape"):
        st.logsumexp_vjp(torch.ones(3, 4, dtype=torch.float64), torch.ones(4, dtype=torch.float64))
    with pytest.raises(ArgumentError, match="glu_vjp: g of shape"):
        st.glu_vjp(torch.ones(3, 4, dtype=torch.float64), torch.ones(3, 4, dtype=torch.float64))


def test_nn_modules() -> None:
    x = _t(np.random.default_rng(8).normal(size=(4, 6)))
    for cls, name in [
        ("Softmax", "softmax"),
        ("Softmin", "softmin"),
        ("LogSoftmax", "log_softmax"),
        ("GLU", "glu"),
    ]:
        module = getattr(snn, cls)(dim=0)
        assert isinstance(module, torch.nn.Module) and repr(module) == f"{cls}(dim=0)"
        assert _same(module(x), getattr(st, name)(x, dim=0))
        assert _same(getattr(snn, cls)()(x), getattr(st, name)(x))


# -- the build's check --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def vector_generation() -> Generation:
    from symact.codegen.generate import generate

    return generate([catalogue.get("log_softmax"), catalogue.get("nll_loss")])


def test_the_build_checks_the_vector_kernels_in_both_dtypes(
    vector_generation: Generation, tmp_path: Path
) -> None:
    out = TorchBackend().build(vector_generation, tmp_path, size=2000, seed=SEED)
    assert out.failures == [] and not out.withheld
    names = ["log_softmax", "log_softmax_vjp", "nll_loss", "nll_loss_grad"]
    assert out.checked == names
    by_name = {d.name: d for d in out.details}
    for n in names:
        assert by_name[n].max_ulp["float64"] <= by_name[n].target, n
        assert "not generated" not in by_name[n].note
    assert by_name["log_softmax"].max_ulp["float32"] <= 1
    assert by_name["nll_loss_grad"].max_ulp["float32"] <= 1
    text = out.texts[tmp_path / "symact" / "torch" / "_generated.py"]
    assert "class _LogSoftmax(torch.autograd.Function)" in text and "numpy" not in text
    assert "class LogSoftmax(torch.nn.Module)" in out.texts[tmp_path / "symact" / "torch" / "nn.py"]


def test_a_vector_kernel_that_misses_its_target_withholds_the_files(
    vector_generation: Generation, tmp_path: Path
) -> None:
    """The check runs the printed text: a forward pass off by 2^-40 (relative) fails it."""
    assert TORCH.vector is not None
    body = "return xp.vector({fwd}, (x,), dim)"
    assert body in TORCH.vector.function
    wrong = replace(TORCH.vector, function=TORCH.vector.function.replace(body, body + " * (1 + 2**-40)"))
    out = TorchBackend(framework=replace(TORCH, vector=wrong)).build(
        vector_generation, tmp_path, size=2000, seed=SEED
    )
    assert out.withheld and any(f.startswith("log_softmax (torch):") for f in out.failures), out.failures
    assert not any(f.startswith("nll_loss") for f in out.failures)
