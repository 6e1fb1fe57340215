"""Slow tier: every generated element-wise kernel and its gradient pass the fidelity layer on 10,000
full-range points each (no false alarms, and no defects), against correctly rounded references."""

from __future__ import annotations

import numpy as np
import pytest

import symact.kernels as kernels
from symact.catalogue import records
from symact.verify import FAIL, check_fidelity, make_target, sample_points

CASES = [
    (r, kind)
    for r in records()
    if r.kind == "elementwise"
    for kind, suffix in (("forward", ""), ("gradient", "_grad"))
    if hasattr(kernels, r.name + suffix)
]


@pytest.mark.slow
@pytest.mark.parametrize(("record", "layer"), CASES, ids=lambda v: getattr(v, "name", v))
def test_kernel_passes_on_10000_points(record, layer: str) -> None:  # type: ignore[no-untyped-def]
    target = make_target(record, source="sympy", float_params=True)  # parameters as the kernel holds them
    xs = sample_points(target, 10_000, seed=7)
    fn = getattr(kernels, record.name + ("_grad" if layer == "gradient" else ""))
    with np.errstate(all="ignore"):
        got = fn(xs)
    truth = target.df if layer == "gradient" else target.f
    result = check_fidelity(record.name, layer, xs, got, truth, target.var)
    failures = [f for f in result.findings if f.verdict == FAIL]
    # a restricted domain (log1mexp: x > 0) keeps only the sample's points inside it
    assert len(xs) >= 5_000 and result.checked >= 0.9 * len(xs), (len(xs), result.checked)
    assert not failures, failures[:3]
