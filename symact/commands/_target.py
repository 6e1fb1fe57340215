"""Turn a command-line argument into a catalogue record."""

from __future__ import annotations

from symact.catalogue import Record, UnknownFunctionError, get
from symact.errors import UserError


def resolve(text: str, *, name: str | None = None) -> Record:
    """The record that `text` names (a catalogue name or alias).

    **Raises:** UserError with the closest known names for an unknown name.
    """
    del name  # reserved for functions given as expressions
    try:
        return get(text)
    except UnknownFunctionError as exc:
        raise UserError(str(exc)) from None
