"""The C sources are compiled and every C kernel checked before ``symact kernels`` writes them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from symact import catalogue
from symact.codegen.backend import BackendOutcome
from symact.codegen.c.backend import CBackend, c_files
from symact.codegen.c.check import compiler
from symact.codegen.c.emit import CFunction, c_functions
from symact.codegen.generate import Generation, generate
from symact.codegen.numpy_backend import NumpyBackend
from symact.codegen.update import Outcome, failures, update

NAMES = ("sigmoid", "elu", "mse", "poisson_nll", "softmax", "glu")


@pytest.fixture(scope="module")
def gen() -> Generation:
    return generate([catalogue.get(n) for n in NAMES])


def _sabotaged(gen: Generation, name: str, old: str, new: str) -> list[CFunction]:
    out = []
    for f in c_functions(gen):
        if f.name == name:
            assert old in f.definition
            f = replace(f, definition=f.definition.replace(old, new, 1))
        out.append(f)
    return out


def _update(root: Path, gen: Generation, c: CBackend | None = None, **kwargs: object) -> Outcome:
    """`update` on the generation of NAMES, with the NumPy backend and `c` (default: the real one)."""
    return update(root, generation=gen, backends=(NumpyBackend(), c or CBackend()), **kwargs)  # type: ignore[arg-type]


def _c(outcome: Outcome) -> BackendOutcome:
    return outcome.backends["c"]


needs_cc = pytest.mark.skipif(compiler() is None, reason="no C compiler on this machine")


@needs_cc
def test_every_c_kernel_is_checked_and_the_sources_written(gen: Generation, tmp_path: Path) -> None:
    outcome = _update(tmp_path, gen)
    assert _c(outcome).failures == [] and _c(outcome).note is None
    assert {c.name for c in _c(outcome).details} == {f.name for f in c_functions(gen)}
    assert {"sigmoid_grad_from_output", "poisson_nll_grad", "softmax_vjp", "glu"} <= set(_c(outcome).checked)
    assert all(c.ok and c.compared > 0 for c in _c(outcome).details)
    assert set(c_files(tmp_path)) <= set(outcome.changed)
    again = _update(tmp_path, gen)
    assert again.changed == []  # deterministic: a second run changes no byte


@needs_cc
@pytest.mark.parametrize(
    ("name", "old", "new", "where"),
    [
        ("sigmoid", "    return ", "    return 1.000000001*", "sigmoid (C):"),  # 4.5e6 ULP
        ("poisson_nll", "return a > 0 ? INFINITY", "return a > 0 ? 0.0", "poisson_nll (C): special inputs"),
        ("softmax", "symact_softmax_row(xr, 1.0,", "symact_softmax_row(xr, 1.0000001,", "softmax (C):"),
        ("glu", "    return ", "    return 0.999999*", "glu (C):"),
        ("elu", "    return ", "    return (", "does not compile"),
    ],
)
def test_a_failing_c_kernel_is_named_and_the_c_files_are_not_written(
    gen: Generation,
    tmp_path: Path,
    name: str,
    old: str,
    new: str,
    where: str,
) -> None:
    functions = _sabotaged(gen, name, old, new)
    lines: list[str] = []
    outcome = _update(tmp_path, gen, CBackend(functions=lambda g: functions), progress=lines.append)
    found = _c(outcome).failures
    assert found and where in found[0], found
    assert found == failures(outcome)  # the one list the command and the build stage report
    assert any("FAILED" in line and where in line for line in lines)
    assert not any(p.exists() for p in c_files(tmp_path))
    assert (tmp_path / "symact" / "kernels" / "_generated.py").exists()  # the NumPy kernels still are


def test_without_a_compiler_the_sources_are_written_and_the_outcome_says_so(
    gen: Generation, tmp_path: Path
) -> None:
    lines: list[str] = []
    outcome = _update(tmp_path, gen, CBackend(compiler=lambda: None), progress=lines.append)
    note = _c(outcome).note
    assert note is not None and "no C compiler" in note
    assert _c(outcome).details == [] and _c(outcome).failures == [] and failures(outcome) == []
    assert all(p.exists() for p in c_files(tmp_path))
    assert any("no C compiler" in line for line in lines)


@needs_cc
def test_with_check_a_failing_c_kernel_makes_the_c_files_stale(gen: Generation, tmp_path: Path) -> None:
    _update(tmp_path, gen)  # the committed files: every kernel passes
    assert _update(tmp_path, gen, check=True).stale == []
    functions = _sabotaged(gen, "sigmoid", "    return ", "    return 1.000000001*")
    outcome = _update(tmp_path, gen, CBackend(functions=lambda g: functions), check=True)
    assert _c(outcome).failures and set(outcome.stale) == set(c_files(tmp_path))


def test_a_c_printing_error_is_a_failure_not_a_crash(gen: Generation, tmp_path: Path) -> None:
    def broken(g: Generation) -> list[CFunction]:
        raise NotImplementedError("no C form for this routine")

    outcome = _update(tmp_path, gen, CBackend(functions=broken))
    assert _c(outcome).failures == [
        "the C sources could not be printed: NotImplementedError: no C form for this routine"
    ]
    assert not any(p.exists() for p in c_files(tmp_path))
    assert (tmp_path / "symact" / "kernels" / "_generated.py").exists()
