"""Calling users' element-wise functions on NumPy arrays: NumPy, PyTorch or JAX, whichever fits.

Each adapter is a small record (a name, how to call, how to take a derivative with the framework's
own autodiff); :func:`as_numpy` tries them in order and keeps the first that accepts an array.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["ADAPTERS", "Adapter", "as_numpy", "autodiff"]

ArrayFn = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Adapter:
    name: str
    module: str
    call: Callable[[Callable, np.ndarray], np.ndarray]
    grad: Callable[[Callable, np.ndarray], np.ndarray] | None

    @property
    def available(self) -> bool:
        return self.module == "numpy" or importlib.util.find_spec(self.module) is not None


def _np_call(fn: Callable, xs: np.ndarray) -> np.ndarray:
    out = fn(xs)
    if type(out).__module__.split(".")[0] not in ("numpy", "builtins"):
        raise TypeError("not a NumPy result")
    return np.asarray(out, dtype=xs.dtype)


def _torch_call(fn: Callable, xs: np.ndarray) -> np.ndarray:
    import torch

    with torch.no_grad():
        out = fn(torch.from_numpy(np.array(xs)))
    return np.asarray(out.detach().cpu().numpy(), dtype=xs.dtype)


def _torch_grad(fn: Callable, xs: np.ndarray) -> np.ndarray:
    import torch

    t = torch.from_numpy(np.array(xs)).requires_grad_(True)
    fn(t).sum().backward()
    assert t.grad is not None
    return np.asarray(t.grad.detach().cpu().numpy(), dtype=xs.dtype)


def _jax_call(fn: Callable, xs: np.ndarray) -> np.ndarray:
    import jax
    import jax.numpy as jnp

    if xs.dtype == np.float64:
        jax.config.update("jax_enable_x64", True)
    return np.asarray(fn(jnp.asarray(xs)), dtype=xs.dtype)


def _jax_grad(fn: Callable, xs: np.ndarray) -> np.ndarray:
    import jax
    import jax.numpy as jnp

    if xs.dtype == np.float64:
        jax.config.update("jax_enable_x64", True)
    return np.asarray(jax.vmap(jax.grad(fn))(jnp.asarray(xs)), dtype=xs.dtype)


ADAPTERS: tuple[Adapter, ...] = (
    Adapter("numpy", "numpy", _np_call, None),
    Adapter("torch", "torch", _torch_call, _torch_grad),
    Adapter("jax", "jax", _jax_call, _jax_grad),
)


def _probe(fn: Callable, dtype: object) -> Adapter:
    probe = np.array([0.5, -1.5], dtype=dtype)  # type: ignore[call-overload]
    errors = []
    for adapter in ADAPTERS:
        if not adapter.available:
            continue
        try:
            with np.errstate(all="ignore"):
                out = adapter.call(fn, probe)
        except Exception as exc:
            errors.append(f"{adapter.name}: {type(exc).__name__}")
            continue
        if out.shape == probe.shape:
            return adapter
    tried = "; ".join(errors) or "no framework accepted it"
    raise TypeError(f"cannot call {getattr(fn, '__name__', fn)!r} element-wise on an array ({tried})")


def as_numpy(fn: Callable, *, dtype: object = np.float64) -> tuple[ArrayFn, str]:
    """`fn` as a function from NumPy arrays to NumPy arrays, and the framework it runs on."""
    adapter = _probe(fn, dtype)

    def call(xs: np.ndarray) -> np.ndarray:
        return adapter.call(fn, np.asarray(xs, dtype=np.dtype(dtype)))  # type: ignore[call-overload]

    return call, adapter.name


def autodiff(fn: Callable, *, dtype: object = np.float64) -> tuple[ArrayFn, str]:
    """The derivative of `fn` by its framework's autodiff (PyTorch or JAX)."""
    adapter = _probe(fn, dtype)
    if adapter.grad is None:
        raise TypeError(f"{adapter.name} functions have no autodiff; pass grad= explicitly")
    grad = adapter.grad

    def call(xs: np.ndarray) -> np.ndarray:
        return grad(fn, np.asarray(xs, dtype=np.dtype(dtype)))  # type: ignore[call-overload]

    return call, adapter.name
