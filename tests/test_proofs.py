"""proofs/ is committed and fresh; `symact proofs` and the build stage behave."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import sympy as sp

from symact.catalogue import A, X, Y, get, records
from symact.cli import main
from symact.latex import stage
from symact.latex._files import generate

PROOFS = Path(__file__).resolve().parent.parent / "proofs"


@pytest.mark.slow
def test_committed_proofs_are_fresh(tmp_path: Path) -> None:
    """Regenerate every proof in every edition into tmp_path and compare byte for byte with proofs/
    and proofs/ja/."""
    assert main(["proofs", "--out", str(tmp_path), "--lang", "all"]) == 0  # every step of every proof checked
    editions = ("", "ja/")
    fresh = {f"{e}{p.name}": p.read_bytes() for e in editions for p in (tmp_path / e).glob("*.*")}
    committed = {
        f"{e}{p.name}": p.read_bytes()
        for e in editions
        for p in (PROOFS / e).iterdir()
        if p.suffix in (".tex", ".md")
    }
    assert sorted(fresh) == sorted(committed)
    differing = [name for name in fresh if fresh[name] != committed[name]]
    assert not differing, f"stale proofs (run `symact proofs`): {differing}"


TWO = ("proofs", "sigmoid", "relu")
"""``symact proofs`` of two functions (the whole catalogue takes half a minute)."""


def test_check_writes_nothing_and_lists_missing_and_stale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "proofs"
    assert main([*TWO, "--out", str(out), "--check"]) == 1
    assert "missing sigmoid.tex" in capsys.readouterr().out
    assert not out.exists()
    assert main([*TWO, "--out", str(out)]) == 0  # the English edition
    assert main([*TWO, "--out", str(out), "--check", "--lang", "en"]) == 0
    assert main([*TWO, "--out", str(out), "--check"]) == 1  # every edition: proofs/ja/ is missing
    assert "missing ja/relu.tex" in capsys.readouterr().out
    assert main([*TWO, "--out", str(out), "--lang", "all"]) == 0
    assert main([*TWO, "--out", str(out), "--check"]) == 0
    (out / "relu.md").write_text("edited\n")
    (out / "ja" / "sigmoid.tex").write_text("edited\n")
    before = {p: p.read_bytes() for p in out.rglob("*.*")}
    assert main([*TWO, "--out", str(out), "--check"]) == 1
    report = capsys.readouterr().out
    assert "stale relu.md" in report and "stale ja/sigmoid.tex" in report
    assert {p: p.read_bytes() for p in out.rglob("*.*")} == before


def test_a_partial_run_keeps_the_other_functions_and_lists_them_in_the_index(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "proofs"
    assert main([*TWO, "--out", str(out), "--lang", "en"]) == 0
    assert main(["proofs", "tanh", "--out", str(out), "--lang", "en"]) == 0
    assert {p.name for p in out.glob("*.tex")} == {"index.tex", "relu.tex", "sigmoid.tex", "tanh.tex"}
    index = (out / "index.tex").read_text(encoding="utf-8")
    assert [name for name in ("relu", "sigmoid", "tanh") if f"\\hyperref[sec:{name}]" in index] == [
        "relu",
        "sigmoid",
        "tanh",
    ]
    assert main(["proofs", "nosuchfunction", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("symact: error: ") and "nosuchfunction" in err and len(err.splitlines()) == 1


def test_out_must_be_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    assert main(["proofs", "--out", str(target)]) == 2
    assert "--out" in capsys.readouterr().err


def test_generation_is_deterministic_and_independent_of_jobs() -> None:
    chosen = [get(n) for n in ("tanh", "leaky_relu", "softmax")]
    assert generate(chosen).files == generate(chosen, jobs=2).files


def test_jobs_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["proofs", "--jobs", "0", "--check"]) == 2
    assert "--jobs" in capsys.readouterr().err


def test_stage_reports_steps_and_failures(tmp_path: Path) -> None:
    relu = get("relu")
    bad = replace(relu, name="relu_bad", kinks=(replace(relu.kinks[0], left=sp.S.One),))
    result = stage.run([get("sigmoid"), bad], root=tmp_path, progress=lambda _: None)
    assert result.cells["sigmoid"].startswith("proved ") and result.cells["sigmoid"].endswith(" steps")
    assert result.cells["relu_bad"].startswith("FAILED")
    assert any("left derivative" in line for line in result.failures)
    assert (tmp_path / "proofs" / "sigmoid.tex").exists()
    assert (tmp_path / "proofs" / "ja" / "sigmoid.tex").exists()  # the build writes every edition
    assert not (tmp_path / "proofs" / "relu_bad.tex").exists()


def test_every_record_has_its_proof() -> None:
    names = {p.stem for p in PROOFS.glob("*.tex")}
    missing = [r.name for r in records() if r.name not in names]
    assert not missing, f"no committed proof for {missing} (a failing derivation; run `symact proofs`)"


_TEXTBOOK = (
    "sigmoid",
    "tanh",
    "softplus",
    "log_sigmoid",
    "silu",
    "gelu",
    "elu",
    "softsign",
    "binary_cross_entropy",
)


def _parse(text: str, record: object) -> sp.Expr:
    names = {p.name: p.symbol for p in getattr(record, "params", ())}
    names.update({"x": X, "a": A, "y": Y})
    return sp.sympify(text, locals=names)


def test_json_boxes_the_derivative_in_its_textbook_shape(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each listed function's boxed rhs, parsed back, is the derivative (proved symbolically), and
    the boxed form is the textbook one (compared structurally, named functions kept)."""
    from symact.steps import derivation, prove_zero
    from symact.steps._moves import unhold
    from symact.steps._named import NORMAL_CDF, NORMAL_PDF, SIGMA

    chosen = tuple(get(n) for n in _TEXTBOOK)
    assert main(["proofs", "--json", *_TEXTBOOK]) == 0
    out = {d["name"]: d for d in json.loads(capsys.readouterr().out)}
    for record in chosen:
        entry = out[record.name]
        assert entry["checked"] is True and entry["steps"] > 0
        rhs = _parse(entry["result"]["rhs"], record)
        var = record.variable
        truth = sp.diff(record.expr, var)
        plain = rhs if record.kind == "loss" else rhs.subs(A, record.expr)  # a is the output of an activation
        assert prove_zero(plain - truth) is not None, record.name
    s, x, beta, alpha = SIGMA(X), X, sp.Symbol("beta", real=True), sp.Symbol("alpha", real=True)
    shapes = {
        "sigmoid": s * (1 - s),
        "tanh": 1 - sp.tanh(x) ** 2,
        "softplus": SIGMA(beta * x),
        "log_sigmoid": 1 - s,
        "silu": s * (1 + x * (1 - s)),
        "gelu": NORMAL_CDF(x) + x * NORMAL_PDF(x),
        "elu": sp.Piecewise((1, x > 0), (sp.Function("f")(x) + alpha, x < 0)),
        "softsign": 1 / (1 + sp.Abs(x)) ** 2,
        "binary_cross_entropy": -Y / A + (1 - Y) / (1 - A),
    }
    for name, shape in shapes.items():
        boxed = unhold(derivation(get(name)).results[0].rhs)
        assert boxed == shape, f"{name}: boxed {boxed}, textbook {shape}"
    assert out["binary_cross_entropy"]["result"]["rhs"] == "(1 - y)/(1 - a) - y/a"
    assert out["sigmoid"]["result"]["rhs"] == "a*(1 - a)"
    assert out["log_sigmoid"]["result"]["rhs"] == "1 - 1/(1 + exp(-x))"


def test_json_lists_one_entry_per_boxed_line_of_the_neuron(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["proofs", "--json", "binary_cross_entropy", "softmax"]) == 0
    out = {d["name"]: d for d in json.loads(capsys.readouterr().out)}
    neuron = out["binary_cross_entropy_with_sigmoid"]["result"]
    assert [e["lhs"] for e in neuron[:3]] == ["dL/dz", "dL/dw_i", "dL/db"]
    assert [sp.sympify(e["rhs"]) for e in neuron[:3]] == [
        sp.sympify("a - y"),
        sp.sympify("(a - y)*x_i"),
        sp.sympify("a - y"),
    ]
    a_i, a_j, i, j = sp.symbols("a_i a_j i j")
    softmax = sp.sympify(out["softmax"]["result"]["rhs"])
    assert sp.expand(softmax - a_i * (sp.KroneckerDelta(i, j) - a_j)) == 0
