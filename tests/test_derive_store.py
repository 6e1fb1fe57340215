"""The derivation store: a derivation computed once is loaded, equal, by the next process that asks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from symact import derive as derive_fn
from symact.catalogue import get
from symact.derive import _MEMO, store


@pytest.fixture
def folder(tmp_path: Path):
    previous = store.use(tmp_path / "derive")
    yield tmp_path / "derive"
    store.use(previous)


def test_a_stored_derivation_is_loaded_equal_with_the_callers_record(folder: Path) -> None:
    record = get("elu")
    _MEMO.clear()
    first = derive_fn(record)
    files = list(folder.glob("*.pickle"))
    assert len(files) == 1
    _MEMO.clear()
    again = derive_fn(record)
    assert again is not first and again == first
    assert again.record is record
    assert derive_fn(record, convention="jax") != first  # another key: derived, then stored too
    assert len(list(folder.glob("*.pickle"))) == 2


def test_another_process_loads_instead_of_deriving(folder: Path) -> None:
    derive_fn(get("softplus"))
    code = (
        "import importlib; from pathlib import Path; from symact.derive import store, derive;"
        "from symact.catalogue import get;"
        f"store.use(Path({str(folder)!r}));"
        "package = importlib.import_module('symact.derive');"
        "package.derive_elementwise = None;"  # a derivation computed here would crash: it must be loaded
        "print(derive(get('softplus')).record.name)"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True)
    assert out.stdout.strip() == "softplus"


def test_without_a_store_nothing_is_written(tmp_path: Path) -> None:
    previous = store.use(None)
    try:
        _MEMO.clear()
        derive_fn(get("relu"))
        assert store.current() is None
    finally:
        store.use(previous)


def test_the_proofs_stage_derives_for_itself(tmp_path: Path) -> None:
    """Proofs print a derivation's form, which depends on the process's SymPy cache: no store there."""
    from symact import build
    from symact.pipeline import Stage, StageResult

    seen: list[object] = []

    def probe(records, *, root, progress) -> StageResult:  # type: ignore[no-untyped-def]
        seen.append(store.current())
        return StageResult("probe")

    previous = store.use(tmp_path / "derive")
    try:
        own, shared = (Stage(name, probe) for name in ("symact.latex.stage:run", "other:run"))
        assert "symact.latex.stage:run" in build.OWN_DERIVATIONS
        build._call(own, [get("relu")], tmp_path, lambda m: None)
        build._call(shared, [get("relu")], tmp_path, lambda m: None)
        assert seen == [None, tmp_path / "derive"] and store.current() == tmp_path / "derive"
    finally:
        store.use(previous)
