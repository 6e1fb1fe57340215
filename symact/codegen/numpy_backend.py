"""The NumPy backend: ``symact/kernels/_generated.py`` and its ``__init__.py``.

Its check is the generation itself: :func:`symact.codegen.generate.generate` runs every NumPy
kernel on the verification sample and keeps only those that meet their targets, so the module holds
verified kernels only and is always written (the kernels left out are the generation's failures).
Its records (:class:`~symact.codegen.backend.KernelCheck`) carry the generator's measurements: float64
and float32 max ULP (an output form's over the whole sample).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from symact.codegen.backend import BackendOutcome, KernelCheck
from symact.codegen.generate import Generation, KernelResult, module_path
from symact.codegen.measure import target_for
from symact.codegen.report import init_source
from symact.codegen.routines import ROUTINES
from symact.errors import ArgumentError

__all__ = ["NumpyBackend"]


@dataclass(frozen=True)
class NumpyBackend:
    """The NumPy kernels of ``symact.kernels`` (routines of ``symact.kernels._runtime``)."""

    name: str = "numpy"
    routines: Mapping[str, str] = field(default_factory=lambda: {r.name: f"_rt.{r.name}" for r in ROUTINES})

    def files(self, root: Path) -> tuple[Path, ...]:
        module = module_path(root)
        return module, module.parent / "__init__.py"

    def print_kernel(self, result: KernelResult) -> str:
        if result.emitted is None:
            raise ArgumentError(f"{result.plan.name}: no verified NumPy kernel to print")
        return result.emitted.kernel

    def build(self, gen: Generation, root: Path, *, size: int, seed: int) -> BackendOutcome:
        del size, seed  # the generation was verified on this sample already
        module, init = self.files(root)
        checked = [r.plan.name for r in gen.results if r.ok]
        details = [_record(r) for r in gen.results if r.ok]
        texts = {module: gen.source, init: init_source(gen)}
        return BackendOutcome(self.name, texts, checked, details=details)


def _group(r: KernelResult) -> str:
    kind = r.record.kind
    return {"elementwise": "activation", "loss": "loss"}.get(kind, kind)


def _record(r: KernelResult) -> KernelCheck:
    """The generator's measurement of one verified kernel as a cross-backend record."""
    check = KernelCheck(r.plan.name, _group(r), r.plan.role, target_for(r.plan))
    m = r.measurement
    if m is not None:
        check.max_ulp["float64"] = m.max_ulp
        if m.f32_max_ulp is not None:
            check.max_ulp["float32"] = m.f32_max_ulp
    return check
