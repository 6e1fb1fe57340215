"""Correct vector functions and losses, written independently: per-row max shift, masked (-inf)
entries kept out of the shift, and the cross-entropy gradient at the target class formed as minus
the sum of the other probabilities (no 1 - p cancellation)."""

import numpy as np


def _shift(x):
    m = np.max(x, axis=-1, keepdims=True)
    return np.where(np.isfinite(m), m, 0.0)


def logsumexp(x):
    m = _shift(x)
    return (m + np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True)))[..., 0]


def softmax(x):
    e = np.exp(x - _shift(x))
    return e / np.sum(e, axis=-1, keepdims=True)


def logsumexp_vjp(x, g):
    return g[..., :1] * softmax(x)


def log_softmax(x):
    m = _shift(x)
    return x - m - np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True))


def cross_entropy_grad(z, y, eps=0.0):
    """softmax(z) - t, t = (1 - eps) y + eps/C; without smoothing the target entry (one-hot y) is
    minus the sum of the other probabilities, formed without 1 - p."""
    p = softmax(z)
    t = (1 - eps) * y + eps / z.shape[-1]
    if eps:
        return p - t
    others = np.sum(np.where(y == 1, 0.0, p), axis=-1, keepdims=True)
    return np.where(y == 1, -others, p)


def cross_entropy(z, y, eps=0.0):
    n = z.shape[-1]
    t = (1 - eps) * y + eps / n
    lp = log_softmax(z)
    return -np.sum(np.where(t != 0, t * lp, 0.0), axis=-1)


def cross_entropy_smooth(z, y):
    return cross_entropy(z, y, 0.1)


def cross_entropy_smooth_grad(z, y):
    return cross_entropy_grad(z, y, 0.1)


def cross_entropy_smooth_grad_wrong(z, y):
    """A label-smoothing gradient bug: the smoothing left out of the gradient (p - y)."""
    return cross_entropy_grad(z, y, 0.0)
