"""Derivations as JSON objects and readable text (what ``symact derive`` prints)."""

from __future__ import annotations

from typing import Any

import sympy as sp

from symact.derive._elementwise import Derivation
from symact.derive._vector import VectorDerivation

__all__ = ["derivation_json", "derivation_text", "expr_str"]


def expr_str(expr: sp.Basic | None) -> str | None:
    """A string that ``sympy.sympify`` parses back to an equal expression (None stays None)."""
    return None if expr is None else sp.sstr(expr, order="none")


def derivation_json(d: Derivation | VectorDerivation) -> dict[str, Any]:
    """The stable JSON object of a derivation (see the README for the fields)."""
    if isinstance(d, VectorDerivation):
        return _vector_json(d)
    record = d.record
    of = d.output_form
    return {
        "name": record.name,
        "kind": record.kind,
        "family": record.family,
        "description": record.description,
        "variable": str(d.variable),
        "parameters": {str(k): expr_str(v) for k, v in d.params.items()},
        "convention": d.convention,
        "expression": expr_str(d.expression),
        "derivative": expr_str(d.derivative),
        "derivative_simplified": expr_str(d.derivative_simplified),
        "output_form": (
            {
                "variable": "a",
                "expression": expr_str(of.expression),
                "proof": of.proof,
                "fixed": list(of.fixed),
            }
            if of.expression is not None
            else None
        ),
        "output_form_status": of.status,
        "output_form_witness": of.witness,
        "output_form_notes": list(of.notes),
        "limits": {k: expr_str(v) for k, v in d.limits.items()},
        "at_zero": expr_str(d.at_zero),
        "second_derivative": expr_str(d.second_derivative),
        "kinks": [
            {
                "at": expr_str(k.at),
                "left": expr_str(k.left),
                "right": expr_str(k.right),
                "subgradient": [expr_str(k.subgradient[0]), expr_str(k.subgradient[1])],
                "pytorch": expr_str(k.conventions.get("pytorch")),
                "jax": expr_str(k.conventions.get("jax")),
                "value": expr_str(k.value),
                "jump": k.jump,
                "note": k.note,
            }
            for k in d.kinks
        ],
        "checked_points": d.checked_points,
    }


def _vector_json(d: VectorDerivation) -> dict[str, Any]:
    record = d.record
    return {
        "name": record.name,
        "kind": record.kind,
        "family": record.family,
        "description": record.description,
        "variable": [str(s) for s in d.inputs],
        "n": d.n,
        "parameters": {p.name: expr_str(p.default) for p in record.params},
        "expression": [expr_str(e) for e in d.expression],
        "jacobian": [[expr_str(e) for e in d.jacobian.row(i)] for i in range(d.jacobian.rows)],
        "jacobian_simplified": [
            [expr_str(e) for e in d.jacobian_simplified.row(i)] for i in range(d.jacobian_simplified.rows)
        ],
        "output_form": (
            None
            if d.output_form is None
            else {
                "variables": [str(s) for s in d.outputs],
                "jacobian": [[expr_str(e) for e in d.output_form.row(i)] for i in range(d.output_form.rows)],
                "proof": d.output_form_proof,
            }
        ),
        "checked_points": d.checked_points,
    }


def derivation_text(d: Derivation | VectorDerivation) -> str:
    """A readable report."""
    if isinstance(d, VectorDerivation):
        lines = [f"{d.name} (n = {d.n}): {d.record.description}", "", "Jacobian (simplified):"]
        lines += [f"  {sp.pretty(d.jacobian_simplified, use_unicode=True)}"]
        if d.output_form is not None:
            lines += [
                "",
                "Jacobian from the output alone:",
                f"  {sp.pretty(d.output_form, use_unicode=True)}",
            ]
            lines += [f"  proof: {d.output_form_proof}; {d.checked_points} points at 50 digits"]
        return "\n".join(lines)
    x = d.variable
    lines = [
        f"{d.name}: {d.record.description}",
        f"convention at non-smooth points: {d.convention}",
    ]
    if d.params:
        lines.append("parameters: " + ", ".join(f"{k} = {v}" for k, v in d.params.items()))
    lines += [
        "",
        f"f({x})      = {sp.sstr(d.expression)}",
        f"f'({x})     = {sp.sstr(d.derivative)}",
        f"simplified = {sp.sstr(d.derivative_simplified)}",
        f"f''({x})    = {sp.sstr(d.second_derivative)}",
        f"f'(0)      = {sp.sstr(d.at_zero)}",
        "limits     : " + ", ".join(f"{k}: {sp.sstr(v)}" for k, v in d.limits.items()),
    ]
    of = d.output_form
    if of.status == "found":
        lines.append(f"output form: f' = {sp.sstr(of.expression)}  with a = f(x)   [{of.proof}]")
    elif of.status == "none":
        w = of.witness or {}
        lines.append(
            "output form: none exists: "
            f"f({w.get('x1')}) = f({w.get('x2')}) = {w.get('f')} "
            f"but f' = {w.get('df_x1')} vs {w.get('df_x2')}"
        )
    elif of.status != "not applicable":
        lines.append(f"output form: not found ({'; '.join(of.notes)})")
    lines += [f"  note: {n}" for n in of.notes if of.status == "found"]
    for k in d.kinks:
        lines.append(
            f"non-smooth at {x} = {k.at}: left {k.left}, right {k.right}, interval [{k.subgradient[0]}, "
            f"{k.subgradient[1]}], PyTorch {k.conventions.get('pytorch')}, JAX {k.conventions.get('jax')}"
            + ("; f jumps here" if k.jump else "")
            + f"; value used ({d.convention}): {k.value}"
        )
    lines.append(f"checked: symbolic proofs, and {d.checked_points} points at 50 digits")
    return "\n".join(lines)
