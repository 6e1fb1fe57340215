"""``symact build``: the main job, a pipeline of stages over the catalogue.

Each stage is a function ``run(records, *, root, progress) -> StageResult`` named in :data:`STAGES`
as ``"module:function"``.  A stage derives, writes (proofs, kernels) or verifies; it reports one
short cell per function for the summary table and a line per failure.  The build fails if any
stage reports a failure.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from symact.catalogue import Record

__all__ = ["STAGES", "BuildReport", "StageResult", "run_build"]

STAGES: tuple[str, ...] = ("symact.derive.stage:run",)

Progress = Callable[[str], None]


@dataclass
class StageResult:
    """What one stage reports: its summary column, a cell per function, and failures."""

    column: str
    cells: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class BuildReport:
    names: list[str]
    stages: list[StageResult]

    @property
    def ok(self) -> bool:
        return not any(s.failures for s in self.stages)

    def table(self) -> str:
        header = ["function", *[s.column for s in self.stages]]
        rows = [[n, *[s.cells.get(n, "-") for s in self.stages]] for n in self.names]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        lines = [fmt.format(*header), fmt.format(*["-" * w for w in widths])]
        lines += [fmt.format(*r) for r in rows]
        return "\n".join(lines)


def _load(spec: str) -> Callable[..., StageResult]:
    module, func = spec.split(":")
    return getattr(importlib.import_module(module), func)  # type: ignore[no-any-return]


def run_build(
    records: Sequence[Record],
    *,
    root: Path,
    progress: Progress,
    stages: Sequence[str] = STAGES,
) -> BuildReport:
    results = []
    for spec in stages:
        start = time.perf_counter()
        result = _load(spec)(records, root=root, progress=progress)
        result.seconds = time.perf_counter() - start
        results.append(result)
    return BuildReport(names=[r.name for r in records], stages=results)
