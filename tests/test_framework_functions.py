"""Framework functions checked directly by their dotted names (``symact check
torch.nn.functional.gelu --grad autodiff --against gelu``), float64 and float32, where installed.

What they find is what the frameworks do: the asserted failures are the defects measured in the
project's framework reference (torch 2.13): GELU's 1 + erf underflowing to 0 in the left tail,
nan at -inf, and hardsigmoid's float64 backward holding 1/6 as a float32.
"""

from __future__ import annotations

import importlib.util

import pytest

from symact.cli import main

HAS_TORCH = importlib.util.find_spec("torch") is not None
HAS_JAX = importlib.util.find_spec("jax") is not None


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["check", *argv, "--examples", "300"])
    return code, capsys.readouterr().out


@pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_torch_gelu_by_name(capsys: pytest.CaptureFixture[str], dtype: str) -> None:
    code, out = _run(
        capsys, "torch.nn.functional.gelu", "--grad", "autodiff", "--against", "gelu", "--dtype", dtype
    )
    assert "points checked: forward 300, gradient 300" in out, out
    assert code == 1 and "gelu forward FAIL" in out  # 0 for the left tail, nan at -inf
    assert "wrong: zero" in out or "nan where the truth is finite" in out


@pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed")
def test_torch_hardsigmoid_backward_holds_one_sixth_in_float32(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(
        capsys, "torch.nn.functional.hardsigmoid", "--grad", "autodiff", "--against", "hard_sigmoid"
    )
    assert code == 1 and "got 0.1666666716337204, expected 0.16666666666666666" in out, out


@pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed")
def test_torch_relu_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, "torch.relu", "--grad", "autodiff", "--against", "relu")
    assert code == 0, out


@pytest.mark.slow
@pytest.mark.skipif(not HAS_JAX, reason="JAX is not installed")
def test_jax_gelu_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    # jax.nn.gelu is the tanh approximation by default
    code, out = _run(capsys, "jax.nn.gelu", "--grad", "autodiff", "--against", "gelu_tanh")
    assert "points checked: forward 300, gradient 300" in out, out
    assert code in (0, 1)


def test_dotted_name_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "numpy.no_such_function", "--against", "relu"]) == 2
    err = capsys.readouterr().err
    assert "has no attribute 'no_such_function'" in err and err.count("\n") == 1


@pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed")
def test_parameters_are_passed_to_framework_functions(capsys: pytest.CaptureFixture[str]) -> None:
    """--param reaches the function when it takes the parameter: F.elu by its signature, the builtin
    F.softplus by one trial call.  Without passing, F.elu would run with alpha = 1 and fail."""
    code, out = _run(
        capsys, "torch.nn.functional.elu", "--grad", "autodiff", "--against", "elu", "--param", "alpha=-0.5"
    )
    assert code == 0 and "not passed" not in out, out
    code, out = _run(
        capsys,
        "torch.nn.functional.softplus",
        "--grad",
        "autodiff",
        "--against",
        "softplus_torch",
        "--param",
        "beta=1.5",
    )
    assert code == 0 and "not passed" not in out, out


def test_a_parameter_the_code_does_not_take_is_noted(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, "numpy.exp", "--against", "exponential")
    assert code == 0 and "not passed" not in out, out
    code, out = _run(capsys, "numpy.tanh", "--against", "elu", "--param", "alpha=2")
    assert code == 1 and "note: alpha: not passed to tanh" in out, out
