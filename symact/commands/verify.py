"""``symact verify [NAME ...] [--json] [--examples N]``: verify the catalogue.

For each function: the symbolic derivative from ``symact.derive`` against adaptive-precision numerical
derivatives (and the kink conventions), and the generated kernels in ``symact.kernels`` against
correctly rounded references and against each other ("no kernel" where there are none).  Progress on
stderr; exit 1 on any failure.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from symact.catalogue import records
from symact.commands._target import resolve
from symact.errors import UserError
from symact.verify import Report, verify_record

LAYERS = ("symbolic", "forward", "gradient", "consistency")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("verify", help="verify derivatives and kernels of catalogue functions")
    p.add_argument("names", nargs="*", metavar="NAME", help="functions to verify (default: all)")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.add_argument("--examples", type=int, default=200, help="points per function (default 200)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-kernels", action="store_true", help="check the symbolic derivatives only")
    p.set_defaults(func=run)


def status(report: Report) -> str:
    """A short cell: "ok", "ok, no kernel" or "FAIL n"."""
    if report.failures:
        return f"FAIL {len(report.failures)}"
    notes = getattr(report, "notes", [])
    return "ok" + (f", {', '.join(notes)}" if notes else "")


def as_json(report: Report) -> dict[str, Any]:
    return {
        "name": report.name,
        "ok": report.ok,
        "status": status(report),
        "checked": report.checked,
        "failures": [str(f) for f in report.failures],
        "warnings": len(report.warnings),
        "unverifiable": len(report.unverifiable),
        "seconds": round(report.seconds, 3),
    }


def run(args: argparse.Namespace) -> int:
    if args.examples < 1:
        raise UserError(f"--examples must be >= 1, got {args.examples}")
    chosen = [resolve(n) for n in args.names] if args.names else list(records())
    reports = []
    for i, record in enumerate(chosen, 1):
        print(f"[{i}/{len(chosen)}] verifying {record.name} ...", file=sys.stderr, flush=True)
        reports.append(
            verify_record(record, examples=args.examples, seed=args.seed, kernels=not args.no_kernels)
        )
    if args.json:
        print(json.dumps([as_json(r) for r in reports], indent=2))
    else:
        header = ["function", *LAYERS, "status", "seconds"]
        rows = [
            [r.name, *[str(r.checked.get(layer, "-")) for layer in LAYERS], status(r), f"{r.seconds:.1f}"]
            for r in reports
        ]
        widths = [max(len(row[k]) for row in [header, *rows]) for k in range(len(header))]
        for row in [header, ["-" * w for w in widths], *rows]:
            print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        for r in reports:
            for f in r.failures[:3]:
                print(f)
    return 0 if all(r.ok for r in reports) else 1
