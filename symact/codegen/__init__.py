"""Kernel generation: stable rewrites (proved), printing to NumPy and C99, verification, writing.

The pipeline is ``plan`` (what to generate for a record) -> ``rules``/``conditions`` (proved
rewrites) -> ``lower`` (branch-free templates) -> ``printer``/``emit`` (NumPy source) and
``c`` (C99 source) -> ``verify`` (ULPs against correctly rounded references) -> ``update`` (atomic
writes of ``symact/kernels`` and ``csrc``).  ``limits`` gives exact limits at +-inf where a kernel
needs them; ``gaps`` is the strict table of kernels known to miss their target.  ``symact kernels``
and the build stage (``symact.codegen.stage:run``) drive it.  Nothing under ``symact.kernels``
imports this package.
"""
