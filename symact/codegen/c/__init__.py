"""The C99 backend: the same rewritten and lowered kernels printed as C (``csrc/symact_kernels.[ch]``).

- :mod:`~symact.codegen.c.emit`: element-wise and loss kernels, the header and source texts;
- :mod:`~symact.codegen.c.vector`, :mod:`~symact.codegen.c.vector_loss`: row routines of the vector
  functions (forward and VJP) and of the vector losses;
- :mod:`~symact.codegen.c.prelude`: the hand-written routines, twins of ``symact.kernels._runtime``;
- :mod:`~symact.codegen.c.printer`: SymPy's C99 printer with the kernel printing rules;
- :mod:`~symact.codegen.c.check`: compile with the system compiler, call through ctypes, and hold
  every C kernel to its NumPy kernel's targets against correctly rounded references
  (``symact kernels`` does so before it writes ``csrc``).
"""

from symact.codegen.c.emit import c_sources

__all__ = ["c_sources"]
