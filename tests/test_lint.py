"""The code is ruff-clean, ruff-formatted and type-checked (ruff and mypy come with the test extra)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed (pip install '.[test]')")
def test_ruff_check_and_format() -> None:
    check = _run("ruff", "check", ".")
    assert check.returncode == 0, check.stdout[-3000:]
    fmt = _run("ruff", "format", "--check", ".")
    assert fmt.returncode == 0, fmt.stdout[-3000:]


def test_mypy() -> None:
    pytest.importorskip("mypy", reason="mypy is not installed (pip install '.[test]')")
    result = _run(sys.executable, "-m", "mypy", "-p", "symact")
    assert result.returncode == 0, result.stdout[-3000:]
