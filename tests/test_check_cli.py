"""``symact check`` and ``symact verify`` on the example module: exit codes and counterexamples."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from symact.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "activations.py"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _fn(name: str) -> str:
    return f"{EXAMPLES}:{name}"


def test_correct_pair_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys,
        "check",
        _fn("sigmoid"),
        "--grad",
        _fn("sigmoid_grad"),
        "--against",
        "sigmoid",
        "--examples",
        "300",
    )
    assert code == 0, out
    assert "sigmoid: ok" in out and "consistency" in out


def test_gradient_off_by_1e9_is_caught_with_a_counterexample(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys,
        "check",
        _fn("sigmoid"),
        "--grad",
        _fn("sigmoid_grad_off"),
        "--against",
        "sigmoid",
        "--examples",
        "300",
    )
    assert code == 1
    line = next(s for s in out.splitlines() if s.startswith("counterexample:"))
    assert "gradient FAIL at x = 0.0" in line and "expected 0.25" in line and "ULP" in line


def test_tanh_gelu_derivative_with_exact_gelu_is_caught(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys,
        "check",
        _fn("gelu"),
        "--grad",
        _fn("gelu_tanh_grad"),
        "--against",
        "gelu",
        "--examples",
        "200",
    )
    assert code == 1
    assert "consistency:" in out and "gradient:" in out


def test_kink_convention(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["check", _fn("relu"), "--grad", _fn("relu_grad_half"), "--against", "relu", "--examples", "100"]
    code, out, _ = _run(capsys, *args)
    assert code == 1 and "x = 0.0" in out
    code, out, _ = _run(capsys, *args, "--convention", "subgradient")
    assert code == 0, out
    code, out, _ = _run(
        capsys,
        "check",
        _fn("relu"),
        "--grad",
        _fn("relu_grad"),
        "--against",
        "relu",
        "--examples",
        "100",
        "--convention",
        "jax",
    )
    assert code == 0, out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["check", "no_such_module_xyz:f", "--against", "relu"], "cannot import"),
        (["check", _fn("nope"), "--against", "relu"], "no attribute"),
        (["check", _fn("relu"), "--against", "no_such_function"], "unknown function"),
        (["check", _fn("relu"), "--against", "relu", "--param", "slope=1"], "no parameter"),
        (
            ["check", _fn("relu"), "--against", "leaky_relu", "--param", "negative_slope=x"],
            "must be a number",
        ),
        (["check", _fn("relu"), "--against", "relu", "--convention", "tensorflow"], "invalid choice"),
        (["check", "relu", "--against", "relu"], "MODULE:FUNC"),
        (["check", "--against", "relu"], "forward function"),
        (["check", "/no/such/file.py:f", "--against", "relu"], "no such file"),
        (["verify", "no_such_function"], "unknown function"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    code, _, err = _run(capsys, *argv)
    assert code == 2
    assert needle in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_verify_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "verify", "sigmoid", "relu", "mse", "--examples", "16", "--json")
    assert code == 0
    rows = {r["name"]: r for r in json.loads(out)}
    assert set(rows) == {"sigmoid", "relu", "mse"} and all(r["ok"] for r in rows.values())
    assert rows["relu"]["checked"]["symbolic"] > 5
    assert "verifying sigmoid" in err


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="PyTorch is not installed")
def test_torch_functions_and_autograd() -> None:
    import torch

    from symact.verify import check

    report = check(torch.sigmoid, grad="autodiff", against="sigmoid", examples=200)
    assert report.checked["gradient"] > 100 and report.checked["forward"] > 100
    # torch.sigmoid flushes the subnormal outputs below x = -709.78 (exp(-x) overflows): the only
    # forward failures are zeros where the truth is subnormal
    bad = [f for f in report.failures if f.layer == "forward"]
    assert all(f.got == 0 and 0 < abs(f.expected) < 2.2250738585072014e-308 for f in bad), bad[:2]
    relu = check(torch.relu, grad="autodiff", against="relu", examples=100)
    assert relu.ok  # PyTorch's relu backward returns 0 at 0: the pytorch convention


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX is not installed")
def test_jax_functions() -> None:
    import jax

    from symact.verify import check

    assert check(jax.nn.sigmoid, grad="autodiff", against="sigmoid", examples=100).checked["gradient"] > 50
