"""The committed C backend as the C tests see it: its kernels, the candidates they were printed from,
and their checks against references (:func:`symact.codegen.c.check.check_kernels`)."""

from __future__ import annotations

import importlib
import multiprocessing
import re
from pathlib import Path
from typing import Any

import sympy as sp

from symact import catalogue
from symact.codegen.c.check import CCheck, CLibrary, check_kernels, compiler
from symact.codegen.c.emit import kernel_lines
from symact.codegen.functions import to_textbook
from symact.codegen.generate import KernelResult
from symact.codegen.plan import Candidate, KernelPlan, plan
from symact.codegen.saturation import _asymptote

ROOT = Path(__file__).resolve().parents[1]
HEADER = ROOT / "csrc" / "symact_kernels.h"
SOURCE = ROOT / "csrc" / "symact_kernels.c"
CC = compiler()
NUMPY = vars(importlib.import_module("symact.kernels._generated"))
GROUPS = {"elementwise": "activation", "loss": "loss", "vector": "vector", "vector_loss": "vector_loss"}
_FORMS = {
    "activation": re.compile(r"^double symact_(\w+)\(double \w+(?:, double \w+)*\);$"),
    "loss": re.compile(r"^double symact_(\w+)\(double a, double y(?:, double \w+)*\);$"),
    "vector": re.compile(r"^int symact_(\w+)_rows\(const double \*x, (?:const double \*g, )?double \*out, "),
    "vector_loss": re.compile(r"^int symact_(\w+)_rows\(const double \*z, const double \*y, double \*out, "),
}
_DEFINITION = re.compile(r"^double symact_(\w+)\(.*?\) \{\n(.*?)\n\}$", re.S | re.M)


def declared() -> dict[str, str]:
    """C kernel name -> group, from the committed header."""
    found: dict[str, str] = {}
    for line in HEADER.read_text().splitlines():
        for group in ("loss", "activation", "vector", "vector_loss"):
            m = _FORMS[group].match(line)
            if m and m.group(1) not in found:
                found[m.group(1)] = group
    return found


C_KERNELS = declared()
DEFINITIONS = {m.group(1): m.group(2) for m in _DEFINITION.finditer(SOURCE.read_text())}


def owner(name: str) -> catalogue.Record:
    for suffix in ("_grad_from_output", "_grad", "_vjp", ""):
        base = name.removesuffix(suffix) if suffix else name
        if base != name or not suffix:
            try:
                return catalogue.get(base)
            except Exception:
                continue
    raise KeyError(name)


def params(name: str) -> tuple[float, ...]:
    return tuple(float(p.default) for p in owner(name).params)


def _saturated(kp: KernelPlan, body: str) -> sp.Expr | None:
    """The generator's saturated-tails form of the first candidate (``symact.codegen.saturation``)
    with the thresholds the C text shows; None when it shows none.  Its C text must then match."""
    x = kp.var.name
    up = re.search(rf"\(\({x} > (\d+)\.0\) \?", body)
    down = re.search(rf"\(\({x} >= -(\d+)\.0\) \?", body)
    if up is None and down is None:
        return None
    truth, var = to_textbook(kp.truth), kp.var
    branches: list[tuple[sp.Expr, Any]] = []
    if up is not None:
        branches.append((_asymptote(truth, var, sp.oo), var > int(up.group(1))))
    base = kp.candidates[0].expr
    if down is not None:
        branches += [(base, var >= -int(down.group(1))), (_asymptote(truth, var, -sp.oo), True)]
    else:
        branches.append((base, True))
    return sp.Piecewise(*branches)


def chosen(kp: KernelPlan) -> Any:
    """The candidate the committed C kernel was printed from (found by its C statements): one of the
    planned ones, or the generator's last resort, the first one with saturated tails."""
    body = DEFINITIONS[kp.name]
    for cand in kp.candidates:
        if "\n".join(kernel_lines(cand.expr, kp.var)) in body:
            return cand
    found = _saturated(kp, body) if kp.role != "grad_from_output" else None
    if found is not None and "\n".join(kernel_lines(found, kp.var)) in body:
        return Candidate(found, kp.candidates[0].rules, "saturated tails")
    raise AssertionError(
        f"csrc is stale: {kp.name} is printed from none of its candidates (run symact kernels)"
    )


def record_checks(name: str, lib_path: str, everywhere: bool) -> list[CCheck]:
    """Every C kernel of one record checked (a unit of work for a worker)."""
    record = catalogue.get(name)
    results = []
    if record.kind in ("vector", "vector_loss"):
        x = sp.Symbol("x", real=True)
        second = (f"{name}_vjp", "vjp") if record.kind == "vector" else (f"{name}_grad", "grad")
        for public, role in ((name, "fwd"), second):
            if public in C_KERNELS:
                results.append(KernelResult(record, KernelPlan(public, role, x, [], sp.S.Zero), None, None))
    else:
        for kp in plan(record).kernels:
            if kp.name in C_KERNELS:
                results.append(KernelResult(record, kp, chosen(kp), None))
    lib = CLibrary(Path(lib_path))
    return check_kernels(results, lib, NUMPY, everywhere=everywhere, documented=False)


def all_checks(lib_path: Path, *, everywhere: bool) -> dict[str, CCheck]:
    """Every committed C kernel checked, records shared by two worker processes."""

    def cost(name: str) -> int:  # the largest expressions (slowest to plan) first
        expr = getattr(catalogue.get(name), "expr", None)
        return -sp.count_ops(expr) if expr is not None else 0

    names = sorted({owner(n).name for n in C_KERNELS}, key=lambda n: (cost(n), n))
    with multiprocessing.get_context("fork").Pool(2) as pool:
        work = [(n, str(lib_path), everywhere) for n in names]
        found = pool.starmap(record_checks, work, chunksize=1)
    return {c.name: c for part in found for c in part}
