"""The derivation store: a derivation computed once is loaded, equal, by the next process that asks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from symact import derive as derive_fn
from symact.catalogue import get, records
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


_DERIVE_ALL = """
import sys
from pathlib import Path
from symact.catalogue import records
from symact.derive import derive, store
store.use(Path(sys.argv[1]))
for record in list(records())[int(sys.argv[2])::-2]:  # every other record, last first
    derive(record)
"""

_PROVE_ALL = """
import sys
from pathlib import Path
from symact.catalogue import records
from symact.derive import store
from symact.latex._files import generate, stale
from symact.steps.messages import LANGUAGES
store.use(Path(sys.argv[1]))
loaded, computed = [], []
load, save = store.load, store.save
def loading(record, name):
    found = load(record, name)
    loaded.extend([record.name] if found is not None else [])
    return found
def saving(name, derivation):
    computed.append(derivation.record.name)
    save(name, derivation)
store.load, store.save = loading, saving
generated = generate(records(), langs=LANGUAGES)
print(len(set(loaded)), len(computed))
print("\\n".join(stale(Path(sys.argv[2]), generated.files)))
"""


@pytest.mark.slow
def test_proofs_printed_from_stored_derivations_equal_the_committed_files(tmp_path: Path) -> None:
    """The build's proofs stage loads what the derive stage stored: two other processes derive the
    catalogue (in reverse order, each holding the SymPy cache of its own history), and the proofs
    printed from what they stored equal the committed files byte for byte."""
    root = Path(__file__).resolve().parents[1]
    folder = tmp_path / "derive"
    derivers = [
        subprocess.Popen([sys.executable, "-c", _DERIVE_ALL, str(folder), start], cwd=root)
        for start in ("-1", "-2")
    ]
    assert [p.wait() for p in derivers] == [0, 0]
    out = subprocess.run(
        [sys.executable, "-c", _PROVE_ALL, str(folder), str(root / "proofs")],
        capture_output=True,
        text=True,
        cwd=root,
        check=True,
    )
    counts, *differences = out.stdout.splitlines()
    loaded, computed = map(int, counts.split())
    assert loaded > len(records()) // 2 and computed == 0  # every derivation the proofs use is loaded
    assert [d for d in differences if d] == []
