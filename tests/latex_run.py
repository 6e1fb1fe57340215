"""Running a TeX engine from the tests: find it (skip without it, fail under SYMACT_REQUIRE_LATEX=1)
and compile a document, returning the overfull-box lines of its log."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def engine(name: str, *packages: str) -> str:
    """The path of TeX engine `name` with `packages` (.sty files) installed; skips the test without
    them, fails it when SYMACT_REQUIRE_LATEX=1 (CI)."""
    found = shutil.which(name)
    kpse = shutil.which("kpsewhich")
    missing = [
        p for p in packages if kpse is None or subprocess.run([kpse, p], capture_output=True).returncode
    ]
    if found is None or missing:
        what = name if found is None else f"{name} with {', '.join(missing)}"
        if os.environ.get("SYMACT_REQUIRE_LATEX") == "1":
            pytest.fail(f"{what} is not installed but SYMACT_REQUIRE_LATEX=1")
        pytest.skip(f"{what} is not installed (set SYMACT_REQUIRE_LATEX=1 to make this a failure)")
    return found


def compile_tex(tex: str, source: Path, workdir: Path) -> list[str]:
    """Compile `source` with engine `tex` (fails on an error); the overfull-box lines of its log."""
    result = subprocess.run(
        [tex, "-halt-on-error", "-interaction=nonstopmode", f"-output-directory={workdir}", source.name],
        cwd=source.parent,
        capture_output=True,
        text=True,
        timeout=600,
    )
    log = (workdir / source.with_suffix(".log").name).read_text(encoding="utf-8", errors="replace")
    assert result.returncode == 0, f"{source.name} does not compile:\n{log[-3000:]}"
    errors = [line for line in log.splitlines() if line.startswith("!")]
    assert not errors, f"{source.name}: {errors}"
    return [f"{source.name}: {line}" for line in log.splitlines() if line.startswith("Overfull")]
