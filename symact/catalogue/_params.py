"""Parameter assignment: defaults, user values, ranges and cross-parameter constraints."""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from symact.catalogue._record import Record

__all__ = ["check_params"]


def check_params(record: Record, values: Mapping[str, sp.Expr] | None = None) -> dict[sp.Symbol, sp.Expr]:
    """The parameter values of `record`: its defaults, overridden by `values` (by parameter name).

    Every value must lie in its parameter's valid range and together they must satisfy the record's
    `constraints` (for example min_val < max_val for hardtanh).

    **Returns:** a mapping from each parameter's symbol to its value.

    **Raises:** ValueError (one line) naming the unknown parameter, the value out of range or the
    violated constraint.
    """
    by_name = {p.name: p for p in record.params}
    chosen: dict[sp.Symbol, sp.Expr] = {p.symbol: p.default for p in record.params}
    for key, value in (values or {}).items():
        if key not in by_name:
            known = ", ".join(by_name) or "none"
            raise ValueError(f"{record.name} has no parameter {key!r} (parameters: {known})")
        param = by_name[key]
        value = sp.sympify(value)
        param.check(value)
        chosen[param.symbol] = value
    for constraint in record.constraints:
        holds = constraint.subs(chosen)
        if holds is not sp.true:
            given = ", ".join(f"{s}={v}" for s, v in chosen.items())
            raise ValueError(f"{record.name}: parameters {given} violate the constraint {constraint}")
    return chosen
