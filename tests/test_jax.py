"""The JAX backend on a small generation: its check (float64 and float32 against references), the
module it prints (``jax.custom_jvp`` with the verified derivative, jit, vmap), and the float64
requirement.  The backend is not yet among ``symact kernels``' backends: on XLA's CPU runtime,
which treats subnormal numbers as zero, and with its own tanh and log1p, a number of catalogue kernels
miss their targets (the check names them), so ``symact/jax/`` is not written yet.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from symact.codegen.arrays.backend import import_text
from symact.codegen.generate import SEED, Generation
from symact.codegen.jax import JaxBackend, x64

jax = pytest.importorskip("jax", reason="JAX is not installed (the symact[jax] extra)")
import jax.numpy as jnp  # noqa: E402

from symact.frameworks.jax_ns import TargetTangentError, X64Required  # noqa: E402

LOSS = "mse"


@pytest.fixture
def enabled() -> Iterator[None]:
    with x64():
        yield


@pytest.fixture
def module(small_generation: Generation, tmp_path: Path) -> dict[str, Any]:
    """The printed module, imported (its check, the shared one of ``test_torch.py``, compiles an XLA
    computation per sample shape and is left to ``benchmarks``-length runs)."""
    out = JaxBackend(io=lambda: None).build(small_generation, tmp_path, size=2000, seed=SEED)
    assert out.failures == [] and out.note and "not installed" in out.note
    text = next(t for p, t in out.texts.items() if p.name == "_generated.py")
    return import_text(text, tmp_path, "symact_jax_test_module")


@pytest.mark.parametrize("dtype", [jnp.float64, jnp.float32], ids=["float64", "float32"])
def test_custom_jvp_is_the_verified_derivative_under_jit_and_vmap(
    module: dict[str, Any], enabled: None, dtype: Any
) -> None:
    softplus, softplus_grad = module["softplus"], module["softplus_grad"]
    x = jnp.asarray(np.linspace(-30.0, 30.0, 41), dtype=dtype)
    y = jax.jit(softplus)(x)
    assert y.dtype == dtype and y.shape == x.shape
    assert np.array_equal(np.asarray(y), np.asarray(softplus(x)))
    g = jax.jit(jax.vmap(jax.grad(softplus)))(x)
    assert np.array_equal(np.asarray(g), np.asarray(softplus_grad(x)))
    (_, t) = jax.jvp(lambda v: softplus(v, beta=2.0), (x,), (jnp.ones_like(x),))
    assert np.array_equal(np.asarray(t), np.asarray(softplus_grad(x, beta=2.0)))


def test_a_loss_is_differentiated_in_its_prediction_only(module: dict[str, Any], enabled: None) -> None:
    loss, loss_grad = module[LOSS], module[f"{LOSS}_grad"]
    a = jnp.asarray([-3.0, 0.5, 7.0])
    y = jnp.asarray([0.0, 0.25, 1.0])
    g = jax.grad(lambda v: loss(v, y).sum())(a)
    assert np.array_equal(np.asarray(g), np.asarray(loss_grad(a, y)))
    with pytest.raises(TargetTangentError, match="no derivative with respect to the target"):
        jax.grad(lambda t: loss(a, t).sum())(y)


def test_without_x64_the_kernels_refuse_to_run(module: dict[str, Any]) -> None:
    before = jax.config.read("jax_enable_x64")  # another test in this process may have switched it on
    jax.config.update("jax_enable_x64", False)
    try:
        with pytest.raises(X64Required, match="jax_enable_x64"):
            module["softplus"](jnp.asarray([1.0]))
    finally:
        jax.config.update("jax_enable_x64", before)
