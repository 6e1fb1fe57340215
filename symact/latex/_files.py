"""The proofs/ directory: every derivation as .tex and .md, plus index.tex and index.md.

:func:`generate` renders everything in memory (derivations that fail their checks are reported and
not rendered); :func:`write` writes atomically (temporary file in the same directory, then
``os.replace``) and only files whose bytes change; :func:`stale` lists what differs on disk.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from symact._atomic import atomic_write
from symact.catalogue import Record
from symact.latex._render import Row, render_index, render_index_markdown, render_markdown, render_tex
from symact.steps import derivations

__all__ = ["Generated", "Made", "generate", "index_files", "prune", "rows_of", "stale", "write"]

_SUFFIXES = (".tex", ".md")


@dataclass(frozen=True)
class Made:
    """A derivation that passed its checks: its name (file stem) and number of checked steps."""

    name: str
    steps: int


@dataclass
class Generated:
    """The files to write (name -> text), the derivations made and the failures, per record."""

    files: dict[str, str] = field(default_factory=dict)
    made: dict[str, list[Made]] = field(default_factory=dict)
    failures: dict[str, list[str]] = field(default_factory=dict)


_Result = tuple[str, str, int, dict[str, str] | None, str]
_PENDING: list[Record] = []
"""The records of a parallel run, read by forked workers by index (user records need not pickle)."""


def _render_one(index: int) -> list[_Result]:
    """(record, name, steps, files or None, failure) for each derivation of one record."""
    out: list[_Result] = []
    for record_name, name, result in derivations([_PENDING[index]]):
        if isinstance(result, Exception):
            out.append((record_name, name, 0, None, str(result).splitlines()[0]))
        else:
            files = {f"{name}.tex": render_tex(result), f"{name}.md": render_markdown(result)}
            out.append((record_name, name, result.steps, files, ""))
    return out


def generate(
    records: Iterable[Record], *, progress: Callable[[str], None] | None = None, jobs: int = 1
) -> Generated:
    """Derive, check and render every record's derivations (in `jobs` forked processes if > 1).

    The output does not depend on `jobs`: every numeric check is seeded by its derivation's name.
    """
    _PENDING[:] = list(records)
    indices = range(len(_PENDING))
    try:
        if jobs > 1 and len(_PENDING) > 1:
            context = multiprocessing.get_context("fork")
            with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
                results = list(_collect(pool.map(_render_one, indices), progress))
        else:
            results = list(_collect(map(_render_one, indices), progress))
    finally:
        _PENDING.clear()
    out = Generated()
    for record_name, name, steps, files, failure in results:
        out.made.setdefault(record_name, [])
        if files is None:
            out.failures.setdefault(record_name, []).append(failure)
            continue
        out.made[record_name].append(Made(name, steps))
        out.files.update(files)
    out.files.update(index_files(rows_of(out.files)))
    return out


def _collect(batches: Iterable[list[_Result]], progress: Callable[[str], None] | None) -> Iterable[_Result]:
    for batch in batches:
        for result in batch:
            if progress is not None:
                progress(f"proofs: {result[1]}")
            yield result


def rows_of(files: dict[str, str]) -> list[Row]:
    """The booklet rows of the derivations among `files` (read from each .tex)."""
    rows = []
    for name in sorted(files):
        if name.endswith(".tex") and name != "index.tex":
            row = Row.parse(files[name])
            rows.append(row if row is not None else Row("", name[: -len(".tex")], "", "", ""))
    return rows


def index_files(rows: Iterable[Row]) -> dict[str, str]:
    """index.tex and index.md over the derivations of `rows`."""
    ordered = sorted(set(rows), key=lambda r: r.name)
    return {"index.tex": render_index(ordered), "index.md": render_index_markdown(ordered)}


def write(directory: Path, files: dict[str, str]) -> list[str]:
    """Write `files` under `directory` (created if needed); returns the names whose content changed."""
    directory.mkdir(parents=True, exist_ok=True)
    changed = []
    for name in sorted(files):
        path = directory / name
        if path.exists() and path.read_text(encoding="utf-8") == files[name]:
            continue
        atomic_write(path, files[name])
        changed.append(name)
    return changed


def prune(directory: Path, files: dict[str, str]) -> list[str]:
    """Remove derivation files (.tex, .md) in `directory` that `files` does not contain."""
    removed = []
    for path in sorted(directory.iterdir()) if directory.is_dir() else []:
        if path.suffix in _SUFFIXES and path.name not in files:
            path.unlink()
            removed.append(path.name)
    return removed


def stale(directory: Path, files: dict[str, str]) -> list[str]:
    """'missing NAME', 'stale NAME' and 'extra NAME' lines for what differs from `files` on disk."""
    lines = []
    for name in sorted(files):
        path = directory / name
        if not path.exists():
            lines.append(f"missing {name}")
        elif path.read_text(encoding="utf-8") != files[name]:
            lines.append(f"stale {name}")
    if directory.is_dir():
        for path in sorted(directory.iterdir()):
            if path.suffix in _SUFFIXES and path.name not in files:
                lines.append(f"extra {path.name}")
    return lines
