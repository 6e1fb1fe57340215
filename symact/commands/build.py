"""``symact build``: derive and prove everything, then the later stages; print a summary table."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from symact.build import run_build
from symact.catalogue import records


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("build", help="the main job: derive, prove, write and verify everything")
    p.add_argument("--root", type=Path, default=Path("."), help="project folder to write into")
    p.set_defaults(func=run)


def _progress(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    report = run_build(records(), root=args.root, progress=_progress)
    print(report.table())
    for stage in report.stages:
        for failure in stage.failures:
            print(f"FAILED [{stage.column}] {failure}")
    timing = ", ".join(f"{s.column}: {s.seconds:.1f} s" for s in report.stages)
    print(f"\n{len(report.names)} functions; {timing}; {'ok' if report.ok else 'FAILURES'}")
    return 0 if report.ok else 1
