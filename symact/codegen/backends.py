"""The kernel backends ``symact kernels`` and ``symact build`` generate: one registration each.

A new backend is a folder under ``symact/codegen/`` with a class implementing
:class:`symact.codegen.backend.Backend`, and one line in :func:`default_backends`.
"""

from __future__ import annotations

from symact.codegen.backend import Backend
from symact.codegen.c.backend import CBackend
from symact.codegen.csharp.backend import CSharpBackend
from symact.codegen.jax import JaxBackend
from symact.codegen.numpy_backend import NumpyBackend
from symact.codegen.torch import TorchBackend

__all__ = ["default_backends"]


def default_backends() -> tuple[Backend, ...]:
    """The backends in use, in the order their files are written (NumPy first: the reference)."""
    return (NumpyBackend(), CBackend(), CSharpBackend(), TorchBackend(), JaxBackend())
