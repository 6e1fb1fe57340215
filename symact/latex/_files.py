"""The proofs/ directory: every derivation as .tex and .md, plus index.tex and index.md.

:func:`generate` renders everything in memory (derivations that fail their checks are reported and
not rendered); :func:`write` writes atomically (temporary file in the same directory, then
``os.replace``) and only files whose bytes change; :func:`stale` lists what differs on disk.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from symact.catalogue import Record
from symact.latex._render import render_index, render_index_markdown, render_markdown, render_tex
from symact.steps import Derivation, derivations

__all__ = ["Generated", "generate", "index_files", "prune", "stale", "write"]

_SUFFIXES = (".tex", ".md")


@dataclass
class Generated:
    """The files to write (name -> text), the derivations made, and the failures (one line each)."""

    files: dict[str, str] = field(default_factory=dict)
    made: dict[str, list[Derivation]] = field(default_factory=dict)
    failures: dict[str, list[str]] = field(default_factory=dict)


def generate(records: Iterable[Record], *, progress: Callable[[str], None] | None = None) -> Generated:
    """Derive, check and render every record's derivations."""
    out = Generated()
    done: list[Derivation] = []
    for record_name, name, result in derivations(records):
        if progress is not None:
            progress(f"proofs: {name}")
        out.made.setdefault(record_name, [])
        if isinstance(result, Exception):
            out.failures.setdefault(record_name, []).append(str(result).splitlines()[0])
            continue
        out.made[record_name].append(result)
        done.append(result)
        out.files[f"{name}.tex"] = render_tex(result)
        out.files[f"{name}.md"] = render_markdown(result)
    out.files.update(index_files(d.name for d in done))
    return out


def index_files(names: Iterable[str]) -> dict[str, str]:
    """index.tex and index.md over the derivations `names` (sorted)."""
    ordered = sorted(set(names))
    return {"index.tex": render_index(ordered), "index.md": render_index_markdown(ordered)}


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write(directory: Path, files: dict[str, str]) -> list[str]:
    """Write `files` under `directory` (created if needed); returns the names whose content changed."""
    directory.mkdir(parents=True, exist_ok=True)
    changed = []
    for name in sorted(files):
        path = directory / name
        if path.exists() and path.read_text(encoding="utf-8") == files[name]:
            continue
        _atomic_write(path, files[name])
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
