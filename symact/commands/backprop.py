"""``symact backprop --layers 2,3,1 --activations tanh,sigmoid --loss binary_cross_entropy [--json]``.

Prints the forward and backward equations of a fully connected network in the matrix grammar of
:mod:`symact.derive.backprop_text`, after proving them (:func:`symact.derive.backprop.prove`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from symact.derive.backprop import NetworkSpec, equations, parse_spec
from symact.derive.backprop_proof import as_json, prove
from symact.errors import UserError, VerificationError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("backprop", help="the backpropagation equations of a network, proved")
    p.add_argument("--layers", metavar="N0,N1,...", help="layer sizes, inputs first: 2,3,1")
    p.add_argument("--activations", metavar="G1,G2,...", help="one catalogue activation per layer")
    p.add_argument("--loss", help="a catalogue loss (cross_entropy after softmax)")
    p.add_argument(
        "--proofs",
        action="store_true",
        help="write the derivation documents of the standard network shapes to proofs/networks",
    )
    p.add_argument("--out", type=Path, default=None, help="with --proofs: output directory")
    p.add_argument("--check", action="store_true", help="with --proofs: write nothing; exit 1 if stale")
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.add_argument(
        "--verify",
        type=int,
        default=0,
        metavar="N",
        help="also check symact.network.Network's gradients on N random parameter and data sets",
    )
    p.set_defaults(func=run)


def verify_network(spec: NetworkSpec, count: int, seed: int = 0) -> dict[str, Any]:
    """Check Network.gradients for `spec` on `count` random cases (sizes capped at 3, m = 3)."""
    from symact.network import Network
    from symact.network_check import check_network, random_case

    sizes = [min(n, 3) for n in spec.layers]
    rng = np.random.default_rng(seed)
    summary: dict[str, Any] = {"cases": count, "sizes": sizes, "samples": 3, "entries": 0, "verifiable": 0}
    summary.update({"worst_sharpness": 0.0, "worst_rounding_units": 0.0, "failures": []})
    for _ in range(count):
        net = Network(sizes, list(spec.activations), spec.loss)
        X, Y = random_case(net, 3, rng)
        report = check_network(net, X, Y)
        summary["entries"] += report.entries
        summary["verifiable"] += report.verifiable
        summary["worst_sharpness"] = max(summary["worst_sharpness"], report.worst_sharpness)
        summary["worst_rounding_units"] = max(summary["worst_rounding_units"], report.worst_rounding_units)
        summary["failures"] += report.failures
    return summary


def _documents(args: argparse.Namespace) -> int:
    from symact.derive.backprop_doc import generate, stale, write

    out: Path = args.out if args.out is not None else Path.cwd() / "proofs" / "networks"
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: exists and is not a directory")
    files = generate()
    if args.check:
        problems = stale(out, files)
        for line in problems:
            print(line)
        print(f"network proofs: {len(files)} files, {len(problems)} stale or missing in {out}")
        return 1 if problems else 0
    changed = write(out, files)
    print(f"network proofs: {len(files)} files in {out} ({len(changed)} changed)")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.proofs:
        if args.layers or args.activations or args.loss or args.verify or args.json:
            raise UserError("--proofs takes only --out and --check")
        return _documents(args)
    if args.out is not None or args.check:
        raise UserError("--out and --check go with --proofs")
    missing = [f"--{n}" for n in ("layers", "activations", "loss") if getattr(args, n) is None]
    if missing:
        raise UserError(f"missing {', '.join(missing)} (or use --proofs)")
    if args.verify < 0:
        raise UserError(f"--verify must be >= 0, got {args.verify}")
    spec = parse_spec(args.layers, args.activations, args.loss)
    eqs = equations(spec)
    try:
        proof = prove(spec)
    except VerificationError as exc:
        proof = None
        failure = str(exc)
    checked = verify_network(spec, args.verify) if args.verify else None
    ok = proof is not None and not (checked and checked["failures"])
    if args.json:
        out = as_json(eqs, proof)
        if checked is not None:
            out["network_check"] = checked
        print(json.dumps(out, indent=2))
        return 0 if ok else 1
    width = max(len(name) for name, _ in eqs.forward + eqs.backward)
    print("forward:")
    for name, text in eqs.forward:
        print(f"  {name.ljust(width)} = {text}")
    print("backward:")
    for name, text in eqs.backward:
        print(f"  {name.ljust(width)} = {text}")
    for note in eqs.notes:
        print(f"note: {note}")
    if proof is None:
        print(f"NOT PROVED: {failure}")
        return 1
    sizes = ", ".join(f"n{k} = {n}" for k, n in enumerate(proof.sizes))
    samples = " and ".join(str(m) for m in proof.samples)
    print(
        f"proved: {proof.entries} entries, each m dJ/dZ, dJ/dW, dJ/db, m dJ/dA from sympy.diff of J "
        f"simplified to the equation's entry ({', '.join(proof.methods)}), at {sizes}, m = {samples}; "
        f"end-to-end check of every parameter's sympy.diff of J at 50 digits: {proof.checked_points} values"
    )
    if checked is not None:
        print(
            f"Network.gradients: {checked['cases']} random cases at sizes {checked['sizes']}, m = 3: "
            f"{checked['entries']} entries against the equations at 50 digits (worst float64 error "
            f"{checked['worst_rounding_units']:.3g} u S), {checked['verifiable']} verifiable by central "
            f"differences (worst tolerance {checked['worst_sharpness']:.3g} |g|); "
            f"{len(checked['failures'])} failures"
        )
        for line in checked["failures"][:5]:
            print(f"  {line}")
    return 0 if ok else 1
