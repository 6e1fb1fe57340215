"""Regenerate (or check) the committed kernel files: the one entry point of the command and the stage."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from symact.catalogue import Record, records
from symact.codegen.c import c_sources
from symact.codegen.c.check import CCheck, CLibrary, CompileError, check_c, compile_library, compiler
from symact.codegen.c.emit import c_functions
from symact.codegen.generate import (
    DEFAULT_SIZE,
    DEFAULT_SIZE32,
    SEED,
    Generation,
    atomic_write,
    generate,
    module_path,
)
from symact.codegen.report import accuracy_markdown, init_source

__all__ = ["Outcome", "c_files", "kernel_files", "update"]


@dataclass
class Outcome:
    generation: Generation
    texts: dict[Path, str]
    changed: list[Path] = field(default_factory=list)
    stale: list[Path] = field(default_factory=list)
    c_checks: list[CCheck] = field(default_factory=list)
    c_failures: list[str] = field(default_factory=list)  # C kernels that miss their target; csrc unwritten
    c_note: str | None = None  # why the C sources were not compiled and checked


def _check_c(gen: Generation, size: int, outcome: Outcome) -> tuple[str, str]:
    """The C header and source of `gen`, compiled in a temporary folder and every kernel checked
    (:func:`symact.codegen.c.check.check_c`); fills the C fields of `outcome`."""
    try:
        functions = c_functions(gen)
        header, source = c_sources(gen, functions)
    except Exception as exc:  # a kernel the C printer cannot print yet: the NumPy files are still written
        outcome.c_failures.append(f"the C sources could not be printed: {type(exc).__name__}: {exc}")
        return "", ""
    cc = compiler()
    if cc is None:
        outcome.c_note = "no C compiler on this machine: the C sources are written without being compiled"
        return header, source
    with tempfile.TemporaryDirectory(prefix="symact-c-") as folder:
        try:
            lib = CLibrary(compile_library(header, source, Path(folder), cc))
        except CompileError as exc:
            outcome.c_failures.append(f"csrc/symact_kernels.c does not compile: {exc}")
            return header, source
        try:
            outcome.c_checks = check_c(gen, lib, functions, size=size, seed=SEED)
        except Exception as exc:
            outcome.c_failures.append(f"the C check stopped: {type(exc).__name__}: {exc}")
            return header, source
    outcome.c_failures += [f"{c.name} (C): {p}" for c in outcome.c_checks for p in c.problems]
    return header, source


def kernel_files(root: Path) -> tuple[Path, Path, Path]:
    """The generated module, the package ``__init__`` and ACCURACY.md under `root`."""
    module = module_path(root)
    return module, module.parent / "__init__.py", module.parent / "ACCURACY.md"


def c_files(root: Path) -> tuple[Path, Path]:
    """The C99 backend's header and source under `root`."""
    return root / "csrc" / "symact_kernels.h", root / "csrc" / "symact_kernels.c"


def update(
    root: Path,
    *,
    check: bool = False,
    size: int = DEFAULT_SIZE,
    size32: int = DEFAULT_SIZE32,
    jobs: int = 1,
    selection: Sequence[Record] | None = None,
    progress: Callable[[str], None] = lambda s: None,
) -> Outcome:
    """Generate and verify the kernels of the whole catalogue; write the files that changed.

    With `check`, nothing is written: `stale` lists the generated sources (module, ``__init__``, C)
    whose committed text differs; ACCURACY.md is not compared (its figures come from the CPU's
    libm and SIMD routines).  With a
    `selection` (a subset of the catalogue) the kernels are verified but nothing is written.
    ACCURACY.md depends on the sample size, so it is compared only at the default size.

    The C sources are compiled with the system C compiler and every C kernel is checked against
    references (:mod:`symact.codegen.c.check`) before they are written; when one fails, neither C file
    is written and `c_failures` (also passed to `progress`) says which kernel failed where; with
    `check` they are then listed in `stale`, so that the check fails.  Without a compiler they are
    written unchecked and `c_note` says so.
    """
    chosen = list(selection) if selection is not None else list(records())
    gen = generate(chosen, size=size, size32=size32, seed=SEED, jobs=jobs, progress=progress)
    module, init, accuracy = kernel_files(root)
    outcome = Outcome(gen, {})
    header, source = _check_c(gen, size, outcome)
    for line in outcome.c_failures:
        progress(f"FAILED {line}")
    if outcome.c_note:
        progress(outcome.c_note)
    c_header, c_source = c_files(root)
    texts = {module: gen.source, init: init_source(gen), c_header: header, c_source: source}
    if size == DEFAULT_SIZE and size32 == DEFAULT_SIZE32:
        texts[accuracy] = accuracy_markdown(gen, size=size, size32=size32, seed=SEED)
    outcome.texts = texts
    for path, text in texts.items():
        c_failed = path in (c_header, c_source) and bool(outcome.c_failures)
        if c_failed and not (check or selection is not None):
            continue  # a C kernel that fails its check is never written
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text and not c_failed:  # checked C sources that fail are stale whatever they hold
            continue
        if check or selection is not None:
            if path != accuracy:  # measured figures may differ in the last digit between CPUs
                outcome.stale.append(path)
        elif atomic_write(path, text):
            outcome.changed.append(path)
    return outcome
