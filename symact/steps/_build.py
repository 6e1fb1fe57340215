"""Dispatch on ``record.kind``: the table of derivation builders, and the extra derivations a record
implies (a loss with an element-wise link gets the composed dL/dz and the neuron).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping

from symact.catalogue import Record
from symact.errors import VerificationError
from symact.steps._common import composable, link_name
from symact.steps._composite import link_derivation
from symact.steps._doc import Document
from symact.steps._elementwise import elementwise_derivation
from symact.steps._indexed import INDEXED, indexed_derivation
from symact.steps._vector import vector_derivation, vector_loss_derivation

__all__ = ["BUILDERS", "composable", "derivation", "derivations", "planned_names"]

Builder = Callable[[Record], Document]

BUILDERS: Mapping[str, Builder] = {
    "elementwise": elementwise_derivation,  # type: ignore[dict-item]
    "loss": elementwise_derivation,  # type: ignore[dict-item]
    "vector": vector_derivation,  # type: ignore[dict-item]
    "vector_loss": vector_loss_derivation,  # type: ignore[dict-item]
}
"""record.kind -> the function building its derivation."""


def derivation(record: Record) -> Document:
    """The checked derivation of `record`.

    **Raises:** VerificationError if a step fails its checks or no builder handles ``record.kind``.
    """
    if record.name in INDEXED and record.kind in ("vector", "vector_loss"):
        return indexed_derivation(record)
    builder = BUILDERS.get(record.kind)
    if builder is None:
        raise VerificationError(f"{record.name}: no derivation builder for records of kind {record.kind!r}")
    return builder(record)


def _extras(record: Record) -> list[tuple[str, Callable[[], Document]]]:
    if composable(record):
        return [(link_name(record), lambda: link_derivation(record))]  # type: ignore[arg-type]
    return []


def planned_names(record: Record) -> list[str]:
    """The derivation names (file stems) that `record` produces."""
    return [record.name, *[name for name, _ in _extras(record)]]


def derivations(records: Iterable[Record]) -> Iterable[tuple[str, str, Document | VerificationError]]:
    """(record name, derivation name, derivation or the error) for every derivation of `records`."""
    for record in records:
        jobs: list[tuple[str, Callable[[], Document]]] = [
            (record.name, functools.partial(derivation, record))
        ]
        jobs += _extras(record)
        for name, job in jobs:
            try:
                yield record.name, name, job()
            except VerificationError as exc:
                yield record.name, name, exc
            except Exception as exc:  # any other failure is reported as a failed derivation, never skipped
                yield record.name, name, VerificationError(f"{name}: {type(exc).__name__}: {exc}")
