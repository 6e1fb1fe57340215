"""Every element-wise kernel meets its target on Hypothesis-drawn points, measured by the generator
itself (the criteria `symact kernels` writes a kernel under; the fixed-seed sample is measured by
the freshness test, which regenerates the module)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import symact.kernels as K
from symact.catalogue import records
from symact.codegen.generate import generate

RECORDS = [r for r in records() if r.kind in ("elementwise", "loss")]
_MAGNITUDES = st.floats(-300.0, 308.25).map(lambda e: 10.0**e)
POINTS = st.lists(
    st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(-50.0, 50.0),
        st.tuples(_MAGNITUDES, st.sampled_from([-1.0, 1.0])).map(lambda t: t[0] * t[1]),
    ),
    min_size=40,
    max_size=40,
)


@pytest.mark.slow
# no shrinking: each example regenerates the catalogue (~40 s), and the failure names its input
@settings(
    max_examples=2,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(points=POINTS)
def test_kernels_meet_their_targets_on_drawn_points(points: list[float]) -> None:
    g = generate(RECORDS, size=5, size32=20, extra=np.array(points, dtype=np.float64), jobs=2)
    assert g.failures() == [], g.failures()
    made = {r.plan.name for r in g.results if r.ok}
    published = {n for n in K.__all__ for r in RECORDS if n == r.name or n.startswith(r.name + "_grad")}
    assert published <= made, published - made
