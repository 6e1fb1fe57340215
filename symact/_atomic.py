"""Atomic, deterministic text writes shared by every generator (proofs, kernels)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write"]


def atomic_write(path: Path, text: str) -> bool:
    """Write `text` to `path` via a temporary file in the same folder and ``os.replace``.

    Line endings are ``\\n`` whatever the platform.  **Returns:** False (and writes nothing) when the
    file already holds exactly `text`, True otherwise.
    """
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True
