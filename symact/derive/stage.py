"""The build stage that derives and proves every record."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from symact.catalogue import Record
from symact.derive import Derivation, VectorDerivation, derive
from symact.errors import VerificationError
from symact.pipeline import StageResult

STATUS_CELLS: dict[str, str] = {
    "found": "proved, a-form",
    "none": "proved, no a-form (witness)",
    "not found": "proved, a-form not found",
    "not applicable": "proved (loss gradient)",
}
"""The summary cell of a derived record, by the status of its output form."""


def output_form_status(d: Derivation | VectorDerivation) -> str:
    """``found``, ``none`` (a witness shows there is none), ``not found`` or ``not applicable`` (losses)."""
    if isinstance(d, Derivation):
        return d.output_form.status
    if d.record.kind == "vector_loss":
        return "not applicable"
    return "found" if d.output_form is not None else "not found"


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
        result.cells[record.name] = STATUS_CELLS[output_form_status(d)]
    return result
