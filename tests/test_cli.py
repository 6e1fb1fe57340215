"""The command line: JSON contracts, bad input, exit codes (in-process for speed)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import sympy as sp

from symact.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_json_has_every_record_with_aliases(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "list", "--json")
    rows = json.loads(out)
    names = {r["name"] for r in rows}
    assert (
        code == 0 and {"binary_step", "identity", "sigmoid", "tanh", "relu", "leaky_relu", "softmax"} <= names
    )
    identity = next(r for r in rows if r["name"] == "identity")
    assert "linear" in identity["aliases"]


def test_derive_sigmoid_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "derive", "sigmoid", "--json")
    data = json.loads(out)
    assert code == 0 and data["variable"] == "x" and data["convention"] == "pytorch"
    a = sp.Symbol("a")
    assert sp.simplify(sp.sympify(data["output_form"]["expression"]) - a * (1 - a)) == 0
    for key in (
        "name",
        "parameters",
        "expression",
        "derivative",
        "derivative_simplified",
        "output_form_witness",
        "limits",
        "at_zero",
        "second_derivative",
        "kinks",
    ):
        assert key in data


def test_derive_alias_and_convention_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "derive", "linear")
    assert code == 0 and "convention at non-smooth points: pytorch" in out
    code, out, _ = run(capsys, "derive", "relu", "--convention", "jax", "--json")
    assert json.loads(out)["convention"] == "jax"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["derive", "sigmoidd"], "unknown function 'sigmoidd'; did you mean sigmoid"),
        (["derive", "softplus_torch", "--param", "beta=-2"], "outside its valid range"),
        (["derive", "leaky_relu", "--param", "negative_slope"], "malformed --param"),
        (["derive", "leaky_relu", "--param", "negative_slope=__import__('os')"], "malformed --param"),
        (["derive", "leaky_relu", "--param", "slope=0.1"], "no parameter 'slope'"),
        (["derive", "leaky_relu", "--param", "negative_slope=1e99999999"], "too large"),
        (["derive", "leaky_relu", "--param", "negative_slope=1/0"], "division by zero"),
        (["derive", "relu", "--convention", "numpy"], "invalid choice"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_console_entry_point_runs_as_a_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "symact", "derive", "nope"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
