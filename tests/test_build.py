"""``symact build``: stage protocol, cache (skips, invalidation, tampered outputs), parallel workers,
time limit, failures and exit status, progress and summary."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import sympy as sp

import symact.build as build
from symact.catalogue import X, get
from symact.cli import main

ROOT = Path(__file__).resolve().parent.parent

STAGE_SOURCE = '''
import os, time
from pathlib import Path
from symact.build import StageResult

def _log(root, what):
    with open(Path(root) / ".calls", "a") as f:
        f.write(what + "\\n")

def each(records, *, root, progress):
    """Per-record: one cell per function (with the worker's pid); slow enough to spread."""
    result = StageResult(column="each")
    for r in records:
        time.sleep(float(os.environ.get("STAGE_SLEEP", "0")))
        _log(root, f"each {r.name}")
        progress(f"each {r.name}")
        result.cells[r.name] = f"ok {os.getpid()}"
        if r.name in os.environ.get("STAGE_FAIL", "").split(","):
            result.cells[r.name] = "FAILED"
            result.failures.append(f"{r.name}: told to fail")
    return result

each.per_record = True

def whole(records, *, root, progress):
    """All records at once: writes one file listing them."""
    _log(root, "whole")
    out = Path(root) / "out"
    out.mkdir(exist_ok=True)
    (out / "all.txt").write_text("\\n".join(r.name for r in records) + "\\n")
    return StageResult(column="whole", cells={r.name: "listed" for r in records})

def side(records, *, root, progress):
    """All records, slowly, writing its own file."""
    _log(root, "side start")
    progress(f"side: {len(records)} functions")
    time.sleep(1.0)
    (Path(root) / "side").mkdir(exist_ok=True)
    (Path(root) / "side" / "n.txt").write_text(str(len(records)))
    _log(root, "side end")
    return StageResult(column="side", cells={r.name: "side" for r in records})

def crash(records, *, root, progress):
    raise RuntimeError("boom")

def die(records, *, root, progress):
    os._exit(3)

die.per_record = True

def slow(records, *, root, progress):
    time.sleep(30)
    return StageResult(column="slow")
'''


@pytest.fixture
def stages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh module of test stages; yields its import name."""
    name = f"stages_{uuid.uuid4().hex[:8]}"
    folder = tmp_path / "mods"
    folder.mkdir()
    (folder / f"{name}.py").write_text(STAGE_SOURCE)
    monkeypatch.syspath_prepend(str(folder))
    yield name
    sys.modules.pop(name, None)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "project"
    path.mkdir()
    return path


def _calls(root: Path) -> list[str]:
    """The stage calls logged since the last look ("each NAME" or "whole")."""
    path = root / ".calls"
    calls = path.read_text().splitlines() if path.exists() else []
    path.unlink(missing_ok=True)
    return calls


pytestmark = pytest.mark.usefixtures("own_catalogue")  # conftest.py


def _records() -> list:
    return [get(n) for n in ("relu", "sigmoid", "tanh", "leaky_relu")]


def test_incremental_build_skips_what_cannot_have_changed(stages: str, root: Path) -> None:
    specs = [f"{stages}:each", f"{stages}:whole"]
    records = _records()
    first = build.run_build(records, root=root, progress=lambda m: None, stages=specs)
    assert first.ok
    assert sorted(_calls(root)) == sorted([*(f"each {r.name}" for r in records), "whole"])

    second = build.run_build(records, root=root, progress=lambda m: None, stages=specs)
    assert _calls(root) == []  # nothing ran
    assert second.table() == first.table()
    assert second.stages[0].cached == len(records)

    changed = [*records[:3], replace(records[3], expr=sp.Piecewise((X / 5, X < 0), (X, True)))]
    build.run_build(changed, root=root, progress=lambda m: None, stages=specs)
    assert _calls(root) == ["each leaky_relu", "whole"]


def test_tampered_or_missing_outputs_run_their_stage_again(stages: str, root: Path) -> None:
    specs = [f"{stages}:each", f"{stages}:whole"]
    records = _records()
    build.run_build(records, root=root, progress=lambda m: None, stages=specs)
    _calls(root)
    (root / "out" / "all.txt").write_text("edited by hand\n")
    build.run_build(records, root=root, progress=lambda m: None, stages=specs)
    assert _calls(root) == ["whole"]
    assert (root / "out" / "all.txt").read_text().split() == [r.name for r in records]
    (root / "out" / "all.txt").unlink()
    build.run_build(records, root=root, progress=lambda m: None, stages=specs)
    assert _calls(root) == ["whole"]
    build.run_build(records, root=root, progress=lambda m: None, stages=specs, cache=False)
    assert "whole" in _calls(root)


def test_failures_are_replayed_from_the_cache_and_rerun_without_it(
    stages: str, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STAGE_FAIL", "tanh")
    specs = [f"{stages}:each"]
    for cache, ran in ((True, 4), (True, 0), (False, 4)):
        report = build.run_build(_records(), root=root, progress=lambda m: None, stages=specs, cache=cache)
        assert not report.ok
        assert report.stages[0].failures == ["tanh: told to fail"]
        assert report.stages[0].cells["tanh"] == "FAILED"
        assert len(_calls(root)) == ran


def test_crashes_and_time_outs_are_not_cached(
    stages: str, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(2):
        report = build.run_build(
            _records()[:2], root=root, progress=lambda m: None, stages=[f"{stages}:crash"]
        )
        assert report.stages[0].cached == 0 and not report.ok


def test_a_crashing_stage_is_a_failure_not_a_traceback(stages: str, root: Path) -> None:
    report = build.run_build(_records(), root=root, progress=lambda m: None, stages=[f"{stages}:crash"])
    assert not report.ok
    assert "RuntimeError: boom" in report.stages[0].failures[0]
    assert set(report.stages[0].cells.values()) == {"CRASHED"}


def test_a_worker_that_dies_is_a_failure(stages: str, root: Path) -> None:
    report = build.run_build(
        _records(), root=root, progress=lambda m: None, stages=[f"{stages}:die"], jobs=2, fork=True
    )
    assert not report.ok and "died" in report.stages[0].failures[0]
    assert set(report.stages[0].cells.values()) == {"CRASHED"}


def test_a_stage_past_its_time_limit_is_stopped(stages: str, root: Path) -> None:
    slow = replace(build.as_stage(f"{stages}:slow"), limit=0.5)
    report = build.run_build(_records()[:1], root=root, progress=lambda m: None, stages=[slow])
    assert not report.ok and "gave up" in report.stages[0].failures[0]
    assert report.stages[0].cells == {"relu": "TIMED OUT"}


def test_per_record_stages_run_in_parallel_processes(
    stages: str, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STAGE_SLEEP", "0.5")
    report = build.run_build(
        _records(), root=root, progress=lambda m: None, stages=[f"{stages}:each"], jobs=2, fork=True
    )
    pids = {cell.split()[1] for cell in report.stages[0].cells.values()}
    assert len(pids) == 2 and str(os.getpid()) not in pids
    assert report.ok


def test_check_only_stages_run_alongside_the_next_ones(
    stages: str, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    each = replace(build.as_stage(f"{stages}:each"), check_only=True)  # the Stage says so: no global
    whole = f"{stages}:whole"
    monkeypatch.setenv("STAGE_SLEEP", "1.0")
    report = build.run_build(
        _records(), root=root, progress=lambda m: None, stages=[each, whole], jobs=2, fork=True
    )
    calls = _calls(root)
    assert calls[0] == "whole" and sorted(calls[1:]) == sorted(f"each {r.name}" for r in _records())
    assert report.ok and all(c.startswith("ok") for c in report.stages[0].cells.values())
    assert report.table().splitlines()[0].split() == ["function", "each", "whole"]


def test_sibling_stages_run_side_by_side(stages: str, root: Path) -> None:
    side, whole = (replace(build.as_stage(f"{stages}:{n}"), sibling=True) for n in ("side", "whole"))
    report = build.run_build(
        _records(), root=root, progress=lambda m: None, stages=[side, whole], jobs=2, fork=True
    )
    calls = _calls(root)
    assert sorted(calls) == ["side end", "side start", "whole"]
    assert calls.index("whole") < calls.index("side end")  # whole did not wait for side
    assert report.ok and [s.column for s in report.stages] == ["side", "whole"]
    build.run_build(_records(), root=root, progress=lambda m: None, stages=[side, whole], jobs=2, fork=True)
    assert _calls(root) == []
    (root / "side" / "n.txt").unlink()  # a sibling's output gone: the group runs again
    build.run_build(_records(), root=root, progress=lambda m: None, stages=[side, whole], jobs=2, fork=True)
    assert sorted(_calls(root)) == ["side end", "side start", "whole"]
    assert (root / "side" / "n.txt").read_text() == "4"


def test_fingerprints() -> None:
    relu = get("relu")
    assert build.record_fingerprint(relu) == build.record_fingerprint(get("relu"))
    assert build.record_fingerprint(relu) != build.record_fingerprint(replace(relu, expr=sp.Max(X, 1)))
    kink = replace(relu.kinks[0], conventions={"pytorch": sp.S.One, "jax": sp.S.Zero})
    assert build.record_fingerprint(relu) != build.record_fingerprint(replace(relu, kinks=(kink,)))
    leaky = get("leaky_relu")
    param = replace(leaky.params[0], default=sp.Rational(1, 5))
    assert build.record_fingerprint(leaky) != build.record_fingerprint(replace(leaky, params=(param,)))
    code = (
        "from symact.build import record_fingerprint as f; from symact.catalogue import get; "
        "print(f(get('leaky_relu')))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    other = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert other.stdout.strip() == build.record_fingerprint(leaky)  # stable across processes
    package_file = Path(build.__file__)
    assert build.source_fingerprint() != build.source_fingerprint(exclude=[package_file])


def test_command_line_summary_progress_and_exit_status(
    stages: str, root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (root / "pyproject.toml").write_text(f'[tool.symact]\nstages = ["{stages}:each", "{stages}:whole"]\n')
    assert main(["build", "--root", str(root), "relu", "tanh"]) == 0
    out, err = capsys.readouterr()
    header, _rule, *rows = out.split("\n\n")[0].split("\n")
    assert header.split() == ["function", "each", "whole"]
    assert [r.split()[0] for r in rows] == ["relu", "tanh"]
    assert "2 functions" in out and "ok" in out
    assert all(line.startswith("symact build: ") for line in err.strip().split("\n"))

    monkeypatch.setenv("STAGE_FAIL", "relu")
    assert main(["build", "--root", str(root), "relu", "tanh", "--no-cache"]) == 1
    out = capsys.readouterr().out
    assert "FAILED [each] relu: told to fail" in out and "FAILURES" in out


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["build", "nosuchfunction"], "unknown function"),
        (["build", "--jobs", "0"], "--jobs"),
        (["build", "--time-budget", "-1"], "--time-budget"),
        (["build", "--time-budget", "soon"], "--time-budget"),
        (["build", "--module", "no_such_module_xyz"], "not found"),
        (["build", "--module", "missing.py"], "no such file"),
    ],
)
def test_bad_build_requests_exit_2(
    argv: list[str], words: str, root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*argv, "--root", str(root)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("symact: error: ") and words in err
    assert list(root.iterdir()) == []


@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ('stages = ["no_such_module_xyz:run"]', "cannot load no_such_module_xyz:run"),
        ('stages = "symact.derive.stage:run"', "must be a non-empty list"),
        ('stages = ["symact.derive.stage"]', "must be a non-empty list"),
        ("stages = []", "must be a non-empty list"),
    ],
)
def test_bad_configured_stages_exit_2(
    setting: str, words: str, root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (root / "pyproject.toml").write_text(f"[tool.symact]\n{setting}\n")
    assert main(["build", "--root", str(root), "relu"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("symact: error: ") and words in err and len(err.splitlines()) == 1
    assert sorted(p.name for p in root.iterdir()) == ["pyproject.toml"]


def test_user_modules_from_pyproject(stages: str, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = f"bent_{uuid.uuid4().hex[:6]}"
    (root / "acts.py").write_text(
        textwrap.dedent(
            f"""
            import symact.user as su
            su.activation("{name}", "where(x < 0, x/4, x)")
            """
        )
    )
    (root / "pyproject.toml").write_text(
        f'[tool.symact]\nmodules = ["acts.py"]\nstages = ["{stages}:each"]\n'
    )
    assert main(["build", "--root", str(root), name]) == 0
    assert name in capsys.readouterr().out


def test_a_new_time_budget_invalidates_the_cache(
    stages: str, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    specs = [f"{stages}:each"]
    build.run_build(_records()[:2], root=root, progress=lambda m: None, stages=specs)
    build.run_build(_records()[:2], root=root, progress=lambda m: None, stages=specs)
    assert len(_calls(root)) == 2
    monkeypatch.setenv("SYMACT_TIME_BUDGET", "3")
    build.run_build(_records()[:2], root=root, progress=lambda m: None, stages=specs)
    assert len(_calls(root)) == 2
