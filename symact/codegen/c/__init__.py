"""The C99 backend: the same rewritten and lowered kernels printed as C (``csrc/symact_kernels.[ch]``)."""

from symact.codegen.c.emit import c_sources

__all__ = ["c_sources"]
