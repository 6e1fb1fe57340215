"""The stage contract of ``symact build``: what a stage is and what it reports.

This module sits at the bottom of symact's import graph (it imports nothing from symact at run
time), so that the stage adapters (``symact.derive.stage``, ``symact.latex.stage``,
``symact.codegen.stage``, ``symact.verify.stage``) and the orchestrator (:mod:`symact.build`) both
depend on it and neither on the other.

A :class:`Stage` is a function over records plus what the orchestrator needs to schedule it:
whether its result for a function depends on that function alone (``per_record``), whether it
writes no file (``check_only``: later stages may run while it does), whether it may run side by
side with its neighbours (``sibling``), and which files it writes (``writes``, for the reader).
Its dependencies are arguments of the function it wraps, bound when the stage is made (for
example the kernel backends of :func:`symact.codegen.stage.kernels`), so a test hands a stage
what it needs instead of patching module globals.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from symact.catalogue import Record

__all__ = ["Progress", "Stage", "StageFunction", "StageResult", "fork_is_safe"]


def fork_is_safe() -> bool:
    """Whether this process may fork worker processes: not once JAX is imported (its XLA runtime runs
    threads, and a child forked while one of them holds a lock waits for it forever).  The process
    pools of the build, the proofs and the kernel generator then run their work in this process."""
    return "jax" not in sys.modules


Progress = Callable[[str], None]


@dataclass
class StageResult:
    """What one stage reports: its summary column, a cell per function, and failures."""

    column: str
    cells: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cached: int = 0
    cacheable: bool = True


class StageFunction(Protocol):
    """``run(records, *, root, progress) -> StageResult``."""

    def __call__(self, records: Sequence[Record], /, *, root: Path, progress: Progress) -> StageResult: ...


@dataclass(frozen=True)
class Stage:
    """One stage of the build.

    **Fields:**
    - `name`: a unique name; it keys the build cache and names the stage in progress lines.
    - `run`: the function (see :class:`StageFunction`).
    - `per_record`: its result and files for a function depend on that function alone, so it may run
      one function at a time in worker processes.
    - `check_only`: it writes no file; a per-record stage that writes none runs in the background
      while later stages run.
    - `sibling`: it reads nothing its neighbouring sibling stages write, and writes separate files,
      so consecutive siblings run at the same time.
    - `writes`: the files or folders it writes, relative to the project root (documentation; the
      build records what a stage actually wrote).
    - `reads`: names of earlier stages whose results it reads: the build waits for them and passes
      their :class:`StageResult` objects as ``inputs={name: result}`` (an all-records stage only).
    - `limit`: wall-clock seconds per function before the build gives up on it (None: the build's
      default, :func:`symact.build.stage_limit`).
    """

    name: str
    run: StageFunction | Callable[..., StageResult]
    per_record: bool = False
    check_only: bool = False
    sibling: bool = False
    writes: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    limit: float | None = None
