"""Verdicts from the truth (budgets from the correctly rounded value and the condition number),
hazard sampling, and kinks that are not floats.

The numbers asserted are measured against mpmath references (``symact.numeric.reference``), not
hard-coded outputs of the checker.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp
from hypothesis import given, settings

from symact import strategies as sst
from symact.catalogue import get
from symact.numeric import reference
from symact.verify import check, check_fidelity, make_target
from symact.verify._budget import DEFAULT_ULP, WRONG_RELATIVE, budgets, scales_input
from symact.verify._hazards import hazard_positions
from symact.verify._points import sample_groups


def _stable_sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def test_a_hundred_percent_error_never_passes_where_the_truth_is_normal() -> None:
    """The issue's two cases: silu' = 0 at x = -709 (truth 8.6e-306), log_sigmoid = 0 at x = 40."""
    t = make_target(get("silu"), float_params=True)
    xs = np.array([-709.0])
    truth = float(reference(t.df, t.var, xs)[0])
    assert 1e-306 < abs(truth) < 1e-305
    res = check_fidelity("silu", "gradient", xs, np.array([0.0]), t.df, t.var)
    assert [f.kind for f in res.findings] == ["wrong"]
    ls = make_target(get("log_sigmoid"), float_params=True)
    xs = np.array([40.0])
    assert float(reference(ls.f, ls.var, xs)[0]) < 0
    res = check_fidelity("log_sigmoid", "forward", xs, np.array([-0.0]), ls.f, ls.var)
    assert [f.kind for f in res.findings] == ["wrong"]


def test_budget_is_n_times_one_plus_condition_number() -> None:
    """At x = 3 for exp(-x) (no input rounded): kappa = min(3, 1) |f'/f| = 1, so the budget is between
    N + 4 / 2 and N + 4 * 2 ULP; it does not depend on how exp(-x) is written.  For exp(-x/sqrt 2)
    the input is scaled inexactly: kappa = 3 / sqrt 2."""
    x = sp.Symbol("x", real=True)
    at = np.array([3.0])
    for expr in (sp.exp(-x), 1 / sp.exp(x)):
        b = float(budgets(expr, x, at, reference(expr, x, at), DEFAULT_ULP, np.float64)[0])
        assert DEFAULT_ULP + 4 / 2 <= b <= DEFAULT_ULP + 4 * 2
    scaled = sp.exp(-x / sp.sqrt(2))
    b = float(budgets(scaled, x, at, reference(scaled, x, at), DEFAULT_ULP, np.float64)[0])
    kappa = 3 / math.sqrt(2)
    assert DEFAULT_ULP + 4 * kappa / 2 <= b <= DEFAULT_ULP + 4 * kappa * 2


def test_inexact_scalings_of_the_input_are_found() -> None:
    x = sp.Symbol("x", real=True)
    scaled = [sp.erf(x / sp.sqrt(2)), sp.exp(-(x**2) / 2), sp.exp(3 * x / 2), sp.tanh(x + x**3 / 10), 3**x]
    exact = [
        sp.exp(-x),
        sp.tanh(x / 2),
        x / (1 + sp.exp(-x)),
        sp.log(1 + sp.exp(2 * x)),
        2**x,
        sp.Max(0, x + 3),
    ]
    assert all(scales_input(e, x) for e in scaled)
    assert not any(scales_input(e, x) for e in exact)
    assert scales_input(sp.exp(sp.Symbol("beta") * x), x)  # a parameter left as a symbol


def test_a_1e_minus_12_error_is_seen_where_no_input_is_rounded() -> None:
    """SiLU's gradient at x = -700: its condition number |x f''/f'| is about 700, but no correct
    evaluation rounds x there, so a relative error of 1e-12 (2,000 to 4,500 ULP) fails.  GELU's
    left tail scales x by 1/sqrt 2: PyTorch's formula (x * M_SQRT1_2 rounded) errs there by more than
    the 16 + 4 ULP of an unscaled input, and passes."""
    t = make_target(get("silu"), float_params=True)
    xs = np.array([-700.0, -650.5])
    truth = reference(t.df, t.var, xs)
    res = check_fidelity("silu", "gradient", xs, truth * (1 + 1e-12), t.df, t.var)
    assert [f.kind for f in res.findings] == ["imprecise", "imprecise"]
    assert not check_fidelity("silu", "gradient", xs, truth, t.df, t.var).findings

    def torch_gelu_grad(v: float) -> float:
        half_root = 1 / math.sqrt(2)
        return (
            0.5 * math.erfc(-v * half_root)
            + v * math.exp(-0.5 * v * v) * (2 / math.sqrt(math.pi)) * half_root * 0.5
        )

    g = make_target(get("gelu"), float_params=True)
    xs = np.array([-30.0, -25.3, -20.7, -12.1, -5.5])
    got = np.array([torch_gelu_grad(float(v)) for v in xs])
    truth = reference(g.df, g.var, xs)
    assert (np.abs(got - truth) / np.spacing(np.abs(truth))).max() > DEFAULT_ULP + 4
    assert not check_fidelity("gelu", "gradient", xs, got, g.df, g.var).findings


def test_wrong_and_imprecise_are_told_apart() -> None:
    t = make_target(get("sigmoid"), float_params=True)
    xs = np.array([0.5, 1.5])
    truth = reference(t.f, t.var, xs)
    imprecise = truth * (1 + 1e-9)  # beyond 16 ULP, far below 2^-10
    wrong = truth * (1 + 4 * WRONG_RELATIVE)
    kinds = [f.kind for f in check_fidelity("s", "forward", xs, imprecise, t.f, t.var).findings]
    assert kinds == ["imprecise", "imprecise"]
    kinds = [f.kind for f in check_fidelity("s", "forward", xs, wrong, t.f, t.var).findings]
    assert kinds == ["wrong", "wrong"]
    # --ulp: a larger budget accepts the imprecise values, never the wrong ones
    loose = check_fidelity("s", "forward", xs, imprecise, t.f, t.var, ulps=1e8).findings
    assert loose == [] and check_fidelity("s", "forward", xs, wrong, t.f, t.var, ulps=1e8).findings


def test_hazards_are_found_from_the_expression() -> None:
    t = make_target(get("sigmoid"), float_params=True)
    spots = hazard_positions((t.f, t.df), t.var, "float64")
    overflow = -math.log(np.finfo(np.float64).max)  # exp(-x) overflows below it
    assert any(abs(s - overflow) < 1e-9 for s in spots)
    assert any(abs(s - math.log(2 / np.finfo(np.float64).eps)) < 1e-9 for s in spots)  # saturation
    spots32 = hazard_positions((t.f, t.df), t.var, "float32")
    assert any(abs(s + math.log(float(np.finfo(np.float32).max))) < 1e-4 for s in spots32)
    groups = sample_groups(t, 2000)
    assert groups["hazards"].size > 300 and groups["subnormal"].size >= 100
    near_709 = np.abs(groups["hazards"] - overflow) < 12
    assert near_709.sum() >= 20  # the window where 1 / (1 + exp(-x)) breaks down


def test_report_counts_points_by_kind() -> None:
    report = check(_stable_sigmoid, against="sigmoid", examples=300)
    assert report.ok and {"full range", "hazards", "subnormal"} <= set(report.sampled)
    assert sum(report.sampled.values()) == report.checked["forward"]


@settings(max_examples=60, deadline=None)
@given(sst.hazards("sigmoid"))
def test_hazard_strategy_draws_hazards_or_subnormals(x: float) -> None:
    assert math.isfinite(x)
    t = make_target(get("sigmoid"), float_params=True)
    spots = hazard_positions((t.f, t.df), t.var, "float64")
    # near(c) reaches c +- abs(c) 10^U, U <= 0; the window c +- 4 max(1, abs(c)/64)
    assert abs(x) < 2.3e-308 or any(abs(x - c) <= max(abs(c), 4.0) + 1e-9 for c in spots)


def _torch_style_softplus(beta: float, threshold: float, shift: int = 0):  # type: ignore[no-untyped-def]
    """PyTorch's rule: x where the rounded product x * beta > threshold; `shift` moves the switch
    by that many floats (a wrong branch test)."""
    cut = np.float64(threshold / beta)
    for _ in range(abs(shift)):
        cut = np.nextafter(cut, math.copysign(math.inf, shift))

    def fwd(x: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            soft = np.log1p(np.exp(np.minimum(x * beta, threshold))) / beta
        test = (x * beta > threshold) if shift == 0 else (x > cut)
        return np.where(test, x, soft)

    def grad(x: np.ndarray) -> np.ndarray:
        z = np.exp(-np.abs(x * beta))
        s = np.where(x >= 0, 1 / (1 + z), z / (1 + z))
        test = (x * beta > threshold) if shift == 0 else (x > cut)
        return np.where(test, 1.0, s)

    return fwd, grad


def test_kink_that_is_not_a_float_accepts_either_branch_within_rounding() -> None:
    params = {"beta": 1.5, "threshold": 20}
    fwd, grad = _torch_style_softplus(1.5, 20.0)
    report = check(fwd, grad=grad, against="softplus_torch", params=params, examples=400)
    assert report.ok, [str(f) for f in report.failures[:3]]
    assert any("not a float" in n for n in report.notes)


def test_wrong_branch_outside_the_band_still_fails() -> None:
    params = {"beta": 1.5, "threshold": 20}
    fwd, grad = _torch_style_softplus(1.5, 20.0, shift=3)  # switches 3 floats late
    report = check(fwd, grad=grad, against="softplus_torch", params=params, examples=400)
    assert not report.ok
    c = 20 / 1.5
    assert all(abs(f.x - c) < 1e-13 for f in report.failures if f.layer != "consistency")
