"""Build stage: regenerate proofs/ in every edition (proofs/, proofs/ja/) and report per function
"proved N steps" or the failure."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from symact.catalogue import Record
from symact.latex._files import generate, index_over_others, write
from symact.pipeline import StageResult
from symact.steps.messages import LANGUAGES

__all__ = ["run"]


def run(records: Sequence[Record], *, root: Path, progress: Callable[[str], None]) -> StageResult:
    """Write proofs/ under `root` (failing derivations are not written) and summarise per record."""
    generated = generate(records, progress=progress, langs=LANGUAGES)
    out = root / "proofs"
    index_over_others(generated.files, out, records, LANGUAGES)
    write(out, generated.files)
    result = StageResult(column="proofs")
    for record in records:
        made = generated.made.get(record.name, [])
        failed = generated.failures.get(record.name, [])
        steps = sum(d.steps for d in made)
        result.cells[record.name] = f"FAILED ({len(failed)})" if failed else f"proved {steps} steps"
        result.failures += [f"proofs: {line}" for line in failed]
    return result
