"""The C99 backend as a :class:`~symact.codegen.backend.Backend`: ``csrc/symact_kernels.[ch]``.

The C sources are printed from the generation's verified kernels, compiled with the system C
compiler in a temporary folder, and every C kernel is checked against references
(:func:`symact.codegen.c.check.check_c`).  When one fails, or the sources cannot be printed or
compiled, the outcome is ``withheld`` (neither file is written) and says which kernel failed where.
Without a compiler the sources are written unchecked and the outcome's ``note`` says so.

Its dependencies are fields, so a caller (or a test) can hand it other ones: `functions` prints the
C functions of a generation, `compiler` finds the C compiler; with `everywhere` (the default) every
point is measured against references, so each record's ``max_ulp`` is the C kernel's own maximum.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from symact.codegen.backend import BackendOutcome
from symact.codegen.c.check import CLibrary, CompileError, check_c, compile_library, compiler
from symact.codegen.c.emit import CFunction, c_function, c_functions, c_sources
from symact.codegen.generate import Generation, KernelResult
from symact.codegen.routines import ROUTINES

__all__ = ["CBackend", "c_files"]

_PREFIX = "symact_"


def c_files(root: Path) -> tuple[Path, Path]:
    """The C99 backend's header and source under `root`."""
    return root / "csrc" / "symact_kernels.h", root / "csrc" / "symact_kernels.c"


@dataclass(frozen=True)
class CBackend:
    """The C99 kernels (routines: ``symact_<name>`` of :mod:`symact.codegen.c.prelude`)."""

    name: str = "c"
    routines: Mapping[str, str] = field(default_factory=lambda: {r.name: _PREFIX + r.name for r in ROUTINES})
    functions: Callable[[Generation], list[CFunction]] = c_functions
    compiler: Callable[[], str | None] = compiler
    everywhere: bool = True  # every point measured (the report's figures), not only those unlike NumPy's

    def files(self, root: Path) -> tuple[Path, ...]:
        return c_files(root)

    def print_kernel(self, result: KernelResult) -> str:
        return c_function(result).definition

    def build(self, gen: Generation, root: Path, *, size: int, seed: int) -> BackendOutcome:
        header_path, source_path = c_files(root)
        out = BackendOutcome(self.name)
        try:
            functions = self.functions(gen)
            header, source = c_sources(gen, functions)
        except Exception as exc:  # a kernel the C printer cannot print yet: the other backends go on
            out.failures.append(f"the C sources could not be printed: {type(exc).__name__}: {exc}")
            out.withheld = True
            return out
        out.texts = {header_path: header, source_path: source}
        cc = self.compiler()
        if cc is None:
            out.note = "no C compiler on this machine: the C sources are written without being compiled"
            return out
        with tempfile.TemporaryDirectory(prefix="symact-c-") as folder:
            try:
                lib = CLibrary(compile_library(header, source, Path(folder), cc))
            except CompileError as exc:
                out.failures.append(f"csrc/symact_kernels.c does not compile: {exc}")
                out.withheld = True
                return out
            try:
                out.details.extend(
                    check_c(gen, lib, functions, size=size, seed=seed, everywhere=self.everywhere)
                )
            except Exception as exc:
                out.failures.append(f"the C check stopped: {type(exc).__name__}: {exc}")
                out.withheld = True
                return out
        out.failures += [f"{c.name} (C): {p}" for c in out.details for p in c.problems]
        out.checked = [c.name for c in out.details if c.ok]
        out.withheld = bool(out.failures)
        return out
