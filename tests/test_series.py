"""Truncated series candidates: the bound is proved, and a series that is wrong or too short is refused."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy as sp

import symact.kernels as K
from symact.catalogue import get
from symact.codegen.series import SERIES, _k, _u, apply_series
from symact.errors import VerificationError
from symact.numeric import reference, ulp_error

TANHSHRINK = next(s for s in SERIES if s.name == "tanhshrink-series")


def test_every_series_is_proved() -> None:
    for series in SERIES:
        assert "2^-60" in series.prove()


@pytest.mark.parametrize(
    "change, why",
    [
        ({"terms": 8}, "truncation bound"),
        ({"threshold": sp.Integer(4)}, "truncation bound"),
        ({"coefficient": 2 * _k / sp.factorial(2 * _k)}, "does not sum"),
        ({"numerator": _u * sp.cosh(_u)}, "does not sum"),
        ({"denominator": sp.sinh(_u)}, "numerator/denominator"),
    ],
)
def test_a_wrong_series_is_refused(change: dict[str, object], why: str) -> None:
    with pytest.raises(VerificationError, match=why):
        dataclasses.replace(TANHSHRINK, **change).prove()


def test_the_candidate_equals_the_function_outside_the_series_range() -> None:
    x = get("tanhshrink").variable
    ((form, name),) = apply_series(get("tanhshrink").expr, x)
    assert name == TANHSHRINK.name
    for v in (sp.Integer(-3), sp.Rational(7, 4), sp.Integer(2)):
        assert form.subs(x, v) == (x - sp.tanh(x)).subs(x, v)


def test_tanhshrink_is_accurate_where_x_minus_tanh_cancels() -> None:
    """Near 0 the exact difference loses ~3/x^2 ULP; the generated kernel stays within its target."""
    x = get("tanhshrink").variable
    xs = np.concatenate([np.geomspace(1e-150, 1.5, 300), -np.geomspace(1e-150, 1.5, 300), [1.4999, 1.5001]])
    want = reference(x - sp.tanh(x), x, xs)
    assert float(np.max(ulp_error(K.tanhshrink(xs), want))) <= 4.0
    with np.errstate(all="ignore"):
        naive = xs - np.tanh(xs)
    assert float(np.max(ulp_error(naive, want))) > 1e3  # the cancellation the series avoids
