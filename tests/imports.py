"""symact's import graph, read from the source with ``ast`` (nothing is imported)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "symact"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name."""
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "__pycache__" not in p.parts}


@dataclass(frozen=True)
class Import:
    importer: str
    module: str  # the module imported from
    name: str | None  # the name imported from it (None: the module itself)
    line: int
    top_level: bool  # at module level (not inside a function)
    type_only: bool  # under ``if TYPE_CHECKING:``


def _resolve(importer: str, is_package: bool, level: int, module: str | None) -> str:
    if level == 0:
        return module or ""
    base = importer.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, *([module] if module else [])])


def imports() -> Iterator[Import]:
    """Every import of a symact module by a symact module."""
    for name, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        is_package = path.name == "__init__.py"
        yield from _walk(tree, name, is_package, top_level=True, type_only=False)


def _walk(
    node: ast.AST, importer: str, is_package: bool, *, top_level: bool, type_only: bool
) -> Iterator[Import]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import):
            for alias in child.names:
                if alias.name.split(".")[0] == "symact":
                    yield Import(importer, alias.name, None, child.lineno, top_level, type_only)
        elif isinstance(child, ast.ImportFrom):
            target = _resolve(importer, is_package, child.level, child.module)
            if target.split(".")[0] == "symact":
                for alias in child.names:
                    yield Import(importer, target, alias.name, child.lineno, top_level, type_only)
        elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
            yield from _walk(child, importer, is_package, top_level=top_level, type_only=True)
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from _walk(child, importer, is_package, top_level=False, type_only=type_only)
        else:
            yield from _walk(child, importer, is_package, top_level=top_level, type_only=type_only)


def graph() -> dict[str, set[str]]:
    """importer -> the symact modules it imports (wherever the import stands, type-only ones left out);
    ``from pkg import sub`` counts as importing ``pkg.sub`` when that is a module."""
    known = modules()
    edges: dict[str, set[str]] = {m: set() for m in known}
    for imp in imports():
        if imp.type_only:
            continue
        target = imp.module
        if imp.name is not None and f"{imp.module}.{imp.name}" in known:
            target = f"{imp.module}.{imp.name}"
        if target in known and target != imp.importer:
            edges[imp.importer].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted.

    A package's ``__init__`` importing its own submodules is not a cycle of the design (Python runs it
    first), so edges from a submodule to its own package's ``__init__`` are left out."""
    trimmed = {m: {t for t in ts if not m.startswith(t + ".")} for m, ts in edges.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(trimmed.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(trimmed):
        if v not in index:
            visit(v)
    return found
