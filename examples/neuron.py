"""Tutorial 001's neuron, z = w1 x1 + w2 x2 + b, a = sigmoid(z), trained by gradient descent.

    python3 examples/neuron.py

The neuron is ``Network([2, 1], ["sigmoid"], "binary_cross_entropy")``; its gradients are the
equations ``symact backprop --layers 2,1 --activations sigmoid --loss binary_cross_entropy`` prints
and proves: dZ1 = A1 - Y (the tutorial's dL/dz = a - y, one column per sample),
dW1 = (1/m) dZ1 X^T (the tutorial's (1/m) sum_i (a - y) x_1, (a - y) x_2) and db1 = (1/m) sum(dZ1).
The data set (two Gaussian clouds, separable by a line) is generated here.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

try:
    import symact  # noqa: F401
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from symact.derive.backprop import equations, parse_spec
from symact.derive.backprop_proof import prove
from symact.network import Network


def data(m: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """X (2, m) and Y (1, m): label 1 around (1.5, 1.5), label 0 around (-1.5, -1.5)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, m)
    X = rng.normal(0.0, 0.7, (2, m)) + np.where(y == 1, 1.5, -1.5)
    return X, y[None, :].astype(float)


def main() -> int:
    spec = parse_spec("2,1", "sigmoid", "binary_cross_entropy")
    eqs, proof = equations(spec), prove(spec)
    print(
        f"the neuron's equations (proved: {proof.entries} entries, {proof.checked_points} end-to-end checks):"
    )
    for name, text in eqs.forward + eqs.backward:
        print(f"  {name} = {text}")

    X, Y = data()
    net = Network([2, 1], ["sigmoid"], "binary_cross_entropy", seed=0)
    A = net.forward(X)
    tutorial = {
        "dw1": float(np.mean((A - Y) * X[0])),
        "dw2": float(np.mean((A - Y) * X[1])),
        "db": float(np.mean(A - Y)),
    }
    g = net.gradients(X, Y)
    print("\ntutorial's (1/m) sum (a - y) x_i and (1/m) sum (a - y) against Network.gradients:")
    print(f"  dw1 {tutorial['dw1']:+.15f}  {g['dW1'][0, 0]:+.15f}")
    print(f"  dw2 {tutorial['dw2']:+.15f}  {g['dW1'][0, 1]:+.15f}")
    print(f"  db  {tutorial['db']:+.15f}  {g['db1'][0, 0]:+.15f}")

    for step in range(301):
        cost = net.step(X, Y, learning_rate=0.5)
        if step % 100 == 0:
            print(f"step {step:3d}: J = {cost:.6f}")
    accuracy = float(np.mean((net.forward(X) > 0.5) == (Y == 1)))
    w, b = net.params["W1"][0], net.params["b1"][0, 0]
    print(f"trained: w1 = {w[0]:.4f}, w2 = {w[1]:.4f}, b = {b:.4f}; training accuracy {accuracy:.1%}")
    return 0 if accuracy >= 0.95 else 1


if __name__ == "__main__":
    sys.exit(main())
