"""``--jobs`` and ``--root`` are defined, defaulted and validated once (``symact.commands.options``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from symact.cli import main, make_parser
from symact.commands.options import PACKAGE_ROOT, default_jobs


@pytest.mark.parametrize("command", ["build", "kernels"])
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--jobs", "0"], "argument --jobs: must be at least 1, not 0"),
        (["--jobs", "-3"], "argument --jobs: must be at least 1, not -3"),
        (["--jobs", "two"], "argument --jobs: not a whole number: 'two'"),
        (["--root", "/nonexistent-folder"], "argument --root: no such folder: /nonexistent-folder"),
    ],
)
def test_bad_values_are_one_line_and_exit_2(
    command: str, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, *argv]) == 2
    err = capsys.readouterr().err
    assert err == f"symact: error: {message}\n"


def test_defaults() -> None:
    parser = make_parser()
    build = parser.parse_args(["build"])
    kernels = parser.parse_args(["kernels"])
    assert build.jobs == kernels.jobs == default_jobs() >= 1
    assert build.root == Path(".").resolve()
    assert kernels.root == PACKAGE_ROOT and (PACKAGE_ROOT / "symact" / "__init__.py").is_file()
    assert parser.parse_args(["build", "--jobs", "3"]).jobs == 3
