"""The proofs/ directory: every derivation as .tex and .md, plus index.tex and index.md, per edition.

The English edition is proofs/ itself; every other edition is a folder named by its language
(proofs/ja/).  A derivation is built and checked once and rendered to every edition asked for.

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
from symact.pipeline import fork_is_safe
from symact.steps import derivations
from symact.steps.messages import LANGUAGES

__all__ = [
    "Generated",
    "Made",
    "edition_dir",
    "generate",
    "index_files",
    "index_over_others",
    "prune",
    "rows_of",
    "stale",
    "write",
]

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
_EDITIONS: list[str] = []
"""The languages of the run, read by the workers like `_PENDING`."""


def edition_dir(lang: str) -> str:
    """The folder of edition `lang` inside proofs/, with a trailing slash ("" for English)."""
    return "" if lang == "en" else f"{lang}/"


def _render_one(index: int) -> list[_Result]:
    """(record, name, steps, files or None, failure) for each derivation of one record."""
    out: list[_Result] = []
    for record_name, name, result in derivations([_PENDING[index]]):
        if isinstance(result, Exception):
            out.append((record_name, name, 0, None, str(result).splitlines()[0]))
        else:
            files = {}
            for lang in _EDITIONS:
                prefix = edition_dir(lang)
                files[f"{prefix}{name}.tex"] = render_tex(result, lang)
                files[f"{prefix}{name}.md"] = render_markdown(result, lang)
            out.append((record_name, name, result.steps, files, ""))
    return out


def generate(
    records: Iterable[Record],
    *,
    progress: Callable[[str], None] | None = None,
    jobs: int = 1,
    langs: Iterable[str] = ("en",),
) -> Generated:
    """Derive, check and render every record's derivations (in `jobs` forked processes if > 1) in
    each edition of `langs`; file names are relative to proofs/ (``ja/sigmoid.tex``).

    The output does not depend on `jobs`: every numeric check is seeded by its derivation's name.
    """
    editions = list(langs)
    unknown = [lang for lang in editions if lang not in LANGUAGES]
    if unknown:
        raise ValueError(f"unknown language {unknown[0]!r} (known: {', '.join(LANGUAGES)})")
    _PENDING[:] = list(records)
    _EDITIONS[:] = editions
    indices = range(len(_PENDING))
    try:
        if jobs > 1 and len(_PENDING) > 1 and fork_is_safe():
            context = multiprocessing.get_context("fork")
            with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
                results = list(_collect(pool.map(_render_one, indices), progress))
        else:
            results = list(_collect(map(_render_one, indices), progress))
    finally:
        _PENDING.clear()
        _EDITIONS.clear()
    out = Generated()
    for record_name, name, steps, files, failure in results:
        out.made.setdefault(record_name, [])
        if files is None:
            out.failures.setdefault(record_name, []).append(failure)
            continue
        out.made[record_name].append(Made(name, steps))
        out.files.update(files)
    for lang in editions:
        out.files.update(index_files(rows_of(out.files, lang), lang))
    return out


def _collect(batches: Iterable[list[_Result]], progress: Callable[[str], None] | None) -> Iterable[_Result]:
    for batch in batches:
        for result in batch:
            if progress is not None:
                progress(f"proofs: {result[1]}")
            yield result


def rows_of(files: dict[str, str], lang: str = "en") -> list[Row]:
    """The booklet rows of the derivations of edition `lang` among `files` (read from each .tex)."""
    prefix = edition_dir(lang)
    rows = []
    for path in sorted(files):
        name = path[len(prefix) :] if path.startswith(prefix) else ""
        if name.endswith(".tex") and "/" not in name and name != "index.tex":
            row = Row.parse(files[path])
            rows.append(row if row is not None else Row("", name[: -len(".tex")], "", "", ""))
    return rows


def index_files(rows: Iterable[Row], lang: str = "en") -> dict[str, str]:
    """index.tex and index.md of edition `lang` over the derivations of `rows`."""
    ordered = sorted(set(rows), key=lambda r: r.name)
    prefix = edition_dir(lang)
    return {
        f"{prefix}index.tex": render_index(ordered, lang),
        f"{prefix}index.md": render_index_markdown(ordered, lang),
    }


def index_over_others(
    files: dict[str, str], directory: Path, chosen: Iterable[Record], langs: Iterable[str]
) -> None:
    """Replace the index files in `files` (the derivations of the `chosen` records) by indexes over
    them and the derivation files of every other catalogue record already in `directory`: a partial
    run regenerates some derivations, and the booklet keeps listing the rest."""
    from symact.catalogue import records
    from symact.steps._build import planned_names

    built = {name for record in chosen for name in planned_names(record)}
    others = {name for record in records() for name in planned_names(record)} - built
    for lang in langs:
        prefix = edition_dir(lang)
        kept = {
            f"{prefix}{name}.tex": (directory / f"{prefix}{name}.tex").read_text(encoding="utf-8")
            for name in others
            if (directory / f"{prefix}{name}.tex").exists()
        }
        files.update(index_files(rows_of({**files, **kept}, lang), lang))


def write(directory: Path, files: dict[str, str]) -> list[str]:
    """Write `files` under `directory` (folders created if needed); returns the names whose content
    changed."""
    directory.mkdir(parents=True, exist_ok=True)
    changed = []
    for name in sorted(files):
        path = directory / name
        if path.exists() and path.read_text(encoding="utf-8") == files[name]:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, files[name])
        changed.append(name)
    return changed


def _on_disk(directory: Path, files: dict[str, str]) -> list[str]:
    """The derivation files (.tex, .md) on disk in the folders `files` writes to, relative to
    `directory` (an edition's folder is not part of another's)."""
    folders = sorted({name.rpartition("/")[0] for name in files})
    found = []
    for folder in folders:
        where = directory / folder if folder else directory
        for path in sorted(where.iterdir()) if where.is_dir() else []:
            if path.is_file() and path.suffix in _SUFFIXES:
                found.append(f"{folder}/{path.name}" if folder else path.name)
    return found


def prune(directory: Path, files: dict[str, str]) -> list[str]:
    """Remove derivation files (.tex, .md) in the folders of `files` that `files` does not contain."""
    removed = []
    for name in _on_disk(directory, files):
        if name not in files:
            (directory / name).unlink()
            removed.append(name)
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
    lines += [f"extra {name}" for name in _on_disk(directory, files) if name not in files]
    return lines
