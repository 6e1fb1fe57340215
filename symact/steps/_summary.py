"""The machine-readable summary of a derivation: its boxed results as strings SymPy parses back.

Each boxed right-hand side is written in x (or z_j, a_i, ... for vector functions), the parameter
names, and ``a`` for the function's own output where the boxed form uses it (as in ``derive
--json``'s output form); named functions (sigma, Phi, phi) are written out by their definitions.
"""

from __future__ import annotations

import re
from typing import Any

import sympy as sp

from symact.catalogue import A
from symact.steps._doc import Document, Result
from symact.steps._moves import unhold
from symact.steps._named import DEFINITIONS
from symact.steps.messages import plain

__all__ = ["plain_rhs", "summary"]

_F = sp.Function("f")


def _flat(expr: sp.Expr) -> sp.Expr:
    """Indexed a[i] as the symbol a_i (so that the string parses back)."""
    return expr.replace(
        lambda e: isinstance(e, sp.Indexed),
        lambda e: sp.Symbol(f"{e.base.label.name}_{'_'.join(str(i) for i in e.indices)}", real=True),
    )


def plain_rhs(result: Result) -> sp.Expr:
    """The boxed right-hand side in x, the parameters and a (the function's own output)."""
    rhs = unhold(result.rhs)
    if result.output is not None:
        rhs = rhs.xreplace({result.output: A})
    rhs = rhs.replace(lambda e: isinstance(e, sp.Function) and e.func == _F, lambda e: A)
    for func, body in DEFINITIONS.items():
        rhs = rhs.replace(func, body)
    return _flat(rhs)


def _plain_lhs(lhs: sp.Expr) -> str:
    if isinstance(lhs, sp.Symbol):
        m = re.fullmatch(r"\\frac\{\\partial (.+)\}\{\\partial (.+)\}", lhs.name)
        if m:
            return f"d{m.group(1).replace(' ', '')}/d{m.group(2).replace(' ', '')}"
        return lhs.name
    return sp.sstr(_flat(unhold(lhs)))


def summary(derivation: Document) -> dict[str, Any]:
    """``{"name", "title", "result", "steps", "checked"}``; `result` is one ``{"lhs", "rhs"}`` object,
    or a list of them for a derivation with several boxed lines."""
    entries = [{"lhs": _plain_lhs(r.lhs), "rhs": sp.sstr(plain_rhs(r))} for r in derivation.results]
    result: Any = entries[0] if len(entries) == 1 else entries
    return {
        "name": derivation.name,
        "title": plain(derivation.title),
        "result": result,
        "steps": derivation.steps,
        "checked": derivation.checked,
    }
