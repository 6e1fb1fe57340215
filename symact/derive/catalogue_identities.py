"""Every identity symact proves about the catalogue, gathered from its sources.

:data:`SOURCES` names functions ``() -> list[Identity]`` as ``"module:function"``; adding a family
of identities means adding its source here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from symact.catalogue import A, Activation, records
from symact.derive._elementwise import Derivation
from symact.derive.identities import Identity, Refutation

__all__ = ["REFUTATION_SOURCES", "SOURCES", "all_identities", "all_refutations", "output_form_identities"]

SOURCES: tuple[str, ...] = (
    "symact.derive.catalogue_identities:output_form_identities",
    "symact.derive.neuron:neuron_identities",
    "symact.derive.links:link_identities",
)

REFUTATION_SOURCES: tuple[str, ...] = ("symact.derive.links:link_refutations",)


def output_form_identities() -> list[Identity]:
    from symact.derive import derive  # the package imports this module's siblings first

    """f'(x) = g(a), a = f(x), for every catalogue activation whose output form was found and proved."""
    result = []
    for record in records():
        if not isinstance(record, Activation):
            continue
        d = derive(record)
        assert isinstance(d, Derivation)
        of = d.output_form
        if of.expression is None:
            continue
        result.append(
            Identity(
                name=f"{record.name}_output_form",
                lhs=d.derivative_simplified,
                rhs=of.expression,
                method=f"symbolic, {of.proof}; mpmath 50 digits at {d.checked_points} points",
                checked_points=d.checked_points,
                description=f"{record.name}: f'(x) written in the output a = f(x)",
                assumptions=f"parameters symbolic; pieces ordered at defaults; convention {d.convention}"
                if record.params or record.kinks
                else "",
                where={A: d.expression},
            )
        )
    return result


def _gather(specs: tuple[str, ...]) -> list:  # type: ignore[type-arg]
    out = []
    for spec in specs:
        module, func = spec.split(":")
        source: Callable[[], list] = getattr(importlib.import_module(module), func)  # type: ignore[type-arg]
        out.extend(source())
    return out


def all_identities() -> list[Identity]:
    """All proved identities, source by source."""
    return _gather(SOURCES)


def all_refutations() -> list[Refutation]:
    """Tempting identities that are false (non-canonical pairs), each with a witness point."""
    return _gather(REFUTATION_SOURCES)
