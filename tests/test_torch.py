"""The generated PyTorch kernels (``symact.torch``): the build's check, the autograd wiring (backward is
the verified derivative, bit for bit, on the full-range sample), gradcheck for every element-wise
function, dtypes, nn modules, one ``torch.compile`` smoke test, and ``symact check`` on them.

Every kernel of the committed module is measured against correctly rounded references in float64 and
float32 by ``symact kernels`` itself (``TorchBackend.build``; CI runs ``symact kernels --check``); here
the same check runs on a small generation, and is shown to fail on a wrong kernel.
"""

from __future__ import annotations

import importlib.util
import inspect
import math
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import mpmath
import numpy as np
import pytest

from symact import catalogue
from symact.cli import main
from symact.codegen.generate import SEED, Generation
from symact.codegen.measure import CAREFUL_TARGETS
from symact.codegen.routines import routine
from symact.codegen.torch import TORCH, TorchBackend
from symact.numeric import full_range_sample

torch = pytest.importorskip("torch", reason="PyTorch is not installed (the symact[torch] extra)")

import symact.torch as st  # noqa: E402
import symact.torch.nn as snn  # noqa: E402
from symact.frameworks.torch_ns import TargetGradientError, rt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
VECTOR = {r.name for r in catalogue.records() if r.kind in ("vector", "vector_loss")}
ELEMENTWISE = [n for n in st.__all__ if n.removesuffix("_vjp").removesuffix("_grad") not in VECTOR]
"""The element-wise kernels (the vector ones are tested in tests/test_torch_vector.py)."""
LOSSES = [n for n in ELEMENTWISE if "y" in inspect.signature(getattr(st, n)).parameters]
DIFFERENTIABLE = [n for n in ELEMENTWISE if not n.endswith(("_grad", "_grad_from_output"))]
ACTIVATIONS = [n for n in DIFFERENTIABLE if n not in LOSSES]
SAMPLE = full_range_sample(400, seed=SEED + 7)


def test_importing_symact_imports_neither_torch_nor_jax() -> None:
    code = "import sys, symact, symact.kernels; print('torch' in sys.modules, 'jax' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False False"


@pytest.fixture
def small(small_generation: Generation) -> Generation:
    return small_generation


def test_the_build_checks_every_kernel_in_both_dtypes(small: Generation, tmp_path: Path) -> None:
    out = TorchBackend().build(small, tmp_path, size=2000, seed=SEED)
    assert out.failures == [] and not out.withheld
    loss = "mse"
    names = ["softplus", "softplus_grad", "softplus_grad_from_output", loss, f"{loss}_grad"]
    assert out.checked == names
    by_name = {d.name: d for d in out.details}
    for n in names:
        d = by_name[n]
        assert {"name", "group", "role", "target", "max_ulp", "problems", "form", "note"} <= set(vars(d))
        assert d.max_ulp["float64"] <= d.target
    assert by_name["softplus"].max_ulp["float32"] <= 1
    assert "backward" in by_name["softplus"].note or "derivative" in by_name["softplus"].note
    assert set(out.texts) == set(TorchBackend().files(tmp_path))


def test_a_kernel_that_misses_its_target_withholds_the_files(small: Generation, tmp_path: Path) -> None:
    """The check runs the printed text: a forward pass off by 2^-40 (relative) fails it."""
    body = "return xp.unary({fwd}, x, {ptuple}, {limf})"
    assert body in TORCH.function
    off = replace(TORCH, function=TORCH.function.replace(body, body + " * (1 + 2**-40)"))
    out = TorchBackend(framework=off).build(small, tmp_path, size=2000, seed=SEED)
    assert out.withheld and any(f.startswith("softplus (torch):") for f in out.failures), out.failures


def test_without_torch_the_text_is_written_unchecked(small: Generation, tmp_path: Path) -> None:
    out = TorchBackend(io=lambda: None).build(small, tmp_path, size=2000, seed=SEED)
    assert not out.withheld and out.failures == [] and out.note and "not installed" in out.note


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


def _inputs(name: str, dtype: torch.dtype) -> tuple[torch.Tensor, ...]:
    x = torch.from_numpy(SAMPLE.copy()).to(dtype)
    return (x, torch.full_like(x, 0.25)) if name in LOSSES else (x,)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
def test_backward_is_the_verified_derivative_bit_for_bit(dtype: torch.dtype) -> None:
    """On the full-range sample (infinities and nan included) the autograd gradient equals the
    generated derivative kernel, so the build's measurement of that kernel is the backward's."""
    for name in DIFFERENTIABLE:
        x, *y = _inputs(name, dtype)
        x.requires_grad_(True)
        out = getattr(st, name)(x, *y)
        assert out.dtype == dtype and out.shape == x.shape, name
        (g,) = torch.autograd.grad(out, x, torch.ones_like(out))
        want = getattr(st, name + "_grad")(x.detach(), *y)
        assert _same(g.numpy(), want.numpy()), name


def _points(name: str) -> torch.Tensor:
    """Seven points inside the function's domain, none on a kink."""
    record = catalogue.get(name)
    domain = getattr(record, "domain", None) or getattr(record, "input_domain", None)
    lo, hi = -2.6, 2.3
    if domain is not None and domain.inf.is_finite:
        lo = float(domain.inf) + 0.05
        hi = float(domain.sup) - 0.05 if domain.sup.is_finite else lo + 2.5
    elif domain is not None and domain.sup.is_finite:
        lo, hi = float(domain.sup) - 2.6, float(domain.sup) - 0.2
    return torch.linspace(lo, hi, 7, dtype=torch.float64) + 0.013


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_gradcheck(name: str) -> None:
    x = _points(name).requires_grad_(True)
    args = (x, torch.full_like(x, 0.3)) if name in LOSSES else (x,)
    assert torch.autograd.gradcheck(getattr(st, name), args)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "softplus", "gelu", "silu", "mish", "mse"])
def test_gradgradcheck(name: str) -> None:
    x = _points(name).requires_grad_(True)
    args = (x, torch.full_like(x, 0.3)) if name in LOSSES else (x,)
    assert torch.autograd.gradgradcheck(getattr(st, name), args)


def test_a_loss_refuses_a_gradient_for_its_target() -> None:
    a = torch.tensor([0.2, 0.7], dtype=torch.float64)
    y = torch.tensor([0.0, 1.0], dtype=torch.float64, requires_grad=True)
    with pytest.raises(TargetGradientError, match="mse: no derivative with respect to the target"):
        st.mse(a, y).sum().backward()


def test_parameters_are_keyword_only_with_the_catalogue_defaults() -> None:
    x = torch.tensor([-1.5, 0.5, 3.0], dtype=torch.float64)
    sig = inspect.signature(st.softplus)
    beta = sig.parameters["beta"]
    assert beta.kind is inspect.Parameter.KEYWORD_ONLY and beta.default == 1
    assert not torch.equal(st.softplus(x, beta=2.0), st.softplus(x))
    assert torch.equal(st.leaky_relu(x, negative_slope=0.2), torch.where(x > 0, x, 0.2 * x))


def test_nn_modules_are_named_as_pytorch_names_them() -> None:
    for cls in ("GELU", "SiLU", "Mish", "LeakyReLU", "ReLU6", "Hardsigmoid", "LogSigmoid", "ELU", "GeluTanh"):
        assert isinstance(getattr(snn, cls)(), torch.nn.Module), cls
    x = torch.linspace(-4, 4, 9, dtype=torch.float64)
    assert torch.equal(snn.Softplus(beta=2.0)(x), st.softplus(x, beta=2.0))
    assert repr(snn.LeakyReLU(negative_slope=0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert set(snn.__all__) == {type(getattr(snn, n)()).__name__ for n in snn.__all__}


# raised inside Dynamo when it traces any autograd.Function (torch 2.13), not by symact's code
@pytest.mark.filterwarnings("ignore:.*should not be instantiated:DeprecationWarning")
def test_torch_compile_fullgraph_gives_the_eager_values() -> None:
    """One graph, no break (``fullgraph=True``), forward and the backward traced by AOT autograd;
    the ``aot_eager`` backend runs the captured graph with eager kernels, so the values are the eager
    ones bit for bit (inductor's code generation is not what this checks)."""
    compiled = torch.compile(st.gelu, fullgraph=True, backend="aot_eager")
    x = torch.from_numpy(SAMPLE[np.isfinite(SAMPLE)].copy())
    assert _same(compiled(x).numpy(), st.gelu(x).numpy())
    xg = x.clone().requires_grad_(True)
    y = compiled(xg)
    (g,) = torch.autograd.grad(y.sum(), xg)
    assert _same(g.numpy(), st.gelu_grad(x).numpy())


def test_the_framework_namespaces_implement_every_routine_and_name() -> None:
    from symact.codegen.arrays.printer import NAMESPACE
    from symact.codegen.routines import ROUTINES
    from symact.frameworks import torch_ns

    spaces = [torch_ns]
    if importlib.util.find_spec("jax") is not None:
        from symact.frameworks import jax_ns

        spaces.append(jax_ns)
    for ns in spaces:
        assert all(callable(getattr(ns.rt, r.name)) for r in ROUTINES), ns.__name__
        for name in NAMESPACE.values():
            head, _, tail = name.partition(".")
            assert hasattr(getattr(ns, head), tail) if tail else hasattr(ns, head), (ns.__name__, name)


_POINTS = [-37.5, -20.0, -5.25, -1.0, -0.125, 0.0, 0.375, 1.5, 4.0, 8.0]


@pytest.mark.parametrize("name", ["ndtr", "npdf", "ndtr_scaled", "npdf_scaled"])
def test_the_torch_routines_mean_what_is_declared(name: str) -> None:
    """As the NumPy routines are tested (a numeric claim at 50 digits), within 8 ULP."""
    decl = routine(name)
    impl = getattr(rt, name)
    mpmath.mp.dps = 50
    try:
        for u in _POINTS:
            for args in [(u,)] if len(decl.args) == 1 else [(u, 1.0), (u, 3.0e-300)]:
                got = float(impl(*[torch.tensor(a, dtype=torch.float64) for a in args]))
                want = decl.reference(*[mpmath.mpf(a) for a in args])
                err = 0.0 if want == got == 0 else abs(mpmath.mpf(got) - want) / math.ulp(abs(float(want)))
                assert err <= CAREFUL_TARGETS["fwd"], (name, args, got, want)
    finally:
        mpmath.mp.dps = 15


def test_symact_check_passes_symact_torch_gelu(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["check", "symact.torch.gelu", "--grad", "autodiff", "--against", "gelu", "--examples", "300"]
    code = main(argv)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "gelu: ok" in out and "points checked: forward 300, gradient 300" in out
