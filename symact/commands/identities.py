"""``symact identities [--json]``: every identity symact proves."""

from __future__ import annotations

import argparse
import json
from typing import Any

from symact.derive.catalogue_identities import all_identities, all_refutations


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("identities", help="list every proved identity")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    items: list[dict[str, Any]] = [i.as_json() for i in all_identities()]
    refuted: list[dict[str, Any]] = [r.as_json() for r in all_refutations()]
    if args.json:
        print(json.dumps(items + refuted, indent=2))
        return 0
    for item in items:
        where = "".join(f", {k} = {v}" for k, v in item["where"].items())
        print(f"{item['name']}: {item['lhs']}  =  {item['rhs']}{where}")
        print(
            f"    proved: {item['method']}"
            + (f"; assuming {item['assumptions']}" if item["assumptions"] else "")
        )
    print("\nFalse, with a witness (non-canonical pairs are not mu - y):")
    for r in refuted:
        where = ", ".join(f"{k} = {v}" for k, v in r["witness"].items())
        print(f"{r['name']}: {r['lhs']}  !=  {r['rhs']}   at {where}: {r['lhs_value']} vs {r['rhs_value']}")
    print(
        f"\n{len(items)} identities, each proved symbolically and checked at 50 digits; "
        f"{len(refuted)} refuted"
    )
    return 0
