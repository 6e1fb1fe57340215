"""The runtime routines the generated kernels call (as ``_rt``), under a public module name.

The implementation is ``symact.kernels._runtime``; this module hands out its attributes, so the code
generator (:mod:`symact.codegen`) verifies kernels against the very routines the written module
imports.  Its constants are in :mod:`symact.kernels.constants`.  No SymPy here.
"""

from __future__ import annotations

from typing import Any

from symact.kernels import _runtime as _impl

__all__ = list(_impl.__all__)


def __getattr__(name: str) -> Any:
    return getattr(_impl, name)
