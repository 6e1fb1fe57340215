"""proofs/ is committed and fresh; `symact proofs` and the build stage behave."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import sympy as sp

import symact.commands.proofs as proofs_command
from symact.catalogue import get, records
from symact.cli import main
from symact.latex import stage
from symact.latex._files import generate

PROOFS = Path(__file__).resolve().parent.parent / "proofs"


def test_committed_proofs_are_fresh(tmp_path: Path) -> None:
    """Regenerate every proof into tmp_path and compare byte for byte with proofs/."""
    assert main(["proofs", "--out", str(tmp_path)]) == 0  # every step of every proof checked
    fresh = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    committed = {p.name: p.read_bytes() for p in PROOFS.iterdir() if p.suffix in (".tex", ".md")}
    assert sorted(fresh) == sorted(committed)
    differing = [name for name in fresh if fresh[name] != committed[name]]
    assert not differing, f"stale proofs (run `symact proofs`): {differing}"


@pytest.fixture
def small_catalogue(monkeypatch: pytest.MonkeyPatch) -> None:
    chosen = tuple(get(n) for n in ("sigmoid", "relu"))
    monkeypatch.setattr(proofs_command, "records", lambda: chosen)


@pytest.mark.usefixtures("small_catalogue")
def test_check_writes_nothing_and_lists_missing_and_stale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "proofs"
    assert main(["proofs", "--out", str(out), "--check"]) == 1
    assert "missing sigmoid.tex" in capsys.readouterr().out
    assert not out.exists()
    assert main(["proofs", "--out", str(out)]) == 0
    assert main(["proofs", "--out", str(out), "--check"]) == 0
    (out / "relu.md").write_text("edited\n")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert main(["proofs", "--out", str(out), "--check"]) == 1
    assert "stale relu.md" in capsys.readouterr().out
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


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
    assert not (tmp_path / "proofs" / "relu_bad.tex").exists()


def test_every_record_has_its_proof() -> None:
    names = {p.stem for p in PROOFS.glob("*.tex")}
    missing = [r.name for r in records() if r.name not in names]
    assert not missing, f"no committed proof for {missing} (a failing derivation; run `symact proofs`)"
