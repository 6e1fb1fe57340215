"""Correct implementations, written independently of the defects and of symact's kernels.

Float32 functions compute in float64 and round once (the values then sit within a rounding of the
truth); float64 ones use the stable forms: exp of a non-positive argument only, log1p, erfc.
"""

import math

import numpy as np

_erfc = np.vectorize(math.erfc, otypes=[float])


def _f32(fn):
    def wrapped(x):
        with np.errstate(all="ignore"):
            return fn(np.asarray(x, dtype=np.float64)).astype(np.float32)

    wrapped.__name__ = fn.__name__
    return wrapped


def sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_grad(x):
    e = np.exp(-np.abs(x))
    return e / ((1 + e) * (1 + e))


def log_sigmoid(x):
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def softplus(x):
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def silu(x):
    x = np.asarray(x, dtype=np.float64)
    safe = np.where(np.isneginf(x), 0.0, x)
    return safe * sigmoid(safe)


def silu_grad(x):
    x = np.asarray(x, dtype=np.float64)
    s = sigmoid(x)
    e = np.exp(-np.abs(x))
    one_minus = np.where(x >= 0, e / (1 + e), 1 / (1 + e))  # 1 - sigmoid(x), without cancellation
    finite = np.where(np.isfinite(x), x, 0.0)
    return np.where(np.isneginf(x), 0.0, s * (1 + finite * one_minus))


def mish_grad(x):
    """tanh(sp) + x sech^2(sp) sigmoid(x), sp = softplus(x), with sech^2 from e^-2sp (no overflow)."""
    x = np.asarray(x, dtype=np.float64)
    sp = softplus(x)
    t = np.tanh(sp)
    q = np.exp(-2 * sp)
    sech2 = 4 * q / ((1 + q) * (1 + q))
    finite = np.where(np.isfinite(x), x, 0.0)
    return np.where(np.isneginf(x), 0.0, t + finite * sech2 * sigmoid(x))


def gelu(x):
    x = np.asarray(x, dtype=np.float64)
    safe = np.where(np.isneginf(x), 0.0, x)
    return 0.5 * safe * _erfc(-safe / math.sqrt(2))


def hardsigmoid_grad(x):
    x = np.asarray(x, dtype=np.float64)
    return np.where((x > -3) & (x < 3), 1 / 6, 0.0)


def hardswish_grad(x):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x <= -3, 0.0, np.where(x < 3, (2 * x + 3) / 6, 1.0))


def softplus_torch_grad_100(x):
    """PyTorch Softplus(beta=1, threshold=100) backward: 1 where x > 100, else sigmoid(x)."""
    return np.where(x > 100, 1.0, sigmoid(x))


sigmoid32 = _f32(sigmoid)
sigmoid_grad32 = _f32(sigmoid_grad)
log_sigmoid32 = _f32(log_sigmoid)
softplus32 = _f32(softplus)
softplus_grad32 = _f32(sigmoid)
silu32 = _f32(silu)
softplus_torch_grad_100_32 = _f32(softplus_torch_grad_100)
