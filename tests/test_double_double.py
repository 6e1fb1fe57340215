"""Double-double routines of the kernel runtime, against mpmath at 200 bits."""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

import symact.kernels as K
from symact.kernels import _runtime
from symact.numeric import reference, ulp_error

RNG = np.random.default_rng(11)


def test_log_dd_carries_about_100_bits() -> None:
    ys = np.concatenate(
        [10.0 ** RNG.uniform(-300, 300, 400), RNG.uniform(0.5, 2.0, 400), [5e-324, 1.7e308, 0.7, 1.0, 2.0]]
    )
    hi, lo = _runtime.log_dd(ys)
    with mpmath.workprec(200):
        worst = mpmath.mpf(0)
        for y, h, low in zip(ys, hi, lo, strict=True):
            t = mpmath.log(mpmath.mpf(float(y)))
            err = abs(mpmath.mpf(float(h)) + mpmath.mpf(float(low)) - t)
            worst = max(worst, err / abs(t) if t else err)
    assert worst < mpmath.mpf(2) ** -100
    assert float(_runtime.log_dd(np.array([1.0]))[0][0]) == 0.0


def test_relative_entropy_term_where_log_y_and_a_cancel() -> None:
    """y (log y - a) for a near log y: a double log loses all digits, the kernel keeps them down to
    |a - log y| ~ 1e-15 |log y|.  At a = fl(log y) itself the ~100-bit log leaves an absolute error
    below y |log y| 2^-100 (a few ULP of a result near 1e-17: 5 at y = 0.7)."""
    y, a = sp.Symbol("y", positive=True), sp.Symbol("a", real=True)
    for yv in (0.7, 0.25, 3e-5, 1e200, 0.999):
        closest = np.log(yv)
        want = reference(y * (sp.log(y) - a), a, [closest], params={"y": yv})[0]
        assert abs(float(K.kl_div(closest, yv)) - want) <= yv * abs(closest) * 2.0**-100
        rel = 10.0 ** RNG.uniform(-15, -1, 40) * RNG.choice([-1, 1], 40)
        av = np.log(yv) * (1 + rel) + rel
        want = reference(y * (sp.log(y) - a), a, av, params={"y": yv})
        got = K.kl_div(av, yv)
        assert float(np.max(ulp_error(got, want))) <= 4.0, yv
        with np.errstate(all="ignore"):
            naive = yv * (np.log(yv) - av)
        assert float(np.max(ulp_error(naive, want))) > 1e3


def test_relative_entropy_term_specials() -> None:
    with np.errstate(all="raise", under="ignore"):
        got = _runtime.xlog_minus(
            np.array([0.0, 0.0, 1.0, -1.0, np.nan]), np.array([-5.0, np.inf, 0.0, 0.0, 1.0])
        )
    assert got[0] == 0.0 and got[1] == 0.0 and got[2] == 0.0
    assert np.isnan(got[3]) and np.isnan(got[4])
