"""Kink conventions are facts about a framework version: every catalogue kink value is re-read here
from the installed framework's own autograd (float64, CPU) and compared with the catalogue.

Torch ops are called as the catalogue's frameworks line names them, with the record's default
parameters; a record whose kink has a PyTorch (JAX) value must appear in the table below.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable
from typing import Any

import pytest
import sympy as sp

from symact.catalogue import get, records
from symact.catalogue._kink import JAX_READ, PYTORCH_READ

HAS_TORCH = importlib.util.find_spec("torch") is not None
HAS_JAX = importlib.util.find_spec("jax") is not None


def _torch_ops() -> dict[str, Callable[..., Any]]:
    import torch
    import torch.nn.functional as F

    return {
        "relu": F.relu,
        "leaky_relu": lambda t, p: F.leaky_relu(t, p["negative_slope"]),
        "softsign": F.softsign,
        "hard_sigmoid": F.hardsigmoid,
        "hardtanh": lambda t, p: F.hardtanh(t, p["min_val"], p["max_val"]),
        "relu6": F.relu6,
        "hardswish": F.hardswish,
        "prelu": lambda t, p: F.prelu(t, torch.tensor([p["alpha"]], dtype=t.dtype)),
        "rrelu": lambda t, p: F.rrelu(t, p["lower"], p["upper"], training=False),
        "threshold": lambda t, p: F.threshold(t, p["threshold"], p["value"]),
        "elu": lambda t, p: F.elu(t, p["alpha"]),
        "selu": F.selu,
        "celu": lambda t, p: F.celu(t, p["alpha"]),
        "softplus_torch": lambda t, p: F.softplus(t, p["beta"], p["threshold"]),
        "hardshrink": lambda t, p: F.hardshrink(t, p["lambd"]),
        "softshrink": lambda t, p: F.softshrink(t, p["lambd"]),
        "l1": lambda t, p: F.l1_loss(t, torch.full_like(t, p["y"]), reduction="none"),
        "huber": lambda t, p: F.huber_loss(t, torch.full_like(t, p["y"]), reduction="none", delta=p["delta"]),
        "smooth_l1": lambda t, p: F.smooth_l1_loss(
            t, torch.full_like(t, p["y"]), reduction="none", beta=p["beta"]
        ),
    }


def _jax_ops() -> dict[str, Callable[..., Any]]:
    import jax.numpy as jnp
    from jax import nn

    return {
        "relu": nn.relu,
        "leaky_relu": lambda t, p: nn.leaky_relu(t, p["negative_slope"]),
        "softsign": nn.soft_sign,
        "hard_sigmoid": nn.hard_sigmoid,
        "hardtanh": nn.hard_tanh,
        "relu6": nn.relu6,
        "hardswish": nn.hard_swish,
        "elu": lambda t, p: nn.elu(t, p["alpha"]),
        "selu": nn.selu,
        "celu": lambda t, p: nn.celu(t, p["alpha"]),
        "sparse_sigmoid": nn.sparse_sigmoid,
        "sparse_plus": nn.sparse_plus,
        "l1": lambda t, p: jnp.abs(t - p["y"]),
    }


# parameter sets checked besides the defaults (negative alpha: PyTorch accepts it)
EXTRA_PARAMS: dict[str, list[dict[str, float]]] = {
    "elu": [{"alpha": 0.5}, {"alpha": -0.5}],
    "leaky_relu": [{"negative_slope": -0.2}],
    "softplus_torch": [{"beta": 2.0, "threshold": 10.0}],
}


def _cases(framework: str) -> list[tuple[str, dict[str, float]]]:
    out = []
    for r in records():
        if r.kind not in ("elementwise", "loss") or not any(
            k.conventions.get(framework) is not None for k in r.kinks
        ):
            continue
        for extra in [{}, *EXTRA_PARAMS.get(r.name, [])]:
            out.append((r.name, extra))
    return out


def _kink_values(name: str, extra: dict[str, float], framework: str) -> list[tuple[float, float, dict]]:
    """(position, catalogue value, parameters) at each kink where `framework` has a value."""
    record = get(name)
    params: dict[str, float] = {p.name: float(p.default) for p in record.params}
    if record.kind == "loss":
        params["y"] = 0.0
    params.update(extra)
    subs = {sp.Symbol(k, real=True): sp.Rational(v) for k, v in params.items()}
    out = []
    for k in record.kinks:
        if k.conventions.get(framework) is None:
            continue
        at = float(sp.sympify(k.at).xreplace(subs))
        out.append((at, float(sp.sympify(k.value(framework)).xreplace(subs)), params))
    return out


def _same(got: float, value: float) -> bool:
    """Equal, up to the rounding of constants held as floats (SELU's lambda alpha: one product)."""
    return got == value or abs(got - value) <= 2 * math.ulp(value)


def _call(op: Callable[..., Any], t: Any, params: dict[str, float]) -> Any:
    try:
        return op(t, params)
    except TypeError:
        return op(t)


def test_every_kink_value_records_the_version_it_was_read_from() -> None:
    for r in records():
        for k in r.kinks:
            if r.kind in ("elementwise", "loss"):
                assert k.versions.get("pytorch") == PYTORCH_READ, r.name
                assert k.versions.get("jax") == JAX_READ, r.name


def test_hardswish_keeps_the_older_pytorch_values_as_legacy() -> None:
    kinks = get("hardswish").kinks
    assert [k.value("pytorch") for k in kinks] == [0, 1]
    assert [k.value("pytorch-legacy") for k in kinks] == [sp.Rational(-1, 2), sp.Rational(3, 2)]
    assert get("relu").kinks[0].value("pytorch-legacy") == 0  # unchanged kinks: PyTorch's value


@pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed")
@pytest.mark.parametrize(("name", "extra"), _cases("pytorch"), ids=lambda v: str(v))
def test_pytorch_autograd_returns_the_catalogue_value(name: str, extra: dict[str, float]) -> None:
    import torch

    ops = _torch_ops()
    assert name in ops, f"{name} has a PyTorch kink value but no PyTorch op in this test"
    for at, value, params in _kink_values(name, extra, "pytorch"):
        t = torch.tensor([at], dtype=torch.float64, requires_grad=True)
        _call(ops[name], t, params).sum().backward()
        assert t.grad is not None
        got = float(t.grad[0])
        assert _same(got, value), (
            f"{name} {extra} at {at}: torch {torch.__version__} gives {got}, catalogue {value}"
        )


@pytest.mark.skipif(not HAS_JAX, reason="JAX is not installed")
@pytest.mark.parametrize(("name", "extra"), _cases("jax"), ids=lambda v: str(v))
def test_jax_grad_returns_the_catalogue_value(name: str, extra: dict[str, float]) -> None:
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    ops = _jax_ops()
    assert name in ops, f"{name} has a JAX kink value but no JAX op in this test"
    for at, value, params in _kink_values(name, extra, "jax"):
        got = float(jax.grad(lambda v, p=params: _call(ops[name], v, p))(jnp.float64(at)))
        assert _same(got, value), (
            f"{name} {extra} at {at}: jax {jax.__version__} gives {got}, catalogue {value}"
        )
