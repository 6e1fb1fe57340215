"""symact.verify: the three layers, kinks, mutants, NaN, and check() on users' code."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from symact.catalogue import get, records
from symact.verify import (
    FAIL,
    assert_matches,
    check,
    check_consistency,
    check_fidelity,
    check_symbolic,
    error_bound,
    make_target,
    sample_points,
    verify_record,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
import activations as ex

x = sp.Symbol("x", real=True)
SCALAR = [r for r in records() if r.kind == "elementwise"]
SMOOTH = [r for r in SCALAR if (not r.kinks and not r.params) or (not r.kinks and r.name != "threshold")]
WITH_KINKS = [r for r in SCALAR if any(k for k in r.kinks)]


def _target(record, **kw):  # type: ignore[no-untyped-def]
    return make_target(record, source="sympy", **kw)


@pytest.mark.parametrize("record", SCALAR, ids=lambda r: r.name)
def test_correct_derivative_passes_on_many_points(record) -> None:  # type: ignore[no-untyped-def]
    target = _target(record)
    xs = [float(v) for v in sample_points(target, 120, seed=1)]
    found, n = check_symbolic(target, xs)
    assert n >= 50
    assert [str(f) for f in found if f.verdict == FAIL] == []


LOSSES = [r for r in records() if r.kind == "loss"]


@pytest.mark.parametrize("record", LOSSES, ids=lambda r: r.name)
def test_correct_loss_gradient_passes(record) -> None:  # type: ignore[no-untyped-def]
    y = next(v for v in (sp.Rational(1, 4), sp.S.One, sp.S.Zero, sp.Integer(3)) if v in record.target_domain)
    target = _target(record, params={record.target.name: y})
    found, n = check_symbolic(target, [float(v) for v in sample_points(target, 60, seed=1)])
    assert n >= 20
    assert [str(f) for f in found if f.verdict == FAIL] == []


@pytest.mark.parametrize(
    "record", [get(n) for n in ("sigmoid", "relu", "gelu", "softsign")], ids=lambda r: r.name
)
def test_derive_derivatives_pass(record) -> None:  # type: ignore[no-untyped-def]
    target = make_target(record, source="derive")
    found, n = check_symbolic(target, [float(v) for v in sample_points(target, 40, seed=2)])
    assert n > 20 and not [f for f in found if f.verdict == FAIL]


@pytest.mark.parametrize("record", SMOOTH, ids=lambda r: r.name)
def test_relative_mutant_1e9_is_caught_everywhere_the_derivative_is_visible(record) -> None:  # type: ignore[no-untyped-def]
    target = _target(record)
    mutant = target.with_derivative(target.df * (1 + sp.Rational(1, 10**9)))
    xs = [v for v in (-3.5, -1.25, -0.3, 0.7, 2.0, 4.5) if target.in_domain(v)] or [0.5, 2.0]
    found, _ = check_symbolic(mutant, xs)
    nonzero = [v for v in xs if target.dfn.value(v) != 0]
    assert nonzero, "no point with a non-zero derivative"
    assert sorted(f.x for f in found if f.verdict == FAIL) == sorted(nonzero)


def test_symbolic_layer_sees_1e30() -> None:
    target = _target(get("sigmoid"))
    mutant = target.with_derivative(target.df * (1 + sp.Rational(1, 10**30)))
    found, _ = check_symbolic(mutant, [-20.0, 0.3, 7.0])
    assert len([f for f in found if f.verdict == FAIL]) == 3


@pytest.mark.parametrize("record", WITH_KINKS, ids=lambda r: r.name)
def test_wrong_kink_value_is_caught(record) -> None:  # type: ignore[no-untyped-def]
    target = _target(record)
    exact = [k for k in target.kinks if k.exact]
    if not exact:
        pytest.skip("no kink on a float")
    k = exact[0]
    wrong = sp.Piecewise((k.value + 1 + abs(k.left) + abs(k.right), sp.Eq(x, k.at)), (target.df, True))
    found, _ = check_symbolic(target.with_derivative(wrong.subs(x, target.var)), [k.x])
    assert any(f.verdict == FAIL and "convention" in f.note for f in found)
    ok, _ = check_symbolic(target, [k.x])
    assert not [f for f in ok if f.verdict == FAIL]


def test_pytorch_value_under_jax_convention_is_caught_and_subgradient_accepts_it() -> None:
    record = get("leaky_relu")
    pytorch_df = _target(record, convention="pytorch").df
    jax = _target(record, convention="jax").with_derivative(pytorch_df)
    assert any(f.verdict == FAIL for f in check_symbolic(jax, [0.0])[0])
    sub = _target(record, convention="subgradient").with_derivative(pytorch_df)
    assert not check_symbolic(sub, [0.0])[0]
    outside = sp.Piecewise((2, sp.Eq(x, 0)), (pytorch_df, True))
    assert any(f.verdict == FAIL for f in check_symbolic(sub.with_derivative(outside), [0.0])[0])


def test_declared_one_sided_derivatives_are_checked() -> None:
    target = _target(get("relu"))
    k = target.kinks[0]
    bad = type(k)(k.at, k.left, sp.Integer(2), k.value, k.jump)
    broken = type(target)(
        target.name, target.var, target.f, target.df, target.convention, (bad,), target.breaks
    )
    assert any("right derivative" in f.note for f in check_symbolic(broken, [0.0])[0])


def test_nan_where_truth_is_finite_fails_in_every_layer() -> None:
    target = _target(get("sigmoid"))
    xs = np.array([-3.0, 0.5, 2.0])
    got = ex.sigmoid_grad(xs)
    got[1] = np.nan
    res = check_fidelity("sigmoid", "gradient", xs, got, target.df, target.var)
    assert [f.x for f in res.findings if f.verdict == FAIL] == [0.5]
    assert "nan" in res.findings[0].note
    nan_df = sp.Piecewise((sp.nan, sp.Eq(x, sp.Rational(1, 2))), (target.df, True))
    found, _ = check_symbolic(target.with_derivative(nan_df), [0.5])
    assert found and found[0].verdict == FAIL


def test_fidelity_tolerance_is_per_point_and_tight() -> None:
    target = _target(get("sigmoid"))
    xs = sample_points(target, 400, seed=3)
    with np.errstate(all="ignore"):
        good = check_fidelity("sigmoid", "gradient", xs, ex.sigmoid_grad(xs), target.df, target.var)
        bad = check_fidelity(
            "sigmoid", "gradient", xs, ex.sigmoid_grad(xs) * (1 + 1e-12), target.df, target.var
        )
    assert not [f for f in good.findings if f.verdict == FAIL]
    finite = np.isfinite(xs) & (np.abs(xs) < 30)
    caught = np.isin(xs[finite], [f.x for f in bad.findings if f.verdict == FAIL])
    assert caught.mean() > 0.99


def test_error_bound_rules() -> None:
    assert error_bound(x + 1, x, 0.5).error == 2.0**-53  # one rounding: half an ulp of 1.5
    assert error_bound(2 * x, x, 3.0).error == 0  # scaling by a power of two is exact
    # (x + 1) x at 0.5: the sum's error times 0.5, plus half an ulp of 0.75
    assert error_bound((x + 1) * x, x, 0.5).error == 2.0**-53 * 0.5 + 2.0**-54
    assert math.isinf(error_bound(1 / (1 + sp.exp(-x)), x, -800.0).error)  # exp overflows
    e = error_bound(sp.exp(x), x, 1.0)
    assert 0 < e.error <= 2 * 2.0**-52 * float(e.value)


def test_consistency_catches_a_mismatched_pair_and_passes_the_right_one() -> None:
    target = _target(get("sigmoid"))
    xs = sample_points(target, 200, seed=4)
    with np.errstate(all="ignore"):
        ok, n, _ = check_consistency(target, ex.sigmoid, ex.sigmoid_grad, xs)
        bad, _, _ = check_consistency(target, ex.sigmoid, ex.sigmoid_grad_off, xs)
    assert n > 50 and not [f for f in ok if f.verdict == FAIL]
    assert len([f for f in bad if f.verdict == FAIL]) > 20


def test_check_on_example_code() -> None:
    good = check(ex.sigmoid, grad=ex.sigmoid_grad, against="sigmoid", examples=300)
    assert good.ok and good.checked["consistency"] > 50
    bad = check(ex.gelu, grad=ex.gelu_tanh_grad, against="gelu", examples=200)
    assert not bad.ok and {f.layer for f in bad.failures} >= {"gradient", "consistency"}
    first = bad.counterexample()
    assert first is not None and len(repr(first.x)) <= 6  # shrunk to a short decimal
    with pytest.raises(AssertionError, match=r"counterexample: relu gradient FAIL at x = 0\.0"):
        assert_matches(ex.relu, grad=ex.relu_grad_half, against="relu", examples=100)
    assert check(ex.relu, grad=ex.relu_grad_half, against="relu", convention="subgradient", examples=100).ok


def test_verify_record_checks_kernels_or_says_none() -> None:
    report = verify_record(get("sigmoid"), examples=20)
    assert report.ok and report.checked["symbolic"] > 10
    assert "no kernel" in report.notes or report.checked.get("gradient", 0) > 10  # type: ignore[attr-defined]


@pytest.mark.slow
def test_no_false_alarms_on_thousands_of_points() -> None:
    target = _target(get("sigmoid"))
    xs = sample_points(target, 10_000, seed=5)
    with np.errstate(all="ignore"):
        res = check_fidelity("sigmoid", "gradient", xs, ex.sigmoid_grad(xs), target.df, target.var)
    assert res.checked > 9000 and not [f for f in res.findings if f.verdict == FAIL]
    found, n = check_symbolic(target, [float(v) for v in xs[:2000]])
    assert n > 1500 and not [f for f in found if f.verdict == FAIL]


def _sigmoid32(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    e = np.exp(-np.abs(v))
    return (np.exp(np.minimum(v, 0)) / (1 + e)).astype(np.float32)


def _sigmoid32_grad(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    e = np.exp(-np.abs(v))
    return (e / ((1 + e) * (1 + e))).astype(np.float32)


def test_float32_code_is_checked_in_float32_ulps() -> None:
    good = check(_sigmoid32, grad=_sigmoid32_grad, against="sigmoid", dtype=np.float32, examples=300)
    assert good.ok and good.checked["consistency"] > 50
    bad = check(
        _sigmoid32,
        grad=lambda v: _sigmoid32_grad(v) * np.float32(1 + 1e-5),
        against="sigmoid",
        dtype=np.float32,
        examples=300,
    )
    assert not bad.ok
