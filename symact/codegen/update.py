"""Regenerate (or check) the committed kernel files: the one entry point of the command and the stage.

:func:`update` generates and verifies the kernels once (:func:`symact.codegen.generate.generate`),
hands the generation to every backend (:mod:`symact.codegen.backends`), and writes each backend's
files unless a kernel in them fails its check; :func:`failures` is the one place an outcome is
turned into failure lines, for ``symact kernels`` and the build stage alike.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from symact.catalogue import Record, records
from symact.codegen.backend import Backend, BackendOutcome
from symact.codegen.backends import default_backends
from symact.codegen.c.backend import c_files
from symact.codegen.generate import (
    DEFAULT_SIZE,
    DEFAULT_SIZE32,
    SEED,
    Generation,
    atomic_write,
    generate,
    module_path,
)
from symact.codegen.report import accuracy_markdown
from symact.pipeline import fork_is_safe

__all__ = ["Outcome", "c_files", "failures", "kernel_files", "update"]


@dataclass
class Outcome:
    """The generation, each backend's outcome (by backend name), and the files written or stale."""

    generation: Generation
    backends: dict[str, BackendOutcome] = field(default_factory=dict)
    texts: dict[Path, str] = field(default_factory=dict)
    changed: list[Path] = field(default_factory=list)
    stale: list[Path] = field(default_factory=list)


def failures(outcome: Outcome) -> list[str]:
    """Every failure of `outcome`: the kernels the generator could not verify (known gaps excepted,
    and dishonest known-gap entries), then each backend's failing kernels."""
    lines = outcome.generation.failures()
    for backend in outcome.backends.values():
        lines += backend.failures
    return lines


def kernel_files(root: Path) -> tuple[Path, Path, Path]:
    """The generated module, the package ``__init__`` and ACCURACY.md under `root`."""
    module = module_path(root)
    return module, module.parent / "__init__.py", module.parent / "ACCURACY.md"


_SHARED: list[tuple[Sequence[Backend], Generation, Path, int]] = []
"""What the forked workers of :func:`_build_all` read: the backends, the generation, root and size."""


def _build_one(index: int) -> tuple[BackendOutcome, float]:
    backends, gen, root, size = _SHARED[0]
    started = time.perf_counter()
    done = backends[index].build(gen, root, size=size, seed=SEED)
    return done, time.perf_counter() - started


def _build_all(
    backends: Sequence[Backend], gen: Generation, root: Path, size: int, jobs: int
) -> list[tuple[BackendOutcome, float]]:
    """Every backend's outcome and seconds, in the order of `backends`.  With `jobs` > 1 the backends
    build in that many forked processes, which inherit the generation and its table of references
    (each backend compiles and checks its own kernels; nothing they do depends on another)."""
    _SHARED[:] = [(backends, gen, root, size)]
    try:
        if jobs > 1 and len(backends) > 1 and fork_is_safe():
            context = multiprocessing.get_context("fork")
            with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
                # the last registered first: the framework backends, registered last, take longest
                futures = {i: pool.submit(_build_one, i) for i in reversed(range(len(backends)))}
                return [futures[i].result() for i in range(len(backends))]
        return [_build_one(i) for i in range(len(backends))]
    finally:
        _SHARED.clear()


def update(
    root: Path,
    *,
    check: bool = False,
    size: int = DEFAULT_SIZE,
    size32: int = DEFAULT_SIZE32,
    jobs: int = 1,
    selection: Sequence[Record] | None = None,
    backends: Sequence[Backend] | None = None,
    generation: Generation | None = None,
    progress: Callable[[str], None] = lambda s: None,
) -> Outcome:
    """Generate and verify the kernels of the whole catalogue; write the files that changed.

    With `check`, nothing is written: `stale` lists the generated files whose committed text
    differs.  With a `selection` (a subset of the catalogue) the kernels are verified but nothing is
    written.  ACCURACY.md (the checked targets, nothing measured: it does not depend on the machine)
    is written at the default sample size only.

    Each of `backends` (default :func:`~symact.codegen.backends.default_backends`) builds and checks
    its files; a backend whose outcome is ``withheld`` (a kernel fails its check) has its files
    left unwritten, its failures passed to `progress`, and with `check` its files listed in `stale`.
    `generation` replaces the generation (already verified on the default sample) for callers that
    hold one.
    """
    chosen = list(selection) if selection is not None else list(records())
    gen = generation or generate(chosen, size=size, size32=size32, seed=SEED, jobs=jobs, progress=progress)
    outcome = Outcome(gen)
    withheld: set[Path] = set()
    chosen_backends = list(default_backends() if backends is None else backends)
    for backend, (done, seconds) in zip(
        chosen_backends, _build_all(chosen_backends, gen, root, size, jobs), strict=True
    ):
        progress(f"{done.backend}: {len(done.checked)} checked in {seconds:.1f} s")
        outcome.backends[done.backend] = done
        for line in done.failures:
            progress(f"FAILED {line}")
        if done.note:
            progress(done.note)
        outcome.texts.update(done.texts)
        if done.withheld:
            withheld.update(backend.files(root))
            outcome.texts.update({p: "" for p in backend.files(root) if p not in done.texts})
    accuracy = kernel_files(root)[2]
    if size == DEFAULT_SIZE and size32 == DEFAULT_SIZE32:
        outcome.texts[accuracy] = accuracy_markdown(gen, size=size, size32=size32, seed=SEED)
    writing = not check and selection is None
    for path, text in outcome.texts.items():
        if path in withheld:
            if not writing:
                outcome.stale.append(path)  # a file holding a failing kernel is stale whatever it holds
            continue
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if not writing:
            outcome.stale.append(path)
        elif atomic_write(path, text):
            outcome.changed.append(path)
    return outcome
