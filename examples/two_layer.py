"""A tanh/sigmoid network learns an XOR-like data set that one sigmoid neuron cannot separate.

    python3 examples/two_layer.py [OUT_DIR]

Writes ``two_layer_loss.png`` (J against the step) and ``two_layer_boundary.png`` (the data and
the 0.5 contour of A2) into OUT_DIR (default: ``symact-examples`` in the system's temporary
directory).  The gradients are the equations ``symact backprop --layers 2,8,1 --activations
tanh,sigmoid --loss binary_cross_entropy`` prints and proves; the data set is generated here: four
Gaussian clouds around (+-1, +-1), label 1 where the signs of x1 and x2 differ.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

try:
    import symact  # noqa: F401
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from symact.network import Network

STEPS = 3000
LEARNING_RATE = 0.5


def data(m: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """X (2, m) and Y (1, m): XOR of the signs of the cloud centres (+-1, +-1)."""
    rng = np.random.default_rng(seed)
    centres = rng.choice([-1.0, 1.0], size=(2, m))
    X = centres + rng.normal(0.0, 0.3, (2, m))
    Y = (centres[0] != centres[1]).astype(float)[None, :]
    return X, Y


def train(net: Network, X: np.ndarray, Y: np.ndarray) -> list[float]:
    return [net.step(X, Y, LEARNING_RATE) for _ in range(STEPS)]


def accuracy(net: Network, X: np.ndarray, Y: np.ndarray) -> float:
    return float(np.mean((net.forward(X) > 0.5) == (Y == 1)))


def plot(net: Network, X: np.ndarray, Y: np.ndarray, losses: list[float], out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(losses)
    ax.set(xlabel="gradient-descent step", ylabel="J", title="tanh/sigmoid network: cost", yscale="log")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    loss_png = out / "two_layer_loss.png"
    fig.savefig(loss_png, dpi=100, metadata={"Software": None})
    plt.close(fig)

    grid = np.linspace(-2.2, 2.2, 221)
    gx, gy = np.meshgrid(grid, grid)
    prob = net.forward(np.vstack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.contourf(gx, gy, prob, levels=[0.0, 0.5, 1.0], colors=["#cfe2f3", "#f4cccc"], alpha=0.8)
    ax.contour(gx, gy, prob, levels=[0.5], colors="k", linewidths=1.5)
    ones = Y[0] == 1
    ax.scatter(X[0, ones], X[1, ones], s=8, c="#cc0000", label="y = 1")
    ax.scatter(X[0, ~ones], X[1, ~ones], s=8, c="#1155cc", label="y = 0")
    ax.set(xlabel="x1", ylabel="x2", title="decision boundary A2 = 0.5")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    boundary_png = out / "two_layer_boundary.png"
    fig.savefig(boundary_png, dpi=100, metadata={"Software": None})
    plt.close(fig)
    return [loss_png, boundary_png]


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else Path(tempfile.gettempdir()) / "symact-examples"
    X, Y = data()
    neuron = Network([2, 1], ["sigmoid"], "binary_cross_entropy", seed=0)
    train(neuron, X, Y)
    net = Network([2, 8, 1], ["tanh", "sigmoid"], "binary_cross_entropy", seed=0)
    losses = train(net, X, Y)
    print(f"one sigmoid neuron: training accuracy {accuracy(neuron, X, Y):.1%}")
    trained = accuracy(net, X, Y)
    print(f"2-8-1 tanh/sigmoid: training accuracy {trained:.1%}, J {losses[0]:.4f} -> {losses[-1]:.4f}")
    for path in plot(net, X, Y, losses, out):
        print(f"wrote {path}")
    return 0 if trained >= 0.95 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
