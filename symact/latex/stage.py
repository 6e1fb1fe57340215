"""Build stage: regenerate proofs/ in every edition (proofs/, proofs/ja/) and report per function
"proved N steps" or the failure."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from symact.catalogue import Record
from symact.catalogue import records as catalogue_records
from symact.latex._files import edition_dir, generate, index_files, rows_of, write
from symact.pipeline import StageResult
from symact.steps._build import planned_names
from symact.steps.messages import LANGUAGES

__all__ = ["run"]


def run(records: Sequence[Record], *, root: Path, progress: Callable[[str], None]) -> StageResult:
    """Write proofs/ under `root` (failing derivations are not written) and summarise per record."""
    generated = generate(records, progress=progress, langs=LANGUAGES)
    out = root / "proofs"
    built = {name for record in records for name in planned_names(record)}
    others = {name for record in catalogue_records() for name in planned_names(record)} - built
    for lang in LANGUAGES:
        prefix = edition_dir(lang)
        kept = {
            f"{prefix}{name}.tex": (out / f"{prefix}{name}.tex").read_text(encoding="utf-8")
            for name in others
            if (out / f"{prefix}{name}.tex").exists()
        }
        generated.files.update(index_files(rows_of({**generated.files, **kept}, lang), lang))
    write(out, generated.files)
    result = StageResult(column="proofs")
    for record in records:
        made = generated.made.get(record.name, [])
        failed = generated.failures.get(record.name, [])
        steps = sum(d.steps for d in made)
        result.cells[record.name] = f"FAILED ({len(failed)})" if failed else f"proved {steps} steps"
        result.failures += [f"proofs: {line}" for line in failed]
    return result
