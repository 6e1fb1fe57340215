"""The matrix grammar of the backpropagation equations: printing them, and reading them back.

An equation's right-hand side is a string in the matrix names of the course (``X``, ``Y``, ``W1``,
``b1``, ``Z1``, ``A1``, ``dZ1``, ..., and the scalar ``m``):

- ``@`` is the matrix product, ``.T`` the transpose;
- ``+``, ``-``, ``*``, ``/`` and ``**`` act entry by entry (``*`` is the element-wise product); a
  column of shape (n, 1) such as ``b1`` is repeated along the m columns; scalars act on every entry;
- ``sum(M, axis=1)`` sums each row and keeps the column shape (n, 1); ``sum(M)`` sums every entry;
- ``exp``, ``log``, ``sqrt``, ``erf``, ``tanh`` and every catalogue activation name (``sigmoid``,
  ``relu``, ...) apply entry by entry; a catalogue loss name takes ``(A, Y)`` entry by entry;
  ``softmax(Z, axis=0)`` normalises each column;
- ``(A1 > 0)`` is 1 where the comparison holds and 0 elsewhere (also ``<``, ``>=``, ``<=``, ``==``);
  ``(C1) & (C2)`` holds where both do; ``where(C, P, Q)`` is P where the comparison C holds and Q
  elsewhere.

:func:`evaluate` reads such a string (the equations symact prints itself, never user text) with
Python's ``ast`` and a whitelist, over SymPy matrices, so the proofs run on the very text printed.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from typing import Any

import sympy as sp
from sympy.printing.str import StrPrinter

from symact.catalogue import Activation, Loss, VectorFunction, get

__all__ = ["evaluate", "latex_text", "matrix_text"]

_ELEMENTWISE: dict[str, Callable[[sp.Expr], sp.Expr]] = {
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "erf": sp.erf,
    "tanh": sp.tanh,
}


class _Printer(StrPrinter):
    """SymPy's str printer with indicators as ``(C)`` and other Piecewise as ``where(C, P, Q)``."""

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        (value, cond), *rest = expr.args
        other = sp.Piecewise(*rest) if len(rest) > 1 or rest[0][1] is not sp.true else rest[0][0]
        if value == 1 and other == 0:
            return f"({self._print(cond)})"
        return f"where({self._print(cond)}, {self._print(value)}, {self._print(other)})"

    def _print_Equality(self, expr: sp.Eq) -> str:
        return f"{self._print(expr.lhs)} == {self._print(expr.rhs)}"

    def _print_And(self, expr: sp.And) -> str:
        return " & ".join(f"({self._print(a)})" for a in expr.args)


def matrix_text(expr: sp.Expr) -> str:
    """`expr` (in symbols named after matrices) printed in the grammar above."""
    return str(_Printer({"order": "none"}).doprint(expr))


Value = Any  # a SymPy matrix or a scalar expression


def _is_matrix(v: Value) -> bool:
    return isinstance(v, sp.MatrixBase)


def _broadcast(a: Value, b: Value) -> tuple[Value, Value]:
    if _is_matrix(a) and _is_matrix(b) and a.shape != b.shape:
        if a.shape[1] == 1 and a.shape[0] == b.shape[0]:
            a = a * sp.ones(1, b.shape[1])
        elif b.shape[1] == 1 and b.shape[0] == a.shape[0]:
            b = b * sp.ones(1, a.shape[1])
        else:
            raise ValueError(f"shapes {a.shape} and {b.shape} do not broadcast")
    return a, b


def _entrywise(op: Callable[[sp.Expr, sp.Expr], sp.Expr], a: Value, b: Value) -> Value:
    a, b = _broadcast(a, b)
    if _is_matrix(a) and _is_matrix(b):
        return sp.Matrix(a.shape[0], a.shape[1], lambda i, j: op(a[i, j], b[i, j]))
    if _is_matrix(a):
        return a.applyfunc(lambda e: op(e, b))
    if _is_matrix(b):
        return b.applyfunc(lambda e: op(a, e))
    return op(a, b)


def _apply(f: Callable[[sp.Expr], sp.Expr], v: Value) -> Value:
    return v.applyfunc(f) if _is_matrix(v) else f(v)


_BINARY: dict[type, Callable[[sp.Expr, sp.Expr], sp.Expr]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}
_COMPARE: dict[type, Callable[[sp.Expr, sp.Expr], sp.Basic]] = {
    ast.Gt: sp.StrictGreaterThan,
    ast.Lt: sp.StrictLessThan,
    ast.GtE: sp.GreaterThan,
    ast.LtE: sp.LessThan,
    ast.Eq: sp.Eq,
}


class _Evaluator:
    def __init__(self, env: Mapping[str, Value], functions: Mapping[str, Callable[[sp.Expr], sp.Expr]]):
        self.env = env
        self.functions = functions

    def __call__(self, node: ast.AST) -> Value:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise ValueError(f"{type(node).__name__} is outside the equation grammar")
        return method(node)

    def _Expression(self, node: ast.Expression) -> Value:
        return self(node.body)

    def _Name(self, node: ast.Name) -> Value:
        if node.id == "pi":
            return sp.pi
        if node.id not in self.env:
            raise ValueError(f"unknown name {node.id!r}")
        return self.env[node.id]

    def _Constant(self, node: ast.Constant) -> Value:
        if not isinstance(node.value, int | float) or isinstance(node.value, bool):
            raise ValueError(f"constant {node.value!r} is outside the equation grammar")
        return sp.Integer(node.value) if isinstance(node.value, int) else sp.Rational(repr(node.value))

    def _UnaryOp(self, node: ast.UnaryOp) -> Value:
        if not isinstance(node.op, ast.USub | ast.UAdd):
            raise ValueError("only unary + and - are in the equation grammar")
        v = self(node.operand)
        return -v if isinstance(node.op, ast.USub) else v

    def _BinOp(self, node: ast.BinOp) -> Value:
        a, b = self(node.left), self(node.right)
        if isinstance(node.op, ast.BitAnd):  # both sides are 0/1 indicators of comparisons
            if not (isinstance(node.left, ast.Compare) and isinstance(node.right, ast.Compare | ast.BinOp)):
                raise ValueError("& joins comparisons only")
            return _entrywise(lambda u, v: u * v, a, b)
        if isinstance(node.op, ast.MatMult):
            if not (_is_matrix(a) and _is_matrix(b)):
                raise ValueError("@ needs two matrices")
            return a * b
        op = _BINARY.get(type(node.op))
        if op is None:
            raise ValueError(f"operator {type(node.op).__name__} is outside the equation grammar")
        return _entrywise(op, a, b)

    def _Attribute(self, node: ast.Attribute) -> Value:
        v = self(node.value)
        if node.attr != "T" or not _is_matrix(v):
            raise ValueError(f".{node.attr} is outside the equation grammar")
        return v.T

    def _Compare(self, node: ast.Compare) -> Value:
        if len(node.ops) != 1:
            raise ValueError("chained comparisons are outside the equation grammar")
        rel = _COMPARE[type(node.ops[0])]
        return _entrywise(
            lambda a, b: sp.Piecewise((1, rel(a, b)), (0, True)), self(node.left), self(node.comparators[0])
        )

    def _Call(self, node: ast.Call) -> Value:
        if not isinstance(node.func, ast.Name):
            raise ValueError("only named functions are in the equation grammar")
        name = node.func.id
        args = [self(a) for a in node.args]
        kwargs = {str(k.arg): self(k.value) for k in node.keywords}
        if name == "sum":
            (v,) = args
            if kwargs.get("axis") == 1:
                return sp.Matrix([sum(v.row(i)) for i in range(v.shape[0])])
            return sum(v) if _is_matrix(v) else v
        if name == "where":
            cond, p, q = args
            return _entrywise(lambda c, pq: c * pq, cond, p) + _entrywise(lambda c, qq: (1 - c) * qq, cond, q)
        if name in self.functions:
            (v,) = args
            return _apply(self.functions[name], v)
        return _catalogue_call(name, args, kwargs)


def _catalogue_call(name: str, args: list[Value], kwargs: dict[str, Value]) -> Value:
    record = get(name)
    if isinstance(record, VectorFunction):
        (z,) = args
        if kwargs.get("axis") != 0:
            raise ValueError(f"{name} needs axis=0 (one column per sample)")
        cols = [record.build(tuple(z.col(j))) for j in range(z.shape[1])]
        return sp.Matrix.hstack(*cols)
    if isinstance(record, Activation):
        (z,) = args
        expr = record.expr.subs({p.symbol: p.default for p in record.params})
        return _apply(lambda e: expr.subs(record.variable, e), z)
    if isinstance(record, Loss):
        a, y = args
        expr = record.expr.subs({p.symbol: p.default for p in record.params})
        return _entrywise(lambda u, v: expr.subs({record.variable: u, record.target: v}), a, y)
    raise ValueError(f"{name} cannot be applied in the equation grammar")


def evaluate(
    text: str,
    env: Mapping[str, Value],
    *,
    functions: Mapping[str, Callable[[sp.Expr], sp.Expr]] | None = None,
) -> Value:
    """The value of the equation text `text` over the SymPy matrices and scalars in `env`.

    `functions` overrides or adds entry-wise functions (an activation replaced by an undefined
    function in a proof, for example).
    """
    tree = ast.parse(text, mode="eval")
    return _Evaluator(env, {**_ELEMENTWISE, **(functions or {})})(tree)


_LATEX_FUNCTIONS = {
    "exp": r"\exp",
    "log": r"\log",
    "tanh": r"\tanh",
    "sigmoid": r"\sigma",
    "erf": r"\operatorname{erf}",
}
_PRECEDENCE = {ast.BitAnd: 0, ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.MatMult: 2, ast.Div: 2, ast.Pow: 4}
_NAME = re.compile(r"^(d?)([A-Za-z])(\d+)$")


def _latex_name(name: str) -> str:
    if name == "pi":
        return r"\pi"
    match = _NAME.match(name)
    if match is None:
        return name
    d, letter, layer = match.groups()
    return f"{d}{letter}^{{[{layer}]}}"


def _is_scalar(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return node.id in ("m", "pi")
    if isinstance(node, ast.BinOp):
        return _is_scalar(node.left) and _is_scalar(node.right)
    if isinstance(node, ast.UnaryOp):
        return _is_scalar(node.operand)
    if isinstance(node, ast.Call):
        return all(_is_scalar(a) for a in node.args)
    return False


def _latex(node: ast.AST, parent: int = 0) -> str:
    if isinstance(node, ast.Expression):
        return _latex(node.body)
    if isinstance(node, ast.Name):
        return _latex_name(node.id)
    if isinstance(node, ast.Constant):
        return str(node.value)
    if isinstance(node, ast.Attribute):  # .T
        inner = _latex(node.value, 5)
        return inner[:-1] + "T}" if inner.endswith("]}") else f"{inner}^{{T}}"
    if isinstance(node, ast.UnaryOp):
        text = "-" + _latex(node.operand, 3)
        return rf"\left({text}\right)" if parent > 1 else text
    if isinstance(node, ast.Compare):
        op = {ast.Gt: ">", ast.Lt: "<", ast.GtE: r"\ge", ast.LtE: r"\le", ast.Eq: "="}[type(node.ops[0])]
        return rf"\mathbb{{1}}\left[{_latex(node.left)} {op} {_latex(node.comparators[0])}\right]"
    if isinstance(node, ast.Call):
        return _latex_call(node)
    if isinstance(node, ast.BinOp):
        prec = _PRECEDENCE[type(node.op)]
        if isinstance(node.op, ast.Div):
            text = rf"\frac{{{_latex(node.left)}}}{{{_latex(node.right)}}}"
            return text
        if isinstance(node.op, ast.Pow):
            base = _latex(node.left, 5)
            base = rf"\left({base}\right)" if "^" in base and not base.startswith(r"\left(") else base
            text = f"{base}^{{{_latex(node.right)}}}"
        else:
            left, right = _latex(node.left, prec), _latex(node.right, prec + 1)
            if isinstance(node.op, ast.Add | ast.Sub):
                sign = "+" if isinstance(node.op, ast.Add) else "-"
                text = f"{left} {sign} {right}"
            elif isinstance(node.op, ast.BitAnd):
                text = rf"{left} \wedge {right}"
            elif isinstance(node.op, ast.Mult) and not (_is_scalar(node.left) or _is_scalar(node.right)):
                text = rf"{left} \odot {right}"
            else:
                text = f"{left} \\, {right}"
        return rf"\left({text}\right)" if prec < parent or (prec == 4 and parent == 5) else text
    raise ValueError(f"{type(node).__name__} is outside the equation grammar")


def _latex_call(node: ast.Call) -> str:
    assert isinstance(node.func, ast.Name)
    name = node.func.id
    args = [_latex(a) for a in node.args]
    axis = {str(k.arg): k.value for k in node.keywords}.get("axis")
    if name == "sum":
        if isinstance(axis, ast.Constant) and axis.value == 1:
            return rf"\sum_{{i=1}}^{{m}} \left({args[0]}\right)^{{(i)}}"
        return rf"\sum_{{k,i}} \left[{args[0]}\right]_{{ki}}"
    if name == "sqrt":
        return rf"\sqrt{{{args[0]}}}"
    if name == "where":
        cond = _latex(node.args[0]).removeprefix(r"\mathbb{1}\left[").removesuffix(r"\right]")
        return rf"\begin{{cases}} {args[1]} & {cond} \\ {args[2]} & \text{{otherwise}} \end{{cases}}"
    head = _LATEX_FUNCTIONS.get(name, rf"\operatorname{{{name.replace('_', chr(92) + '_')}}}")
    return rf"{head}\left({', '.join(args)}\right)"


def latex_text(text: str) -> str:
    """An equation's right-hand side (the grammar above) in the course's LaTeX notation:
    W^{[2]T}, dZ^{[1]}, the Hadamard product for ``*``, sample i as a superscript (i)."""
    return _latex(ast.parse(text, mode="eval"))
