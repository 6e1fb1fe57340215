"""Cold and warm ``symact build`` of the whole catalogue, in a copy of the project.

    python benchmarks/build.py [--jobs N] [--warm-runs K] [--keep] [--commit REV] [--profile N]

The project (without .git and caches) is copied to a temporary folder, so the build writes its
proofs, kernels and cache there and the checkout is left alone. With ``--commit REV`` the copy is
that commit's tree (``git archive``; compare two commits side by side on a busy machine) made a
fresh git repository, and after the cold build ``git status --porcelain`` must print nothing (a
build on a fresh clone changes no committed file). ``--profile N`` runs the cold build under
cProfile and prints its N most expensive functions by cumulative time (the main process only: stages
in worker processes show as waiting; use ``--jobs 1`` to keep the per-record stages in it). "cold"
is a build with no cache (``--no-cache``, a fresh copy); "warm" repeats it with nothing changed.
Each time is the wall clock of a whole ``python -m symact build`` process (start-up and imports
included); the CPU time of the build and its worker processes is printed too (on a busy machine the
wall clock says more about the neighbours than about the build). Targets: cold <= 60 s, warm <= 5 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORE = shutil.ignore_patterns(
    ".git",
    ".symact-cache",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
    "*.egg-info",
    "build",
    "dist",
)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_build(project: Path, *extra: str, profile: Path | None = None) -> tuple[float, int, str]:
    """Wall-clock seconds, exit status and output of one build; prints its CPU seconds too."""
    env = {**os.environ, "PYTHONPATH": str(project)}
    cpu = _cpu()
    start = time.perf_counter()
    prefix = ["-m", "cProfile", "-o", str(profile)] if profile is not None else []
    proc = subprocess.run(
        [sys.executable, *prefix, "-m", "symact", "build", "--root", str(project), *extra],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    print(f"  (CPU time of the build and its workers: {_cpu() - cpu:.1f} s)")
    return wall, proc.returncode, proc.stdout + proc.stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--warm-runs", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the copy and print its path")
    parser.add_argument(
        "--commit", help="build this commit's tree (a fresh repository) instead of the checkout"
    )
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="profile the cold build; top N")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="symact-bench-"))
    project = tmp / "project"
    if args.commit:
        project.mkdir()
        tree = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.commit], capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(project)], input=tree.stdout, check=True)
        for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "fresh clone"]):
            git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", *command]
            subprocess.run(git, cwd=project, check=True, capture_output=True)
    else:
        shutil.copytree(ROOT, project, ignore=IGNORE)
    profile = tmp / "cold.prof" if args.profile else None
    print(f"load average before: {' '.join(f'{v:.1f}' for v in os.getloadavg())} on {os.cpu_count()} cores")
    try:
        cold, status, output = timed_build(project, "--no-cache", "--jobs", str(args.jobs), profile=profile)
        summary = [line for line in output.splitlines() if " functions; " in line]
        print(f"cold build: {cold:7.1f} s  (exit {status}; target <= 60 s)")
        if summary:
            print(f"  {summary[-1]}")
        if status not in (0, 1):
            print(output[-3000:])
            return 1
        if args.commit:
            dirty = subprocess.run(
                ["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True, check=True
            ).stdout
            print("git status --porcelain after the cold build: " + ("(nothing)" if not dirty else ""))
            print("".join(f"  {line}\n" for line in dirty.splitlines()), end="")
        if profile is not None:
            import pstats

            print(f"cold build profile (main process), top {args.profile} by cumulative time:")
            stats = pstats.Stats(str(profile))
            stats.sort_stats("cumulative").print_stats(args.profile)
        for i in range(args.warm_runs):
            warm, wstatus, _ = timed_build(project, "--jobs", str(args.jobs))
            print(f"warm build {i + 1}: {warm:5.1f} s  (exit {wstatus}; target <= 5 s)")
        print(f"load average after: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
        if status == 1:
            failed = [line for line in output.splitlines() if line.startswith("FAILED")]
            print(f"note: the cold build reported {len(failed)} failure(s) (warm builds replay them):")
            print("\n".join(f"  {line[:160]}" for line in failed[:20]))
    finally:
        if args.keep:
            print(f"copy kept at {project}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
