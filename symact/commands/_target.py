"""Turn a command-line argument into a catalogue record: a known name, or an expression.

``resolve("relu")`` is the catalogue's record; ``resolve("x*tanh(softplus(x))", name="mish_like")``
parses the text with the whitelist parser (:mod:`symact.parse`) into a new, unregistered
:class:`~symact.catalogue.Activation` whose kinks are found from the expression.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping

from symact.catalogue import Record, UnknownFunctionError, get
from symact.errors import UserError
from symact.parse import ExpressionError, check_param_name, looks_like_expression
from symact.user import load_configured, make_activation

__all__ = ["add_param_option", "param_values", "resolve"]

DEFAULT_NAME = "custom"
_MAX_NAME = 64

ParamsArg = Mapping[str, object] | Iterable[str]


def resolve(text: str, *, name: str | None = None, params: ParamsArg = ()) -> Record:
    """The record that `text` names (a catalogue name or alias), or one built from an expression.

    **Arguments:**
    - `text`: a name (``relu``, ``leaky-relu``) or an expression in ``x`` (``"x*sigmoid(x)"``).
    - `name`: the name of a record built from an expression (default ``"custom"``).
    - `params`: parameters an expression may use: ``NAME=VALUE`` strings (``--param``), bare names
      (default 1), or a mapping ``{name: value}``.  Ignored for catalogue names.

    **Raises:** UserError: an unknown name (with the closest known ones) or a bad expression (with
    the column).
    """
    if not isinstance(text, str):
        raise UserError(f"a function is given by name or expression text, not {type(text).__name__}")
    declared = params if isinstance(params, Mapping) else param_values(params)
    if not looks_like_expression(text):
        if len(text) > _MAX_NAME:
            raise UserError(f"no function has a name that long ({len(text)} characters; see 'symact list')")
        try:
            return get(text)
        except UnknownFunctionError as exc:
            unknown = UserError(f"{exc} (or write an expression in x, such as 'x*sigmoid(x)')")
        if load_configured():  # the project's own functions ([tool.symact] modules)
            return resolve(text, name=name, params=params)
        if "-" not in text:  # a plain identifier: a misspelt name, not an expression
            raise unknown from None
        try:  # "x-1" reads like a hyphenated name but is an expression
            return make_activation(name or DEFAULT_NAME, text, params=declared)
        except ExpressionError:
            raise unknown from None
    return make_activation(name or DEFAULT_NAME, text, params=declared)


def param_values(items: Iterable[str]) -> dict[str, str | None]:
    """``["beta=1.5", "k"]`` as ``{"beta": "1.5", "k": None}``; UserError on a bad item."""
    result: dict[str, str | None] = {}
    for item in items:
        key, sep, value = str(item).partition("=")
        key = check_param_name(key.strip())
        if key in result:
            raise UserError(f"--param {key} given twice")
        if sep and not value.strip():
            raise UserError(f"--param {key}= needs a value, such as {key}=1.5")
        result[key] = value.strip() if sep else None
    return result


def add_param_option(parser: argparse.ArgumentParser) -> None:
    """``--param NAME=VALUE`` (repeatable), for commands that take a function."""
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a parameter value (repeatable); in an expression, declares the name",
    )
