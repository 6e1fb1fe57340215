"""One C function of the C99 backend (:class:`CFunction`) and the statements of a kernel body
(:func:`kernel_lines`): what the element-wise, vector and loss printers of ``symact.codegen.c`` share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import sympy as sp

from symact.codegen.c.printer import CKernelPrinter
from symact.codegen.lower import Builder, lower

if TYPE_CHECKING:
    from symact.codegen.generate import KernelResult

__all__ = ["CFunction", "guard_lines", "kernel_lines"]


@dataclass(frozen=True)
class CFunction:
    """One C kernel: its public name, group (``activation``, ``loss``, ``vector``), declarations and
    definitions (the definition text is what the freshness of ``csrc`` is checked against)."""

    name: str
    group: str
    declaration: str
    definition: str


def kernel_lines(
    expr: sp.Expr, var: sp.Symbol, printer: CKernelPrinter | None = None, local: str = "const double"
) -> list[str]:
    """The C statements evaluating the rewritten `expr` in `var`: let-bound steps, then ``return``
    (`printer` and the declaration of a step, `local`, for a C-like language such as C#)."""
    p = printer or CKernelPrinter()
    builder = Builder()
    result = lower(expr, builder, var)
    needed = set(result.free_symbols)
    used = []
    for sym, value in reversed(builder.steps):  # a step no later one reads is dropped (-Wunused)
        if sym in needed:
            used.append((sym, value))
            needed |= value.free_symbols
    lines = [f"    {local} {sym} = {p.doprint(value)};" for sym, value in reversed(used)]
    return [*lines, f"    return {p.doprint(result)};"]


def _limit_text(v: sp.Expr | None, p: CKernelPrinter) -> str:
    if v is None:
        return p.nan_text
    v = sp.sympify(v)
    return p.doprint(v) if v.free_symbols else p.number(v)


def guard_lines(r: KernelResult, inputs: list[str], p: CKernelPrinter) -> list[str]:
    """The statements before a kernel's steps: a loss gives nan when an input is nan (as
    ``_rt.elementwise2``); a guarded kernel returns nan for nan and its limits at +-inf."""
    var = inputs[0]
    body = []
    if r.plan.extra:
        body.append(f"    if ({' || '.join(f'{p.isnan_call}({n})' for n in inputs)}) return {p.nan_text};")
    elif r.guarded:
        body.append(f"    if ({p.isnan_call}({var})) return {var};")
    if r.guarded:
        neg, pos = (_limit_text(v, p) for v in r.limits)
        body.append(f"    if ({p.isinf_call}({var})) return {var} > 0 ? {pos} : {neg};")
    return body
