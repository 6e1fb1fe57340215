"""Parsing ``--param name=value`` safely: exact numbers only, never evaluated as code."""

from __future__ import annotations

import re

import sympy as sp

from symact.errors import UserError

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?(/\d+)?")


def parse_params(items: list[str] | None) -> dict[str, sp.Expr]:
    """``["negative_slope=0.2", "b=1/3"]`` -> exact values; UserError on anything else."""
    result: dict[str, sp.Expr] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name.isidentifier():
            raise UserError(
                f"malformed --param {item!r}: expected name=value, for example negative_slope=0.2"
            )
        if not _NUMBER.fullmatch(value):
            raise UserError(
                f"malformed --param {item!r}: the value must be a number such as 0.2, 1e-3 or 1/3"
            )
        mantissa, _, denominator = value.partition("/")
        exponent = mantissa.lower().partition("e")[2]
        if len(value) > 60 or (exponent and abs(int(exponent)) > 400):
            raise UserError(f"--param {name}: value too long or too large (60 characters, |exponent| <= 400)")
        if denominator and int(denominator) == 0:
            raise UserError(f"malformed --param {item!r}: division by zero")
        number = sp.Rational(mantissa) / (sp.Integer(denominator) if denominator else 1)
        result[name] = number
    return result
