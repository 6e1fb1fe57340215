"""Content hashes of records: what the build cache and the derivation store are keyed by."""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
from collections.abc import Mapping
from typing import TYPE_CHECKING

import sympy as sp

if TYPE_CHECKING:
    from symact.catalogue import Record

__all__ = ["canon", "record_fingerprint"]


def canon(value: object) -> str:
    """A deterministic text for a record field: srepr for SymPy, recursive for containers."""
    if isinstance(value, sp.Basic):
        return sp.srepr(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        inner = ",".join(f"{f.name}={canon(getattr(value, f.name))}" for f in dataclasses.fields(value))
        return f"{type(value).__name__}({inner})"
    if isinstance(value, Mapping):
        items = sorted((canon(k), canon(v)) for k, v in value.items())
        return "{" + ",".join(f"{k}:{v}" for k, v in items) + "}"
    if isinstance(value, list | tuple | set | frozenset):
        parts = [canon(v) for v in value]
        return "(" + ",".join(sorted(parts) if isinstance(value, set | frozenset) else parts) + ")"
    if callable(value):
        try:
            source = inspect.getsource(value)  # type: ignore[arg-type]
        except (OSError, TypeError):
            source = ""
        return f"<{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', '')}:{source}>"
    return repr(value)


def record_fingerprint(record: Record) -> str:
    """sha256 of the record's kind and fields (expressions as srepr, parameters, kinks)."""
    return hashlib.sha256(f"{record.kind}|{canon(record)}".encode()).hexdigest()
