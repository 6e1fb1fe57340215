"""Calling users' element-wise functions on NumPy arrays: NumPy, PyTorch or JAX, whichever fits.

Each adapter is a small record (a name, how to call, how to take a derivative with the framework's
own autodiff); :func:`as_numpy` tries them in order and keeps the first that accepts an array.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from symact.numeric import FloatFormat, float_format

__all__ = ["ADAPTERS", "Adapter", "as_numpy", "autodiff", "call_arrays", "vjp_arrays"]

ArrayFn = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Adapter:
    name: str
    module: str
    call: Callable[[Callable, np.ndarray, FloatFormat], np.ndarray]
    grad: Callable[[Callable, np.ndarray, FloatFormat], np.ndarray] | None

    @property
    def available(self) -> bool:
        return self.module == "numpy" or importlib.util.find_spec(self.module) is not None


def has_ml_dtypes() -> bool:
    return importlib.util.find_spec("ml_dtypes") is not None


def numpy_array(xs: np.ndarray, fmt: FloatFormat) -> np.ndarray:
    """The format values `xs` (float64) as a NumPy array of the format (bfloat16: ``ml_dtypes``)."""
    if fmt.name != "bfloat16":
        return np.asarray(xs).astype(fmt.dtype)
    if not has_ml_dtypes():
        raise TypeError("NumPy has no bfloat16 without ml_dtypes")
    import ml_dtypes

    return np.asarray(xs).astype(ml_dtypes.bfloat16)


def from_numpy(out: object, fmt: FloatFormat) -> np.ndarray:
    """A NumPy, PyTorch or JAX result as float64, rounded to the format (the code's output type)."""
    if hasattr(out, "detach"):  # a torch tensor, of any floating dtype
        out = out.detach().cpu().double().numpy()  # type: ignore[attr-defined]
    with np.errstate(all="ignore"):
        return fmt.round(np.asarray(out, dtype=np.float64))


def _np_call(fn: Callable, xs: np.ndarray, fmt: FloatFormat) -> np.ndarray:
    out = fn(numpy_array(xs, fmt))
    if type(out).__module__.split(".")[0] not in _NUMPY_RESULTS:
        raise TypeError("not a NumPy result")
    return from_numpy(out, fmt)


def torch_tensor(xs: np.ndarray, fmt: FloatFormat) -> object:
    import torch

    return torch.from_numpy(np.array(xs, dtype=np.float64)).to(getattr(torch, fmt.name))


def _torch_call(fn: Callable, xs: np.ndarray, fmt: FloatFormat) -> np.ndarray:
    import torch

    with torch.no_grad():
        return from_numpy(fn(torch_tensor(xs, fmt)), fmt)


def _torch_grad(fn: Callable, xs: np.ndarray, fmt: FloatFormat) -> np.ndarray:
    t = torch_tensor(xs, fmt).requires_grad_(True)  # type: ignore[attr-defined]
    fn(t).sum().backward()
    assert t.grad is not None
    return from_numpy(t.grad, fmt)


def jax_array(xs: np.ndarray, fmt: FloatFormat) -> object:
    import jax
    import jax.numpy as jnp

    if fmt.name == "float64":
        jax.config.update("jax_enable_x64", True)
    return jnp.asarray(np.asarray(xs).astype(fmt.dtype)).astype(getattr(jnp, fmt.name))


def _jax_call(fn: Callable, xs: np.ndarray, fmt: FloatFormat) -> np.ndarray:
    return from_numpy(fn(jax_array(xs, fmt)), fmt)


def _jax_grad(fn: Callable, xs: np.ndarray, fmt: FloatFormat) -> np.ndarray:
    import jax

    return from_numpy(jax.vmap(jax.grad(fn))(jax_array(xs, fmt)), fmt)


ADAPTERS: tuple[Adapter, ...] = (
    Adapter("numpy", "numpy", _np_call, None),
    Adapter("torch", "torch", _torch_call, _torch_grad),
    Adapter("jax", "jax", _jax_call, _jax_grad),
)


def _probe(fn: Callable, fmt: FloatFormat) -> Adapter:
    probe = np.array([0.5, -1.5])
    errors = []
    for adapter in ADAPTERS:
        if not adapter.available:
            continue
        try:
            with np.errstate(all="ignore"):
                out = adapter.call(fn, probe, fmt)
        except Exception as exc:
            errors.append(f"{adapter.name}: {type(exc).__name__}")
            continue
        if out.shape == probe.shape:
            return adapter
    tried = "; ".join(errors) or "no framework accepted it"
    raise TypeError(f"cannot call {getattr(fn, '__name__', fn)!r} element-wise on an array ({tried})")


def as_numpy(fn: Callable, *, dtype: object = np.float64) -> tuple[ArrayFn, str]:
    """`fn` as a function from float64 arrays of values of the format `dtype` to float64 arrays of
    its results rounded to the format, and the framework it runs on.  The code receives an array of
    `dtype` (a PyTorch tensor or a JAX array when it is written for those)."""
    fmt = float_format(dtype)
    adapter = _probe(fn, fmt)

    def call(xs: np.ndarray) -> np.ndarray:
        return adapter.call(fn, np.asarray(xs, dtype=np.float64), fmt)

    return call, adapter.name


def autodiff(fn: Callable, *, dtype: object = np.float64) -> tuple[ArrayFn, str]:
    """The derivative of `fn` by its framework's autodiff (PyTorch or JAX)."""
    fmt = float_format(dtype)
    adapter = _probe(fn, fmt)
    if adapter.grad is None:
        raise TypeError(f"{adapter.name} functions have no autodiff; pass grad= explicitly")
    grad = adapter.grad

    def call(xs: np.ndarray) -> np.ndarray:
        return grad(fn, np.asarray(xs, dtype=np.float64), fmt)

    return call, adapter.name


def _convert(name: str, a: object, fmt: FloatFormat) -> object:
    """An argument for the framework `name`: float arrays in the format, integer arrays as int64."""
    if not isinstance(a, np.ndarray):
        return a
    if a.dtype.kind in "iu":
        if name == "torch":
            import torch

            return torch.from_numpy(a.astype(np.int64))
        if name == "jax":
            import jax.numpy as jnp

            return jnp.asarray(a)
        return a
    return {"numpy": numpy_array, "torch": torch_tensor, "jax": jax_array}[name](a, fmt)


def call_arrays(
    fn: Callable, args: tuple, kwargs: dict, fmt: FloatFormat, framework: str | None = None
) -> tuple[np.ndarray, str]:
    """`fn(*args, **kwargs)` with NumPy arrays converted for the first framework that accepts them
    (or `framework`): the float64 result rounded to the format, and the framework's name."""
    errors = []
    for adapter in ADAPTERS:
        if not adapter.available or framework not in (None, adapter.name):
            continue
        try:
            conv = [_convert(adapter.name, a, fmt) for a in args]
            kw = {k: _convert(adapter.name, v, fmt) for k, v in kwargs.items()}
            with np.errstate(all="ignore"):
                out = fn(*conv, **kw)
            if adapter.name == "numpy" and type(out).__module__.split(".")[0] not in _NUMPY_RESULTS:
                raise TypeError("not a NumPy result")
            return from_numpy(out, fmt), adapter.name
        except Exception as exc:
            if framework is not None:
                raise
            errors.append(f"{adapter.name}: {type(exc).__name__}: {exc}".splitlines()[0])
    raise TypeError("; ".join(errors) or "no framework accepted it")


_NUMPY_RESULTS = ("numpy", "builtins", "ml_dtypes")


def vjp_arrays(
    fn: Callable, args: tuple, kwargs: dict, cotangent: np.ndarray, fmt: FloatFormat, framework: str
) -> np.ndarray:
    """The gradient of sum(cotangent * fn(*args, **kwargs)) with respect to args[0], by the autodiff
    of `framework` (torch or jax), rounded to the format."""
    rest = [_convert(framework, a, fmt) for a in args[1:]]
    kw = {k: _convert(framework, v, fmt) for k, v in kwargs.items()}
    if framework == "torch":
        import torch

        x = torch_tensor(args[0], fmt).requires_grad_(True)  # type: ignore[attr-defined]
        out = fn(x, *rest, **kw)
        g = torch.from_numpy(np.asarray(cotangent, dtype=np.float64)).to(out.dtype).reshape(out.shape)
        (out * g).sum().backward()
        return from_numpy(x.grad, fmt)
    if framework == "jax":
        import jax
        import jax.numpy as jnp

        out, pull = jax.vjp(lambda x: fn(x, *rest, **kw), jax_array(args[0], fmt))
        cot = jnp.asarray(np.asarray(cotangent, dtype=np.float64).reshape(out.shape)).astype(out.dtype)
        return from_numpy(pull(cot)[0], fmt)
    raise TypeError(f"{framework} functions have no autodiff; pass grad= explicitly")
