"""The ``symact`` command line: one module per subcommand in ``symact.commands``.

A subcommand module exposes ``register(subparsers)``, which adds its parser and sets ``func`` to a
function ``(args) -> int``.  Bad input raises :class:`symact.errors.UserError`; it is printed as one
line on stderr and the exit status is 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from symact.errors import UserError

COMMANDS: tuple[str, ...] = (
    "list",
    "derive",
    "identities",
    "build",
    "plot",
    "proofs",
    "kernels",
    "check",
    "verify",
    "backprop",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UserError(message)


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="symact", description="Activation functions: derivatives proved, kernels verified.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMANDS:
        module = importlib.import_module(f"symact.commands.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = make_parser().parse_args(argv)
        return int(args.func(args))
    except UserError as exc:
        print(f"symact: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("symact: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
