"""Derivation: derivatives, their simplified forms, output forms and identities, all proved.

``derive(record)`` dispatches on the record's kind: element-wise functions and losses get
:class:`Derivation`; vector functions get :class:`VectorDerivation` (Jacobian and its output form).
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from symact.catalogue import Record
from symact.derive import store
from symact.derive._elementwise import Derivation, KinkAnalysis, derive_elementwise
from symact.derive._output_form import OutputForm
from symact.derive._pieces import to_piecewise
from symact.derive._vector import VectorDerivation, derive_vector
from symact.derive.identities import Identity, Refutation, prove_identity, refute_identity
from symact.errors import ArgumentError

__all__ = [
    "CONVENTIONS",
    "Derivation",
    "Identity",
    "KinkAnalysis",
    "OutputForm",
    "Refutation",
    "VectorDerivation",
    "derive",
    "prove_identity",
    "refute_identity",
    "to_piecewise",
]

CONVENTIONS: tuple[str, ...] = ("pytorch", "jax", "symmetric")


def derive(
    record: Record, *, params: Mapping[str, sp.Expr] | None = None, convention: str = "pytorch"
) -> Derivation | VectorDerivation:
    """Derive everything about `record` under `convention` (the value used at kinks)."""
    if convention not in CONVENTIONS:
        raise ArgumentError(f"unknown convention {convention!r}; choose one of {', '.join(CONVENTIONS)}")
    key = (id(record), tuple(sorted((params or {}).items(), key=str)), convention)
    cached = _MEMO.get(key)
    if cached is not None and cached[0] is record:
        return cached[1]
    stored = store.key(record, params, convention) if store.current() is not None else ""
    found = store.load(record, stored) if stored else None
    if found is not None:
        _MEMO[key] = (record, found)
        return found  # type: ignore[no-any-return]
    if record.kind in ("vector", "vector_loss"):
        result: Derivation | VectorDerivation = derive_vector(record, params=params)  # type: ignore[arg-type]
    else:
        result = derive_elementwise(record, params=params, convention=convention)  # type: ignore[arg-type]
    _MEMO[key] = (record, result)
    if stored:
        store.save(stored, result)
    return result


# Derivations are pure functions of the (immutable) record, the parameters and the convention.
_MEMO: dict[tuple[object, ...], tuple[Record, Derivation | VectorDerivation]] = {}
