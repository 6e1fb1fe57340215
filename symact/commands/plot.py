"""``symact plot NAME ... [-o FILE.png|FILE.svg] [--range LO HI] [--derivative] [--param k=v]``.

Draws f and f' of one or more functions (catalogue names or expressions in x) into one figure.
``--derivative`` draws f' alone.  Needs matplotlib (``pip install 'symact[plot]'``); without it
the command says so and exits with status 2.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import sympy as sp

from symact.commands._target import add_param_option, param_values, resolve
from symact.derive import CONVENTIONS
from symact.errors import UserError
from symact.parse import looks_like_expression, parse_expression
from symact.plot import FORMATS, curve_for, plot_functions, require_matplotlib

_MAX_RANGE = 1e6


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("plot", help="draw f and f' (PNG or SVG; needs matplotlib)")
    p.add_argument("names", nargs="+", metavar="NAME", help="catalogue names or expressions in x")
    p.add_argument("-o", "--output", type=Path, help="output file, .png or .svg (default: NAME.png)")
    p.add_argument(
        "--range", nargs=2, default=["-6", "6"], metavar=("LO", "HI"), help="x range (default -6 6)"
    )
    p.add_argument("--derivative", action="store_true", help="draw only the derivative f'")
    p.add_argument("--name", help="name for a function given as an expression (default custom)")
    p.add_argument("--convention", choices=CONVENTIONS, default="pytorch", help="value marked at kinks")
    add_param_option(p)
    p.set_defaults(func=run)


def _range(items: list[str]) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in items)
    except ValueError:
        raise UserError(f"--range needs two numbers, not {' '.join(items)!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi)) or max(abs(lo), abs(hi)) > _MAX_RANGE or lo >= hi:
        raise UserError(f"--range {lo:g} {hi:g}: need LO < HI, both within ±{_MAX_RANGE:g}")
    return lo, hi


def run(args: argparse.Namespace) -> int:
    xrange = _range(args.range)
    declared = param_values(args.param)
    values: dict[str, sp.Expr] = {}
    for key, text in declared.items():
        if text is None:
            raise UserError(f"--param {key} needs a value, such as {key}=1.5")
        values[key] = parse_expression(text)
        if values[key].free_symbols:
            raise UserError(f"--param {key}={text}: the value must be a number")
    output = args.output
    if output is not None and output.suffix.lower() not in FORMATS:
        raise UserError(f"output file {str(output)!r}: use a .png or .svg name")
    require_matplotlib()
    records = []
    labels: list[str | None] = []
    for i, text in enumerate(args.names):
        inline = looks_like_expression(text)
        name = args.name or "custom"
        if inline and len(args.names) > 1:
            name = f"{name}_{i + 1}"
        records.append(resolve(text, name=name, params=values))
        labels.append(text.strip() if inline and not args.name else None)
    used = {p.name for r in records for p in r.params} | {"y"}
    unused = sorted(set(values) - used)
    if unused:
        raise UserError(f"--param {', '.join(unused)}: no plotted function has such a parameter")
    curves = [curve_for(r, params=values, convention=args.convention) for r in records]
    for curve, label in zip(curves, labels, strict=True):
        if label:
            curve.relabel(label)
    if output is None:
        output = Path("_".join(r.name for r in records)[:80] + ".png")
    panels = ("df",) if args.derivative else ("f", "df")
    path = plot_functions(curves, path=output, xrange=xrange, panels=panels, convention=args.convention)
    print(path)
    return 0
