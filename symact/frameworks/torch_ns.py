"""NumPy's names over PyTorch: the namespace ``xp`` the generated kernels (``_generated.py``) and the
shared routines (:mod:`symact.frameworks.routines`) are written against, and the drivers.

Kernels compute in float64 (a float32 tensor is widened and the result rounded once, as the NumPy
kernels do), so a Python number met here becomes a float64 scalar tensor: PyTorch would otherwise
make a float32 tensor of two Python numbers (``torch.where(c, 1.0, 0.0)``) and refuses numbers in
``maximum``, ``hypot``, ``exp``.  Everything stays on the input's device; nothing synchronises with
the host, so the kernels trace into one graph (``torch.compile(fullgraph=True)``).  The vector kernels
run through :func:`vector` (the reduction names ``amax``, ``sum``, ... keep the axis, as the row
routines of :mod:`symact.frameworks.vector_routines` expect).
"""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Callable
from typing import Any

import torch

from symact.errors import ArgumentError, SymactError
from symact.frameworks.vector_routines import VectorRoutines

__all__ = ["TargetGradientError", "binary", "no_target_gradient", "rt", "target", "unary", "vector"]

inf = math.inf
nan = math.nan
F64 = torch.float64


def is_array(v: Any) -> bool:
    return isinstance(v, torch.Tensor)


def _t(v: Any) -> torch.Tensor:
    return v if isinstance(v, torch.Tensor) else torch.tensor(v, dtype=F64)


def as_float(v: torch.Tensor) -> torch.Tensor:
    return v.to(F64)


def where(c: Any, a: Any, b: Any) -> torch.Tensor:
    if not isinstance(a, torch.Tensor) and not isinstance(b, torch.Tensor):
        a = torch.full((), a, dtype=F64, device=c.device)
    return torch.where(c, a, b)


def maximum(a: Any, b: Any) -> torch.Tensor:
    return torch.maximum(_t(a), _t(b))


def minimum(a: Any, b: Any) -> torch.Tensor:
    return torch.minimum(_t(a), _t(b))


def clip(x: Any, lo: float, hi: float) -> torch.Tensor:
    return torch.clamp(_t(x), lo, hi)


def hypot(a: Any, b: Any) -> torch.Tensor:
    return torch.hypot(_t(a), _t(b))


def copysign(a: Any, b: Any) -> torch.Tensor:
    return torch.copysign(_t(a), _t(b))


def fence(v: Any) -> Any:
    """The identity (JAX's namespace stops its compiler's algebraic rewrites here)."""
    return v


def _unary(fn: Callable[[torch.Tensor], torch.Tensor]) -> Callable[[Any], torch.Tensor]:
    return lambda x: fn(_t(x))


exp = _unary(torch.exp)
expm1 = _unary(torch.expm1)
log = _unary(torch.log)
log1p = _unary(torch.log1p)
sqrt = _unary(torch.sqrt)
tanh = _unary(torch.tanh)
cosh = _unary(torch.cosh)
isfinite = _unary(torch.isfinite)
isnan = _unary(torch.isnan)
erfcx = _unary(torch.special.erfcx)


def _binary(fn: Callable[[torch.Tensor, Any], torch.Tensor]) -> Callable[[Any, Any], torch.Tensor]:
    return lambda a, b: fn(_t(a), b) if isinstance(b, torch.Tensor | bool | int | float) else fn(_t(a), _t(b))


equal = _binary(torch.eq)
not_equal = _binary(torch.ne)
greater = _binary(torch.gt)
greater_equal = _binary(torch.ge)
less = _binary(torch.lt)
less_equal = _binary(torch.le)
full_like = torch.full_like
zeros_like = torch.zeros_like


def frexp(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    m, e = torch.frexp(x)
    return m, e


class _Reducer:
    def __init__(self, op: Callable[[Any, Any], Any]) -> None:
        self.reduce = lambda args: functools.reduce(op, args)


logical_and = _Reducer(torch.logical_and)
logical_or = _Reducer(torch.logical_or)

# -- the names of the row routines (symact.frameworks.vector_routines): the axis kept ---------------


def amax(x: torch.Tensor, axis: int) -> torch.Tensor:
    return torch.amax(x, dim=axis, keepdim=True)


def sum(x: torch.Tensor, axis: int, keepdims: bool = True) -> torch.Tensor:
    return torch.sum(x, dim=axis, keepdim=keepdims)


def any(x: torch.Tensor, axis: int) -> torch.Tensor:
    return torch.any(x, dim=axis, keepdim=True)


def all(x: torch.Tensor, axis: int) -> torch.Tensor:
    return torch.all(x, dim=axis, keepdim=True)


def argmax(x: torch.Tensor, axis: int) -> torch.Tensor:
    return torch.argmax(x, dim=axis, keepdim=True)


def take_along_axis(x: torch.Tensor, idx: torch.Tensor, axis: int) -> torch.Tensor:
    return torch.gather(x, axis, idx)


def index_is(idx: torch.Tensor, like: torch.Tensor, axis: int) -> torch.Tensor:
    """True where the position along `axis` of an array shaped like `like` is `idx`."""
    ax = axis % like.ndim
    shape = [1] * like.ndim
    shape[ax] = like.shape[ax]
    return torch.arange(like.shape[ax], device=like.device).reshape(shape) == idx


def broadcast_to(x: Any, shape: tuple[int, ...]) -> torch.Tensor:
    return torch.broadcast_to(_t(x), shape)


def broadcast_arrays(*xs: Any) -> list[torch.Tensor]:
    return list(torch.broadcast_tensors(*[_t(x) for x in xs]))


def halves(x: torch.Tensor, axis: int) -> tuple[torch.Tensor, torch.Tensor]:
    u, v = torch.chunk(x, 2, dim=axis)
    return u, v


def concatenate(xs: list[torch.Tensor], axis: int) -> torch.Tensor:
    return torch.cat(xs, dim=axis)


def squeeze(x: torch.Tensor, axis: int) -> torch.Tensor:
    return torch.squeeze(x, axis)


def expand_dims(x: torch.Tensor, axis: int) -> torch.Tensor:
    return torch.unsqueeze(x, axis)


def ldexp(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """x 2^k for integer-valued k, as two exact scalings (2^k alone may overflow where x 2^k does not)."""
    k = k.to(F64)
    h = torch.floor(k / 2)
    return (x * torch.exp2(h)) * torch.exp2(k - h)


def shape_error(message: str) -> ArgumentError:
    return ArgumentError(message)


rt = VectorRoutines(sys.modules[__name__])
"""The runtime routines over this namespace (the generated kernels' ``_rt``)."""


def _finish(r: Any, like: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    if not isinstance(r, torch.Tensor) or r.dtype != F64 or r.shape != like.shape:
        r = torch.zeros_like(like) + r
    return r.to(dtype)


def _dtype(x: torch.Tensor) -> torch.dtype:
    return x.dtype if x.is_floating_point() else F64


def _fresh(r: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """`r`, as a view when it is the input itself (autograd saves no input returned as-is)."""
    return r.view_as(r) if r is x else r


def unary(kernel: Callable[..., Any], x: torch.Tensor, params: tuple[Any, ...], limits: Any = None) -> Any:
    """`kernel(x, *params)` in float64 on the tensor `x`, rounded to x's dtype; with `limits`
    (``limits(*params) -> (value at -inf, value at +inf)``) the infinite inputs get their limits."""
    xd = x.to(F64)
    if limits is None:
        return _fresh(_finish(kernel(xd, *params), xd, _dtype(x)), x)
    finite = torch.isfinite(xd)
    r = _finish(kernel(torch.where(finite, xd, 0.0), *params), xd, F64)
    neg, pos = limits(*params)
    r = torch.where(finite, r, torch.where(xd > 0, _t(pos).to(F64), torch.where(xd < 0, _t(neg).to(F64), xd)))
    return _fresh(r.to(_dtype(x)), x)


def binary(
    kernel: Callable[..., Any], a: torch.Tensor, y: Any, params: tuple[Any, ...], limits: Any = None
) -> Any:
    """`kernel(a, y, *params)` (a loss) on broadcast `a` and `y` in float64, rounded to a's dtype;
    nan where a or y is nan; with `limits` (``limits(y, *params)``) an infinite `a` gets them."""
    ad, yd = torch.broadcast_tensors(a.to(F64), _t(y).to(F64).to(a.device))
    if limits is None:
        r = _finish(kernel(ad, yd, *params), ad, F64)
    else:
        inf_a = torch.isinf(ad)
        r = _finish(kernel(torch.where(inf_a, 1.0, ad), yd, *params), ad, F64)
        neg, pos = limits(yd, *params)
        r = torch.where(ad == math.inf, _t(pos).to(F64), torch.where(ad == -math.inf, _t(neg).to(F64), r))
    r = torch.where(torch.isnan(ad) | torch.isnan(yd), math.nan, r)
    return r.to(_dtype(a))


def target(y: Any, a: torch.Tensor) -> torch.Tensor:
    """A loss's target as a tensor on a's device (a Python number in float64)."""
    return y if isinstance(y, torch.Tensor) else torch.full((), y, dtype=F64, device=a.device)


class TargetGradientError(SymactError, RuntimeError):
    """A gradient with respect to a loss's target was asked for; symact derives none."""


def no_target_gradient(needed: bool, name: str) -> None:
    """Raise when autograd needs the gradient of loss `name` with respect to its target."""
    if needed:
        raise TargetGradientError(f"symact.torch.{name}: no derivative with respect to the target y")


def vector(
    kernel: Callable[..., Any],
    arrays: tuple[Any, ...],
    dim: int,
    params: tuple[Any, ...] = (),
    scale: torch.Tensor | None = None,
) -> torch.Tensor:
    """`kernel(*arrays, dim, *params)` (a vector kernel) in float64, rounded once to the dtype of the
    first array (the input; at least one dimension, `dim` in range); the other arrays (a cotangent,
    targets) go to its device.  With `scale` (a loss's cotangent, one value per row), the result is
    ``scale * kernel(...)`` with the reduced `dim` restored, in float64 before the rounding."""
    x = arrays[0]
    if not isinstance(x, torch.Tensor):
        raise ArgumentError(f"expected a tensor as input, got {type(x).__name__}")
    if x.ndim == 0:
        raise ArgumentError("vector functions need an input tensor with at least one dimension")
    if isinstance(dim, bool) or not isinstance(dim, int) or not -x.ndim <= dim < x.ndim:
        raise ArgumentError(f"dim {dim!r} is out of range for an input of {x.ndim} dimension(s)")
    xs = [x.to(F64), *[_t(a).to(device=x.device, dtype=F64) for a in arrays[1:]]]
    r = kernel(*xs, dim, *params)
    if scale is not None:
        r = torch.unsqueeze(scale.to(F64), dim) * r
    return r.to(_dtype(x))
