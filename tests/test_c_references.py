"""Slow tier: every committed C kernel measured against correctly rounded references at every point
of the generator's sample (no result taken over from the NumPy kernel), held to the NumPy targets."""

from __future__ import annotations

from pathlib import Path

import pytest
from c_backend import C_KERNELS, CC, HEADER, SOURCE, all_checks

from symact.codegen.c.check import CCheck, compile_library

pytestmark = [pytest.mark.slow, pytest.mark.skipif(CC is None, reason="no C compiler on this machine")]


@pytest.fixture(scope="module")
def checks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CCheck]:
    lib = compile_library(HEADER.read_text(), SOURCE.read_text(), tmp_path_factory.mktemp("c"), CC)
    return all_checks(Path(lib), everywhere=True)


@pytest.mark.parametrize("name", sorted(C_KERNELS))
def test_c_kernel_meets_its_target_at_every_sample_point(checks: dict[str, CCheck], name: str) -> None:
    c = checks[name]
    assert c.ok, (name, c.problems)
    if c.role != "grad_from_output":  # an output form documented accurate nowhere promises nothing
        assert c.compared > 0 and c.measurement is not None
