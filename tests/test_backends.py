"""The backend seam: a kernel that fails in any backend fails ``symact kernels`` and ``symact build``;
every backend implements every declared runtime routine; ACCURACY.md does not depend on the machine."""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import mpmath
import numpy as np
import pytest

from symact import catalogue
from symact.build import run_build
from symact.codegen.backend import Backend, BackendOutcome
from symact.codegen.backends import default_backends
from symact.codegen.c.backend import CBackend, c_files
from symact.codegen.c.check import compiler
from symact.codegen.c.emit import c_functions
from symact.codegen.c.prelude import c_prelude
from symact.codegen.csharp.backend import CSharpBackend
from symact.codegen.csharp.prelude import cs_prelude
from symact.codegen.generate import CAREFUL_TARGETS, Generation, KernelResult, generate
from symact.codegen.numpy_backend import NumpyBackend
from symact.codegen.report import accuracy_markdown, measured_markdown
from symact.codegen.routines import ROUTINES, UnknownRoutineError, routine
from symact.codegen.stage import kernels
from symact.codegen.update import failures, update
from symact.errors import SymactError
from symact.kernels import _runtime


@dataclass(frozen=True)
class OffByOne:
    """A backend whose first kernel misses its target: what a broken PyTorch or JAX printer would do."""

    name: str = "offbyone"
    routines: Mapping[str, str] = field(default_factory=lambda: {r.name: r.name for r in ROUTINES})

    def files(self, root: Path) -> tuple[Path, ...]:
        return (root / "offbyone" / "kernels.txt",)

    def print_kernel(self, result: KernelResult) -> str:
        return f"{result.plan.name} = ..."

    def build(self, gen: Generation, root: Path, *, size: int, seed: int) -> BackendOutcome:
        names = [r.plan.name for r in gen.results if r.ok]
        text = "".join(self.print_kernel(r) + "\n" for r in gen.results if r.ok)
        out = BackendOutcome(self.name, {self.files(root)[0]: text}, checked=names[1:])
        out.failures.append(f"{names[0]} ({self.name}): 1e6 ULP at x = 0.5, target 4")
        out.withheld = True
        return out


def test_the_registered_backends_implement_the_protocol() -> None:
    found: tuple[Backend, ...] = default_backends()
    assert [b.name for b in found] == ["numpy", "c", "csharp", "torch", "jax"]
    assert len({b.name for b in found}) == len(found)


def test_a_failing_backend_kernel_fails_the_build(tmp_path: Path) -> None:
    stage = kernels(backends=(NumpyBackend(), OffByOne()))
    report = run_build([catalogue.get("relu")], root=tmp_path, progress=lambda m: None, stages=[stage])
    assert not report.ok
    assert report.stages[0].failures == ["relu (offbyone): 1e6 ULP at x = 0.5, target 4"]
    assert not (tmp_path / "offbyone").exists()
    good = run_build(
        [catalogue.get("relu")],
        root=tmp_path,
        progress=lambda m: None,
        stages=[kernels(backends=(NumpyBackend(),))],
        cache=False,
    )
    assert good.ok, good.stages[0].failures


@pytest.mark.skipif(compiler() is None, reason="no C compiler on this machine")
def test_a_failing_c_kernel_fails_the_build(tmp_path: Path) -> None:
    """The defect: the build stage ignored the C failures that made ``symact kernels`` exit 1."""

    def sabotaged(gen: Generation) -> list:
        return [
            replace(f, definition=f.definition.replace("    return ", "    return 1.000001*", 1))
            if f.name == "sigmoid"
            else f
            for f in c_functions(gen)
        ]

    stage = kernels(backends=(NumpyBackend(), CBackend(functions=sabotaged)))
    report = run_build([catalogue.get("sigmoid")], root=tmp_path, progress=lambda m: None, stages=[stage])
    assert not report.ok
    assert report.stages[0].failures and all("sigmoid (C)" in f for f in report.stages[0].failures)
    assert not any(p.exists() for p in c_files(tmp_path))


def test_update_withholds_a_failing_backend_and_writes_the_others(tmp_path: Path) -> None:
    gen = generate([catalogue.get("relu"), catalogue.get("sigmoid")])
    outcome = update(tmp_path, generation=gen, backends=(NumpyBackend(), OffByOne()))
    assert failures(outcome) == ["relu (offbyone): 1e6 ULP at x = 0.5, target 4"]
    assert not (tmp_path / "offbyone").exists()
    assert all(p.exists() for p in NumpyBackend().files(tmp_path))
    checked = update(tmp_path, generation=gen, backends=(NumpyBackend(), OffByOne()), check=True)
    assert checked.stale == [tmp_path / "offbyone" / "kernels.txt"]


def test_every_backend_implements_every_declared_routine() -> None:
    prelude = c_prelude(rows=False)
    for backend in default_backends():
        assert set(backend.routines) == {r.name for r in ROUTINES}, backend.name
    cs = cs_prelude()
    for r in ROUTINES:
        assert callable(getattr(_runtime, r.name)), r.name
        assert f"symact_{r.name}(" in prelude, r.name
        assert f"public static double {CSharpBackend().routines[r.name].removeprefix('Rt.')}(" in cs, r.name


def test_an_undeclared_routine_cannot_be_lowered_to() -> None:
    from symact.codegen.lower import runtime

    with pytest.raises(UnknownRoutineError, match="no runtime routine 'expish'") as info:
        runtime("expish")
    assert isinstance(info.value, SymactError)
    assert routine("ndtr").args == ("u",)


_POINTS = [-37.5, -20.0, -5.25, -1.0, -0.125, 0.0, 0.375, 1.5, 4.0, 8.0]


def _ulp_error(got: float, want: mpmath.mpf) -> float:
    if want == 0:
        return 0.0 if got == 0 else float("inf")
    return float(abs(mpmath.mpf(got) - want) / np.spacing(abs(float(want))))


@pytest.mark.parametrize("name", ["ndtr", "npdf", "ndtr_scaled", "npdf_scaled"])
def test_the_numpy_routines_mean_what_is_declared(name: str) -> None:
    """Measured against the declared reference at 50 digits (a numeric claim, not a proof), within
    the target of the kernels built on Phi/phi (``CAREFUL_TARGETS["fwd"]``, 8 ULP), for a unit and a
    tiny scale factor."""
    decl = routine(name)
    impl = getattr(_runtime, name)
    mpmath.mp.dps = 50
    try:
        for u in _POINTS:
            for args in [(u,)] if len(decl.args) == 1 else [(u, 1.0), (u, 3.0e-300)]:
                got = float(impl(*[np.float64(a) for a in args]))
                want = decl.reference(*[mpmath.mpf(a) for a in args])
                assert _ulp_error(got, want) <= CAREFUL_TARGETS["fwd"], (name, args, got, want)
    finally:
        mpmath.mp.dps = 15


def test_accuracy_md_holds_no_measurement() -> None:
    """The committed report is the same whatever the machine measured; the printed one is not."""
    gen = generate([catalogue.get(n) for n in ("sigmoid", "elu", "mse")])
    committed = accuracy_markdown(gen, size=2000, size32=500, seed=1)
    other = copy.deepcopy(gen)
    for r in other.results:
        if r.measurement is not None:
            r.measurement.max_ulp, r.measurement.p999_ulp = 0.735, 0.25
            r.measurement.f32_max_ulp = 0.5
        if r.accurate_range is not None:
            r.accurate_range = (-1.0, 1.0)
    assert accuracy_markdown(other, size=2000, size32=500, seed=1) == committed
    assert measured_markdown(other) != measured_markdown(gen)
    assert "0.735" in measured_markdown(other)
    assert "| `sigmoid` |" in committed and "| `sigmoid_grad_from_output` |" in committed


_POLY = (1.0, 0.0, 0.0, 0.0, 0.5, 0.0)  # P(x) = x^2 + 1/2 as (hi, lo) pairs


@pytest.mark.parametrize(
    ("name", "args"),
    [
        *[("exp_neg_abs_poly", (x, k, *_POLY)) for x in (-30.0, -1.0, 0.25, 26.0) for k in (1.0, 2.0)],
        *[("sigmoid_poly_scaled", (m, x, *_POLY)) for x in (-26.0, -1.0, 0.0, 2.0) for m in (1.0, 3e-300)],
        *[("xlog_minus", (y, 1.25)) for y in (0.5, 3.490342957461841, 40.0)],
        ("xlog_minus", (0.0, 1.25)),
        *[("signed_inf", (c,)) for c in (-2.0, 0.0, 3.0)],
    ],
)
def test_the_other_numpy_routines_mean_what_is_declared(name: str, args: tuple[float, ...]) -> None:
    """The double-double and limit routines, measured like the ones above (3.4903... is e^1.25 to
    within a few ULP, where log y - c cancels)."""
    decl = routine(name)
    mpmath.mp.dps = 50
    try:
        got = float(getattr(_runtime, name)(*[np.float64(a) for a in args]))
        want = decl.reference(*[mpmath.mpf(a) for a in args])
        if mpmath.isinf(want):
            assert got == float(want)
        else:
            assert _ulp_error(got, want) <= CAREFUL_TARGETS["fwd"], (name, args, got, want)
    finally:
        mpmath.mp.dps = 15


def test_the_report_tabulates_every_backend_from_its_records(tmp_path: Path) -> None:
    """The cross-backend table reads only ``BackendOutcome.details``: a backend with no record of a
    kernel shows it as not served, and its failures are listed under its name."""
    gen = generate([catalogue.get("relu")])
    outcome = update(tmp_path, generation=gen, backends=(NumpyBackend(), OffByOne()), check=True)
    text = measured_markdown(gen, outcome.backends)
    assert "| kernel | form | target | numpy float64 | numpy float32 | offbyone float64 |" in text
    assert "| `relu` | record | 4 | 0 | 0 | not served |" in text
    assert "- FAILED relu (offbyone): 1e6 ULP at x = 0.5, target 4" in text


def test_bucketed_calls_pad_the_leading_axis_and_cut_the_result_back() -> None:
    """ArrayIO(bucket=True) hands the framework a power-of-two length (at least 2048), repeating the
    first entry, so that JAX compiles each kernel for a few shapes; the values come back unchanged."""
    from symact.codegen.arrays.check import ArrayIO

    seen: list[tuple[int, ...]] = []

    def fn(a: np.ndarray, y: np.ndarray, scale: float = 1.0) -> np.ndarray:
        seen.append(a.shape)
        return np.exp(a) * y * scale

    io = ArrayIO(np.asarray, np.asarray, bucket=True)
    a = np.linspace(-3, 3, 2500)
    y = np.full(2500, 2.0)
    got = io.run(fn, [a, y], {"scale": 0.5})
    assert seen[-1] == (4096,) and got.shape == (2500,)
    assert np.array_equal(got, np.exp(a) * y * 0.5)
    assert io.run(fn, [a[:7], y[:7]], {}).shape == (7,) and seen[-1] == (2048,)
    rows = np.arange(12.0).reshape(3, 4)
    assert np.array_equal(io.run(lambda r: r.sum(axis=-1), [rows], {}), rows.sum(axis=-1))
    plain = ArrayIO(np.asarray, np.asarray)
    assert np.array_equal(plain.run(fn, [a[:7], y[:7]], {}), np.exp(a[:7]) * 2.0) and seen[-1] == (7,)


@dataclass(frozen=True)
class Pid:
    """A backend that reports the process it built in (its only kernel passes)."""

    name: str = "pid"
    routines: Mapping[str, str] = field(default_factory=dict)

    def files(self, root: Path) -> tuple[Path, ...]:
        return ()

    def print_kernel(self, result: KernelResult) -> str:
        return ""

    def build(self, gen: Generation, root: Path, *, size: int, seed: int) -> BackendOutcome:
        import os

        return BackendOutcome(self.name, checked=[str(os.getpid())])


def test_backends_build_side_by_side_in_forked_processes_and_report_in_order(tmp_path: Path) -> None:
    from symact.pipeline import fork_is_safe

    gen = generate([catalogue.get("relu")])
    chosen = (NumpyBackend(), OffByOne(), Pid())
    alone = update(tmp_path, generation=gen, backends=chosen, check=True, jobs=1)
    side = update(tmp_path, generation=gen, backends=chosen, check=True, jobs=2)
    assert list(side.backends) == ["numpy", "offbyone", "pid"]
    assert failures(side) == failures(alone) == ["relu (offbyone): 1e6 ULP at x = 0.5, target 4"]
    assert side.texts == alone.texts and side.stale == alone.stale
    assert alone.backends["pid"].checked == [str(os.getpid())]
    if fork_is_safe():  # not once JAX is imported in this test process
        assert side.backends["pid"].checked != [str(os.getpid())]
