"""The shape of the package: no private name imported across modules, no import cycle, the public API
of ``symact`` equal to its ``__all__``, every exception a ``SymactError``."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from imports import PACKAGE, Import, cycles, graph, imports, modules

ROOT = PACKAGE.parent

RENDERER_HOOK = ("symact.steps._doc", "symact.latex")
"""The one dependency left pointing up: ``steps.Document._repr_latex_`` (a notebook hook) calls the
LaTeX renderer from inside the method.  It is named here so that no other edge can close a cycle."""


def _private(imp: Import) -> bool:
    return imp.name is not None and imp.name.startswith("_") and not imp.name.startswith("__")


def test_no_private_name_is_imported_from_another_module() -> None:
    """``from m import _x`` reaches into another module's internals; a private *module* may be imported
    by the package that holds it (``symact.kernels._generated`` uses ``symact.kernels._runtime``)."""
    known = modules()
    found = []
    for imp in imports():
        if not _private(imp):
            continue
        full = f"{imp.module}.{imp.name}"
        inside = imp.importer == imp.module or imp.importer.startswith(imp.module + ".")
        if full in known and inside:
            continue
        found.append(f"{imp.importer}:{imp.line} imports {imp.name} from {imp.module}")
    assert found == []


def test_the_private_name_check_sees_one() -> None:
    fake = Import("symact.a", "symact.b", "_secret", 3, True, False)
    assert _private(fake) and not _private(Import("symact.a", "symact.b", "public", 3, True, False))


def test_no_import_cycle() -> None:
    edges = graph()
    assert RENDERER_HOOK[1] in edges[RENDERER_HOOK[0]]  # still there: drop RENDERER_HOOK when it goes
    edges[RENDERER_HOOK[0]].discard(RENDERER_HOOK[1])
    assert cycles(edges) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "p": set(), "p.q": {"p"}}
    assert cycles(edges) == [["a", "b", "c"]]


def test_every_import_of_a_symact_module_resolves() -> None:
    known = modules()
    for imp in imports():
        assert imp.module in known, f"{imp.importer}:{imp.line} imports from {imp.module}, which is no module"


def test_all_is_the_public_api() -> None:
    import symact

    public = set(symact.__all__)
    assert len(public) == len(symact.__all__)
    assert public == {"__version__", *symact._HOMES}
    for name in public - {"__version__"}:
        value = getattr(symact, name)
        assert not inspect.ismodule(value), name  # one meaning: symact.derive is the function
        assert getattr(importlib.import_module(symact._HOMES[name]), name) is value
    assert symact.derive.__module__.startswith("symact.derive")
    assert callable(symact.check) and callable(symact.activation)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        symact.nope  # noqa: B018


def test_the_version_comes_from_the_package_metadata() -> None:
    import symact

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert symact.__version__ == project["version"]


def test_importing_symact_imports_no_sympy() -> None:
    code = "import sys, symact; symact.__version__; print('sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"


OPTIONAL_FRAMEWORKS = ("jax", "jaxlib", "torch")
"""Packages of the optional extras (``symact[jax]``, ``symact[torch]``): the modules that import them
are left out where they are not installed (CI installs both, so there every module is read)."""


def test_every_exception_is_a_symact_error() -> None:
    """Every exception class symact defines; the one BaseException, ``budget.BudgetExceeded``, is a
    time-out signal that ``except Exception`` inside SymPy must not swallow, so it stays outside."""
    from symact.budget import BudgetExceeded
    from symact.errors import SymactError

    found = []
    for name in modules():
        if name.endswith("__main__"):
            continue
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name in OPTIONAL_FRAMEWORKS:  # symact.jax, symact.torch need their extra
                continue
            raise
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseException) and value.__module__ == name:
                found.append(value)
    assert len(found) >= 8  # UserError, VerificationError, CompileError, UnsupportedRecord, ...
    outside = [f"{c.__module__}.{c.__qualname__}" for c in found if not issubclass(c, SymactError)]
    assert outside == ["symact.budget.BudgetExceeded"]
    assert not issubclass(BudgetExceeded, Exception)


def test_the_package_has_its_marker_files() -> None:
    assert (PACKAGE / "__init__.py").is_file() and (PACKAGE / "py.typed").is_file()
    assert Path(importlib.import_module("symact").__file__ or "").parent == PACKAGE


def test_a_bad_argument_is_a_symact_error_that_names_it() -> None:
    from symact.catalogue import get
    from symact.derive import derive
    from symact.errors import ArgumentError, SymactError
    from symact.numeric import full_range_sample

    with pytest.raises(ArgumentError, match="unknown convention 'tensorflow'") as info:
        derive(get("relu"), convention="tensorflow")
    assert isinstance(info.value, SymactError) and isinstance(info.value, ValueError)
    with pytest.raises(ArgumentError, match="n must be >= 0, got -1"):
        full_range_sample(-1, seed=1)
