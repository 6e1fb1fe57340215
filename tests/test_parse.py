"""The whitelist parser: valid text gives the right SymPy objects; errors point at the right column."""

from __future__ import annotations

import pytest
import sympy as sp

from symact.catalogue import X
from symact.errors import UserError
from symact.parse import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    ExpressionError,
    looks_like_expression,
    parse_expression,
)

k = sp.Symbol("k", real=True)
beta = sp.Symbol("beta", real=True)

VALID = [
    ("x", X),
    ("3", sp.Integer(3)),
    ("0.01*x", X / 100),
    ("1e-3 + x", sp.Rational(1, 1000) + X),
    ("2.5E2", sp.Integer(250)),
    (".5", sp.Rational(1, 2)),
    ("-x**2", -(X**2)),
    ("(-x)**2", X**2),
    ("2**-x", 2 ** (-X)),
    ("x**2**3", X**8),
    ("x - 1 - 2", X - 3),
    ("x / 2 / 3", X / 6),
    ("1 + 2*x", 1 + 2 * X),
    ("--x", X),
    ("+x", X),
    ("x*tanh(log(1 + exp(x)))", X * sp.tanh(sp.log(1 + sp.exp(X)))),
    ("log1p(x)", sp.log(1 + X)),
    ("expm1(x)", sp.exp(X) - 1),
    ("sqrt(x)", sp.sqrt(X)),
    ("abs(x)", sp.Abs(X)),
    ("sign(x)", sp.sign(X)),
    ("sinh(x) + cosh(x)", sp.sinh(X) + sp.cosh(X)),
    ("erf(x) + erfc(x)", sp.erf(X) + sp.erfc(X)),
    ("max(x, 0)", sp.Max(X, 0)),
    ("min(x, 1, k)", sp.Min(X, 1, k)),
    ("sigmoid(x)", 1 / (1 + sp.exp(-X))),
    ("softplus(beta*x)/beta", sp.log(1 + sp.exp(beta * X)) / beta),
    ("heaviside(x)", sp.Piecewise((0, X < 0), (1, True))),
    ("where(x < 0, k*x, x)", sp.Piecewise((k * X, X < 0), (X, True))),
    ("where(x >= 0 & x <= 1, x, 0)", sp.Piecewise((X, (X >= 0) & (X <= 1)), (0, True))),
    ("where(x < -1 | x > 1, 1, 0)", sp.Piecewise((1, (X < -1) | (X > 1)), (0, True))),
    ("piecewise(0, x < -1, x, x < 1, 1)", sp.Piecewise((0, X < -1), (X, X < 1), (1, True))),
    ("pi*x + e", sp.pi * X + sp.E),
    ("x*sigmoid(1.702*x)", X / (1 + sp.exp(-sp.Rational(1702, 1000) * X))),
    ("  x\t+ 1 ", X + 1),
]


@pytest.mark.parametrize(("text", "expected"), VALID, ids=[t for t, _ in VALID])
def test_valid_expressions_give_the_sympy_object(text: str, expected: sp.Expr) -> None:
    got = parse_expression(text, params=["k", "beta"])
    assert sp.srepr(got) == sp.srepr(expected) or sp.simplify(got - expected) == 0
    assert got.free_symbols <= {X, k, beta}


def test_numbers_are_exact() -> None:
    assert parse_expression("0.1") == sp.Rational(1, 10)
    assert not parse_expression("0.1*x + 1e-7").has(sp.Float)


def test_parameters_are_the_catalogue_symbols() -> None:
    from symact.catalogue import Param

    p = Param(name="alpha", default=sp.S.One, valid=sp.S.Reals, description="")
    assert parse_expression("alpha*x", params=["alpha"]) == p.symbol * X


def test_every_whitelisted_function_parses() -> None:
    for name, fn in FUNCTIONS.items():
        least = fn.arity[0]
        args = [
            "x < 0" if (name == "where" and i == 0) or (name == "piecewise" and i == 1) else "x"
            for i in range(least)
        ]
        assert isinstance(parse_expression(f"{name}({', '.join(args)})"), sp.Expr), name


# (text, column of the caret, words the message must contain)
ERRORS = [
    ("x +* 2", 4, "unexpected '*'"),
    ("2x", 2, "unexpected 'x'"),
    ("x^2", 2, "use ** for powers"),
    ("x.real", 2, "attribute"),
    ("foo(x)", 1, "unknown function 'foo'"),
    ("x + y", 5, "unknown name 'y'"),
    ("exp", 1, "exp is a function"),
    ("x(2)", 2, "x is not a function"),
    ("(x + 1", 7, "expected ')'"),
    ("x + 1)", 6, "unmatched ')'"),
    ("", 1, "empty expression"),
    ("max(x)", 1, "max takes at least 2 arguments"),
    ("tanh(x, 1)", 1, "tanh takes 1 argument"),
    ("where(x, 1, 0)", 7, "must be a condition"),
    ("x < 0", 1, "is a condition, not a number"),
    ("exp(x < 0)", 5, "is a condition"),
    ("0 < x < 1", 7, "chained comparisons"),
    ("piecewise(1, x < 0, 2, x < 1)", 1, "odd number"),
    ("1/0", 2, "division by zero"),
    ("log(0)", 1, "undefined or infinite"),
    ("x = 1", 3, "no assignment"),
    ("'x'", 1, "no string literals"),
    ("x\x00", 2, "control character U+0000"),
    ("ｘ", 1, "U+FF58"),
    ("9**9**9", 2, "exponent 387420489 is too large"),
    ("2**1000", 2, "too large"),
    ("(10**50)**20", 9, "digits"),
    ("1" * 70, 1, "digits"),
    ("1e400", 1, "out of range"),
    ("0." + "0" * 400 + "1", 1, "out of range"),
    ("x, 1", 2, "',' outside a function call"),
]


@pytest.mark.parametrize(("text", "column", "words"), ERRORS, ids=[repr(t[0])[:30] for t in ERRORS])
def test_errors_name_the_column_and_show_a_caret(text: str, column: int, words: str) -> None:
    with pytest.raises(ExpressionError) as info:
        parse_expression(text)
    err = info.value
    assert isinstance(err, UserError)
    assert err.column == column, str(err)
    first, shown, caret = str(err).split("\n")
    assert f"at column {column}:" in first
    assert words in first
    assert "allowed:" in first and "sigmoid" in first
    # the caret sits under the offending character of the echoed input
    assert caret.strip() == "^"
    at = caret.index("^")
    if column > len(text):  # the end of the input
        assert at == len(shown)
    else:
        char = text[column - 1]
        assert shown[at] == (char if " " <= char <= "~" else "?")


def test_caret_display_of_long_input_is_a_window() -> None:
    text = "x + " * 100 + "@" + " + x" * 100
    with pytest.raises(ExpressionError) as info:
        parse_expression(text)
    _, shown, caret = str(info.value).split("\n")
    assert len(shown) < 80
    assert shown[caret.index("^")] == "@"


def test_limits() -> None:
    with pytest.raises(ExpressionError, match="too long"):
        parse_expression("x" + "+x" * MAX_LENGTH)
    with pytest.raises(ExpressionError, match="nesting deeper"):
        parse_expression("(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1))
    assert parse_expression("(" * (MAX_DEPTH - 1) + "x" + ")" * (MAX_DEPTH - 1)) == X
    with pytest.raises(ExpressionError, match="nesting deeper"):
        parse_expression("-" * (MAX_DEPTH + 1) + "x")


@pytest.mark.parametrize("name", ["x", "e", "pi", "exp", "where", "_hidden", "__class__", "a b", "ｋ", ""])
def test_bad_parameter_names_are_refused(name: str) -> None:
    with pytest.raises(UserError):
        parse_expression("x", params=[name])


def test_text_only() -> None:
    with pytest.raises(UserError, match="must be text"):
        parse_expression(b"x")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "is_expr"),
    [
        ("relu", False),
        ("leaky-relu", False),
        ("gelu_tanh", False),
        ("x", True),
        ("x*2", True),
        ("2", True),
        ("(x)", True),
    ],
)
def test_names_and_expressions_are_told_apart(text: str, is_expr: bool) -> None:
    assert looks_like_expression(text) is is_expr
