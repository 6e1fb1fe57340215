"""Hand-written activation kernels to try ``symact check`` on: correct ones and subtly wrong ones.

    cd examples
    symact check activations:sigmoid --grad activations:sigmoid_grad --against sigmoid
    symact check activations:sigmoid --grad activations:sigmoid_grad_off --against sigmoid
    symact check activations:gelu --grad activations:gelu_grad --against gelu
    symact check activations:gelu --grad activations:gelu_tanh_grad --against gelu
    symact check activations:relu --grad activations:relu_grad_half --against relu

The wrong ones: ``sigmoid_grad_off`` is off by one part in 10^9; ``gelu_tanh_grad`` is the derivative of
the tanh approximation, paired with the exact (erf) GELU; ``relu_grad_half`` returns 1/2 at x = 0,
which is a subgradient but not PyTorch's convention (0).
"""

from __future__ import annotations

import math

import numpy as np

_erfc = np.vectorize(math.erfc, otypes=[float])
_INV_SQRT2 = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """exp(min(x, 0)) / (1 + exp(-|x|)): no overflow anywhere."""
    e = np.exp(-np.abs(x))
    return np.exp(np.minimum(x, 0)) / (1 + e)


def sigmoid_grad(x: np.ndarray) -> np.ndarray:
    """e / (1 + e)^2 with e = exp(-|x|): accurate in both tails."""
    e = np.exp(-np.abs(x))
    return e / ((1 + e) * (1 + e))


def sigmoid_grad_off(x: np.ndarray) -> np.ndarray:
    """sigmoid_grad, wrong by one part in 10^9."""
    return sigmoid_grad(x) * (1 + 1e-9)


def gelu(x: np.ndarray) -> np.ndarray:
    """x Phi(x) = x erfc(-x / sqrt 2) / 2 (erfc keeps the left tail accurate)."""
    x = np.asarray(x, dtype=np.float64)
    safe = np.where(np.isneginf(x), 0.0, x)
    return 0.5 * safe * _erfc(-safe * _INV_SQRT2)


def gelu_grad(x: np.ndarray) -> np.ndarray:
    """Phi(x) + x phi(x); x phi(x) is exactly 0 in float64 beyond |x| = 40."""
    x = np.asarray(x, dtype=np.float64)
    small = np.where(np.abs(x) < 40, x, 0.0)
    return 0.5 * _erfc(-x * _INV_SQRT2) + small * np.exp(-0.5 * small * small) * _INV_SQRT_2PI


def gelu_tanh_grad(x: np.ndarray) -> np.ndarray:
    """The derivative of the tanh approximation of GELU (not of the exact GELU above)."""
    x = np.asarray(x, dtype=np.float64)
    c = math.sqrt(2 / math.pi)
    small = np.where(np.abs(x) < 1e5, x, np.sign(x) * 1e5)
    t = np.tanh(c * (small + 0.044715 * small**3))
    return 0.5 * (1 + t) + 0.5 * small * (1 - t * t) * c * (1 + 3 * 0.044715 * small**2)


def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0)


def relu_grad(x: np.ndarray) -> np.ndarray:
    """PyTorch's convention: 0 at x = 0."""
    return (np.asarray(x) > 0).astype(np.float64)


def relu_grad_half(x: np.ndarray) -> np.ndarray:
    """1/2 at x = 0: inside the subgradient [0, 1], but not PyTorch's (or JAX's) value."""
    x = np.asarray(x)
    return np.where(x > 0, 1.0, np.where(x == 0, 0.5, 0.0))
