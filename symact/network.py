r"""A fully connected network whose gradients are the proved backpropagation equations.

``Network([2, 3, 1], ["tanh", "sigmoid"], "binary_cross_entropy")`` computes, in float64 with the
verified kernels of :mod:`symact.kernels`, exactly the equations ``symact backprop`` prints and
proves (:mod:`symact.derive.backprop`), in the course's notation: X of shape (n_0, m), one column per
sample; Z[l] = W[l] A[l-1] + b[l]; A[l] = g[l](Z[l]); J = (1/m) sum_i L(A[L](i), Y(i)).

- dZ[L] = A[L] - Y for the canonical pairs sigmoid + binary_cross_entropy, identity + mse_half and
  softmax + cross_entropy; dA[L] * g'(Z[L]) with dA[L] the loss kernel's gradient otherwise;
- dW[l] = (1/m) dZ[l] A[l-1]^T, db[l] = (1/m) sum over samples of dZ[l], dA[l-1] = W[l]^T dZ[l],
  dZ[l] = dA[l] * g'(Z[l]).

g' comes from the output form ``NAME_grad_from_output(A)`` where it is exact in floating point (the
indicators of ReLU and leaky ReLU, the identity's 1); sigmoid's a(1 - a) and tanh's 1 - a^2 are the
same functions mathematically, but with a rounded a they lose relative accuracy as |a| nears 1
(tanh at z = 10: about 1e-8), so the Z-form kernel ``NAME_grad(Z)`` is used there and for GELU and
SiLU, which have no output form.  The cost uses the logit forms where they exist (binary
cross-entropy after a sigmoid as ``binary_cross_entropy_with_logits(Z, Y)``, cross-entropy on the
logits of the softmax), which are the same functions without the rounding of A.

The gradients are checked by :mod:`symact.network_check` (central differences with a per-point
tolerance, and the proved equations evaluated at 50 digits).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from symact import kernels

__all__ = ["CANONICAL", "EXACT_OUTPUT_FORMS", "Network"]

CANONICAL = {("sigmoid", "binary_cross_entropy"), ("identity", "mse_half"), ("softmax", "cross_entropy")}
"""Output activation and loss pairs with dZ[L] = A[L] - Y (proved by ``symact backprop``)."""

EXACT_OUTPUT_FORMS = frozenset({"relu", "leaky_relu", "identity"})
"""Activations whose output-form derivative is exact in floating point (an indicator or a constant)."""


def _kernel(name: str) -> Callable[..., Any]:
    fn = getattr(kernels, name, None)
    if fn is None or not callable(fn):
        raise ValueError(f"no kernel {name!r} in symact.kernels")
    return fn  # type: ignore[no-any-return]


class Network:
    """A fully connected network; `params` holds float64 arrays W1, b1, W2, b2, ... (b[l]: (n_l, 1))."""

    def __init__(self, layers: Sequence[int], activations: Sequence[str], loss: str, seed: int = 0) -> None:
        self.layers = tuple(int(n) for n in layers)
        self.activations = tuple(activations)
        self.loss = loss
        if len(self.layers) < 2 or any(n < 1 for n in self.layers):
            raise ValueError(f"layers must be at least two positive sizes, got {list(layers)}")
        if len(self.activations) != len(self.layers) - 1:
            need, got = len(self.layers) - 1, len(self.activations)
            raise ValueError(f"one activation per layer after the inputs: {need}, got {got}")
        if "softmax" in self.activations[:-1]:
            raise ValueError("softmax is supported only as the output activation")
        if (self.activations[-1] == "softmax") != (loss == "cross_entropy"):
            raise ValueError("softmax output goes with the cross_entropy loss (and only with it)")
        for name in self.activations:
            if name != "softmax":
                _kernel(name), _kernel(name + "_grad")
        if loss != "cross_entropy":
            _kernel(loss), _kernel(loss + "_grad")
        rng = np.random.default_rng(seed)
        self.params: dict[str, np.ndarray] = {}
        for layer in range(1, len(self.layers)):
            n, k = self.layers[layer], self.layers[layer - 1]
            self.params[f"W{layer}"] = rng.standard_normal((n, k)) / np.sqrt(k)
            self.params[f"b{layer}"] = np.zeros((n, 1))

    @property
    def depth(self) -> int:
        return len(self.layers) - 1

    @property
    def canonical(self) -> bool:
        return (self.activations[-1], self.loss) in CANONICAL

    def _inputs(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[0] != self.layers[0]:
            raise ValueError(f"X must have shape ({self.layers[0]}, m), one column per sample; got {X.shape}")
        return X

    def _check(self, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        X = self._inputs(X)
        Y = np.asarray(Y, dtype=np.float64)
        if Y.shape != (self.layers[-1], X.shape[1]):
            raise ValueError(f"Y must have shape ({self.layers[-1]}, {X.shape[1]}); got {Y.shape}")
        return X, Y

    def _activate(self, layer: int, Z: np.ndarray) -> np.ndarray:
        name = self.activations[layer - 1]
        if name == "softmax":
            return np.asarray(kernels.softmax(Z, axis=0))
        return np.asarray(_kernel(name)(Z))

    def _slope(self, layer: int, Z: np.ndarray, A: np.ndarray) -> np.ndarray:
        """g[l]'(Z[l]): from the output A where that is exact, from Z otherwise."""
        name = self.activations[layer - 1]
        if name in EXACT_OUTPUT_FORMS:
            return np.asarray(_kernel(name + "_grad_from_output")(A))
        return np.asarray(_kernel(name + "_grad")(Z))

    def _forward(self, X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        Zs: list[np.ndarray] = [X]
        As: list[np.ndarray] = [X]
        for layer in range(1, self.depth + 1):
            Z = self.params[f"W{layer}"] @ As[-1] + self.params[f"b{layer}"]
            Zs.append(Z)
            As.append(self._activate(layer, Z))
        return Zs, As

    def forward(self, X: np.ndarray) -> np.ndarray:
        """A[L] for the inputs X of shape (n_0, m)."""
        return self._forward(self._inputs(X))[1][-1]

    def cost(self, X: np.ndarray, Y: np.ndarray) -> float:
        """J = (1/m) sum over samples of the loss (summed over the outputs of a sample)."""
        X, Y = self._check(X, Y)
        Zs, As = self._forward(X)
        return self._cost(Zs[-1], As[-1], Y)

    def _cost(self, Z: np.ndarray, A: np.ndarray, Y: np.ndarray) -> float:
        m = Z.shape[1]
        out = self.activations[-1]
        if out == "softmax":
            per = kernels.cross_entropy(Z, Y, axis=0)
        elif (out, self.loss) == ("sigmoid", "binary_cross_entropy"):
            per = kernels.binary_cross_entropy_with_logits(Z, Y)
        else:
            per = _kernel(self.loss)(A, Y)
        return float(np.sum(per) / m)

    def gradients(self, X: np.ndarray, Y: np.ndarray) -> dict[str, np.ndarray]:
        """dW1, db1, dW2, ...: the proved backpropagation equations, same shapes as the parameters."""
        X, Y = self._check(X, Y)
        Zs, As = self._forward(X)
        return self._backward(Zs, As, Y)

    def _backward(self, Zs: list[np.ndarray], As: list[np.ndarray], Y: np.ndarray) -> dict[str, np.ndarray]:
        m = Y.shape[1]
        L = self.depth
        if self.canonical:
            dZ = As[L] - Y
        else:
            dA = np.asarray(_kernel(self.loss + "_grad")(As[L], Y))
            dZ = dA * self._slope(L, Zs[L], As[L])
        grads: dict[str, np.ndarray] = {}
        for layer in range(L, 0, -1):
            grads[f"dW{layer}"] = (1 / m) * dZ @ As[layer - 1].T
            grads[f"db{layer}"] = (1 / m) * np.sum(dZ, axis=1, keepdims=True)
            if layer > 1:
                dA = self.params[f"W{layer}"].T @ dZ
                dZ = dA * self._slope(layer - 1, Zs[layer - 1], As[layer - 1])
        return {k: grads[k] for k in sorted(grads, key=lambda k: (int(k[2:]), k[:2]))}

    def step(self, X: np.ndarray, Y: np.ndarray, learning_rate: float) -> float:
        """One gradient-descent step on every parameter; returns J before the step."""
        X, Y = self._check(X, Y)
        Zs, As = self._forward(X)
        before = self._cost(Zs[-1], As[-1], Y)
        for name, g in self._backward(Zs, As, Y).items():
            self.params[name[1:]] -= learning_rate * g
        return before
