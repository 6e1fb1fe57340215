"""Expressions from text, safely: a tokenizer and a recursive-descent parser over a whitelist.

The text is never handed to ``eval``, ``sympify`` or ``parse_expr``.  Every token is checked against
a fixed grammar and the parser builds SymPy objects directly:

- numbers (``2``, ``0.01``, ``1e-3``; read exactly, as Integer or Rational), the variable ``x``, the
  constants ``pi`` and ``e``, and the parameter names the caller declares;
- ``+ - * / **``, unary minus, parentheses;
- conditions (only as the first argument of ``where`` or inside ``piecewise``): ``< <= > >=``,
  combined with ``&`` (and) and ``|`` (or);
- the functions in :data:`FUNCTIONS`.

Limits keep hostile input cheap: at most :data:`MAX_LENGTH` characters, :data:`MAX_DEPTH` levels of
nesting, number literals of at most :data:`MAX_DIGITS` digits, numeric exponents of at most
:data:`MAX_EXPONENT` and numeric powers of at most :data:`MAX_POWER_DIGITS` digits.  Every refusal is
an :class:`ExpressionError` whose first line names the column and what is allowed; the next two
lines show the input with a caret under it.

Example:
    >>> parse_expression("x*tanh(log(1 + exp(x)))")
    x*tanh(log(exp(x) + 1))
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar

import sympy as sp
from sympy.logic.boolalg import Boolean

from symact.catalogue import X
from symact.errors import UserError

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_EXPONENT",
    "MAX_LENGTH",
    "MAX_POWER_DIGITS",
    "ExpressionError",
    "looks_like_expression",
    "parse_expression",
]

MAX_LENGTH = 2000
MAX_DEPTH = 60
MAX_DIGITS = 60
MAX_POWER_DIGITS = 400
MAX_EXPONENT = 256
MAX_DECIMAL_EXPONENT = 300
_WINDOW = 60


def _sigmoid(u: sp.Expr) -> sp.Expr:
    return 1 / (1 + sp.exp(-u))


def _softplus(u: sp.Expr) -> sp.Expr:
    return sp.log(1 + sp.exp(u))


def _heaviside(u: sp.Expr) -> sp.Expr:
    return sp.Piecewise((sp.S.Zero, u < 0), (sp.S.One, True))


@dataclass(frozen=True)
class _Fn:
    """A whitelisted function: how many arguments it takes and the SymPy object it builds."""

    build: Callable[..., sp.Expr]
    arity: tuple[int, int | None]  # least, most (None: any number)
    help: str


FUNCTIONS: dict[str, _Fn] = {
    "exp": _Fn(sp.exp, (1, 1), "e**u"),
    "log": _Fn(sp.log, (1, 1), "natural logarithm"),
    "log1p": _Fn(lambda u: sp.log(1 + u), (1, 1), "log(1 + u)"),
    "expm1": _Fn(lambda u: sp.exp(u) - 1, (1, 1), "exp(u) - 1"),
    "sqrt": _Fn(sp.sqrt, (1, 1), "square root"),
    "abs": _Fn(sp.Abs, (1, 1), "absolute value"),
    "sign": _Fn(sp.sign, (1, 1), "-1, 0 or 1"),
    "tanh": _Fn(sp.tanh, (1, 1), "hyperbolic tangent"),
    "sinh": _Fn(sp.sinh, (1, 1), "hyperbolic sine"),
    "cosh": _Fn(sp.cosh, (1, 1), "hyperbolic cosine"),
    "erf": _Fn(sp.erf, (1, 1), "error function"),
    "erfc": _Fn(sp.erfc, (1, 1), "1 - erf(u)"),
    "max": _Fn(sp.Max, (2, None), "largest argument"),
    "min": _Fn(sp.Min, (2, None), "smallest argument"),
    "sigmoid": _Fn(_sigmoid, (1, 1), "1/(1 + exp(-u))"),
    "softplus": _Fn(_softplus, (1, 1), "log(1 + exp(u))"),
    "heaviside": _Fn(_heaviside, (1, 1), "0 for u < 0, 1 from u = 0 on"),
    "where": _Fn(lambda c, a, b: sp.Piecewise((a, c), (b, True)), (3, 3), "where(cond, then, else)"),
    "piecewise": _Fn(
        lambda *a: sp.Piecewise(*[(a[i], a[i + 1]) for i in range(0, len(a) - 1, 2)], (a[-1], True)),
        (3, None),
        "piecewise(v1, cond1, v2, cond2, ..., otherwise)",
    ),
}
"""The functions an expression may call, by name."""

_CONDITION_ARGS: dict[str, Callable[[int, int], bool]] = {
    "where": lambda i, n: i == 0,
    "piecewise": lambda i, n: i % 2 == 1 and i < n - 1,
}
"""Which argument positions of a function hold a condition rather than a number."""

CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "e": sp.E}
_VARIABLES: dict[str, sp.Expr] = {"x": X}
_RESERVED = {*FUNCTIONS, *CONSTANTS, *_VARIABLES}

_ALLOWED = "numbers, x, pi, e, declared parameters, + - * / ** ( ), conditions < <= > >= & | and " + " ".join(
    FUNCTIONS
)

_TOKEN = re.compile(
    r"""
    (?P<space>[ \t]+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|<=|>=|[-+*/(),<>&|])
    """,
    re.VERBOSE,
)

_HINTS: dict[str, str] = {
    "^": "use ** for powers",
    ".": "a dot only belongs inside a number; there is no attribute access",
    "=": "no assignment or ==; conditions use < <= > >=",
    "!": "no != or 'not'; write the complementary comparison",
    "'": "no string literals",
    '"': "no string literals",
    "[": "no indexing or lists",
    "]": "no indexing or lists",
    "{": "no braces",
    "}": "no braces",
    ";": "one expression only",
    ":": "no lambdas, slices or annotations",
    "@": "no decorators or matrix products",
    "%": "no modulo or formatting",
    "#": "no comments",
    "\\": "no escapes or line continuations",
}


class ExpressionError(UserError):
    """An expression that is not in the whitelist: the column, the reason, and a caret display.

    `str()` gives three lines: the one-line error (with the column and what is allowed), the input
    (a window around the column for long input; control and non-ASCII characters shown as ``?``),
    and a caret under the offending position.
    """

    def __init__(self, text: str, position: int, reason: str) -> None:
        self.text = text
        self.position = position
        self.column = position + 1
        self.reason = reason
        super().__init__(self._render())

    def _render(self) -> str:
        first = f"bad expression at column {self.column}: {self.reason}; allowed: {_ALLOWED}"
        start = max(0, min(self.position - _WINDOW // 2, len(self.text) - _WINDOW))
        shown = self.text[start : start + _WINDOW]
        shown = "".join(c if " " <= c <= "~" else "?" for c in shown)
        lead = "..." if start > 0 else ""
        tail = "..." if start + _WINDOW < len(self.text) else ""
        caret = " " * (len(lead) + self.position - start) + "^"
        return f"{first}\n    {lead}{shown}{tail}\n    {caret}"


@dataclass(frozen=True)
class _Token:
    kind: str  # "number" | "name" | "op" | "end"
    text: str
    pos: int


def _describe_char(c: str) -> str:
    code = f"U+{ord(c):04X}"
    if c.isprintable() and c.isascii():
        return f"{c!r}"
    name = unicodedata.name(c, "")
    kind = "control character" if unicodedata.category(c).startswith("C") else "character"
    return f"{kind} {code}" + (f" {name}" if name else "")


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            c = text[pos]
            hint = _HINTS.get(c) or ("" if c.isascii() else "expressions are plain ASCII")
            raise ExpressionError(
                text, pos, f"{_describe_char(c)} is not allowed" + (f" ({hint})" if hint else "")
            )
        kind = m.lastgroup or ""
        if kind != "space":
            tokens.append(_Token(kind, m.group(), pos))
        pos = m.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


def _number(text: str, tok: _Token) -> sp.Expr:
    """An exact Integer or Rational from a decimal literal, within the digit limits."""
    mantissa, _, exponent = tok.text.lower().partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    if len(digits) > MAX_DIGITS:
        raise ExpressionError(text, tok.pos, f"number with {len(digits)} digits (at most {MAX_DIGITS})")
    power = (int(exponent) if exponent else 0) - len(frac)
    if abs(power) > MAX_DECIMAL_EXPONENT:
        raise ExpressionError(
            text, tok.pos, f"the number's scale 10**{power} is out of range (|e| <= {MAX_DECIMAL_EXPONENT})"
        )
    return sp.Integer(int(whole + frac or "0")) * sp.Rational(10) ** power


def _short(value: sp.Expr) -> str:
    text = str(value)
    return text if len(text) <= 24 else text[:10] + "..." + text[-10:]


def _is_condition(node: sp.Basic) -> bool:
    return isinstance(node, Boolean) and not isinstance(node, sp.Expr)


class _Parser:
    """Recursive descent over the token list; one method per precedence level."""

    def __init__(self, text: str, names: dict[str, sp.Expr]) -> None:
        self.text = text
        self.names = names
        self.tokens = _tokenize(text)
        self.i = 0
        self.depth = 0

    # -- tokens --------------------------------------------------------------------------------
    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def _take(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def _accept(self, *ops: str) -> _Token | None:
        if self.tok.kind == "op" and self.tok.text in ops:
            return self._take()
        return None

    def error(self, tok: _Token, reason: str) -> ExpressionError:
        return ExpressionError(self.text, tok.pos, reason)

    def _enter(self, tok: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(tok, f"nesting deeper than {MAX_DEPTH} levels")

    def _found(self, tok: _Token) -> str:
        return "end of input" if tok.kind == "end" else repr(tok.text)

    # -- grammar -------------------------------------------------------------------------------
    def parse(self) -> sp.Expr:
        if self.tok.kind == "end":
            raise ExpressionError(self.text, 0, "empty expression")
        start = self.tok
        node = self.condition()
        if self.tok.kind != "end":
            extra = self.tok
            if extra.text == ")":
                raise self.error(extra, "unmatched ')'")
            if extra.text == ",":
                raise self.error(extra, "',' outside a function call")
            raise self.error(extra, f"unexpected {self._found(extra)}; expected an operator or the end")
        return self.number_of(node, start, "the whole expression")

    def number_of(self, node: sp.Basic, tok: _Token, what: str) -> sp.Expr:
        if _is_condition(node):
            raise self.error(tok, f"{what} is a condition, not a number (conditions go in where/piecewise)")
        return node  # type: ignore[return-value]

    def condition(self) -> sp.Basic:
        left_tok = self.tok
        node = self.conjunction()
        while op := self._accept("|"):
            right_tok = self.tok
            right = self.conjunction()
            node = sp.Or(self._cond(node, left_tok, op), self._cond(right, right_tok, op))
        return node

    def conjunction(self) -> sp.Basic:
        left_tok = self.tok
        node = self.comparison()
        while op := self._accept("&"):
            right_tok = self.tok
            right = self.comparison()
            node = sp.And(self._cond(node, left_tok, op), self._cond(right, right_tok, op))
        return node

    def _cond(self, node: sp.Basic, tok: _Token, op: _Token) -> sp.Basic:
        if not _is_condition(node):
            raise self.error(tok, f"the operands of {op.text!r} must be comparisons such as x < 0")
        return node

    _COMPARE: ClassVar[dict[str, Callable[[sp.Expr, sp.Expr], sp.Basic]]] = {
        "<": sp.Lt,
        "<=": sp.Le,
        ">": sp.Gt,
        ">=": sp.Ge,
    }

    def comparison(self) -> sp.Basic:
        left_tok = self.tok
        left = self.additive()
        op = self._accept(*self._COMPARE)
        if op is None:
            return left
        right_tok = self.tok
        right = self.additive()
        if self.tok.kind == "op" and self.tok.text in self._COMPARE:
            raise self.error(self.tok, "chained comparisons are not allowed; join them with &")
        return self._COMPARE[op.text](
            self.number_of(left, left_tok, "the left side"),
            self.number_of(right, right_tok, "the right side"),
        )

    def additive(self) -> sp.Basic:
        left_tok = self.tok
        node = self.term()
        while op := self._accept("+", "-"):
            right_tok = self.tok
            right = self.number_of(self.term(), right_tok, "an operand")
            left = self.number_of(node, left_tok, "an operand")
            node = self.checked(left + right if op.text == "+" else left - right, op)
        return node

    def term(self) -> sp.Basic:
        left_tok = self.tok
        node = self.unary()
        while op := self._accept("*", "/"):
            right_tok = self.tok
            right = self.number_of(self.unary(), right_tok, "an operand")
            left = self.number_of(node, left_tok, "an operand")
            if op.text == "/" and right == 0:
                raise self.error(op, "division by zero")
            node = self.checked(left * right if op.text == "*" else left / right, op)
        return node

    def unary(self) -> sp.Basic:
        if op := self._accept("-", "+"):
            self._enter(op)
            tok = self.tok
            operand = self.number_of(self.unary(), tok, "the operand of unary minus")
            self.depth -= 1
            return -operand if op.text == "-" else operand
        return self.power()

    def power(self) -> sp.Basic:
        base_tok = self.tok
        base = self.atom()
        op = self._accept("**")
        if op is None:
            return base
        self._enter(op)
        exp_tok = self.tok
        exponent = self.number_of(self.unary(), exp_tok, "the exponent")
        self.depth -= 1
        base = self.number_of(base, base_tok, "the base")
        self._check_power(base, exponent, op)
        return self.checked(base**exponent, op)

    def _check_power(self, base: sp.Expr, exponent: sp.Expr, op: _Token) -> None:
        """Refuse numeric powers whose exact value would be huge (9**9**9) before SymPy evaluates them."""
        if not (exponent.is_Number and exponent.is_Rational):
            return
        n = abs(exponent.p)  # type: ignore[attr-defined]
        if n > MAX_EXPONENT:
            raise self.error(
                op, f"exponent {_short(exponent)} is too large (at most {MAX_EXPONENT} in absolute value)"
            )
        if base.is_Rational and base != 0:
            size = max(math.log10(abs(base.p)), math.log10(abs(base.q)), 1.0)  # type: ignore[attr-defined]
            if size * n > MAX_POWER_DIGITS:
                raise self.error(op, f"a number with more than {MAX_POWER_DIGITS} digits (from **)")

    def checked(self, node: sp.Expr, op: _Token) -> sp.Expr:
        if node.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            raise self.error(op, "the result is undefined or infinite here")
        return node

    def atom(self) -> sp.Basic:
        tok = self.tok
        if tok.kind == "number":
            self._take()
            return _number(self.text, tok)
        if tok.kind == "name":
            self._take()
            return self.name(tok)
        if self._accept("("):
            self._enter(tok)
            node = self.condition()
            if not self._accept(")"):
                raise self.error(self.tok, f"expected ')' to close the '(' at column {tok.pos + 1}")
            self.depth -= 1
            return node
        if tok.kind == "end":
            raise self.error(tok, "the expression ends too early; expected a number, a name or '('")
        raise self.error(tok, f"unexpected {tok.text!r}; expected a number, a name or '('")

    def name(self, tok: _Token) -> sp.Basic:
        called = self.tok.kind == "op" and self.tok.text == "("
        if tok.text in FUNCTIONS:
            if not called:
                raise self.error(tok, f"{tok.text} is a function: write {tok.text}(...)")
            return self.call(tok)
        if tok.text in self.names:
            if called:
                raise self.error(
                    self.tok, f"{tok.text} is not a function; write {tok.text}*(...) to multiply"
                )
            return self.names[tok.text]
        declared = [n for n in self.names if n not in _RESERVED]
        known = f"declared parameters: {', '.join(declared)}" if declared else "no parameters declared"
        kind = "function" if called else "name"
        raise self.error(tok, f"unknown {kind} {tok.text!r} ({known}; declare one with --param NAME=VALUE)")

    def call(self, tok: _Token) -> sp.Expr:
        fn = FUNCTIONS[tok.text]
        is_cond = _CONDITION_ARGS.get(tok.text)
        open_tok = self._take()
        self._enter(open_tok)
        args: list[tuple[sp.Basic, _Token]] = []
        if not (self.tok.kind == "op" and self.tok.text == ")"):
            while True:
                arg_tok = self.tok
                args.append((self.condition(), arg_tok))
                if not self._accept(","):
                    break
        if not self._accept(")"):
            raise self.error(
                self.tok, f"expected ',' or ')' in the call of {tok.text} at column {tok.pos + 1}"
            )
        self.depth -= 1
        least, most = fn.arity
        n = len(args)
        if n < least or (most is not None and n > most) or (tok.text == "piecewise" and n % 2 == 0):
            raise self.error(tok, f"{tok.text} takes {_arity_text(fn)}, got {n}: {fn.help}")
        values = []
        for i, (arg, arg_tok) in enumerate(args):
            wants_cond = bool(is_cond and is_cond(i, n))
            if wants_cond and not _is_condition(arg):
                raise self.error(arg_tok, f"argument {i + 1} of {tok.text} must be a condition such as x < 0")
            if not wants_cond:
                arg = self.number_of(arg, arg_tok, f"argument {i + 1} of {tok.text}")
            values.append(arg)
        return self.checked(fn.build(*values), tok)


def _arity_text(fn: _Fn) -> str:
    least, most = fn.arity
    if most == least:
        return f"{least} argument" + ("s" if least != 1 else "")
    if most is None:
        return f"at least {least} arguments" + (" (an odd number)" if "otherwise" in fn.help else "")
    return f"{least} to {most} arguments"


_PARAM_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}\Z")


def check_param_name(name: str) -> str:
    """`name` if it can name a parameter (ASCII identifier, not x, a constant or a function)."""
    if not _PARAM_NAME.match(name):
        raise UserError(
            f"parameter name {name!r} is not allowed: use a letter followed by letters, digits or '_' "
            "(at most 40, plain ASCII)"
        )
    if name in _RESERVED:
        raise UserError(f"parameter name {name!r} is taken by a function, a constant or the variable x")
    return name


def parse_expression(text: str, *, params: Iterable[str] = ()) -> sp.Expr:
    """Parse `text` into a SymPy expression in :data:`symact.catalogue.X` and the declared `params`.

    **Arguments:**
    - `text`: the expression, for example ``"x*sigmoid(beta*x)"``.
    - `params`: names of parameters the expression may use; each becomes ``Symbol(name, real=True)``
      (the same symbol as :attr:`symact.catalogue.Param.symbol`).

    **Returns:** the expression, built only from the whitelist in this module.

    **Raises:** :class:`ExpressionError` (a :class:`symact.errors.UserError`) naming the column.
    """
    if not isinstance(text, str):
        raise UserError(f"an expression must be text, not {type(text).__name__}")
    names: dict[str, sp.Expr] = {**CONSTANTS, **_VARIABLES}
    for p in params:
        names[check_param_name(p)] = sp.Symbol(p, real=True)
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            text, MAX_LENGTH, f"the expression is too long ({len(text)} characters; at most {MAX_LENGTH})"
        )
    return _Parser(text, names).parse()


_NAME_LIKE = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*\Z")


def looks_like_expression(text: str) -> bool:
    """True unless `text` is a bare name (``relu``, ``leaky-relu``); ``x`` alone is an expression."""
    stripped = text.strip()
    return not _NAME_LIKE.match(stripped) or stripped in _VARIABLES
