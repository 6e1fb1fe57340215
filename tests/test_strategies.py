"""symact.strategies: full-range inputs in the domain, kinks, roots, valid parameters, shrinking."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symact import strategies as sst
from symact.catalogue import check_params, get, records
from symact.verify import assert_point

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
import activations as ex

WITH_PARAMS = [r.name for r in records() if r.params and r.kind in ("elementwise", "loss")]


@settings(max_examples=300)
@given(sst.inputs("log1mexp"))
def test_inputs_respect_the_domain(v: float) -> None:
    assert math.isnan(v) or v > 0


@settings(max_examples=300)
@given(sst.inputs("sigmoid", dtype=np.float32))
def test_float32_inputs_are_float32_values(v: float) -> None:
    assert math.isnan(v) or float(np.float32(v)) == v


def test_inputs_cover_the_full_range() -> None:
    seen: list[float] = []

    @settings(max_examples=400, database=None, derandomize=True)
    @given(sst.inputs("sigmoid"))
    def collect(v: float) -> None:
        seen.append(v)

    collect()
    finite = [abs(v) for v in seen if math.isfinite(v) and v != 0]
    assert min(finite) < 1e-100 and max(finite) > 1e100
    assert any(v < 0 for v in seen) and any(v > 0 for v in seen)
    assert any(math.isnan(v) for v in seen) and any(math.isinf(v) for v in seen)


@settings(max_examples=200)
@given(sst.near_kinks("hardtanh"))
def test_near_kinks_clusters_at_the_kinks(v: float) -> None:
    assert min(abs(v - 1), abs(v + 1)) <= 1.0


@settings(max_examples=100)
@given(sst.near_roots("silu"))
def test_near_roots_clusters_at_the_derivative_root(v: float) -> None:
    assert abs(v + 1.2784645427610738) <= 1.3


def test_smooth_function_has_no_kink_strategy() -> None:
    assert sst.near_kinks("sigmoid").is_empty


@pytest.mark.parametrize("name", WITH_PARAMS)
def test_parameters_are_valid(name: str) -> None:
    record = get(name)

    @settings(max_examples=30, database=None, suppress_health_check=[HealthCheck.filter_too_much])
    @given(sst.parameters(name))
    def valid(values: dict[str, float]) -> None:
        assert set(values) == {p.name for p in record.params}
        check_params(
            record, {k: sp.Rational(v) if math.isfinite(v) else sp.oo * v for k, v in values.items()}
        )

    valid()


@settings(max_examples=40, deadline=None)
@given(sst.parameters("leaky_relu"), st.floats(-100, 100))
def test_leaky_relu_with_drawn_slope(values: dict[str, float], v: float) -> None:
    slope = values["negative_slope"]

    def leaky(x: np.ndarray) -> np.ndarray:
        return np.where(x < 0, slope * x, x)

    assert_point(leaky, v, against="leaky_relu", params=values)


def test_a_failure_shrinks_to_a_minimal_counterexample_with_reference_and_ulps() -> None:
    def wrong_above_two(x: np.ndarray) -> np.ndarray:
        return np.where(x > 2, ex.sigmoid_grad(x) * (1 + 1e-10), ex.sigmoid_grad(x))

    @settings(max_examples=300, database=None, derandomize=True, deadline=None)
    @given(sst.inputs("sigmoid"))
    def prop(v: float) -> None:
        assert_point(wrong_above_two, v, against="sigmoid", which="gradient")

    with pytest.raises(AssertionError) as info:
        prop()
    message = str(info.value)
    assert "expected" in message and "ULP" in message and "tolerance" in message
    x = float(message.split("at x = ")[1].split(":")[0])
    assert 2 < x <= 3  # shrunk from the full range down to a small input just above 2
