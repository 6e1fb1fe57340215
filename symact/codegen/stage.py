"""The build stage of the kernels: regenerate (whole catalogue) or verify (a selection) and report."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from symact.pipeline import StageResult
from symact.catalogue import Record, records
from symact.codegen.gaps import KNOWN_GAPS
from symact.codegen.report import cells
from symact.codegen.update import update

__all__ = ["run"]


def run(selection: Sequence[Record], *, root: Path, progress: Callable[[str], None]) -> StageResult:
    """Generate and verify the kernels; write them when `selection` is the whole catalogue.

    Cells read ``fwd 1 / grad 3 ULP``; a kernel that misses its target is a failure, unless it is a
    known gap (``fwd known gap``; reason in the progress line and ACCURACY.md), and a known gap that
    meets its target is a failure too.
    """
    whole = [r.name for r in selection] == [r.name for r in records()]
    outcome = update(
        root, selection=None if whole else selection, jobs=2, progress=lambda n: progress(f"kernels {n}")
    )
    for r in outcome.generation.known_gaps():
        progress(f"kernels {r.plan.name}: no kernel (known gap: {KNOWN_GAPS[r.plan.name]})")
    result = StageResult(column="kernels (max ULP)", cells=cells(outcome.generation))
    result.failures += outcome.generation.failures()
    return result
