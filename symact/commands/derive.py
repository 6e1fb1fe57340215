"""``symact derive NAME [--param k=v ...] [--convention C] [--json]``."""

from __future__ import annotations

import argparse
import json

from symact.commands._params import parse_params
from symact.commands._target import resolve
from symact.derive import CONVENTIONS, derive
from symact.derive.report import derivation_json, derivation_text
from symact.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("derive", help="derive, simplify and prove the derivative of one function")
    p.add_argument("target", metavar="NAME", help="a catalogue name or alias (see 'symact list')")
    p.add_argument("--name", help="name for a function given as an expression")
    p.add_argument("--param", action="append", metavar="K=V", help="parameter value (exact), repeatable")
    p.add_argument("--convention", choices=CONVENTIONS, default="pytorch", help="value used at kinks")
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    params = parse_params(args.param)
    record = resolve(args.target, name=args.name, params=params)
    try:
        d = derive(record, params=params, convention=args.convention)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    print(json.dumps(derivation_json(d), indent=2) if args.json else derivation_text(d))
    return 0
