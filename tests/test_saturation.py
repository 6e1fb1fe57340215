"""Saturated tails (a checked rounding claim) and the double-double exponent of polynomial arguments."""

from __future__ import annotations

import numpy as np
import sympy as sp

import symact.kernels as K
from symact.catalogue import X, get
from symact.codegen.saturation import find_saturation, saturated
from symact.codegen.verify import ERRSTATE
from symact.kernels import _runtime
from symact.numeric import reference, ulp_error


def test_gelu_tanh_derivative_saturates_to_its_limits() -> None:
    x = X
    grad = sp.diff(get("gelu_tanh").expr, x)
    up, down = find_saturation(grad, x, 1), find_saturation(grad, x, -1)
    assert up is not None and up.asymptote == 1 and up.threshold <= 16
    assert down is not None and down.asymptote == 0 and down.threshold <= 32
    # the claim is what the references say: just past the threshold the value is the asymptote
    xs = np.array([np.nextafter(float(up.threshold), np.inf), 1e10, 1e300])
    assert np.array_equal(reference(grad, x, xs), np.ones(3))


def test_no_saturation_where_the_function_keeps_moving() -> None:
    assert find_saturation(X**3 / (1 + X**2), X, 1) is None  # asymptote x, but x - f -> 0 only like 1/x
    assert find_saturation(sp.atan(X), X, 1) is None  # the limit pi/2 is not rational
    assert saturated(sp.sin(X) + X, sp.sin(X) + X, X) is None  # no limit at all


def test_gelu_tanh_grad_has_no_overflow_and_meets_its_target() -> None:
    x = X
    grad = sp.diff(get("gelu_tanh").expr, x)
    far = np.geomspace(1e-5, 1e308, 60)
    xs = np.concatenate([-far, far, np.linspace(-25, 9, 300)])
    with np.errstate(**ERRSTATE):  # type: ignore[arg-type]  # underflow is correct rounding
        got = K.gelu_tanh_grad(xs)
    want = reference(grad, x, xs)
    # near the root of f' (x ~ -0.75) the unit is the ULP of the sum of the magnitudes of its terms
    c, k = sp.sqrt(2 / sp.pi), sp.Rational(8943, 200000)
    u = c * (x + k * x**3)
    magnitudes = (1 + sp.tanh(u)) / 2 + sp.Abs(x) * c * (1 + 3 * k * x**2) / (2 * sp.cosh(u) ** 2)
    terms = reference(magnitudes, x, xs)
    unit = np.spacing(np.maximum(np.abs(want), terms))
    normal = np.abs(want) >= np.finfo(np.float64).tiny
    assert float(np.max(np.abs(got - want)[normal] / unit[normal])) <= 8.0


def test_double_double_exponent_keeps_the_last_digits_of_a_large_cubic() -> None:
    c = sp.sqrt(2 / sp.pi)
    u = c * (X + sp.Rational(8943, 200000) * X**3)
    coeffs = []
    for k in sp.Poly(u, X).all_coeffs():
        hi = float(sp.N(k, 40))
        coeffs += [hi, float(sp.N(k - sp.Rational(hi), 40))]
    xs = -np.linspace(5.0, 24.0, 400)
    want = reference(sp.exp(-sp.Abs(u)), X, xs)
    got = _runtime.exp_neg_abs_poly(xs, 1.0, *coeffs)
    naive = np.exp(-np.abs(float(c) * (xs + 0.044715 * xs**3)))
    assert float(np.max(ulp_error(got, want))) <= 2.0
    assert float(np.max(ulp_error(naive, want))) > 50.0  # what rounding u costs without it
