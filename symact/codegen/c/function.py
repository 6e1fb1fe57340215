"""One C function of the C99 backend (:class:`CFunction`) and the statements of a kernel body
(:func:`kernel_lines`): what the element-wise, vector and loss printers of ``symact.codegen.c`` share."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symact.codegen.c.printer import CKernelPrinter
from symact.codegen.lower import Builder, lower

__all__ = ["CFunction", "kernel_lines"]


@dataclass(frozen=True)
class CFunction:
    """One C kernel: its public name, group (``activation``, ``loss``, ``vector``), declarations and
    definitions (the definition text is what the freshness of ``csrc`` is checked against)."""

    name: str
    group: str
    declaration: str
    definition: str


def kernel_lines(expr: sp.Expr, var: sp.Symbol) -> list[str]:
    """The C statements evaluating the rewritten `expr` in `var`: let-bound steps, then ``return``."""
    p = CKernelPrinter()
    builder = Builder()
    result = lower(expr, builder, var)
    needed = set(result.free_symbols)
    used = []
    for sym, value in reversed(builder.steps):  # a step no later one reads is dropped (-Wunused)
        if sym in needed:
            used.append((sym, value))
            needed |= value.free_symbols
    lines = [f"    const double {sym} = {p.doprint(value)};" for sym, value in reversed(used)]
    return [*lines, f"    return {p.doprint(result)};"]
