"""Options several commands share, defined, defaulted and validated once: ``--jobs``, ``--root`` and
the functions named on the command line (:func:`chosen_records`).

Bad values are rejected while the arguments are parsed, before any file is read or written: one
line naming the option and the value (``argument --jobs: must be at least 1, not 0``), exit status 2.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

from symact.catalogue import Record, UnknownFunctionError, get, records
from symact.errors import UserError

__all__ = ["PACKAGE_ROOT", "add_jobs", "add_root", "chosen_records", "default_jobs", "jobs", "root"]

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
"""The project folder that holds this copy of the ``symact`` package."""


def default_jobs() -> int:
    """Worker processes when ``--jobs`` is not given: up to 2 (the cores most machines spare)."""
    return min(2, os.cpu_count() or 1)


def jobs(text: str) -> int:
    """``--jobs``: a whole number of worker processes, at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def add_jobs(parser: argparse.ArgumentParser, *, default: int | None = None, note: str = "") -> None:
    """``--jobs N``; the value is ``default`` when not given (None: :func:`default_jobs`)."""
    shown = "up to 2" if default is None else str(default)
    parser.add_argument(
        "--jobs",
        type=jobs,
        default=default if default is not None else default_jobs(),
        metavar="N",
        help=f"worker processes (default: {shown}){note}",
    )


def root(text: str) -> Path:
    """``--root``: an existing folder (resolved)."""
    path = Path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"no such folder: {text}")
    return path.resolve()


def add_root(parser: argparse.ArgumentParser, *, default: Path, help: str) -> None:
    """``--root DIR``, an existing folder; `default` when not given."""
    parser.add_argument("--root", type=root, default=default, metavar="DIR", help=help)


def chosen_records(names: Sequence[str]) -> list[Record]:
    """The records `names` (``NAME ...`` of a command; aliases resolved, duplicates dropped, in the
    order given), or the whole catalogue when there are none; an unknown name is a UserError."""
    if not names:
        return list(records())
    chosen: dict[str, Record] = {}
    for name in names:
        try:
            record = get(name)
        except UnknownFunctionError as exc:
            raise UserError(str(exc)) from None
        chosen[record.name] = record
    return list(chosen.values())
