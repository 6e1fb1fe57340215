"""The C99 backend: csrc/symact_kernels.[ch] compiled with the system C compiler and called via ctypes.

Every C kernel is held to its NumPy kernel's targets against correctly rounded references, on the
generator's full-range sample (same generator, same seed), with the same error unit, the same loss
targets and the same range for output forms (:func:`symact.codegen.c.check.check_kernels`, every
point measured).  The candidate each C kernel was printed from is found by its C text, so a stale
``csrc`` fails here.  The special values (+-inf, nan, masked classes) behave as in NumPy.
"""

from __future__ import annotations

import importlib
import multiprocessing
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symact.kernels as K
from symact import catalogue
from symact.codegen.c.check import CCheck, CLibrary, check_kernels, compile_library, compiler
from symact.codegen.c.emit import kernel_lines
from symact.codegen.functions import to_reference
from symact.codegen.generate import KernelResult
from symact.codegen.plan import Candidate, KernelPlan, plan
from symact.codegen.saturation import saturated
from symact.codegen.verify import measure

ROOT = Path(__file__).resolve().parents[1]
HEADER = ROOT / "csrc" / "symact_kernels.h"
SOURCE = ROOT / "csrc" / "symact_kernels.c"
CC = compiler()
pytestmark = pytest.mark.skipif(CC is None, reason="no C compiler on this machine")
NUMPY = vars(importlib.import_module("symact.kernels._generated"))
GROUPS = {"elementwise": "activation", "loss": "loss", "vector": "vector", "vector_loss": "vector_loss"}
_FORMS = {
    "activation": re.compile(r"^double symact_(\w+)\(double \w+(?:, double \w+)*\);$"),
    "loss": re.compile(r"^double symact_(\w+)\(double a, double y(?:, double \w+)*\);$"),
    "vector": re.compile(r"^int symact_(\w+)_rows\(const double \*x, (?:const double \*g, )?double \*out, "),
    "vector_loss": re.compile(r"^int symact_(\w+)_rows\(const double \*z, const double \*y, double \*out, "),
}
_DEFINITION = re.compile(r"^double symact_(\w+)\(.*?\) \{\n(.*?)\n\}$", re.S | re.M)


def _declared() -> dict[str, str]:
    """C kernel name -> group, from the committed header."""
    found: dict[str, str] = {}
    for line in HEADER.read_text().splitlines():
        for group in ("loss", "activation", "vector", "vector_loss"):
            m = _FORMS[group].match(line)
            if m and m.group(1) not in found:
                found[m.group(1)] = group
    return found


C_KERNELS = _declared()
DEFINITIONS = {m.group(1): m.group(2) for m in _DEFINITION.finditer(SOURCE.read_text())}


def _owner(name: str) -> catalogue.Record:
    for suffix in ("_grad_from_output", "_grad", "_vjp", ""):
        base = name.removesuffix(suffix) if suffix else name
        if base != name or not suffix:
            try:
                return catalogue.get(base)
            except Exception:
                continue
    raise KeyError(name)


@pytest.fixture(scope="module")
def lib_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("c")
    return compile_library(HEADER.read_text(), SOURCE.read_text(), folder, CC)  # -Wall -Wextra -Werror


@pytest.fixture(scope="module")
def lib(lib_path: Path) -> CLibrary:
    return CLibrary(lib_path)


def _params(name: str) -> tuple[float, ...]:
    return tuple(float(p.default) for p in _owner(name).params)


def _chosen(kp: KernelPlan) -> Any:
    """The candidate the committed C kernel was printed from (found by its C statements): one of the
    planned ones, or the generator's last resort, the first one with saturated tails."""
    body = DEFINITIONS[kp.name]
    for cand in kp.candidates:
        if "\n".join(kernel_lines(cand.expr, kp.var)) in body:
            return cand
    found = saturated(kp.candidates[0].expr, kp.truth, kp.var) if kp.role != "grad_from_output" else None
    if found is not None and "\n".join(kernel_lines(found[0], kp.var)) in body:
        return Candidate(found[0], kp.candidates[0].rules, "saturated tails")
    raise AssertionError(
        f"csrc is stale: {kp.name} is printed from none of its candidates (run symact kernels)"
    )


def _record_checks(name: str, lib_path: str) -> list[CCheck]:
    """Every C kernel of one record measured at every sample point (a unit of work for a worker)."""
    record = catalogue.get(name)
    results = []
    if record.kind in ("vector", "vector_loss"):
        x = sp.Symbol("x", real=True)
        second = (f"{name}_vjp", "vjp") if record.kind == "vector" else (f"{name}_grad", "grad")
        for public, role in ((name, "fwd"), second):
            if public in C_KERNELS:
                results.append(KernelResult(name, KernelPlan(public, role, x, [], sp.S.Zero), None, None))
    else:
        for kp in plan(record).kernels:
            if kp.name in C_KERNELS:
                results.append(KernelResult(name, kp, _chosen(kp), None))
    return check_kernels(results, CLibrary(Path(lib_path)), NUMPY, everywhere=True, documented=False)


@pytest.fixture(scope="module")
def checks(lib_path: Path) -> dict[str, CCheck]:
    names = sorted(
        {_owner(n).name for n in C_KERNELS}, key=lambda n: [r.name for r in catalogue.records()].index(n)
    )
    with multiprocessing.get_context("fork").Pool(2) as pool:
        found = pool.starmap(_record_checks, [(n, str(lib_path)) for n in names], chunksize=1)
    return {c.name: c for part in found for c in part}


def test_header_and_source_are_generated() -> None:
    for path in (HEADER, SOURCE):
        assert "Generated by `symact kernels`" in path.read_text().splitlines()[0]


def test_every_numpy_kernel_of_the_three_groups_has_a_c_twin() -> None:
    want = {n for n in K.__all__ if _owner(n).kind in GROUPS}
    assert set(C_KERNELS) == want
    assert {n: GROUPS[_owner(n).kind] for n in want} == C_KERNELS
    assert {
        "sigmoid",
        "gelu_grad",
        "mse_grad",
        "poisson_nll",
        "softmax_vjp",
        "glu",
        "cross_entropy_grad",
    } <= want


@pytest.mark.parametrize("name", sorted(C_KERNELS))
def test_c_kernel_meets_its_target_against_references(checks: dict[str, CCheck], name: str) -> None:
    c = checks[name]
    assert c.measurement is not None or c.role == "grad_from_output", name
    assert c.ok, (name, c.problems)
    if c.role != "grad_from_output":  # an output form promises nothing outside its range
        assert c.compared > 0


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.all((np.isnan(a) & np.isnan(b)) | (a == b)))


SPECIALS = np.array([-np.inf, np.inf, np.nan, 0.0, -0.0])


@pytest.mark.parametrize("name", sorted(n for n, g in C_KERNELS.items() if g == "activation"))
def test_activation_specials_as_numpy(lib: CLibrary, name: str) -> None:
    with np.errstate(all="ignore"):
        want = np.asarray(NUMPY[name](SPECIALS), dtype=np.float64)
    assert _same(lib.elementwise(name, SPECIALS, _params(name)), want), name


@pytest.mark.parametrize("name", sorted(n for n, g in C_KERNELS.items() if g == "loss"))
def test_loss_nan_and_infinite_predictions_as_numpy(lib: CLibrary, name: str) -> None:
    kp = next(k for k in plan_targets() if k[0] == name)
    a = np.array([-np.inf, np.inf, np.nan, 0.5, 0.5])
    for y in [*kp[1], np.nan]:
        ys = np.array([y, y, y, y, np.nan])
        with np.errstate(all="ignore"):
            want = np.asarray(NUMPY[name](a, ys), dtype=np.float64)
        assert _same(lib.loss(name, a, ys, _params(name)), want), (name, y)


def plan_targets() -> list[tuple[str, tuple[float, ...]]]:
    """(loss kernel, target values it is verified at): the planner's values, without deriving."""
    from symact.codegen.plan import _target_values

    out = []
    for n, g in C_KERNELS.items():
        if g == "loss":
            out.append((n, _target_values(_owner(n).target_domain)))  # type: ignore[attr-defined]
    return out


ROWS = np.array(
    [
        [0.5, -np.inf, 3.0, -2.0],  # a masked class
        [-np.inf, -np.inf, -np.inf, -np.inf],  # all masked
        [np.nan, 0.0, 1.0, 2.0],
        [np.inf, 0.0, 1.0, 2.0],
        [1e308, -1e308, 0.0, 5.0],
        [-745.0, 0.0, 709.0, 1e-300],
    ]
)


def _widths(name: str) -> tuple[int, int]:
    """(outputs per row of the forward kernel, g's width for the VJP) at rows of 4."""
    base = name.removesuffix("_vjp")
    with np.errstate(all="ignore"):
        out = np.asarray(NUMPY[base](ROWS))
    width = out.shape[1] if out.ndim == 2 else 1
    return width, width


@pytest.mark.parametrize("name", sorted(n for n, g in C_KERNELS.items() if g == "vector"))
def test_vector_rows_with_inf_nan_and_masked_classes_as_numpy(lib: CLibrary, name: str) -> None:
    width, gw = _widths(name)
    g = np.linspace(-1.5, 2.0, ROWS.shape[0] * gw).reshape(ROWS.shape[0], gw)
    with np.errstate(all="ignore"):
        if name.endswith("_vjp"):
            gv = g if gw > 1 else g[:, 0]
            want = np.asarray(NUMPY[name](ROWS, gv), dtype=np.float64)
            got = lib.rows(name, ROWS, ROWS.shape[1], gv)
        else:
            want = np.asarray(NUMPY[name](ROWS), dtype=np.float64).reshape(ROWS.shape[0], width)
            got = lib.rows(name, ROWS, width)
    assert got is not None
    assert np.array_equal(np.isnan(got), np.isnan(want)), (name, got, want)
    fin = np.isfinite(want)
    assert np.array_equal(got[~fin & ~np.isnan(want)], want[~fin & ~np.isnan(want)]), name
    np.testing.assert_allclose(got[fin], want[fin], rtol=1e-14, atol=0, err_msg=name)


@pytest.mark.parametrize("name", sorted(n for n, g in C_KERNELS.items() if g == "vector"))
def test_row_lengths_numpy_refuses_are_refused(lib: CLibrary, name: str) -> None:
    base = name.removesuffix("_vjp")
    for n in (0, 3):
        x = np.zeros((2, n))
        try:
            with np.errstate(all="ignore"):
                NUMPY[base](x)
        except ValueError:
            refused = True
        else:
            refused = False
        g = np.zeros((2, n)) if name.endswith("_vjp") else None
        assert (lib.rows(name, x, max(n, 1), g) is None) == refused, (name, n)


FORWARD = sorted(n for n, g in C_KERNELS.items() if g in ("activation", "loss") and n == _owner(n).name)


@settings(max_examples=150, deadline=None, database=None)
@given(
    name=st.sampled_from(FORWARD),
    x=st.floats(allow_nan=True, allow_infinity=True),
    y=st.sampled_from([0.0, 0.25, 1.0, 0.7]),
)
def test_forward_kernels_at_drawn_points_against_references(
    checks: dict[str, CCheck], lib: CLibrary, name: str, x: float, y: float
) -> None:
    record = _owner(name)
    params = {p.name: p.default for p in record.params}
    var = record.variable  # type: ignore[attr-defined]
    args = _params(name)
    if record.kind == "loss":
        if not record.target_domain.contains(y) or np.isinf(x):  # type: ignore[attr-defined]
            return
        params[record.target.name] = y  # type: ignore[attr-defined]

        def run(xs: np.ndarray) -> np.ndarray:
            return lib.loss(name, xs, y, args)
    else:

        def run(xs: np.ndarray) -> np.ndarray:
            return lib.elementwise(name, xs, args)

    domain = record.input_domain if record.kind == "loss" else record.domain  # type: ignore[attr-defined]
    # the points the generator measures: all on the reals; else those inside the domain, and nan
    if (domain != sp.S.Reals and np.isinf(x)) or (np.isfinite(x) and domain.contains(sp.Float(x)) != sp.true):
        return
    m = measure(run, to_reference(record.expr), var, np.array([x]), params=params)
    assert not m.problems(checks[name].target), (name, x, y, m.problems(checks[name].target))


TARGET_ROWS = np.array(
    [
        [0.0, 1.0, 0.0, 0.0],
        [0.25, 0.25, 0.5, 0.0],
        [0.0, 0.0, 0.0, 0.0],
        [1.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 1.0, 0.0],
        [0.1, 0.2, 0.3, 0.4],
    ]
)


@pytest.mark.parametrize("name", sorted(n for n, g in C_KERNELS.items() if g == "vector_loss"))
def test_vector_loss_rows_with_inf_nan_and_masked_classes_as_numpy(lib: CLibrary, name: str) -> None:
    params = _params(name)
    for z in (ROWS, -np.abs(ROWS)):  # logits, and log-probabilities (<= 0)
        with np.errstate(all="ignore"):
            want = np.asarray(NUMPY[name](z, TARGET_ROWS), dtype=np.float64).reshape(z.shape[0], -1)
        got = lib.loss_rows(name, z, TARGET_ROWS, want.shape[1], params)
        assert got is not None
        assert np.array_equal(np.isnan(got), np.isnan(want)), (name, got, want)
        fin = np.isfinite(want)
        assert np.array_equal(got[~fin & ~np.isnan(want)], want[~fin & ~np.isnan(want)]), name
        np.testing.assert_allclose(got[fin], want[fin], rtol=1e-14, atol=0, err_msg=name)


@pytest.mark.parametrize("name", sorted(n for n, g in C_KERNELS.items() if g == "vector_loss"))
def test_vector_loss_row_lengths_numpy_refuses_are_refused(lib: CLibrary, name: str) -> None:
    z = np.zeros((2, 0))
    try:
        NUMPY[name](z, z)
    except (ValueError, ZeroDivisionError):  # no maximum of no logits; label smoothing over 0 classes
        refused = True
    else:
        refused = False
    assert (lib.loss_rows(name, z, z, 1, _params(name)) is None) == refused, name
