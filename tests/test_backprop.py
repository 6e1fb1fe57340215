"""symact backprop: the network equations are proved, a wrong equation is rejected, bad input exits 2."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import sympy as sp

from symact.cli import main
from symact.derive.backprop import equations, parse_spec
from symact.derive.backprop_doc import generate, stale, write
from symact.derive.backprop_proof import prove, prove_equations
from symact.derive.backprop_text import evaluate
from symact.errors import UserError, VerificationError
from symact.strategies import NETWORK_HIDDEN, NETWORK_OUTPUTS

TANH = parse_spec("2,3,1", "tanh,sigmoid", "binary_cross_entropy")


def _spec(hidden: str, out: str, loss: str) -> object:
    return parse_spec(
        f"2,3,{3 if out == 'softmax' else 2 if out == 'identity' else 1}", f"{hidden},{out}", loss
    )


def test_tanh_sigmoid_bce_is_proved_in_the_course_form() -> None:
    eqs = equations(TANH)
    back = dict(eqs.backward)
    assert back["dZ2"] == "A2 - Y"
    assert back["dZ1"] == "dA1 * (1 - A1**2)"  # from the output A1, not from Z1
    assert back["dW1"] == "(1/m) * dZ1 @ X.T" and back["db1"] == "(1/m) * sum(dZ1, axis=1)"
    assert back["dA1"] == "W2.T @ dZ2"
    proof = prove(TANH)
    assert proof.entries > 0 and proof.checked_points > 0
    assert proof.sizes == (2, 3, 1) and set(proof.samples) >= {2, 3}


def test_relu_states_its_kink_convention() -> None:
    eqs = equations(parse_spec("2,3,1", "relu,sigmoid", "binary_cross_entropy"))
    assert dict(eqs.backward)["dZ1"] == "dA1 * (A1 > 0)"
    assert any("relu" in n and "PyTorch value 0" in n for n in eqs.notes)


def test_gelu_and_silu_are_written_from_z() -> None:
    for name in ("gelu", "silu"):
        dz1 = dict(equations(parse_spec("2,3,1", f"{name},sigmoid", "binary_cross_entropy")).backward)["dZ1"]
        assert dz1.startswith("dA1 * (")
        g_prime = dz1.removeprefix("dA1 * ")
        assert "Z1" in g_prime and "A1" not in g_prime


def test_non_canonical_output_uses_the_chain_product() -> None:
    eqs = equations(parse_spec("2,2,1", "tanh,tanh", "mse_half"))
    back = dict(eqs.backward)
    assert back["dA2"] == "A2 - Y" and back["dZ2"] == "dA2 * (1 - A2**2)"
    prove(eqs.spec)


FAST = [
    ("tanh", "sigmoid", "binary_cross_entropy"),
    ("relu", "identity", "mse_half"),
    ("gelu", "softmax", "cross_entropy"),
]
ALL = [(h, out, loss) for h in NETWORK_HIDDEN for out, loss in NETWORK_OUTPUTS]


@pytest.mark.parametrize(("hidden", "out", "loss"), FAST)
def test_combinations_are_proved(hidden: str, out: str, loss: str) -> None:
    assert prove(_spec(hidden, out, loss)).entries > 0  # type: ignore[arg-type]


@pytest.mark.slow
@pytest.mark.parametrize(("hidden", "out", "loss"), [c for c in ALL if c not in FAST])
def test_every_combination_is_proved(hidden: str, out: str, loss: str) -> None:
    assert prove(_spec(hidden, out, loss)).entries > 0  # type: ignore[arg-type]


def test_deeper_network_is_proved() -> None:
    proof = prove(parse_spec("2,2,2,1", "relu,tanh,sigmoid", "binary_cross_entropy"))
    assert proof.sizes == (2, 2, 2, 1)


@pytest.mark.parametrize(
    ("name", "wrong"),
    [
        ("dW1", "dZ1 @ X.T"),  # the missing 1/m
        ("dW2", "(1/m) * A1 @ dZ2.T"),  # the transposed product (wrong shape)
        ("dZ1", "dA1 * A1*(1 - A1)"),  # sigmoid's g' written for a tanh layer
        ("db2", "(1/m) * sum(dZ2)"),
        ("dA1", "W2 @ dZ2.T"),
    ],
)
def test_a_wrong_equation_is_rejected(name: str, wrong: str) -> None:
    eqs = equations(TANH)
    bad = dataclasses.replace(eqs, backward=tuple((k, wrong if k == name else v) for k, v in eqs.backward))
    with pytest.raises(VerificationError):
        prove_equations(bad)


def test_grammar_evaluates_the_printed_text_and_nothing_else() -> None:
    a = sp.Matrix([[1, -2]])
    assert evaluate("(A > 0)", {"A": a}) == sp.Matrix([[1, 0]])
    assert evaluate("sum(A, axis=1)", {"A": a}) == sp.Matrix([[-1]])
    assert evaluate("where(A > 0, 1, 1/100)", {"A": a}) == sp.Matrix([[1, sp.Rational(1, 100)]])
    for text in ("__import__('os')", "A.__class__", "open('x')", "lambda: 0", "A[0]"):
        with pytest.raises((ValueError, KeyError)):
            evaluate(text, {"A": a})


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "backprop",
                "--layers",
                "2,3,1",
                "--activations",
                "tanh,sigmoid",
                "--loss",
                "binary_cross_entropy",
                "--json",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["proved"] is True and out["checked_points"] > 0
    assert out["backward"]["dZ1"] == "dA1 * (1 - A1**2)"
    assert set(out["backward"]) == {"dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"}
    assert set(out["forward"]) == {"Z1", "A1", "Z2", "A2", "J"}


def test_cli_text_shows_the_proof(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "backprop",
                "--layers",
                "2,3,1",
                "--activations",
                "tanh,sigmoid",
                "--loss",
                "binary_cross_entropy",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "dZ1 = dA1 * (1 - A1**2)" in out and "proved:" in out


@pytest.mark.parametrize(
    ("layers", "acts", "loss", "needle"),
    [
        ("2,3,1", "tanh,sigmod", "binary_cross_entropy", "unknown activation 'sigmod'"),
        ("2,3,1", "tanh", "binary_cross_entropy", "one name per layer"),
        ("2,x,1", "tanh,sigmoid", "binary_cross_entropy", "--layers"),
        ("2", "tanh", "binary_cross_entropy", "at least two"),
        ("2,0,1", "tanh,sigmoid", "binary_cross_entropy", "between 1"),
        ("2,3,1", "tanh,sigmoid", "nope", "unknown loss"),
        ("2,3,3", "tanh,softmax", "mse_half", "cross_entropy"),
        ("2,3,1", "tanh,sigmoid", "cross_entropy", "softmax"),
        ("2,3,1", "tanh,softmax", "cross_entropy", "2 classes"),
        ("2,3,1", "binary_cross_entropy,sigmoid", "binary_cross_entropy", "not an activation"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    layers: str, acts: str, loss: str, needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["backprop", "--layers", layers, "--activations", acts, "--loss", loss]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and needle in err


def test_parse_spec_raises_user_error() -> None:
    with pytest.raises(UserError):
        parse_spec("1,,2", "relu", "mse_half")


def test_cli_verify_checks_the_network(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "backprop",
        "--layers",
        "2,2,1",
        "--activations",
        "relu,sigmoid",
        "--loss",
        "binary_cross_entropy",
    ]
    assert main([*argv, "--verify", "2", "--json"]) == 0
    checked = json.loads(capsys.readouterr().out)["network_check"]
    assert checked["cases"] == 2 and checked["entries"] == 2 * 9 and checked["failures"] == []
    assert 0 < checked["verifiable"] <= checked["entries"]
    assert main([*argv, "--verify", "-1"]) == 2


def test_network_documents_are_fresh_and_compile(tmp_path: Path) -> None:
    """proofs/networks is what `symact backprop --proofs` writes now, and each .tex compiles."""
    files = generate()
    root = Path(__file__).resolve().parent.parent / "proofs" / "networks"
    assert stale(root, files) == []
    text = files["network_tanh_sigmoid_bce.md"]
    assert r"\boxed{dZ^{[1]} = dA^{[1]} \odot \left(1 - \left(A^{[1]}\right)^{2}\right)}" in text
    assert "PyTorch value 0" in files["network_relu_softmax_ce.md"]
    assert "notation.md" in files and "notation.tex" in files
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    for name in ("network_tanh_sigmoid_bce.tex", "notation.tex"):
        (tmp_path / name).write_text(files[name], encoding="utf-8")
        done = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", name],
            cwd=tmp_path,
            capture_output=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout[-2000:]


def test_proofs_check_reports_a_stale_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, generate())
    assert main(["backprop", "--proofs", "--check", "--out", str(tmp_path)]) == 0
    (tmp_path / "notation.md").write_text("edited", encoding="utf-8")
    (tmp_path / "extra.md").write_text("x", encoding="utf-8")
    assert main(["backprop", "--proofs", "--check", "--out", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "stale notation.md" in out and "extra extra.md" in out
    assert main(["backprop", "--proofs", "--layers", "2,1"]) == 2


@pytest.mark.parametrize(
    ("layers", "acts", "loss"),
    [
        ("2,3,1", "__import__('os').system('touch pwned'),sigmoid", "binary_cross_entropy"),
        ("2,3,1", "tanh,sigmoid", 'exec(\'open("pwned", "w")\')'),
        ("__import__('os'),1", "tanh", "mse_half"),
        ("1e400,2", "tanh", "mse_half"),
        ("2,3,1", "tanh,x*sigmoid(x)", "mse_half"),
        ("9" * 400 + ",1", "tanh", "mse_half"),
    ],
)
def test_hostile_input_is_refused_quickly(
    layers: str,
    acts: str,
    loss: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    start = time.perf_counter()
    assert main(["backprop", "--layers", layers, "--activations", acts, "--loss", loss]) == 2
    assert time.perf_counter() - start < 1.0
    assert "\n" not in capsys.readouterr().err.strip()
    assert list(tmp_path.iterdir()) == []
