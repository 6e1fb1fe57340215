"""symact.numeric: correct rounding, references, ULP errors and samples."""

from __future__ import annotations

import math
import time
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symact.numeric import MpFunction, float_format, full_range_sample, reference, round_mpf, ulp, ulp_error

x = sp.Symbol("x", real=True)
F64 = float_format(np.float64)
F32 = float_format(np.float32)


def _fraction_round(man: int, exp: int) -> float:
    """Python's own correctly rounded conversion of man * 2^exp (subnormals included)."""
    try:
        return float(Fraction(man) * Fraction(2) ** exp)
    except OverflowError:
        return math.inf if man > 0 else -math.inf


@given(st.integers(-(1 << 120), 1 << 120), st.integers(-1250, 1000))
def test_round_mpf_matches_exact_rational_rounding(man: int, exp: int) -> None:
    with mpmath.workprec(200):
        v = mpmath.ldexp(mpmath.mpf(man), exp)
    assert round_mpf(v, F64) == _fraction_round(man, exp)


@given(st.integers(-(1 << 60), 1 << 60), st.integers(-220, 100))
def test_round_mpf_float32_agrees_with_numpy_of_exact_double(man: int, exp: int) -> None:
    # man has at most 61 bits: first round exactly to a 120-bit-wide value, then compare the
    # float32 result with rounding the exact rational via its float64 only when float64 is exact
    exact = Fraction(man) * Fraction(2) ** exp
    as64 = float(exact) if abs(exact) < 2**1000 else math.inf
    if Fraction(as64) != exact:
        return  # float64 would round first: not a valid oracle for this value
    with mpmath.workprec(200):
        v = mpmath.ldexp(mpmath.mpf(man), exp)
    with np.errstate(over="ignore"):
        assert round_mpf(v, F32) == float(np.float32(as64))


def test_round_ties_to_even_and_overflow() -> None:
    with mpmath.workprec(200):
        one_and_half_ulp = mpmath.mpf(1) + mpmath.ldexp(1, -53)
        assert round_mpf(one_and_half_ulp, F64) == 1.0
        assert round_mpf(mpmath.mpf(1) + 3 * mpmath.ldexp(1, -53), F64) == 1.0 + 2**-51
        assert round_mpf(mpmath.ldexp(1, 1024), F64) == math.inf
        assert round_mpf(-mpmath.ldexp(1, -1076), F64) == 0.0
        assert round_mpf(mpmath.ldexp(3, -1076), F64) == 5e-324


def _slow_reference(expr: sp.Expr, xs: np.ndarray) -> np.ndarray:
    """mpmath at a fixed 400 digits, converted through an exact rational: an independent oracle."""
    f = sp.lambdify(x, expr, "mpmath")
    out = []
    with mpmath.workdps(400):
        for v in xs:
            r = f(mpmath.mpf(float(v)))
            sign, man, exp, _ = mpmath.mpf(r)._mpf_
            out.append(_fraction_round(-man if sign else man, exp))
    return np.asarray(out)


@pytest.mark.parametrize(
    "expr",
    [
        1 / (1 + sp.exp(-x)),
        x / 2 * sp.erfc(-x / sp.sqrt(2)),
        sp.log(1 + sp.exp(x)),
        sp.tanh(x),
        x * sp.tanh(sp.log(1 + sp.exp(x))),
    ],
    ids=["sigmoid", "gelu", "softplus", "tanh", "mish"],
)
def test_reference_agrees_with_400_digit_oracle(expr: sp.Expr) -> None:
    xs = full_range_sample(300, seed=7)
    xs = xs[np.isfinite(xs) & (np.abs(xs) < 700)]
    assert np.array_equal(reference(expr, x, xs), _slow_reference(expr, xs))


def test_reference_specials_limits_and_domain() -> None:
    sig = 1 / (1 + sp.exp(-x))
    assert reference(sig, x, [np.inf, -np.inf, np.nan, 0.0, -800.0]).tolist()[:2] == [1.0, 0.0]
    assert np.isnan(reference(sig, x, [np.nan]))[0]
    assert reference(sig, x, [0.0, -800.0]).tolist() == [0.5, 0.0]
    assert np.isnan(reference(sp.log(x), x, [-1.0]))[0]
    assert np.isnan(reference(1 / x, x, [0.0]))[0]
    assert reference(x * sig, x, [np.inf, -np.inf]).tolist() == [np.inf, 0.0]
    # a subnormal result, and overflow to infinity
    assert reference(sp.exp(x), x, [-744.0]).tolist() == [float(Fraction(5, 1) * 0) + 5e-324 * 2]
    assert reference(sp.exp(x), x, [710.0]).tolist() == [np.inf]


def test_reference_piecewise_max_params_and_float32() -> None:
    s = sp.Symbol("negative_slope", real=True)
    leaky = sp.Piecewise((s * x, x < 0), (x, True))
    got = reference(leaky, x, [-3.0, 2.0], params={"negative_slope": sp.Rational(1, 100)})
    assert got.tolist() == [-0.03, 2.0]
    assert reference(sp.Max(x, 0), x, [-1.0, 0.0, 5.0, -np.inf]).tolist() == [0.0, 0.0, 5.0, 0.0]
    r32 = reference(sp.exp(x), x, [1.0, 89.0], dtype=np.float32)
    assert r32.dtype == np.float32
    assert r32.tolist() == [float(np.float32(math.e)), math.inf]
    with pytest.raises(ValueError, match="negative_slope"):
        reference(leaky, x, [1.0])


@settings(max_examples=200)
@given(st.floats(allow_nan=False, allow_infinity=False, width=64))
def test_reference_of_identity_and_square_is_exact(v: float) -> None:
    assert reference(x, x, [v])[0] == v
    with np.errstate(over="ignore"):
        assert reference(x**2, x, [v])[0] == _fraction_round(*_fraction_parts(Fraction(v) ** 2))


def _fraction_parts(q: Fraction) -> tuple[int, int]:
    if q == 0:
        return 0, 0
    exp = q.denominator.bit_length() - 1  # denominators of squares of floats are powers of two
    assert q.denominator == 1 << exp
    return q.numerator, -exp


def test_reference_is_fast_enough() -> None:
    xs = full_range_sample(3000, seed=3)
    xs = xs[np.abs(xs) < 1e100]  # what the dense checks use; huge magnitudes cost more
    start = time.perf_counter()
    reference(x * sp.tanh(x) + 1 / (1 + sp.exp(-x)), x, xs)
    assert time.perf_counter() - start < 4.0


def test_ulp_and_ulp_error() -> None:
    assert ulp(np.array([1.0]))[0] == 2**-52
    assert ulp(np.array([0.0]))[0] == 5e-324
    assert ulp(np.array([1.0]), dtype=np.float32)[0] == 2**-23
    got = np.array([1.0 + 2**-52, np.inf, np.inf, np.nan, np.nan, 1.0, -1.0, 5e-324, -0.0, 1.7e308])
    ref = np.array([1.0, np.inf, -np.inf, np.nan, 1.0, np.nan, 1.0, 0.0, 0.0, -1.7e308])
    err = ulp_error(got, ref)
    assert err[:9].tolist() == [1.0, 0.0, math.inf, 0.0, math.inf, math.inf, 2**53, 1.0, 0.0]
    assert np.isfinite(err[9]) and err[9] > 2**53


def test_full_range_sample_is_deterministic_and_covers_the_range() -> None:
    a = full_range_sample(5000, seed=11)
    assert np.array_equal(a, full_range_sample(5000, seed=11), equal_nan=True)
    assert not np.array_equal(a, full_range_sample(5000, seed=12), equal_nan=True)
    assert a.size == 5000 and a.dtype == np.float64
    assert np.isnan(a).sum() == 1 and np.isposinf(a).sum() == 1 and np.isneginf(a).sum() == 1
    assert (np.signbit(a) & (a == 0)).sum() == 1
    fin = np.abs(a[np.isfinite(a) & (a != 0)])
    assert fin.min() < 1e-250 and fin.max() > 1e250
    assert ((a > 0).sum() > 2000) and ((a < 0).sum() > 2000)
    assert (np.abs(a) <= 50).sum() > 1400
    b = full_range_sample(1000, seed=1, dtype=np.float32)
    assert b.dtype == np.float32 and np.isfinite(b[5:]).all()


def test_a_tiny_term_is_not_lost_inside_log_of_one_plus() -> None:
    # mish' at x = -651: log(1 + e^x) absorbs e^x ~ 2^-940 at 160 and 320 bits alike, which made two
    # precisions agree on a value 0.15% off; evaluated as log1p it is right from the start
    from symact.numeric import compile_mp

    sp_ = sp.log(sp.exp(x) + 1)
    d = x * (1 - sp.tanh(sp_) ** 2) * sp.exp(x) / (sp.exp(x) + 1) + sp.tanh(sp_)
    with mpmath.workprec(4000):
        v = mpmath.mpf(-651.25)
        s = mpmath.log(1 + mpmath.exp(v))
        want = mpmath.tanh(s) + v * (1 - mpmath.tanh(s) ** 2) * mpmath.exp(v) / (1 + mpmath.exp(v))
        got = compile_mp(d, x).value(-651.25)
        assert got is not None and abs(got / want - 1) < mpmath.mpf(2) ** -100
    assert reference(d, x, [-651.25])[0] == round_mpf(want, F64)


# --- Arb's balls decide most references; they must give mpmath's values, never others ------------

_ARB_CASES = [
    1 / (1 + sp.exp(-x)),
    x * sp.erfc(-x / sp.sqrt(2)) / 2,  # at the smallest subnormal: 2^-1074 above a rounding tie
    sp.log(1 + sp.exp(x)),
    sp.tanh(x) * sp.log(1 + sp.exp(-sp.Abs(x))),
    sp.sqrt(x**2 + 1) - x,
    sp.exp(x) - 1,
    sp.erf(x / sp.sqrt(2)) * sp.pi,
    # branches chosen exactly, then a ball (a threshold among the points, one that is not a float)
    sp.Piecewise((x - sp.tanh(x), x > sp.Rational(3, 2)), (x**3 / 3 - 2 * x**5 / 15, True)),
    x * sp.Piecewise((0, x <= -3), (x / 3 + sp.S.Half, x < 3), (1, True)),
    sp.Piecewise((1 / (1 + sp.exp(-x)), (x <= 20) & (x**2 > sp.Rational(1, 3))), (x, True)),
]


def _mpmath_only(expr: sp.Expr, xs: np.ndarray, fmt: object) -> list[float]:
    from symact.numeric import _mp

    fn = _mp.MpFunction.__new__(_mp.MpFunction)
    saved, _mp.USE_ARB = _mp.USE_ARB, False
    try:
        fn.__init__(expr, x)  # type: ignore[misc]
    finally:
        _mp.USE_ARB = saved
    # _rounded_at, not rounded: the table of rounded values is shared by every function of `expr`
    return [fn._rounded_at(mpmath.mpf(float(v)), fmt) for v in xs]  # type: ignore[arg-type]


@pytest.mark.parametrize("expr", _ARB_CASES, ids=str)
def test_arb_references_equal_mpmath_references(expr: sp.Expr) -> None:
    xs = full_range_sample(300, seed=11)
    edges = [1.5, 3.0, -3.0, 20.0, np.nextafter(20.0, 21.0), 0.5773502691896257, 0.5773502691896258]
    xs = np.concatenate([xs, [5e-324, -5e-324, 2.0**-1022, 1e-300, 37.0, -745.2, 709.8, *edges]])
    xs = xs[np.isfinite(xs)]
    for fmt, dtype in ((F64, np.float64), (F32, np.float32)):
        got = reference(expr, x, xs, dtype=dtype).astype(np.float64)
        want = np.asarray(_mpmath_only(expr, xs, fmt))
        same = (got == want) & (np.signbit(got) == np.signbit(want)) | (np.isnan(got) & np.isnan(want))
        assert same.all(), (str(expr), xs[~same][:5], got[~same][:5], want[~same][:5])


def test_arb_decides_where_the_ball_is_narrow_and_declines_at_a_rounding_tie() -> None:
    from symact.numeric._arb import arb_function

    sig = arb_function(1 / (1 + sp.exp(-x)), x, ())
    assert sig is not None
    assert sig.rounded(0.5, (), F64, 80) == float(mpmath.mpf(1) / (1 + mpmath.exp(-0.5)))
    # x/(2 cosh x) at the smallest subnormal lies 2^-2224 below the tie 2^-1075: no ball of the
    # precisions tried is that narrow, so Arb declines and mpmath decides
    near_tie = arb_function(x / (2 * sp.cosh(x)), x, ())
    assert near_tie is not None and near_tie.rounded(5e-324, (), F64, 80) is None
    # an exact ball at the tie itself is decided (ties to even: 0)
    half = arb_function(x / 2, x, ())
    assert half is not None and half.rounded(5e-324, (), F64, 80) == 0.0
    # the ends of a ball are converted exactly (a conversion rounding them to 53 bits gave 0 here)
    gelu = arb_function(x * sp.erfc(-x / sp.sqrt(2)) / 2, x, ())
    assert gelu is not None
    assert gelu.rounded(5e-324, (), F64, 80) in (None, 5e-324)
    assert reference(x * sp.erfc(-x / sp.sqrt(2)) / 2, x, [5e-324]).tolist() == [5e-324]


def test_branches_go_to_arb_only_where_their_conditions_are_decided_exactly() -> None:
    from symact.numeric._arb import PiecewiseArb, arb_function

    a = sp.Symbol("a")
    relu = arb_function(sp.Piecewise((x, x > a), (0, True)), x, (a,))
    assert isinstance(relu, PiecewiseArb)
    assert relu.rounded(0.25, (mpmath.mpf(0.25),), F64, 80) == 0.0  # x > a is false at x = a
    assert relu.rounded(0.25, (mpmath.mpf(0.125),), F64, 80) == 0.25
    assert arb_function(sp.Piecewise((x, sp.exp(x) > 2), (0, True)), x, ()) is None  # inexact test
    assert arb_function(sp.Piecewise((x, x > sp.pi), (0, True)), x, ()) is None
    assert arb_function(sp.Piecewise((sp.Max(x, 1), x > 0), (0, True)), x, ()) is None
    assert arb_function(sp.Max(x, 0), x, ()) is None
    assert arb_function(sp.Heaviside(x) * x, x, ()) is None


def test_the_table_of_rounded_values_is_shared_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from symact.numeric import _mp

    expr = sp.log(1 + sp.exp(x)) - x / 3
    xs = full_range_sample(200, seed=5)
    first = reference(expr, x, xs)
    memo = _mp.rounded_memo()
    assert sum(len(v) for k, v in memo.items() if k[0] == expr) >= np.isfinite(xs).sum() - 2
    _mp.rounded_memo(clear=True)
    _mp.remember_rounded(memo)  # what a worker process hands back: the same values, not recomputed
    calls = []
    monkeypatch.setattr(_mp.MpFunction, "_rounded_at", lambda self, *a: calls.append(a) or 0.0)
    monkeypatch.setattr(_mp, "USE_ARB", False)
    again = reference(expr, x, xs)
    assert not calls and np.array_equal(first, again, equal_nan=True)
    monkeypatch.setattr(_mp, "_TOTAL_LIMIT", 50)
    reference(expr + 1, x, xs)
    assert sum(len(v) for v in _mp.rounded_memo().values()) <= 50
    _mp.rounded_memo(clear=True)  # the values above are the stand-in's 0.0: forget them


def test_floored_errors_count_in_units_of_the_flush_floor() -> None:
    from symact.numeric import floored

    tiny = float(np.finfo(np.float64).tiny)
    ref = np.array([5e-320, 1.0, 2.0])
    got = np.array([0.0, 1.0 + 2**-52, np.inf])
    err = ulp_error(got, ref)
    assert err[0] > 1e4 and err[1] == 1 and err[2] == np.inf
    out = floored(err, got, ref, tiny)
    assert out[0] == pytest.approx(5e-320 / tiny) and out[1] == 1 and out[2] == np.inf
    assert floored(err, got, ref, 0.0) is err


def test_arb_decides_at_huge_arguments_as_mpmath_does() -> None:
    """exp of an argument near 2^1023 needs about 1,023 more bits: the starting precision grows with
    the argument's exponent, so Arb decides there (it left 30% of a loss's sample to mpmath)."""
    from symact.numeric._arb import arb_function

    x = sp.Symbol("x", real=True)
    expr = sp.log(1 + sp.exp(-x)) / 4 + 3 * sp.log(1 + sp.exp(x)) / 4
    ball = arb_function(expr, x, ())
    assert ball is not None
    fmt = float_format(np.float64)
    slow = MpFunction(expr, x)
    for v in (-1.7976931348623157e308, -5.1e307, -3.0e150, 2.0**600, 1.0e300):
        got = ball.rounded(v, (), fmt, 53)
        assert got is not None, v
        assert got == slow._rounded_at(mpmath.mpf(v), fmt), v


def test_arb_rounds_the_midpoint_only_at_a_tie_no_precision_within_reach_separates() -> None:
    """3a/4 + log1p(e^-a) at a = 1e100 is the tie 3a/4 (between two floats) plus e^-a: no ball tells
    the two floats apart, and either is within half an ULP of the value.  Arb's last, narrow ball is
    rounded there instead of taking mpmath to 20480 bits; a ball around a cancellation is not."""
    from symact.numeric._arb import arb_function

    fmt = float_format(np.float64)
    loss = arb_function(sp.log(1 + sp.exp(-x)) / 4 + 3 * sp.log(1 + sp.exp(x)) / 4, x, ())
    assert loss is not None
    tie = Fraction(1e100) * 3 / 4
    near = float(tie)
    below, above = sorted([near, math.nextafter(near, math.inf if Fraction(near) < tie else -math.inf)])
    assert tie - Fraction(below) == Fraction(above) - tie > 0  # a tie indeed: 3a/4 needs 55 bits
    assert loss.rounded(1e100, (), fmt, 53) in (below, above)
    assert loss.rounded(3.0, (), fmt, 53) == MpFunction(
        sp.log(1 + sp.exp(-x)) / 4 + 3 * sp.log(1 + sp.exp(x)) / 4, x
    )._rounded_at(mpmath.mpf(3.0), fmt)
    # 1 - tanh(x)^2 at x = 1e5 is e^-200000 and more: a ball around 0, never rounded from its midpoint
    cancelled = arb_function(1 - sp.tanh(x) ** 2, x, ())
    assert cancelled is not None and cancelled.rounded(1e5, (), fmt, 53) is None


def test_exact_fraction_holds_the_value_exactly() -> None:
    from symact.numeric import exact_fraction

    assert exact_fraction(0.1) == Fraction(3602879701896397, 2**55)
    assert exact_fraction(mpmath.mpf(-0.1)) == -Fraction(3602879701896397, 2**55)
    assert exact_fraction(mpmath.ldexp(3, -1100)) == Fraction(3, 2**1100)
    assert exact_fraction(mpmath.mpf(0)) == 0
    for bad in (math.inf, math.nan, mpmath.inf, mpmath.nan):
        with pytest.raises((ValueError, OverflowError)):
            exact_fraction(bad)
