"""The build stage of the kernels: regenerate (whole catalogue) or verify (a selection) and report."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from symact.catalogue import Record, records
from symact.codegen.backend import Backend
from symact.codegen.gaps import KNOWN_GAPS
from symact.codegen.report import cells
from symact.codegen.update import failures, update
from symact.pipeline import Progress, Stage, StageResult

__all__ = ["kernels", "run"]


def run(
    selection: Sequence[Record],
    *,
    root: Path,
    progress: Progress,
    backends: Sequence[Backend] | None = None,
) -> StageResult:
    """Generate and verify the kernels in every backend; write them when `selection` is the whole
    catalogue.

    Cells read ``fwd 1 / grad 3 ULP``; a kernel that misses its target in any backend is a failure
    (:func:`symact.codegen.update.failures`, shared with ``symact kernels``), unless it is a known
    gap of the generator (``fwd known gap``; reason in the progress line and ACCURACY.md), and a known
    gap that meets its target is a failure too.
    """
    whole = [r.name for r in selection] == [r.name for r in records()]
    outcome = update(
        root,
        selection=None if whole else selection,
        jobs=2,
        backends=backends,
        progress=lambda n: progress(f"kernels {n}"),
    )
    for r in outcome.generation.known_gaps():
        progress(f"kernels {r.plan.name}: no kernel (known gap: {KNOWN_GAPS[r.plan.name]})")
    result = StageResult(column="kernels (max ULP)", cells=cells(outcome.generation))
    result.failures += failures(outcome)
    return result


def kernels(backends: Sequence[Backend] | None = None) -> Stage:
    """The kernel stage with these `backends` (default: every registered one)."""

    def stage(selection: Sequence[Record], *, root: Path, progress: Progress) -> StageResult:
        return run(selection, root=root, progress=progress, backends=backends)

    return Stage(
        "symact.codegen.stage:run" if backends is None else "kernels",
        stage,
        sibling=True,
        writes=("symact/kernels/", "csrc/", "csharp/"),
    )
