"""Shared fixtures: ``own_catalogue`` (functions a test registers leave the catalogue with it) and
``project_root`` (the checkout under test)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def own_catalogue(monkeypatch: pytest.MonkeyPatch) -> None:
    """Functions registered by a test leave the catalogue with it."""
    import symact.catalogue as catalogue

    monkeypatch.setattr(catalogue, "_RECORDS", dict(catalogue._RECORDS))
    monkeypatch.setattr(catalogue, "_ALIASES", dict(catalogue._ALIASES))


@pytest.fixture
def project_root() -> Path:
    """The project folder of the checkout under test (it holds ``symact/`` and ``pyproject.toml``)."""
    return ROOT


@pytest.fixture(scope="session")
def small_generation() -> object:
    """The verified kernels of one activation with a parameter and one loss (softplus, mse): what the
    framework backends' checks are tested on."""
    from symact import catalogue
    from symact.codegen.generate import generate

    return generate([catalogue.get("softplus"), catalogue.get("mse")])
