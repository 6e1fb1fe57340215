"""The catalogue: every function symact knows, as data.

``get(name)`` resolves a name or an alias; ``records()`` lists them in catalogue order.  User code
adds functions with ``register(record)``.
"""

from __future__ import annotations

import difflib

from symact.catalogue._params import check_params
from symact.catalogue._record import Activation, Kink, Loss, Param, Record, VectorFunction, VectorLoss
from symact.catalogue._symbols import A, X, Y, vector_symbols
from symact.catalogue.activations import ACTIVATIONS
from symact.catalogue.activations_piecewise import PIECEWISE_ACTIVATIONS
from symact.catalogue.activations_rectifiers import RECTIFIER_ACTIVATIONS
from symact.catalogue.losses import ELEMENTWISE_LOSSES, VECTOR_LOSSES
from symact.catalogue.vector import VECTOR_FUNCTIONS
from symact.errors import SymactError

__all__ = [
    "A",
    "Activation",
    "Kink",
    "Loss",
    "Param",
    "Record",
    "UnknownFunctionError",
    "VectorFunction",
    "VectorLoss",
    "X",
    "Y",
    "check_params",
    "get",
    "names",
    "records",
    "register",
    "vector_symbols",
]


class UnknownFunctionError(SymactError, KeyError):
    """A name that is neither a record nor an alias."""

    def __str__(self) -> str:
        return str(self.args[0])


_RECORDS: dict[str, Record] = {}
_ALIASES: dict[str, str] = {}


def register(record: Record, *, replace: bool = False) -> Record:
    """Add `record` to the catalogue; its name and aliases must be new unless `replace`."""
    taken = [n for n in (record.name, *record.aliases) if (n in _RECORDS or n in _ALIASES)]
    if taken and not replace:
        raise ValueError(f"name already in the catalogue: {', '.join(taken)}")
    _RECORDS[record.name] = record
    for alias in record.aliases:
        _ALIASES[alias] = record.name
    return record


def get(name: str) -> Record:
    """The record called `name` (or aliased so); UnknownFunctionError names the closest ones."""
    key = name.strip().lower().replace("-", "_")
    key = _ALIASES.get(key, key)
    if key in _RECORDS:
        return _RECORDS[key]
    close = difflib.get_close_matches(key, [*_RECORDS, *_ALIASES], n=3, cutoff=0.5)
    hint = (
        f"; did you mean {', '.join(close)}?" if close else f"; see 'symact list' ({len(_RECORDS)} functions)"
    )
    raise UnknownFunctionError(f"unknown function {name!r}{hint}")


def records() -> tuple[Record, ...]:
    """All records, in catalogue order."""
    return tuple(_RECORDS.values())


def names() -> tuple[str, ...]:
    return tuple(_RECORDS)


_BUILT_IN: tuple[Record, ...] = (
    *ACTIVATIONS,
    *PIECEWISE_ACTIVATIONS,
    *RECTIFIER_ACTIVATIONS,
    *VECTOR_FUNCTIONS,
    *ELEMENTWISE_LOSSES,
    *VECTOR_LOSSES,
)
for _r in _BUILT_IN:
    register(_r)
