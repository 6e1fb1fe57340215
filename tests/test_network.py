"""symact.network.Network: the proved equations in float64, checked at every parameter entry.

Central differences with a tolerance derived at each point, and the equations at 50 digits against
mpmath.diff of the 50-digit cost (symact.network_check); a Hypothesis test over random shapes, data
and every hidden activation with every output/loss pair of the course.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import mpmath
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from symact import kernels
from symact.network import Network
from symact.network_check import check_network, reference
from symact.strategies import NETWORK_HIDDEN, NETWORK_OUTPUTS, networks

_SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)


@settings(_SETTINGS, max_examples=12)
@given(networks())
def test_gradients_agree_with_central_differences(case: tuple[Network, np.ndarray, np.ndarray]) -> None:
    net, X, Y = case
    report = check_network(net, X, Y)
    assert report.ok, "\n".join(report.failures)


@pytest.mark.slow
@pytest.mark.parametrize("hidden", NETWORK_HIDDEN)
@pytest.mark.parametrize("pair", NETWORK_OUTPUTS)
def test_every_combination_agrees(hidden: str, pair: tuple[str, str]) -> None:
    @settings(_SETTINGS, max_examples=8)
    @given(networks(hidden=(hidden,), outputs=(pair,), max_hidden_layers=2))
    def check(case: tuple[Network, np.ndarray, np.ndarray]) -> None:
        net, X, Y = case
        report = check_network(net, X, Y)
        assert report.ok, "\n".join(report.failures)

    check()


def _case(hidden: str = "tanh", pair: tuple[str, str] = ("sigmoid", "binary_cross_entropy")) -> tuple:
    rng = np.random.default_rng(5)
    n_out = 3 if pair[0] == "softmax" else 1
    net = Network([2, 3, n_out], [hidden, pair[0]], pair[1], seed=1)
    net.params["b1"] = rng.standard_normal((3, 1))
    X = rng.standard_normal((2, 4))
    Y = np.eye(3)[:, [0, 2, 1, 2]] if pair[0] == "softmax" else rng.integers(0, 2, (1, 4)).astype(float)
    return net, X, Y


@pytest.mark.parametrize("pair", NETWORK_OUTPUTS)
def test_one_part_in_a_million_is_seen(pair: tuple[str, str]) -> None:
    net, X, Y = _case("tanh", pair)
    exact = check_network(net, X, Y)
    assert exact.ok and exact.verifiable == exact.entries
    wrong = {k: v * (1 + 1e-6) for k, v in net.gradients(X, Y).items()}
    report = check_network(net, X, Y, gradients=wrong)
    central = [f for f in report.failures if "central difference" in f]
    assert len(central) == report.entries  # every entry is verifiable and every one fails


def test_a_missing_one_over_m_fails() -> None:
    net, X, Y = _case()
    wrong = {k: v * X.shape[1] if k.startswith("dW") else v for k, v in net.gradients(X, Y).items()}
    report = check_network(net, X, Y, gradients=wrong)
    assert sum("dW" in f for f in report.failures) >= 9


def test_equations_at_50_digits_match_the_derivative_of_the_cost() -> None:
    net, X, Y = _case("gelu", ("softmax", "cross_entropy"))
    report = check_network(net, X, Y, central=False)
    assert report.ok and report.worst_formula_error < 1e-30
    cost, grads = reference(net, X, Y)
    assert abs(float(cost) - net.cost(X, Y)) <= 1e-14 * abs(float(cost))
    assert set(grads) == {"dW1", "db1", "dW2", "db2"}


def test_params_shapes_and_user_values() -> None:
    net = Network([2, 3, 1], ["tanh", "sigmoid"], "binary_cross_entropy", seed=0)
    assert {k: v.shape for k, v in net.params.items()} == {
        "W1": (3, 2),
        "b1": (3, 1),
        "W2": (1, 3),
        "b2": (1, 1),
    }
    assert all(v.dtype == np.float64 for v in net.params.values())
    net.params["W1"] = np.zeros((3, 2))
    net.params["b1"] = np.zeros((3, 1))
    X = np.array([[1.0, -2.0], [0.5, 3.0]])
    assert np.all(net.forward(X) == kernels.sigmoid(net.params["b2"] + 0 * X[:1]))
    grads = net.gradients(X, np.array([[1.0, 0.0]]))
    assert {k: v.shape for k, v in grads.items()} == {
        "dW1": (3, 2),
        "db1": (3, 1),
        "dW2": (1, 3),
        "db2": (1, 1),
    }


def test_step_is_one_gradient_descent_step() -> None:
    net, X, Y = _case()
    before = {k: v.copy() for k, v in net.params.items()}
    grads = net.gradients(X, Y)
    cost = net.cost(X, Y)
    j0 = net.step(X, Y, 0.1)
    assert j0 == cost
    for k in before:
        assert np.array_equal(net.params[k], before[k] - 0.1 * grads["d" + k])
    assert net.cost(X, Y) < j0


def test_bad_shapes_are_rejected() -> None:
    net = Network([2, 3, 1], ["tanh", "sigmoid"], "binary_cross_entropy")
    with pytest.raises(ValueError, match="X must have shape"):
        net.forward(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="Y must have shape"):
        net.cost(np.zeros((2, 4)), np.zeros((1, 3)))
    with pytest.raises(ValueError, match="one activation per layer"):
        Network([2, 3, 1], ["tanh"], "mse_half")
    with pytest.raises(ValueError, match="softmax"):
        Network([2, 3], ["softmax"], "mse_half")
    with pytest.raises(ValueError, match="no kernel"):
        Network([2, 3], ["sigmod"], "mse_half")


def test_tanh_output_form_loses_accuracy_where_the_z_form_does_not() -> None:
    """Why the Network takes tanh' from Z: 1 - a^2 with a rounded a is off by far more than an ulp.
    At a single z the rounding of a may happen to be small, so the claim is about the worst of a grid."""
    worst_output = worst_z = mpmath.mpf(0)
    with mpmath.workdps(40):
        for z in np.linspace(6.0, 15.0, 60):
            exact = mpmath.sech(mpmath.mpf(float(z))) ** 2
            out = mpmath.mpf(float(kernels.tanh_grad_from_output(kernels.tanh(float(z)))))
            worst_output = max(worst_output, abs(out - exact) / exact)
            worst_z = max(worst_z, abs(mpmath.mpf(float(kernels.tanh_grad(float(z)))) - exact) / exact)
    assert worst_z < 4 * 2.0**-52
    assert worst_output > 1e-9


@pytest.mark.parametrize("script", ["neuron.py", "two_layer.py"])
def test_examples_run_and_train(script: str, tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(root / "examples" / script), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert time.perf_counter() - start < 30
    if script == "two_layer.py":
        accuracy = float(re.search(r"tanh/sigmoid: training accuracy ([\d.]+)%", done.stdout).group(1))  # type: ignore[union-attr]
        assert accuracy >= 95.0
        for name in ("two_layer_loss.png", "two_layer_boundary.png"):
            assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
