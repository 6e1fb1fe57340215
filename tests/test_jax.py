"""The generated JAX kernels (``symact.jax``): the build's check (float64 and float32 against
references, under XLA's flush-to-zero), records left out when they miss their targets, the
``jax.custom_jvp`` wiring (the derivative is the verified one, bit for bit, under jit and vmap),
gradient checks for every element-wise function, the float64 requirement, the namespace's
substitutes for XLA's log1p, tanh, cosh and erfcx, and ``symact check --flush-subnormals`` on
``symact.jax.gelu``.

Every kernel of the committed module is measured against correctly rounded references by
``symact kernels`` itself (``JaxBackend.build``; CI runs ``symact kernels --check``); here the same
check runs on a small generation and is shown to fail on a wrong kernel.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import mpmath
import numpy as np
import pytest

from symact.cli import main
from symact.codegen.arrays.backend import import_text
from symact.codegen.generate import SEED, Generation
from symact.codegen.jax import JAX, JaxBackend, x64
from symact.codegen.report import backends_markdown
from symact.errors import ArgumentError
from symact.numeric import full_range_sample

jax = pytest.importorskip("jax", reason="JAX is not installed (the symact[jax] extra)")
import jax.numpy as jnp  # noqa: E402
from jax.test_util import check_grads  # noqa: E402

import symact.jax as sj  # noqa: E402
from symact.frameworks import jax_ns  # noqa: E402
from symact.frameworks.jax_ns import TargetTangentError, X64Required  # noqa: E402

LOSS = "mse"
VECTORS = ["softmax", "softmin", "log_softmax", "glu"]
VECTOR_LOSSES = ["cross_entropy", "nll_loss"]
ELEMENTWISE = [
    n for n in sj.__all__ if n.removesuffix("_vjp").removesuffix("_grad") not in [*VECTORS, *VECTOR_LOSSES]
]
LOSSES = [n for n in ELEMENTWISE if "y" in inspect.signature(getattr(sj, n)).parameters]
DIFFERENTIABLE = [n for n in ELEMENTWISE if not n.endswith(("_grad", "_grad_from_output"))]
SAMPLE = full_range_sample(400, seed=SEED + 7)


@pytest.fixture
def enabled() -> Iterator[None]:
    with x64():
        yield


@pytest.fixture
def small(small_generation: Generation) -> Generation:
    return small_generation


def test_the_build_checks_every_kernel_in_both_dtypes(small: Generation, tmp_path: Path) -> None:
    out = JaxBackend().build(small, tmp_path, size=2000, seed=SEED)
    assert out.failures == [] and not out.withheld
    names = ["softplus", "softplus_grad", "softplus_grad_from_output", LOSS, f"{LOSS}_grad"]
    assert out.checked == names
    by_name = {d.name: d for d in out.details}
    for n in names:
        assert by_name[n].max_ulp["float64"] <= by_name[n].target
    assert by_name["softplus"].max_ulp["float32"] <= 1
    assert out.note and "flushes subnormal numbers to zero" in out.note
    assert set(out.texts) == set(JaxBackend().files(tmp_path))


def _off() -> Any:
    """The JAX table with every forward pass off by 2^-40 (relative): the check must fail it."""
    body = "return xp.unary({fwd}, x, {ptuple}, {limf})"
    assert body in JAX.function
    return replace(JAX, function=JAX.function.replace(body, body + " * (1 + 2**-40)"))


def test_a_kernel_that_misses_its_target_withholds_the_files(small: Generation, tmp_path: Path) -> None:
    out = JaxBackend(framework=_off(), left_out={}).build(small, tmp_path, size=2000, seed=SEED)
    assert out.withheld and any(f.startswith("softplus (jax):") for f in out.failures), out.failures


def test_a_listed_record_is_left_out_measured_and_explained(small: Generation, tmp_path: Path) -> None:
    """Left out on every machine (the files do not depend on JAX being installed), measured where it is,
    and the report says why; the other records are written and the build does not fail."""
    cause = "a forward pass off by 2^-40"
    out = JaxBackend(framework=_off(), left_out={"softplus": cause}).build(
        small, tmp_path, size=2000, seed=SEED
    )
    assert out.failures == [] and not out.withheld
    left = {d.name for d in out.details if d.left_out}
    assert left == {"softplus", "softplus_grad", "softplus_grad_from_output"}
    text = next(t for p, t in out.texts.items() if p.name == "_generated.py")
    assert "def softplus(" not in text and f"def {LOSS}(" in text
    ns = import_text(text, tmp_path, "symact_jax_left_out")
    assert "softplus" not in ns and LOSS in ns
    report = "\n".join(backends_markdown(small, {"jax": out}))
    assert "| `softplus` | record | 4 | left out " in report
    assert f"left out of symact/jax/: {cause} (measured: " in report and "ULP > 4 at x = " in report
    unchecked = JaxBackend(framework=_off(), left_out={"softplus": cause}, io=lambda: None)
    assert unchecked.build(small, tmp_path, size=2000, seed=SEED).texts == out.texts


def test_a_listed_record_that_meets_its_targets_fails_the_build(small: Generation, tmp_path: Path) -> None:
    out = JaxBackend(left_out={"softplus": "no reason", "no_such": "x"}).build(
        small, tmp_path, size=2000, seed=SEED
    )
    assert out.withheld
    assert any(
        f.startswith("softplus (jax): left out (no reason) but every kernel meets") for f in out.failures
    )
    assert "no_such (jax): in the left_out table but no catalogue record" in out.failures


def test_without_jax_the_text_is_written_unchecked(small: Generation, tmp_path: Path) -> None:
    out = JaxBackend(io=lambda: None).build(small, tmp_path, size=2000, seed=SEED)
    assert not out.withheld and out.failures == [] and out.note and "not installed" in out.note


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


def _inputs(name: str, dtype: Any) -> tuple[Any, ...]:
    with np.errstate(over="ignore"):  # float32: the sample's large values become infinities
        x = jnp.asarray(SAMPLE.astype(dtype))
    return (x, jnp.full_like(x, 0.25)) if name in LOSSES else (x,)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_derivative_is_the_verified_kernel_bit_for_bit(enabled: None, dtype: str) -> None:
    """On the full-range sample (infinities and nan included) the gradient JAX computes through the
    custom JVP, under jit and vmap, equals the generated derivative kernel."""
    for name in DIFFERENTIABLE:
        x, *y = _inputs(name, np.dtype(dtype))
        fn = getattr(sj, name)
        out = fn(x, *y)
        assert out.dtype == x.dtype and out.shape == x.shape, name
        g = jax.jit(jax.vmap(jax.grad(lambda v, *t, f=fn: f(v, *t))))(x, *y)
        want = getattr(sj, name + "_grad")(x, *y)
        assert _same(np.asarray(g), np.asarray(want)), name


def _points(name: str) -> np.ndarray:
    """Seven points inside the function's domain, none on a kink (as ``test_torch._points``)."""
    from symact import catalogue

    record = catalogue.get(name)
    domain = getattr(record, "domain", None) or getattr(record, "input_domain", None)
    lo, hi = -2.6, 2.3
    if domain is not None and domain.inf.is_finite:
        lo = float(domain.inf) + 0.05
        hi = float(domain.sup) - 0.05 if domain.sup.is_finite else lo + 2.5
    elif domain is not None and domain.sup.is_finite:
        lo, hi = float(domain.sup) - 2.6, float(domain.sup) - 0.2
    return np.linspace(lo, hi, 7) + 0.013


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_check_grads(enabled: None, name: str) -> None:
    """``jax.test_util.check_grads``: forward and reverse mode against finite differences."""
    x = jnp.asarray(_points(name))
    if name in LOSSES:
        y = jnp.full_like(x, 0.3)
        check_grads(lambda a: getattr(sj, name)(a, y), (x,), order=1, modes=("fwd", "rev"))
    else:
        check_grads(getattr(sj, name), (x,), order=1, modes=("fwd", "rev"))


def test_a_loss_is_differentiated_in_its_prediction_only(enabled: None) -> None:
    loss, loss_grad = getattr(sj, LOSS), getattr(sj, f"{LOSS}_grad")
    a = jnp.asarray([-3.0, 0.5, 7.0])
    y = jnp.asarray([0.0, 0.25, 1.0])
    g = jax.grad(lambda v: loss(v, y).sum())(a)
    assert np.array_equal(np.asarray(g), np.asarray(loss_grad(a, y)))
    with pytest.raises(TargetTangentError, match="no derivative with respect to the target"):
        jax.grad(lambda t: loss(a, t).sum())(y)


def test_parameters_are_keyword_only_with_the_catalogue_defaults(enabled: None) -> None:
    x = jnp.asarray([-1.5, 0.5, 3.0])
    beta = inspect.signature(sj.softplus).parameters["beta"]
    assert beta.kind is inspect.Parameter.KEYWORD_ONLY and beta.default == 1
    assert not np.array_equal(np.asarray(sj.softplus(x, beta=2.0)), np.asarray(sj.softplus(x)))
    (_, t) = jax.jvp(lambda v: sj.softplus(v, beta=2.0), (x,), (jnp.ones_like(x),))
    assert np.array_equal(np.asarray(t), np.asarray(sj.softplus_grad(x, beta=2.0)))


def test_without_x64_the_kernels_refuse_to_run() -> None:
    before = jax.config.read("jax_enable_x64")  # another test in this process may have switched it on
    jax.config.update("jax_enable_x64", False)
    try:
        with pytest.raises(X64Required, match="jax_enable_x64"):
            sj.softplus(jnp.asarray([1.0]))
    finally:
        jax.config.update("jax_enable_x64", before)


def _ulps(fn: Callable[[Any], Any], truth: Callable[[Any], Any], xs: np.ndarray) -> float:
    """Max error of jit(fn) on `xs` against `truth` (mpmath at 50 digits), in ULP of the truth."""
    got = np.asarray(jax.jit(fn)(jnp.asarray(xs)))
    mpmath.mp.dps = 50
    try:
        worst = 0.0
        for x, g in zip(xs, got, strict=True):
            want = truth(mpmath.mpf(float(x)))
            worst = max(worst, float(abs(mpmath.mpf(float(g)) - want) / math.ulp(abs(float(want)))))
        return worst
    finally:
        mpmath.mp.dps = 15


def _erfcx(x: Any) -> Any:
    return mpmath.exp(x * x) * mpmath.erfc(x)


@pytest.mark.parametrize(
    ("name", "truth", "lo", "hi", "target"),
    [
        ("log1p", mpmath.log1p, -0.999, -0.5, 2),
        ("log1p", mpmath.log1p, -0.5, -0.25, 2),
        ("log1p", mpmath.log1p, -0.25, 0.3, 2),
        ("log1p", mpmath.log1p, -1e-10, 1e-10, 2),
        ("log1p", mpmath.log1p, 0.3, 1e3, 2),
        ("tanh", mpmath.tanh, -0.55, 0.55, 3),
        ("tanh", mpmath.tanh, 0.55, 25.0, 3),
        ("cosh", mpmath.cosh, -400.0, 400.0, 3),
        ("erfcx", _erfcx, 20.0, 26.0, 6),
        ("erfcx", _erfcx, 26.0, 40.0, 2),
        ("erfcx", _erfcx, 40.0, 1e5, 2),
    ],
)
def test_the_namespace_substitutes_are_accurate(
    enabled: None, name: str, truth: Callable[[Any], Any], lo: float, hi: float, target: float
) -> None:
    """A numeric claim at 50 digits on 300 points of each range (XLA's own log1p misses by 128 ULP
    near -0.41, its tanh by 6 beyond 5, its cosh by 17, its erfcx is wrong from 26.5 to 40)."""
    xs = np.random.default_rng(5).uniform(lo, hi, 300)
    assert _ulps(getattr(jax_ns, name), truth, xs) <= target


def test_log1p_keeps_its_special_values(enabled: None) -> None:
    got = np.asarray(jax.jit(jax_ns.log1p)(jnp.asarray([-1.0, -2.0, math.inf, math.nan, -0.0, 1e-300])))
    assert got[0] == -math.inf and np.isnan(got[1]) and got[2] == math.inf and np.isnan(got[3])
    assert got[4] == 0 and math.copysign(1.0, got[4]) == -1.0 and got[5] == 1e-300


def test_the_fence_keeps_an_error_term_from_xla_s_simplifier(enabled: None) -> None:
    """TwoSum of the constant 1 and b = 1e-17 under jit: the error term is b (XLA simplifies
    ``(1 + b) - 1`` to ``b`` without the fence, which makes the error term 0)."""
    h, lo = jax.jit(lambda b: jax_ns.rt._dd_add(1.0, 0.0, b, 0.0 * b))(jnp.asarray(1e-17))
    assert float(h) == 1.0 and float(lo) == 1e-17

    def unfenced(b: Any) -> Any:
        s = 1.0 + b
        bb = s - 1.0
        return (1.0 - (s - bb)) + (b - bb)

    assert float(jax.jit(unfenced)(jnp.asarray(1e-17))) == 0.0  # what the fence prevents


def test_symact_check_passes_symact_jax_gelu_where_subnormals_are_flushed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """On XLA's CPU runtime the check passes once told that subnormal numbers are flushed to zero;
    without that, it fails exactly there (a platform's behaviour, not a kernel's error)."""
    argv = ["check", "symact.jax.gelu", "--grad", "autodiff", "--against", "gelu", "--examples", "300"]
    assert main([*argv, "--flush-subnormals"]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "gelu: ok" in out and "no subnormal input drawn" in out
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert "subnormal" in out and "FAIL" in out


def _rows(n: int = 6, width: int = 4) -> np.ndarray:
    return np.random.default_rng(11).normal(0.0, 3.0, (n, width))


def test_the_vector_functions_are_served_and_logsumexp_is_left_out() -> None:
    for name in [*VECTORS, *VECTOR_LOSSES]:
        assert name in sj.__all__, name
    assert "logsumexp" not in sj.__all__ and "squareplus" not in sj.__all__


@pytest.mark.parametrize("name", VECTORS)
def test_a_vector_function_s_gradient_is_its_verified_vjp_bit_for_bit(enabled: None, name: str) -> None:
    """jax.vjp under jit (and vmap over rows) gives the generated ``NAME_vjp`` exactly; the values equal
    the NumPy kernels' within their targets (the build measures both against references)."""
    import symact.kernels as sk

    fn, vjp = getattr(sj, name), getattr(sj, f"{name}_vjp")
    x = jnp.asarray(_rows())
    out = jax.jit(fn)(x)
    g = jnp.asarray(np.random.default_rng(12).normal(size=out.shape))
    (got,) = jax.jit(lambda v, t: jax.vjp(fn, v)[1](t))(x, g)
    assert np.array_equal(np.asarray(got), np.asarray(vjp(x, g)))
    rows = jax.jit(jax.vmap(lambda v, t: jax.vjp(fn, v)[1](t)[0]))(x, g)
    assert np.array_equal(np.asarray(rows), np.asarray(got))
    want = getattr(sk, name)(np.asarray(x))
    assert np.allclose(np.asarray(out), want, rtol=8 * 2.0**-52, atol=0)


def _against_differences(fn: Callable[[Any], Any], x: Any) -> None:
    """<g, J v> from the reverse pass against central differences of `fn` along v (reverse mode only:
    ``check_grads`` also asks for a JVP, which a ``custom_vjp`` does not have)."""
    rng = np.random.default_rng(14)
    out = fn(x)
    g = jnp.asarray(rng.normal(size=out.shape))
    v = jnp.asarray(rng.normal(size=x.shape))
    (back,) = jax.vjp(fn, x)[1](g)
    h = 1e-6
    ahead = float(jnp.sum(g * (fn(x + h * v) - fn(x - h * v)))) / (2 * h)
    assert math.isclose(float(jnp.sum(back * v)), ahead, rel_tol=1e-7, abs_tol=1e-9)


@pytest.mark.parametrize("name", VECTORS)
def test_the_reverse_pass_of_a_vector_function_against_differences(enabled: None, name: str) -> None:
    _against_differences(getattr(sj, name), jnp.asarray(_rows()))


@pytest.mark.parametrize("name", VECTOR_LOSSES)
def test_a_vector_loss_is_differentiated_in_its_logits_only(enabled: None, name: str) -> None:
    loss, grad = getattr(sj, name), getattr(sj, f"{name}_grad")
    z = jnp.asarray(_rows())
    y = jnp.asarray(np.eye(4)[np.random.default_rng(13).integers(0, 4, 6)])
    if name == "nll_loss":
        z = -jnp.abs(z)  # log-probabilities
    want = np.asarray(grad(z, y))
    assert np.array_equal(np.asarray(jax.grad(lambda v: loss(v, y).sum())(z)), want)
    # inside a caller's jit, XLA compiles the kernel into the caller's computation and may round an
    # entry differently (seen: 1 ULP in cross_entropy's gradient); it stays within the target
    g = np.asarray(jax.jit(jax.grad(lambda v: loss(v, y).sum()))(z))
    assert np.all(np.abs(g - want) <= 8 * np.spacing(np.abs(want)))
    _against_differences(lambda v: loss(v, y), z)
    with pytest.raises(TargetTangentError, match="no derivative with respect to the target"):
        jax.grad(lambda t: loss(z, t).sum())(y)


def test_a_vector_function_takes_dim(enabled: None) -> None:
    x = jnp.asarray(_rows())
    assert np.array_equal(np.asarray(sj.softmax(x, dim=0)), np.asarray(sj.softmax(x.T)).T)
    with pytest.raises(ArgumentError, match="dim 2 is out of range"):
        sj.softmax(x, dim=2)
    assert sj.softmax(x.astype(jnp.float32)).dtype == jnp.float32


def test_no_process_forks_once_jax_is_imported() -> None:
    """A child forked while one of XLA's threads holds a lock waits forever (the test suite hung so):
    once JAX is imported the process pools run their work in the process, and the results are the same."""
    import subprocess
    import sys

    code = (
        "from symact.pipeline import fork_is_safe; assert fork_is_safe()\n"
        "import jax, jax.numpy as jnp; jnp.ones(3).sum().block_until_ready()\n"
        "assert not fork_is_safe()\n"
        "from symact import catalogue; from symact.codegen.generate import generate\n"
        "g = generate([catalogue.get('relu'), catalogue.get('softsign')], size=300, size32=100, jobs=2)\n"
        "print(g.failures() == [], 'def softsign(' in g.source)\n"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["True", "True"]
