"""A folder of derivations shared by the processes of one build.

``symact build`` derives every record in its derive stage and then proves, prints and verifies them
in other processes; each of those would derive the record again (the same simplifications, the same
output-form search).  While a store is in use (:func:`use`, set by the build before it starts its
worker processes, so they inherit it), :func:`symact.derive.derive` looks a derivation up by the
record's content hash (:func:`symact.fingerprint.record_fingerprint`), the parameters and the
convention, and saves each one it computes.  The build keys the folder by symact's source and time
budget, so a derivation is never reused across versions of the code that made it.

A loaded derivation is rebuilt by SymPy node by node from the pickled arguments.  The proofs print
its forms, so ``tests/test_derive_store.py`` checks that they print a loaded derivation exactly as a
fresh one: it regenerates every proof from derivations stored by other processes, in another order,
and compares them with the committed files byte for byte.

Derivations are pickled without their record (the caller's record is put back on loading); one that
cannot be pickled is simply not stored.  Files are written atomically, so concurrent processes see a
whole file or none.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sympy as sp

from symact.catalogue import Record
from symact.fingerprint import record_fingerprint

__all__ = ["current", "key", "load", "save", "use"]

_FOLDER: Path | None = None


def use(folder: Path | None) -> Path | None:
    """Store derivations in `folder` from now on (None: no store); returns the previous folder."""
    global _FOLDER
    previous, _FOLDER = _FOLDER, folder
    return previous


def current() -> Path | None:
    return _FOLDER


def key(record: Record, params: Mapping[str, sp.Expr] | None, convention: str) -> str:
    items = sorted((str(k), sp.srepr(sp.sympify(v))) for k, v in (params or {}).items())
    text = f"{record_fingerprint(record)}|{items}|{convention}"
    return hashlib.sha256(text.encode()).hexdigest()


def load(record: Record, name: str) -> Any | None:
    """The stored derivation `name` with `record` put back, or None."""
    if _FOLDER is None:
        return None
    try:
        data = (_FOLDER / f"{name}.pickle").read_bytes()
        found = pickle.loads(data)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None
    return dataclasses.replace(found, record=record)


def save(name: str, derivation: Any) -> None:
    """Store `derivation` as `name` (without its record); nothing if it cannot be pickled."""
    if _FOLDER is None:
        return
    try:
        data = pickle.dumps(dataclasses.replace(derivation, record=None), protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return
    try:
        _FOLDER.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=_FOLDER)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, _FOLDER / f"{name}.pickle")
    except OSError:
        return
