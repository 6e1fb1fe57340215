"""The C# backend as a :class:`~symact.codegen.backend.Backend`: ``csharp/SymactKernels.cs``.

The source is printed from the generation's verified element-wise and loss kernels, compiled with
``mcs`` together with a harness (:mod:`symact.codegen.csharp.check`), and every C# kernel is checked
against references as the C ones are (:func:`symact.codegen.c.check.check_c`).  When one fails, or
the source cannot be printed or compiled, the outcome is ``withheld`` (the file is not written) and
says which kernel failed.  Without ``mcs`` and ``mono`` the source is written unchecked and the
outcome's ``note`` says so.  Each kernel's record notes the C99 functions its C# text substitutes
(:data:`symact.codegen.csharp.prelude.SUBSTITUTES`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from symact.codegen.backend import BackendOutcome, KernelCheck
from symact.codegen.c.check import CompileError, check_c
from symact.codegen.c.function import CFunction
from symact.codegen.csharp.check import CSharpLibrary, compile_harness, csharp_tools
from symact.codegen.csharp.emit import cs_function, cs_functions, cs_source
from symact.codegen.csharp.prelude import SUBSTITUTES
from symact.codegen.csharp.printer import pascal
from symact.codegen.generate import Generation, KernelResult
from symact.codegen.routines import ROUTINES

__all__ = ["CSharpBackend", "cs_file", "substitutions"]

_USES: dict[str, tuple[str, ...]] = {
    "Rt.Expm1(": ("expm1",),
    "Rt.Log1p(": ("log1p",),
    "Rt.Hypot(": ("hypot",),
    "Rt.Ndtr": ("erfc", "fma"),
    "Rt.Npdf": ("fma",),
    "Rt.XlogMinus(": ("frexp", "fma"),
    "Rt.ExpNegAbsPoly(": (),
    "Rt.SigmoidPolyScaled(": (),
}
"""The C99 functions (of :data:`~symact.codegen.csharp.prelude.SUBSTITUTES`) behind each call."""


def cs_file(root: Path) -> Path:
    """The C# backend's source under `root`."""
    return root / "csharp" / "SymactKernels.cs"


def substitutions(definition: str) -> list[str]:
    """The C99 functions the C# text `definition` computes with ``Rt``'s substitutes."""
    found = {name for call, names in _USES.items() if call in definition for name in names}
    return sorted(found)


def _record(check: KernelCheck, function: CFunction) -> KernelCheck:
    used = substitutions(function.definition)
    check.note = "; ".join(f"{name} substituted: {SUBSTITUTES[name]}" for name in used)
    return check


@dataclass(frozen=True)
class CSharpBackend:
    """The C# kernels (``Symact.Kernels``; routines: ``Symact.Rt``)."""

    name: str = "csharp"
    routines: Mapping[str, str] = field(
        default_factory=lambda: {r.name: "Rt." + pascal(r.name) for r in ROUTINES}
    )
    functions: Callable[[Generation], list[CFunction]] = cs_functions
    tools: Callable[[], tuple[str, str] | None] = csharp_tools
    everywhere: bool = True

    def files(self, root: Path) -> tuple[Path, ...]:
        return (cs_file(root),)

    def print_kernel(self, result: KernelResult) -> str:
        return cs_function(result).definition

    def build(self, gen: Generation, root: Path, *, size: int, seed: int) -> BackendOutcome:
        out = BackendOutcome(self.name)
        try:
            functions = self.functions(gen)
            source = cs_source(functions)
        except Exception as exc:  # a kernel the C# printer cannot print yet: the other backends go on
            out.failures.append(f"the C# source could not be printed: {type(exc).__name__}: {exc}")
            out.withheld = True
            return out
        out.texts = {cs_file(root): source}
        tools = self.tools()
        if tools is None:
            out.note = "no mcs/mono on this machine: the C# source is written without being compiled"
            return out
        mcs, mono = tools
        nparams = {r.plan.name: len(r.record.params) for r in gen.results}
        with tempfile.TemporaryDirectory(prefix="symact-cs-") as folder:
            try:
                exe = compile_harness(source, functions, nparams, Path(folder), mcs)
            except CompileError as exc:
                out.failures.append(f"csharp/SymactKernels.cs does not compile: {exc}")
                out.withheld = True
                return out
            try:
                with CSharpLibrary(exe, functions, mono) as lib:
                    checks = check_c(gen, lib, functions, size=size, seed=seed, everywhere=self.everywhere)
            except Exception as exc:
                out.failures.append(f"the C# check stopped: {type(exc).__name__}: {exc}")
                out.withheld = True
                return out
        out.details = [_record(c, f) for c, f in zip(checks, functions, strict=True)]
        out.failures += [f"{c.name} (C#): {p}" for c in out.details for p in c.problems]
        out.checked = [c.name for c in out.details if c.ok]
        out.withheld = bool(out.failures)
        return out
