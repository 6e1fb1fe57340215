"""``symact backprop --layers 2,3,1 --activations tanh,sigmoid --loss binary_cross_entropy [--json]``.

Prints the forward and backward equations of a fully connected network in the matrix grammar of
:mod:`symact.derive.backprop_text`, after proving them (:func:`symact.derive.backprop.prove`).
"""

from __future__ import annotations

import argparse
import json

from symact.derive.backprop import as_json, equations, parse_spec, prove
from symact.errors import VerificationError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("backprop", help="the backpropagation equations of a network, proved")
    p.add_argument("--layers", required=True, metavar="N0,N1,...", help="layer sizes, inputs first: 2,3,1")
    p.add_argument(
        "--activations", required=True, metavar="G1,G2,...", help="one catalogue activation per layer"
    )
    p.add_argument("--loss", required=True, help="a catalogue loss (cross_entropy after softmax)")
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    spec = parse_spec(args.layers, args.activations, args.loss)
    eqs = equations(spec)
    try:
        proof = prove(spec)
    except VerificationError as exc:
        proof = None
        failure = str(exc)
    if args.json:
        print(json.dumps(as_json(eqs, proof), indent=2))
        return 0 if proof is not None else 1
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
    return 0
