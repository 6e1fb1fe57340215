"""The backend protocol: what a kernel backend (NumPy, C, ...) implements.

The generator (:func:`symact.codegen.generate.generate`) plans every kernel, rewrites it with proved
rules and verifies it in NumPy against correctly rounded references; the result is a
:class:`~symact.codegen.generate.Generation` whose :class:`~symact.codegen.generate.KernelResult`
objects carry the record, the plan, the chosen (rewritten) expression and its measurement.  A
backend then

- owns a few files under the project root (:meth:`Backend.files`);
- prints one kernel from the rewritten expression (:meth:`Backend.print_kernel`);
- implements every runtime routine of :data:`symact.codegen.routines.ROUTINES` (``routines`` maps
  each declared name to the backend's own name for it);
- builds the texts of its files from a generation, compiles or imports them, and checks every
  kernel against the shared references and targets (:meth:`Backend.build`), reporting a
  :class:`BackendOutcome` whose ``details`` hold one :class:`KernelCheck` per kernel (the record
  ``symact kernels --report`` tabulates across backends).

:func:`symact.codegen.update.update` writes a backend's files only when its outcome is not
``withheld``; :func:`symact.codegen.update.failures` turns an outcome into the failure lines that
``symact kernels`` and ``symact build`` both report.  The backends in use are listed once, in
:mod:`symact.codegen.backends`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from symact.codegen.generate import Generation, KernelResult

__all__ = ["Backend", "BackendOutcome", "KernelCheck"]


@dataclass
class KernelCheck:
    """One backend's check of one kernel, as every backend reports it (``BackendOutcome.details``).

    - `name`, `group` (``activation``, ``loss``, ``vector``, ``vector_loss``), `role` (``fwd``,
      ``grad``, ``grad_from_output``, ``vjp``) and `target` (float64 max ULP) of the kernel;
    - `max_ulp`: the measured max ULP per dtype name (``{"float64": 1.0, "float32": 0.0}``); a dtype
      the backend does not measure is absent;
    - `problems`: one line per way the kernel misses its target (empty: it meets it);
    - `note`: the form used where it is not the NumPy kernel's, or the substitution made (a routine
      the backend lacks, a proved alternative form, a double-length evaluation); empty otherwise;
    - `left_out`: see below.
    """

    name: str
    group: str
    role: str
    target: float
    max_ulp: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    note: str = ""
    left_out: bool = False
    """The kernel missed its target here and the backend left it (its record's kernels) out of its
    files, which hold the others: its `problems` say why, and they are no failure of the build."""

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class BackendOutcome:
    """What a backend reports for one generation.

    - `texts`: the text of each of its files (absolute paths under the root);
    - `checked`: the kernels it checked that meet their targets;
    - `failures`: one line per kernel that misses its target (or per reason the files could not be
      built), naming the backend;
    - `withheld`: the texts hold a failing kernel, so they are not written (and, with ``--check``,
      they are stale whatever the committed files hold);
    - `note`: why the kernels were not checked here (for example: no C compiler);
    - `details`: one :class:`KernelCheck` (or a subclass: ``CCheck`` for C, ``ArrayCheck`` for
      PyTorch) per kernel checked, for the cross-backend report and tests.
    """

    backend: str
    texts: dict[Path, str] = field(default_factory=dict)
    checked: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    withheld: bool = False
    note: str | None = None
    details: list[KernelCheck] = field(default_factory=list)


class Backend(Protocol):
    """One kernel backend; see the module docstring."""

    @property
    def name(self) -> str:
        """A short lower-case name (``numpy``, ``c``)."""
        ...

    @property
    def routines(self) -> Mapping[str, str]:
        """Each declared runtime routine's name in this backend."""
        ...

    def files(self, root: Path) -> tuple[Path, ...]:
        """The files this backend owns under `root`."""
        ...

    def print_kernel(self, result: KernelResult) -> str:
        """The text of one verified kernel, printed from its rewritten expression."""
        ...

    def build(self, gen: Generation, root: Path, *, size: int, seed: int) -> BackendOutcome:
        """The texts of :meth:`files` for `gen`, compiled or imported and every kernel checked
        against references on the generator's sample (`size`, `seed`)."""
        ...
