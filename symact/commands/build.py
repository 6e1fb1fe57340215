"""``symact build [NAME ...] [--module M] [--jobs N] [--no-cache] [--time-budget S] [--root DIR]``.

The main job: every stage of :data:`symact.build.STAGES` over the catalogue (plus the user modules
named in ``[tool.symact] modules`` of ``ROOT/pyproject.toml`` and given with ``--module``), then a
summary table on stdout.  ``[tool.symact] stages = ["module:function", ...]`` replaces the stages (a
project's own pipeline; each a :class:`symact.pipeline.Stage` function).  Progress goes to stderr:
one updating status line on a terminal, plain lines otherwise.  Exit status 0 when every stage
passed, 1 on any failure, 2 on bad input.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TextIO

from symact.budget import parse_seconds, set_default_budget
from symact.build import as_stage, run_build
from symact.commands.options import add_jobs, add_root, chosen_records
from symact.errors import UserError
from symact.user import configured_modules, configured_stages, load_modules


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("build", help="the main job: derive, prove, write and verify everything")
    p.add_argument("names", nargs="*", metavar="NAME", help="build only these functions (default: all)")
    add_root(p, default=Path(".").resolve(), help="project folder to write into (default: .)")
    p.add_argument(
        "--module",
        action="append",
        default=[],
        metavar="M",
        help="a module (dotted name or .py path) that registers user activations; repeatable",
    )
    add_jobs(p)
    p.add_argument("--no-cache", action="store_true", help="rebuild everything (the cache is still written)")
    p.add_argument(
        "--time-budget", metavar="S", help="seconds per simplification or proof search (default 10)"
    )
    p.set_defaults(func=run)


class Display:
    """Progress on stderr: a status line rewritten in place on a terminal, plain lines otherwise."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.start = time.perf_counter()
        self.width = 0

    def _stamp(self) -> str:
        return f"[{time.perf_counter() - self.start:6.1f} s]"

    def progress(self, message: str) -> None:
        if self.tty:
            line = f"{self._stamp()} {message}"[: max(20, _columns() - 1)]
            self.stream.write("\r" + line.ljust(self.width))
            self.width = len(line)
        else:
            self.stream.write(f"symact build: {message}\n")
        self.stream.flush()

    def milestone(self, message: str) -> None:
        if self.tty:
            self.clear()
            self.stream.write(f"{self._stamp()} {message}\n")
        else:
            self.stream.write(f"symact build: {message}\n")
        self.stream.flush()

    def clear(self) -> None:
        if self.tty and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.width = 0
            self.stream.flush()


def _columns() -> int:
    try:
        columns = os.get_terminal_size(sys.stderr.fileno()).columns
    except (OSError, ValueError):
        return 100
    return columns if columns >= 40 else 100


def run(args: argparse.Namespace) -> int:
    root = args.root
    if args.time_budget is not None:
        set_default_budget(parse_seconds(args.time_budget, what="--time-budget"))
    load_modules([*configured_modules(root), *args.module], root=root)
    stages = configured_stages(root)
    for spec in stages or ():
        try:
            as_stage(spec)
        except (ImportError, AttributeError, ValueError) as exc:
            raise UserError(f"[tool.symact] stages: cannot load {spec}: {exc}") from None
    chosen = chosen_records(args.names)
    display = Display()
    report = run_build(
        chosen,
        root=root,
        progress=display.progress,
        milestone=display.milestone,
        cache=not args.no_cache,
        jobs=args.jobs,
        stages=stages,
    )
    display.clear()
    print(report.table())
    for stage in report.stages:
        for failure in stage.failures:
            print(f"FAILED [{stage.column}] {failure}")
    timing = ", ".join(
        f"{s.column}: {s.seconds:.1f} s" + (f" ({s.cached} cached)" if s.cached else "")
        for s in report.stages
    )
    elapsed = time.perf_counter() - display.start
    verdict = "ok" if report.ok else "FAILURES"
    print(f"\n{len(report.names)} functions; {timing}; {elapsed:.1f} s in all; {verdict}")
    return 0 if report.ok else 1
