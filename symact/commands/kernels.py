"""``symact kernels [--check] [--report] [--full] [--jobs N] [--root DIR]``: the verified NumPy kernels.

Without options: generate every kernel of the catalogue, verify each against correctly rounded
references, and write ``symact/kernels/_generated.py``, its ``__init__.py``, ``ACCURACY.md`` and the
files of every other backend (``csrc/``: :mod:`symact.codegen.backends`), atomically, only when
their text changes.  A kernel that fails its check in any backend is a failure
(:func:`symact.codegen.update.failures`, shared with ``symact build``): it is not written, the
command names it and where it failed, and exits 1 -- unless the kernel is a known
gap (``symact.codegen.gaps.KNOWN_GAPS``, reported with its reason); a listed kernel that meets its
target is a failure.

- ``--check``: write nothing; exit 1 if a committed file differs from what would be generated.
- ``--report``: write nothing; print the accuracy measured on this machine (max, p99.9 and float32
  ULP per kernel; ACCURACY.md holds the targets only, which do not depend on the machine), and per
  kernel and backend (NumPy, C, C#) the max ULP in each dtype the backend measures, with the kernels
  a backend does not serve and the functions it substitutes; with ``--check`` too, exit 1 if a
  committed file is stale.
- ``--full``: verify on the full 20,000-point sample (slower; the written files keep the default
  sample's figures, so nothing is written).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from symact.commands.options import PACKAGE_ROOT, add_jobs, add_root
from symact.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("kernels", help="generate and verify the NumPy kernels (symact.kernels)")
    p.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if the committed module is stale"
    )
    p.add_argument(
        "--report", action="store_true", help="write nothing; print the accuracy measured on this machine"
    )
    p.add_argument(
        "--full", action="store_true", help="verify on the full 20,000-point sample; write nothing"
    )
    add_jobs(p)
    add_root(p, default=PACKAGE_ROOT, help="project folder (default: the one holding symact)")
    p.set_defaults(func=run)


def _root(given: Path) -> Path:
    if not (given / "symact").is_dir():
        raise UserError(f"--root {given}: no symact package folder there")
    return given


def run(args: argparse.Namespace) -> int:
    jobs = args.jobs
    root = _root(args.root)
    from symact.codegen.gaps import KNOWN_GAPS
    from symact.codegen.generate import DEFAULT_SIZE, DEFAULT_SIZE32, FULL_SIZE, FULL_SIZE32
    from symact.codegen.report import measured_markdown
    from symact.codegen.update import failures, update

    start = time.perf_counter()
    size, size32 = (FULL_SIZE, FULL_SIZE32) if args.full else (DEFAULT_SIZE, DEFAULT_SIZE32)
    outcome = update(
        root,
        check=args.check or args.full or args.report,
        jobs=jobs,
        size=size,
        size32=size32,
        progress=lambda n: print(f"symact kernels: {n}", file=sys.stderr),
    )
    gen = outcome.generation
    failed = failures(outcome)
    for r in gen.known_gaps():
        print(
            f"symact kernels: {r.plan.name}: no kernel (known gap: {KNOWN_GAPS[r.plan.name]})",
            file=sys.stderr,
        )
    for line in failed:
        print(f"symact kernels: FAILED {line}", file=sys.stderr)
    if args.report:
        sys.stdout.write(measured_markdown(gen, outcome.backends))
        stale = outcome.stale if args.check else []
        for path in stale:
            print(f"stale: {path.relative_to(root)} (run 'symact kernels')", file=sys.stderr)
        return 1 if failed or stale else 0
    ok = sum(1 for r in gen.results if r.ok)
    checked = "; ".join(
        f"{name}: {len(b.checked)} checked"
        + (f", {n} left out (see the report)" if (n := sum(c.left_out for c in b.details)) else "")
        + (" (not checked: see note)" if b.note and not b.checked else "")
        for name, b in outcome.backends.items()
    )
    print(
        f"{ok} kernels verified, {len(failed)} failed, {len(gen.known_gaps())} known gaps, "
        f"{len(gen.skipped)} functions without kernels; {checked} ({time.perf_counter() - start:.1f} s)"
    )
    for b in outcome.backends.values():
        if b.note:
            print(f"symact kernels: {b.note}", file=sys.stderr)
    if args.check:
        for path in outcome.stale:
            print(f"stale: {path.relative_to(root)} (run 'symact kernels')")
        return 1 if outcome.stale or failed else 0
    for path in outcome.changed:
        print(f"wrote {path.relative_to(root)}")
    return 1 if failed else 0
