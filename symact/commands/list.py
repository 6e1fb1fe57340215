"""``symact list [--json]``: the catalogue."""

from __future__ import annotations

import argparse
import json
from typing import Any

import sympy as sp

from symact.catalogue import Record, records


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("list", help="list the catalogue")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.set_defaults(func=run)


def record_summary(record: Record) -> dict[str, Any]:
    """The catalogue facts of one record (no derivation needed)."""
    return {
        "name": record.name,
        "kind": record.kind,
        "family": record.family,
        "aliases": list(record.aliases),
        "description": record.description,
        "parameters": {
            p.name: {"default": sp.sstr(p.default), "valid": str(p.valid), "description": p.description}
            for p in record.params
        },
        "smooth": not record.kinks,
        "kinks": [sp.sstr(k.at) for k in record.kinks],
        "frameworks": record.frameworks,
    }


def run(args: argparse.Namespace) -> int:
    rows = [record_summary(r) for r in records()]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    table = [["name", "family", "parameters", "smooth / non-smooth at", "aliases"]]
    for row in rows:
        params = ", ".join(f"{k}={v['default']}" for k, v in row["parameters"].items()) or "-"
        smooth = "smooth" if row["smooth"] else "x = " + ", ".join(row["kinks"])
        table.append([row["name"], row["family"], params, smooth, ", ".join(row["aliases"]) or "-"])
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for i, r in enumerate(table):
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print(f"\n{len(rows)} functions; 'symact derive NAME' for one of them")
    return 0
