"""symact: activation functions and losses as SymPy expressions, their derivatives proved, step-by-step
derivations, verified NumPy (and C) kernels, and a checker for your own implementations.

The public API is :data:`__all__`; each name is imported when first used, so ``import symact`` (and
``import symact.kernels``) stays cheap and imports no SymPy.

- :func:`derive`: the derivation of a catalogue function (derivative, simplified form, output form,
  kinks); :func:`check`: hold your own implementation to a catalogue function;
- :func:`activation`, :func:`define`: register your own functions; :func:`get`, :func:`records`,
  :func:`names`: the catalogue;
- the record types and symact's exceptions (all under :class:`SymactError`).
"""

from __future__ import annotations

import importlib
import sys
import types
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from symact.catalogue import (
        Activation,
        Kink,
        Loss,
        Param,
        Record,
        UnknownFunctionError,
        VectorFunction,
        VectorLoss,
        get,
        names,
        records,
    )
    from symact.derive import derive
    from symact.errors import SymactError, UserError, VerificationError
    from symact.user import activation, define
    from symact.verify import check

__all__ = [
    "Activation",
    "Kink",
    "Loss",
    "Param",
    "Record",
    "SymactError",
    "UnknownFunctionError",
    "UserError",
    "VectorFunction",
    "VectorLoss",
    "VerificationError",
    "__version__",
    "activation",
    "check",
    "define",
    "derive",
    "get",
    "names",
    "records",
]

_HOMES: dict[str, str] = {
    "Activation": "symact.catalogue",
    "Kink": "symact.catalogue",
    "Loss": "symact.catalogue",
    "Param": "symact.catalogue",
    "Record": "symact.catalogue",
    "UnknownFunctionError": "symact.catalogue",
    "VectorFunction": "symact.catalogue",
    "VectorLoss": "symact.catalogue",
    "get": "symact.catalogue",
    "names": "symact.catalogue",
    "records": "symact.catalogue",
    "SymactError": "symact.errors",
    "UserError": "symact.errors",
    "VerificationError": "symact.errors",
    "activation": "symact.user",
    "define": "symact.user",
    "derive": "symact.derive",
    "check": "symact.verify",
}
"""Where each public name lives (imported on first use)."""


def _version() -> str:
    """The installed distribution's version, or (run from a source tree) pyproject.toml's."""
    try:
        return version("symact")
    except PackageNotFoundError:
        import tomllib

        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        try:
            return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "0+unknown"


__version__ = _version()


class _Package(types.ModuleType):
    """symact's module type: a subpackage with a public function's name (``symact.derive``) does not
    replace the function when it is imported (the import system sets the parent's attribute), so
    ``symact.derive`` means one thing; the subpackage is ``importlib.import_module("symact.derive")``
    and ``from symact.derive import ...`` as before (``import symact.derive as m`` binds the
    function: Python resolves that form through the attribute)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _HOMES and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'symact' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
