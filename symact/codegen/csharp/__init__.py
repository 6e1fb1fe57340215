"""The C# backend: ``csharp/SymactKernels.cs`` (namespace ``Symact``, static class ``Kernels``).

- :mod:`.printer`: the C printer with the few methods that differ in C# (``Math.*``, literals,
  conditions as doubles);
- :mod:`.prelude`: the runtime routines in C#, and the C99 functions .NET Framework/Mono's
  ``System.Math`` lacks (``expm1``, ``log1p``, ``erfc``, ``hypot``, the exact product error ``fma``
  gives), each with its method documented;
- :mod:`.emit`: the source file, and the test harness that runs every kernel in one process;
- :mod:`.check`: compile with ``mcs``, run with ``mono``, and check every kernel against references;
- :mod:`.backend`: :class:`~symact.codegen.csharp.backend.CSharpBackend`.
"""
