"""The kernel printer of the array frameworks (PyTorch, JAX): the NumPy kernel text over a namespace.

PyTorch and JAX are array libraries close to NumPy, so one printer serves both: a kernel is printed
by the NumPy printer (:func:`symact.codegen.emit.kernel_source`, the same lowering, literals and
let-bindings) and every ``numpy.<name>`` (or ``scipy.special.<name>``) it calls is renamed through
:data:`NAMESPACE` to ``xp.<name>``, the framework's namespace module (``symact.frameworks.torch_ns``,
``symact.frameworks.jax_ns``), which implements each of these names with NumPy's meaning.  A name outside the
table is an error (:class:`UnsupportedName`), raised while printing, so a kernel calling a function a
framework lacks fails the build instead of failing at run time.  Runtime routines keep their
``_rt.<name>`` (the namespace's :class:`symact.frameworks._routines.Routines`).
"""

from __future__ import annotations

import re

import sympy as sp

from symact.codegen.emit import kernel_source, limits_source
from symact.codegen.printer import KernelPrinter
from symact.errors import SymactError

__all__ = [
    "NAMESPACE",
    "ArrayPrinter",
    "UnsupportedName",
    "array_kernel_source",
    "array_limits_source",
    "translate",
]

NAMESPACE: dict[str, str] = {
    name: name
    for name in (
        "where",
        "maximum",
        "minimum",
        "clip",
        "hypot",
        "exp",
        "expm1",
        "log",
        "log1p",
        "sqrt",
        "tanh",
        "cosh",
        "equal",
        "not_equal",
        "greater",
        "greater_equal",
        "less",
        "less_equal",
        "logical_and.reduce",
        "logical_or.reduce",
        "inf",
        "nan",
    )
}
"""NumPy name -> name in the framework namespace ``xp`` (every namespace module defines them all)."""

_CALL = re.compile(r"\b(?:numpy|scipy\.special)\.([A-Za-z_][A-Za-z_0-9]*(?:\.reduce)?)")


class UnsupportedName(SymactError):
    """A NumPy function the array-framework namespace does not implement."""


def translate(text: str, namespace: str = "xp") -> str:
    """`text` (NumPy kernel source) with each NumPy name renamed into `namespace`."""

    def rename(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in NAMESPACE:
            raise UnsupportedName(f"numpy.{name} has no array-framework counterpart in the namespace table")
        return f"{namespace}.{NAMESPACE[name]}"

    return _CALL.sub(rename, text)


class ArrayPrinter(KernelPrinter):
    """The NumPy kernel printer, except that a division by an integer too large for a framework's
    int64 scalars prints as a division by the float NumPy converts it to (the same value)."""

    def divided(self, inner: str, q: int) -> str:
        return super().divided(inner, q) if abs(q) < 2**53 else f"({inner})/{float(q)!r}"


def array_kernel_source(fname: str, args: list[str], expr: sp.Expr) -> str:
    """``def fname(*args): ...`` evaluating `expr` on float64 arrays of the namespace ``xp``."""
    printer = ArrayPrinter({"fully_qualified_modules": True, "allow_unknown_functions": False})
    return translate(kernel_source(fname, args, expr, printer))


def array_limits_source(fname: str, params: list[str], limits: tuple[sp.Expr | None, sp.Expr | None]) -> str:
    """``def fname(*params): return (value at -inf, value at +inf)`` over ``xp``."""
    return translate(limits_source(fname, params, limits))
