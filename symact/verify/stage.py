"""The build stage that verifies every record (a bounded number of points each, to stay fast)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from symact.catalogue import Record
from symact.pipeline import StageResult
from symact.verify._catalogue import verify_record

__all__ = ["EXAMPLES", "run"]

EXAMPLES = 24
"""Points per record in the build; ``symact verify --examples N`` runs more."""


def run(records: Sequence[Record], *, root: Path, progress: Callable[[str], None]) -> StageResult:
    """Verify each record; the cell is "ok", "ok, no kernel" or "FAIL n"."""
    del root
    result = StageResult(column="verified")
    for i, record in enumerate(records, 1):
        progress(f"verify {i}/{len(records)} {record.name}")
        report = verify_record(record, examples=EXAMPLES)
        notes = getattr(report, "notes", [])
        if report.failures:
            result.cells[record.name] = f"FAIL {len(report.failures)}"
            result.failures += [str(f) for f in report.failures[:3]]
        else:
            result.cells[record.name] = "ok" + (f", {', '.join(notes)}" if notes else "")
    return result


run.per_record = True  # type: ignore[attr-defined]
