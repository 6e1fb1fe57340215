"""Every identity symact proves about the catalogue, gathered from its sources.

:data:`SOURCES` names functions ``() -> list[Identity]`` as ``"module:function"``; adding a family
of identities means adding its source here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable


from symact.catalogue import A, Activation, records
from symact.derive._elementwise import derive_elementwise
from symact.derive.identities import Identity

__all__ = ["SOURCES", "all_identities", "output_form_identities"]

SOURCES: tuple[str, ...] = (
    "symact.derive.catalogue_identities:output_form_identities",
    "symact.derive.neuron:neuron_identities",
)


def output_form_identities() -> list[Identity]:
    """f'(x) = g(a), a = f(x), for every catalogue activation whose output form was found and proved."""
    result = []
    for record in records():
        if not isinstance(record, Activation):
            continue
        d = derive_elementwise(record)
        of = d.output_form
        if of.expression is None:
            continue
        result.append(
            Identity(
                name=f"{record.name}_output_form",
                lhs=d.derivative_simplified,
                rhs=of.expression,
                method=f"{of.proof} + mpmath 50 digits at {d.checked_points} points",
                checked_points=d.checked_points,
                description=f"{record.name}: f'(x) written in the output a = f(x)",
                assumptions=f"parameters symbolic; pieces ordered at their defaults; convention {d.convention}"
                if record.params or record.kinks
                else "",
                where={A: d.expression},
            )
        )
    return result


def all_identities() -> list[Identity]:
    """All proved identities, source by source."""
    out: list[Identity] = []
    for spec in SOURCES:
        module, func = spec.split(":")
        source: Callable[[], list[Identity]] = getattr(importlib.import_module(module), func)
        out.extend(source())
    return out


