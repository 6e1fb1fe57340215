"""``symact proofs``: regenerate the step-by-step derivations in proofs/ (or check they are fresh)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from symact.catalogue import Record
from symact.commands.options import chosen_records
from symact.errors import UserError
from symact.steps.messages import LANGUAGES


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "proofs",
        help="regenerate proofs/ (LaTeX and Markdown derivations, every step checked)",
        description="Derive every catalogue function step by step, check each step symbolically and at 50 "
        "digits, and write proofs/*.tex, proofs/*.md and the index documents (the Japanese edition: "
        "proofs/ja/).",
    )
    p.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help="only these functions (default: every one); the index then lists them and the other "
        "functions' derivations already in the output directory, and nothing is removed",
    )
    p.add_argument("--out", type=Path, default=None, help="output directory (default: ./proofs)")
    p.add_argument(
        "--lang",
        default=None,
        help=f"edition to write: {', '.join(LANGUAGES)} or all (default en; with --check: all)",
    )
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file is stale or missing")
    p.add_argument(
        "--json",
        action="store_true",
        help="write nothing; print each derivation's boxed results as JSON "
        "(name, title, result, steps, checked)",
    )
    p.add_argument(
        "--jobs", type=int, default=1, help="worker processes (default 1); the output does not depend on it"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from symact.latex._files import generate, index_over_others, prune, stale, write

    out: Path = args.out if args.out is not None else Path.cwd() / "proofs"
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: exists and is not a directory")
    if args.jobs < 1:
        raise UserError(f"--jobs {args.jobs}: must be at least 1")
    lang = args.lang if args.lang is not None else ("all" if args.check else "en")
    if lang != "all" and lang not in LANGUAGES:
        raise UserError(f"--lang {lang}: unknown language (choose {', '.join(LANGUAGES)} or all)")
    langs = LANGUAGES if lang == "all" else (lang,)
    chosen = chosen_records(args.names)
    if args.json:
        return _json(chosen)
    start = time.perf_counter()
    generated = generate(chosen, jobs=args.jobs, langs=langs)
    if args.names:
        index_over_others(generated.files, out, chosen, langs)
    for name, lines in sorted(generated.failures.items()):
        for line in lines:
            print(f"FAILED {name}: {line}", file=sys.stderr)
    if args.check:
        problems = stale(out, generated.files)
        for line in problems:
            print(line)
        if problems or generated.failures:
            return 1
        print(f"proofs: {len(generated.files)} files up to date in {out}")
        return 0
    changed = write(out, generated.files) + ([] if args.names else prune(out, generated.files))
    steps = sum(d.steps for made in generated.made.values() for d in made)
    print(
        f"proofs: {len(generated.files)} files in {out} ({len(changed)} changed), {steps} checked steps, "
        f"{time.perf_counter() - start:.1f} s"
    )
    return 1 if generated.failures else 0


def _json(chosen: Iterable[Record]) -> int:
    """Print the summary of every derivation; exit 1 if one fails its checks (reported on stderr)."""
    import json

    from symact.steps import derivations
    from symact.steps._summary import summary

    out, failed = [], False
    for _, name, result in derivations(chosen):
        if isinstance(result, Exception):
            print(f"FAILED {name}: {str(result).splitlines()[0]}", file=sys.stderr)
            failed = True
            continue
        out.append(summary(result))
    print(json.dumps(out, indent=2))
    return 1 if failed else 0
