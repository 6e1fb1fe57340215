"""The build stage that derives and proves every record."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from symact.catalogue import Record
from symact.derive import derive
from symact.derive._elementwise import Derivation
from symact.errors import VerificationError
from symact.pipeline import StageResult


def run(records: Sequence[Record], *, root: Path, progress: Callable[[str], None]) -> StageResult:
    """Derive each record; the cell says whether an output form was found."""
    del root
    result = StageResult(column="derivative / output form")
    for i, record in enumerate(records, 1):
        progress(f"derive {i}/{len(records)} {record.name}")
        try:
            d = derive(record)
        except (VerificationError, ValueError, NotImplementedError) as exc:
            result.cells[record.name] = "FAILED"
            result.failures.append(f"{record.name}: {exc}")
            continue
        if isinstance(d, Derivation) and d.output_form.status == "not applicable":
            result.cells[record.name] = "proved (loss gradient)"
        elif isinstance(d, Derivation):
            status = {"found": "a-form", "none": "no a-form (witness)", "not found": "a-form not found"}
            result.cells[record.name] = "proved, " + status[d.output_form.status]
        elif d.record.kind == "vector_loss":
            result.cells[record.name] = "proved (loss gradient)"
        else:
            found = d.output_form is not None
            result.cells[record.name] = "proved, " + ("a-form" if found else "a-form not found")
    return result
