"""An array framework (PyTorch, JAX) as a :class:`~symact.codegen.backend.Backend`.

The files are ``symact/<framework>/_generated.py`` (the kernels, :mod:`symact.codegen.arrays.emit`)
and ``symact/<framework>/__init__.py`` (its explicit re-exports; the framework's extras, such as
``nn.py``, come from :attr:`ArrayBackend.extra`).  :meth:`ArrayBackend.build` writes the module
text into a temporary folder, imports it, and measures every kernel
(:func:`symact.codegen.arrays.check.check_framework`); a kernel that misses its target makes the
outcome ``withheld``.  Without the framework the texts are written unchecked, with a note.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from symact.catalogue import records
from symact.codegen.arrays.check import ArrayCheck, ArrayIO, check_framework
from symact.codegen.arrays.emit import Framework, Group, groups, module_text
from symact.codegen.arrays.printer import array_kernel_source
from symact.codegen.arrays.vector import VectorGroup, vector_groups, vector_kernel_text
from symact.codegen.arrays.vector_check import check_vectors
from symact.codegen.backend import BackendOutcome, KernelCheck
from symact.codegen.emit import HEADER
from symact.codegen.generate import Generation, KernelResult
from symact.codegen.routines import ROUTINES
from symact.errors import ArgumentError

__all__ = ["ArrayBackend", "import_text", "init_text"]


def import_text(text: str, folder: Path, name: str) -> dict[str, Any]:
    """Import module `text` from a file in `folder`; its namespace."""
    path = folder / f"{name}.py"
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return vars(module)


def init_text(package: str, names: list[str], doc: str) -> str:
    """A package ``__init__`` re-exporting `names` from its ``_generated`` module."""
    return (
        HEADER
        + "# fmt: off\n"
        + f'"""{doc}"""\n\n'
        + f"from {package}._generated import (\n"
        + "".join(f"    {n},\n" for n in names)
        + ")\n"
        + "\n__all__ = [\n"
        + "".join(f'    "{n}",\n' for n in sorted(names))
        + "]\n"
    )


def _unknown_left_out(left_out: Mapping[str, str], backend: str) -> list[str]:
    known = {r.name for r in records()}
    return [
        f"{n} ({backend}): in the left_out table but no catalogue record" for n in left_out if n not in known
    ]


def _unserved(gen: Generation, served: set[str]) -> list[KernelCheck]:
    """A record for each NumPy kernel the framework does not serve, saying why."""
    out: list[KernelCheck] = []
    for r in gen.results:
        if not r.ok or r.plan.name in served:
            continue
        kind = r.record.kind
        why = (
            "not generated for this framework yet: vector kernels are served by symact.kernels only"
            if kind in ("vector", "vector_loss")
            else f"not generated: {r.record.name} has no verified forward kernel and derivative pair"
        )
        out.append(ArrayCheck(r.plan.name, kind, r.plan.role, 0.0, note=why))
    return out


@dataclass(frozen=True)
class ArrayBackend:
    """The backend of one array framework (`framework`), checked through `io` (None when the
    framework is not installed)."""

    name: str = ""
    framework: Framework | None = None
    routines: Mapping[str, str] = field(default_factory=lambda: {r.name: f"_rt.{r.name}" for r in ROUTINES})
    io: Callable[[], ArrayIO | None] = lambda: None
    notes: Callable[[KernelResult, str], str] = lambda r, text: ""
    extra_names: tuple[str, ...] = ()
    extra: Callable[[list[Group]], dict[str, str]] = lambda gs: {}
    left_out: Mapping[str, str] = field(default_factory=dict)
    """Records this framework does not serve, each with the cause: they are left out of the files on
    every machine (so the files do not depend on whether the framework is installed), measured where it
    is (the report shows how they miss their targets), and a listed record whose kernels all meet their
    targets fails the build, as an unlisted one that misses them does."""
    vector_extra: Callable[[list[Group], list[VectorGroup]], dict[str, str]] | None = None

    @property
    def _fw(self) -> Framework:
        if self.framework is None:
            raise ArgumentError(f"the {self.name} backend has no framework table")
        return self.framework

    def _folder(self, root: Path) -> Path:
        return root / "symact" / self._fw.name

    def files(self, root: Path) -> tuple[Path, ...]:
        folder = self._folder(root)
        return (folder / "_generated.py", folder / "__init__.py", *[folder / n for n in self.extra_names])

    def _texts(self, folder: Path, text: str, names: list[str], extra: dict[str, str]) -> dict[Path, str]:
        fw = self._fw
        return {
            folder / "_generated.py": text,
            folder / "__init__.py": init_text(f"symact.{fw.name}", names, fw.doc.split("\n")[0]),
            **{folder / n: t for n, t in extra.items()},
        }

    def print_kernel(self, result: KernelResult) -> str:
        if result.chosen is None:
            raise ArgumentError(f"{result.plan.name}: no verified kernel to print")
        inputs = [result.plan.var.name, *[e.name for e in result.plan.extra]]
        params = [p.symbol.name for p in result.record.params]
        return array_kernel_source(f"_k_{result.plan.name}", [*inputs, *params], result.chosen.expr)

    def build(self, gen: Generation, root: Path, *, size: int, seed: int) -> BackendOutcome:
        fw = self._fw
        folder = self._folder(root)
        out = BackendOutcome(self.name)
        try:
            every = groups(gen)
            gs = [g for g in every if g.name not in self.left_out]
            apart = [g for g in every if g.name in self.left_out]
            text = module_text(gen, fw, gs, skip=tuple(self.left_out))
            every_v = vector_groups(gen) if fw.vector is not None else []
            vgs = [g for g in every_v if g.name not in self.left_out]
            apart_v = [g for g in every_v if g.name in self.left_out]
            names = sorted(
                [
                    *(r.plan.name for g in gs for r in g.kernels),
                    *(r.plan.name for g in vgs for r in g.kernels),
                ]
            )
            extra = self.vector_extra(gs, vgs) if self.vector_extra is not None and vgs else self.extra(gs)
        except Exception as exc:  # a kernel this printer cannot print: the other backends go on
            out.failures.append(f"the {self.name} module could not be printed: {type(exc).__name__}: {exc}")
            out.withheld = True
            return out
        out.texts = self._texts(folder, text, names, extra)
        out.failures += _unknown_left_out(self.left_out, self.name)
        left: list[Group | VectorGroup] = [*apart, *apart_v]
        served = set(names) | {r.plan.name for g in left for r in g.kernels}
        io = self.io()
        if io is None:
            out.note = f"{fw.name} is not installed: symact/{fw.name}/ is written without being checked"
            out.details = [*self._apart(left, []), *_unserved(gen, served)]
            out.withheld = bool(out.failures)
            return out
        with tempfile.TemporaryDirectory(prefix=f"symact-{fw.name}-") as tmp:
            try:
                notes = lambda r: self.notes(r, self.print_kernel(r))  # noqa: E731
                ns = import_text(text, Path(tmp), f"symact_{fw.name}_candidate")
                details = check_framework(gen, gs, ns, io, size=size, seed=seed, notes=notes)
                numpy_ns: dict[str, Any] = {}
                if vgs or apart_v:
                    exec(compile(gen.source, "<symact kernels>", "exec"), numpy_ns)
                if vgs:
                    details += check_vectors(
                        vgs, ns, numpy_ns, io, seed=seed, notes=lambda r: self.notes(r, vector_kernel_text(r))
                    )
                measured: list[ArrayCheck] = []
                if apart or apart_v:
                    text_apart = module_text(gen, fw, apart, vectors=bool(apart_v))
                    ns = import_text(text_apart, Path(tmp), f"symact_{fw.name}_apart")
                    measured = check_framework(gen, apart, ns, io, size=size, seed=seed, notes=notes)
                if apart_v:
                    measured += check_vectors(
                        apart_v,
                        ns,
                        numpy_ns,
                        io,
                        seed=seed,
                        notes=lambda r: self.notes(r, vector_kernel_text(r)),
                    )
            except Exception as exc:
                out.failures.append(f"the {self.name} check stopped: {type(exc).__name__}: {exc}")
                out.withheld = True
                return out
        out.details = [*details, *self._apart(left, measured), *_unserved(gen, served)]
        out.failures += [f"{c.name} ({self.name}): {p}" for c in details for p in c.problems]
        for g in left:
            kernels = {r.plan.name for r in g.kernels}
            if measured and not any(c.problems for c in measured if c.name in kernels):
                out.failures.append(
                    f"{g.name} ({self.name}): left out ({self.left_out[g.name]}) but every kernel meets its "
                    "target: remove it from the backend's left_out table"
                )
        out.checked = [c.name for c in details if c.ok]
        out.withheld = bool(out.failures)
        return out

    def _apart(self, apart: list[Group | VectorGroup], measured: list[ArrayCheck]) -> list[ArrayCheck]:
        """The checks of the left-out records' kernels (`measured`; unmeasured ones without the
        framework), each marked `left_out` with the cause and what was measured."""
        by_name = {c.name: c for c in measured}
        out = []
        for g in apart:
            for r in g.kernels:
                vector = r.record.kind in ("vector", "vector_loss")
                group = r.record.kind if vector else "loss" if g.loss else "activation"
                c = by_name.get(r.plan.name) or ArrayCheck(r.plan.name, group, r.plan.role, 0.0)
                c.left_out = True
                c.note = f"left out of symact/{self._fw.name}/: {self.left_out[g.name]}"
                c.note += f" (measured: {'; '.join(c.problems)})" if c.problems else ""
                out.append(c)
        return out
