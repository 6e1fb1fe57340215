"""NumPy's names over ``jax.numpy``: the namespace ``xp`` of the generated JAX kernels
(``symact/jax/_generated.py``) and of the shared routines (:mod:`symact.frameworks.routines`), and
the drivers.

Kernels compute in float64 (a float32 array is widened and the result rounded once), so they need
``jax_enable_x64``: without it JAX silently computes "float64" in float32, which the kernels' constants
(Veltkamp's splitter, the double-double coefficients) are not made for; the drivers raise
:class:`X64Required` instead of returning unverified numbers.  The drivers are jit- and
vmap-compatible: no host round trip, no data-dependent Python branch.
"""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import jax.scipy.special
from jax.custom_derivatives import SymbolicZero

from symact.errors import ArgumentError, SymactError
from symact.frameworks.vector_routines import VectorRoutines

__all__ = ["X64Required", "binary", "no_target_tangent", "rt", "tangent", "unary", "vector"]

inf = math.inf
nan = math.nan
F64 = jnp.float64


class X64Required(SymactError, RuntimeError):
    """symact.jax computes in float64, which JAX provides only with ``jax_enable_x64``."""


def is_array(v: Any) -> bool:
    return isinstance(v, jax.Array)


def as_float(v: Any) -> Any:
    return jnp.asarray(v).astype(F64)


def clip(x: Any, lo: float, hi: float) -> Any:
    return jnp.clip(x, lo, hi)


where = jnp.where
maximum = jnp.maximum
minimum = jnp.minimum
hypot = jnp.hypot
copysign = jnp.copysign
exp = jnp.exp
expm1 = jnp.expm1
log = jnp.log
sqrt = jnp.sqrt
isfinite = jnp.isfinite
isnan = jnp.isnan

# XLA's CPU log1p, tanh, cosh and erfcx miss the kernels' targets (measured against mpmath: log1p 128
# ULP near -0.41, tanh 6 ULP beyond 5, cosh 17 ULP, erfcx wrong from 26.5 to 40); exp and log are
# within 1 ULP, so these four are served from them.  The backend's check measures every kernel built
# on them.

_INV_SQRT_PI = 0.5641895835477563  # 1/sqrt(pi), correctly rounded
_ERFCX_ASYMPTOTIC = 26.0  # from here 8 terms of the asymptotic series are exact to 1e-19


def log1p(x: Any) -> Any:
    r"""$\log(1 + x)$: XLA's, except on $[-1/2, -1/4]$ where it is off by up to 128 ULP: there
    $\log s + e/s$, where $s + e = 1 + x$ exactly (TwoSum) and $\log s$ is XLA's (1 ULP)."""
    x = jnp.asarray(x)
    s = fence(1.0 + x)
    bb = fence(s - 1.0)
    e = (1.0 - (s - bb)) + (x - bb)
    band = (x >= -0.5) & (x <= -0.25)
    return jnp.where(band, jnp.log(jnp.where(band, s, 1.0)) + e / jnp.where(band, s, 1.0), jnp.log1p(x))


def tanh(x: Any) -> Any:
    r"""$\tanh x$: XLA's below $|x| = 0.55$ (2 ULP), $\pm(1 - e)/(1 + e)$ with $e = e^{-2|x|}$ above."""
    x = jnp.asarray(x)
    e = jnp.exp(-2.0 * jnp.abs(x))
    return jnp.where(jnp.abs(x) < 0.55, jnp.tanh(x), jnp.copysign((1.0 - e) / (1.0 + e), x))


def cosh(x: Any) -> Any:
    r"""$\cosh x = e^{|x|}/2 + e^{-|x|}/2$; beyond exp's overflow, $(e^{|x|/2}/2)\, e^{|x|/2}$."""
    a = jnp.abs(jnp.asarray(x))
    h = jnp.exp(0.5 * a)
    return jnp.where(a < 709.0, 0.5 * jnp.exp(a) + 0.5 * jnp.exp(-a), (0.5 * h) * h)


def erfcx(x: Any) -> Any:
    r"""$e^{x^2} \operatorname{erfc} x$: JAX's below 26, the asymptotic series
    $\frac{1}{x\sqrt\pi} \sum_k (-1)^k (2k-1)!!/(2x^2)^k$ (8 terms) from 26 on."""
    x = jnp.asarray(x)
    big = x >= _ERFCX_ASYMPTOTIC
    xb = jnp.where(big, x, _ERFCX_ASYMPTOTIC)
    z = 0.5 / (xb * xb)
    series = jnp.ones_like(z)
    for k in range(7, 0, -1):
        series = 1.0 - (2 * k - 1) * z * series
    return jnp.where(big, (_INV_SQRT_PI / xb) * series, jax.scipy.special.erfcx(jnp.where(big, 0.0, x)))


equal = jnp.equal
not_equal = jnp.not_equal
greater = jnp.greater
greater_equal = jnp.greater_equal
less = jnp.less
less_equal = jnp.less_equal
full_like = jnp.full_like
zeros_like = jnp.zeros_like
frexp = jnp.frexp
fence = jax.lax.optimization_barrier
"""XLA's simplifier rewrites ``(a + b) - a`` to ``b``; a value passed through this is opaque to it."""


class _Reducer:
    def __init__(self, op: Callable[[Any, Any], Any]) -> None:
        self.reduce = lambda args: functools.reduce(op, args)


logical_and = _Reducer(jnp.logical_and)
logical_or = _Reducer(jnp.logical_or)

# -- the names of the row routines (symact.frameworks.vector_routines): the axis kept ---------------


def amax(x: Any, axis: int) -> Any:
    return jnp.max(x, axis=axis, keepdims=True)


def sum(x: Any, axis: int, keepdims: bool = True) -> Any:
    return jnp.sum(x, axis=axis, keepdims=keepdims)


def any(x: Any, axis: int) -> Any:
    return jnp.any(x, axis=axis, keepdims=True)


def all(x: Any, axis: int) -> Any:
    return jnp.all(x, axis=axis, keepdims=True)


def argmax(x: Any, axis: int) -> Any:
    return jnp.expand_dims(jnp.argmax(x, axis=axis), axis)


def take_along_axis(x: Any, idx: Any, axis: int) -> Any:
    return jnp.take_along_axis(x, idx, axis=axis)


def index_is(idx: Any, like: Any, axis: int) -> Any:
    """True where the position along `axis` of an array shaped like `like` is `idx`."""
    ax = axis % like.ndim
    shape = [1] * like.ndim
    shape[ax] = like.shape[ax]
    return jnp.arange(like.shape[ax]).reshape(shape) == idx


def broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
    return jnp.broadcast_to(x, shape)


def broadcast_arrays(*xs: Any) -> list[Any]:
    return list(jnp.broadcast_arrays(*xs))


def halves(x: Any, axis: int) -> tuple[Any, Any]:
    u, v = jnp.split(x, 2, axis=axis)
    return u, v


def concatenate(xs: list[Any], axis: int) -> Any:
    return jnp.concatenate(xs, axis=axis)


def squeeze(x: Any, axis: int) -> Any:
    return jnp.squeeze(x, axis)


def expand_dims(x: Any, axis: int) -> Any:
    return jnp.expand_dims(x, axis)


def ldexp(x: Any, k: Any) -> Any:
    """x 2^k for integer-valued k, as two exact scalings (2^k alone may overflow where x 2^k does not)."""
    k = jnp.asarray(k).astype(F64)
    h = jnp.floor(k / 2)
    return (x * jnp.exp2(h)) * jnp.exp2(k - h)


def shape_error(message: str) -> ArgumentError:
    return ArgumentError(message)


rt = VectorRoutines(sys.modules[__name__])
"""The runtime routines over this namespace (the generated kernels' ``_rt``)."""


def vector(
    kernel: Callable[..., Any],
    arrays: tuple[Any, ...],
    dim: int,
    params: tuple[Any, ...] = (),
    scale: Any = None,
) -> Any:
    """`kernel(*arrays, dim, *params)` (a vector kernel) in float64, rounded once to the dtype of the
    first array (at least one dimension, `dim` in range); with `scale` (a loss's cotangent, one value
    per row), ``scale * kernel(...)`` with the reduced `dim` restored.  One XLA computation."""
    _require_x64()
    x = jnp.asarray(arrays[0])
    if x.ndim == 0:
        raise ArgumentError("vector functions need an input array with at least one dimension")
    if isinstance(dim, bool) or not isinstance(dim, int) or not -x.ndim <= dim < x.ndim:
        raise ArgumentError(f"dim {dim!r} is out of range for an input of {x.ndim} dimension(s)")
    rest = tuple(jnp.asarray(a) for a in arrays[1:])
    return _vector(kernel, x, rest, dim, params, scale)


@functools.partial(jax.jit, static_argnums=(0, 3, 4))
def _vector(
    kernel: Callable[..., Any], x: Any, rest: tuple[Any, ...], dim: int, params: tuple[Any, ...], scale: Any
) -> Any:
    r = kernel(x.astype(F64), *[a.astype(F64) for a in rest], dim, *params)
    if scale is not None:
        r = jnp.expand_dims(jnp.asarray(scale).astype(F64), dim) * r
    return r.astype(_dtype(x))


def _require_x64() -> None:
    if not jax.config.read("jax_enable_x64"):
        raise X64Required(
            "symact.jax computes in float64: enable it with jax.config.update('jax_enable_x64', True)"
        )


def _dtype(x: jax.Array) -> Any:
    return x.dtype if jnp.issubdtype(x.dtype, jnp.floating) else F64


def _finish(r: Any, shape: tuple[int, ...]) -> Any:
    return jnp.broadcast_to(jnp.asarray(r).astype(F64), shape)


def unary(kernel: Callable[..., Any], x: Any, params: tuple[Any, ...], limits: Any = None) -> Any:
    """`kernel(x, *params)` in float64, rounded to x's dtype; with `limits` (``limits(*params)``) the
    infinite inputs get their limits.  Compiled as one XLA computation (:func:`jax.jit`, the kernel,
    parameters and limits static): op-by-op evaluation on the CPU flushes subnormal numbers to zero."""
    _require_x64()
    return _unary(kernel, jnp.asarray(x), params, limits)


@functools.partial(jax.jit, static_argnums=(0, 2, 3))
def _unary(kernel: Callable[..., Any], x: Any, params: tuple[Any, ...], limits: Any) -> Any:
    xd = x.astype(F64)
    if limits is None:
        return _finish(kernel(xd, *params), xd.shape).astype(_dtype(x))
    finite = jnp.isfinite(xd)
    r = _finish(kernel(jnp.where(finite, xd, 0.0), *params), xd.shape)
    neg, pos = limits(*params)
    r = jnp.where(finite, r, jnp.where(xd > 0, pos, jnp.where(xd < 0, neg, xd)))
    return r.astype(_dtype(x))


def binary(kernel: Callable[..., Any], a: Any, y: Any, params: tuple[Any, ...], limits: Any = None) -> Any:
    """`kernel(a, y, *params)` (a loss) on broadcast `a` and `y` in float64, rounded to a's dtype; nan
    where a or y is nan; with `limits` (``limits(y, *params)``) an infinite `a` gets them."""
    _require_x64()
    return _binary(kernel, jnp.asarray(a), jnp.asarray(y), params, limits)


@functools.partial(jax.jit, static_argnums=(0, 3, 4))
def _binary(kernel: Callable[..., Any], a: Any, y: Any, params: tuple[Any, ...], limits: Any) -> Any:
    ad, yd = jnp.broadcast_arrays(a.astype(F64), jnp.asarray(y).astype(F64))
    if limits is None:
        r = _finish(kernel(ad, yd, *params), ad.shape)
    else:
        r = _finish(kernel(jnp.where(jnp.isinf(ad), 1.0, ad), yd, *params), ad.shape)
        neg, pos = limits(yd, *params)
        r = jnp.where(ad == math.inf, pos, jnp.where(ad == -math.inf, neg, r))
    r = jnp.where(jnp.isnan(ad) | jnp.isnan(yd), math.nan, r)
    return r.astype(_dtype(a))


def tangent(t: Any, derivative: Any) -> Any:
    """``t * derivative``; zeros where `t` is a symbolic zero."""
    return jnp.zeros_like(derivative) if isinstance(t, SymbolicZero) else t * derivative


class TargetTangentError(SymactError, RuntimeError):
    """A derivative with respect to a loss's target was asked for; symact derives none."""


def no_target_tangent(t: Any, name: str) -> None:
    """Raise when the target of loss `name` carries a tangent (it is differentiated)."""
    if not isinstance(t, SymbolicZero):
        raise TargetTangentError(f"symact.jax.{name}: no derivative with respect to the target y")


def target(y: Any, z: Any) -> Any:
    """A loss's target as an array broadcast against the logits `z` (a Python number in float64)."""
    return jnp.broadcast_to(jnp.asarray(y, dtype=F64 if not is_array(y) else None), jnp.shape(z))


def no_target_perturbation(y: Any, name: str) -> None:
    """Raise when the target of vector loss `name` is differentiated (a ``custom_vjp`` primal)."""
    if y.perturbed:
        raise TargetTangentError(f"symact.jax.{name}: no derivative with respect to the target y")
