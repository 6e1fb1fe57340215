"""Hostile input: every string of the corpus is refused quickly, with a clear error, exit status 2,
no file left behind, and no code run (a marker file proves it)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from symact.cli import main

HERE = Path(__file__).parent
ROOT = HERE.parent
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|n|t|\\)")


def _decode(line: str) -> str:
    def one(m: re.Match[str]) -> str:
        code = m.group(1)
        return {"n": "\n", "t": "\t", "\\": "\\"}.get(code) or chr(int(code[1:], 16))

    return _ESCAPE.sub(one, line)


def _corpus() -> list[str]:
    lines = (HERE / "hostile_inputs.txt").read_text(encoding="utf-8").split("\n")
    return [_decode(line) for line in lines if line and not line.startswith("#")]


GENERATED = {
    "empty": "",
    "spaces": "   ",
    "deep parentheses": "(" * 10_000 + "x" + ")" * 10_000,
    "deep but short": "(" * 900 + "x" + ")" * 900,
    "deep calls": "exp(" * 400 + "x" + ")" * 400,
    "unary chain": "-" * 1500 + "x",
    "power chain": "x**" * 500 + "x",
    "very long": "x+" * 50_000 + "x",
    "long name": "a" * 100_000,
    "long number": "9" * 5000,
    "many nuls": "\x00" * 1000,
}

CORPUS = _corpus()
ALL = [*CORPUS, *GENERATED.values()]
IDS = [f"{i}:{t[:24]!r}" for i, t in enumerate(CORPUS)] + list(GENERATED)


def test_the_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 50
    assert any("\x00" in t for t in CORPUS) and any(not t.isascii() for t in CORPUS)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _payload(text: str, marker: Path) -> str:
    return text.replace("MARKER", str(marker))


@pytest.mark.parametrize("text", ALL, ids=IDS)
def test_refused_in_one_second_with_a_clear_error(
    text: str, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["derive", "--", "x"])  # imports done before timing
    capsys.readouterr()
    marker = workdir / "marker"
    start = time.perf_counter()
    status = main(["derive", "--name", "hostile", "--", _payload(text, marker)])
    elapsed = time.perf_counter() - start
    out, err = capsys.readouterr()
    assert status == 2
    assert elapsed < 1.0, f"took {elapsed:.2f} s"
    assert out == ""
    lines = err.rstrip("\n").split("\n")
    assert lines[0].startswith("symact: error: ")
    assert len(lines) <= 3 and "Traceback" not in err
    assert all(len(line) < 600 for line in lines)
    if len(lines) == 3:  # the caret display: the input window, then a caret under it
        assert lines[2].strip() == "^" and len(lines[1]) < 80
    assert list(workdir.iterdir()) == []


LIVE = [t for t in CORPUS if "MARKER" in t]


def test_the_payloads_are_live_python(tmp_path: Path) -> None:
    """The marker test can fail: run as Python, these payloads do create the marker file."""
    live = 0
    for text in LIVE:
        marker = tmp_path / f"m{live}"
        code = _payload(text, marker)
        try:
            compile(code, "<payload>", "exec")
        except SyntaxError:
            continue
        preamble = "from math import tanh\nx = 1\n"
        subprocess.run(
            [sys.executable, "-c", preamble + code],
            cwd=tmp_path,
            check=False,
            capture_output=True,
            timeout=30,
        )
        live += marker.exists()
    assert live >= 10


def test_no_payload_runs_code(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    marker = workdir / "MARKER-FILE"
    for text in LIVE:
        for command in (["derive", "--"], ["plot", "-o", str(workdir / "p.png"), "--"]):
            assert main([*command, _payload(text, marker)]) == 2
    capsys.readouterr()
    assert not marker.exists()
    assert list(workdir.iterdir()) == []


HOSTILE_PARAMS = ["k=__import__('os')", "k=1;2", "k=x", "k=", "__class__=1", "k=1e999999", "k=9**9**9"]


@pytest.mark.parametrize("item", HOSTILE_PARAMS)
def test_hostile_parameters_are_refused(item: str, workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    start = time.perf_counter()
    assert main(["plot", "x*k", "--param", item, "-o", str(workdir / "p.png")]) == 2
    assert time.perf_counter() - start < 1.0
    err = capsys.readouterr().err
    assert err.startswith("symact: error: ") and "Traceback" not in err
    assert list(workdir.iterdir()) == []


SUBPROCESS = [
    "__import__('os').system('touch MARKER')",
    "x.__class__",
    "9**9**9",
    "ｘ + 1",
    "(" * 5000 + "x" + ")" * 5000,
]


@pytest.mark.parametrize("text", SUBPROCESS, ids=["import", "dunder", "power", "lookalike", "deep"])
def test_real_command_line(text: str, tmp_path: Path) -> None:
    marker = tmp_path / "MARKER"
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(
        [sys.executable, "-m", "symact", "derive", "--", _payload(text, marker)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("symact: error: ") and "Traceback" not in proc.stderr
    assert not marker.exists() and list(tmp_path.iterdir()) == []
