"""Limits of kernels at +-inf (losses, parameters that may be 0), the overflow-free output form of
squareplus, and the strict table of known gaps."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import symact.kernels as K
from symact import catalogue
from symact.codegen import generate as gen_mod
from symact.codegen.gaps import KNOWN_GAPS, gap_table_problems, record_of
from symact.codegen.generate import generate
from symact.codegen.limits import SignedInfinity, term_limit
from symact.codegen.plan import plan
from symact.codegen.report import cells
from symact.codegen.verify import ERRSTATE
from symact.kernels import _runtime
from symact.numeric import reference, ulp_error

INF = np.array([-np.inf, np.inf])


def _truth_at_inf(name: str, y: float, params: dict[str, float], sides: tuple[bool, bool]) -> np.ndarray:
    """The correctly rounded limits of the record's expression at the given infinities."""
    record = catalogue.get(name)
    defaults = {p.name: p.default for p in record.params}
    xs = INF[list(sides)]
    target = {record.target.name: y} if record.kind == "loss" else {}  # type: ignore[union-attr]
    return reference(record.expr, record.variable, xs, params={**defaults, **params, **target})


LOSS_CASES = [
    ("binary_cross_entropy_with_logits", (0.0, 1.0, 0.25, 0.7), [{}, {"pos_weight": 2.5}], (True, True)),
    ("poisson_nll", (0.0, 1.0, 0.25, 3.0), [{}], (True, True)),
    ("poisson_nll_rate", (0.0, 1.0, 0.25, 3.0), [{}], (False, True)),
]


@pytest.mark.parametrize(("name", "ys", "param_sets", "sides"), LOSS_CASES, ids=[c[0] for c in LOSS_CASES])
def test_loss_limits_at_infinity(name: str, ys: tuple[float, ...], param_sets: list, sides) -> None:
    kernel = getattr(K, name)
    xs = INF[list(sides)]
    for params in param_sets:
        for y in ys:
            want = _truth_at_inf(name, y, params, sides)
            with np.errstate(**ERRSTATE):  # type: ignore[arg-type]
                got = kernel(xs, y, **params)
                got32 = kernel(xs.astype(np.float32), np.float32(y), **params)
            np.testing.assert_array_equal(got, want, err_msg=f"{name} y={y} {params}")
            assert got32.dtype == np.float32
            np.testing.assert_array_equal(got32, want.astype(np.float32))


def test_loss_limits_follow_the_target_elementwise() -> None:
    a = np.array([-np.inf, np.inf, -np.inf, np.inf, 1.5])
    y = np.array([0.0, 1.0, 1.0, 0.0, 0.5])
    with np.errstate(**ERRSTATE):  # type: ignore[arg-type]
        got = K.binary_cross_entropy_with_logits(a, y)
    assert got[:4].tolist() == [0.0, 0.0, np.inf, np.inf]
    assert got[4] == K.binary_cross_entropy_with_logits(1.5, 0.5)
    with np.errstate(**ERRSTATE):  # type: ignore[arg-type]
        assert np.isnan(K.poisson_nll(np.array([np.nan, 1.0]), np.array([1.0, np.nan]))).all()


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"negative_slope": 0.1},
        {"negative_slope": 0.0, "threshold": 2.0},
        {"max_value": 6.0},
        {"negative_slope": 0.3, "threshold": -1.0, "max_value": 4.0},
    ],
)
def test_keras_relu_limits_for_zero_and_nonzero_slopes(params: dict[str, float]) -> None:
    want = _truth_at_inf("keras_relu", 0.0, params, (True, True))
    with np.errstate(**ERRSTATE):  # type: ignore[arg-type]
        got = K.keras_relu(INF, **params)
    np.testing.assert_array_equal(got, want)


def test_keras_relu_output_form_that_needs_x_is_not_planned() -> None:
    names = [k.name for k in plan(catalogue.get("keras_relu")).kernels]
    assert "keras_relu_grad_from_output" not in names
    assert not hasattr(K, "keras_relu_grad_from_output")


def test_term_limit_is_right_when_a_coefficient_is_zero() -> None:
    x = sp.Symbol("x", real=True)
    c = sp.Symbol("c", real=True)
    lim = term_limit(c * x + 5, x, -sp.oo)
    assert lim is not None
    assert lim.subs(c, 0) == 5
    assert lim.subs(c, 2) == SignedInfinity(-2)
    assert term_limit(sp.exp(x) - c * x, x, sp.oo) == sp.oo  # exp grows faster than x
    got = _runtime.signed_inf(np.array([-2.0, 0.0, 3.0]))
    assert got.tolist() == [-np.inf, 0.0, np.inf]


def test_squareplus_output_form_has_no_overflow() -> None:
    a = np.array([1e-300, 1e-8, 0.5, 1.0, 3.0, 1e10, 1e160, 1e300, 1.7e308])
    with np.errstate(**ERRSTATE):  # type: ignore[arg-type]
        got = K.squareplus_grad_from_output(a, b=4.0)
    sym = sp.Symbol("a", real=True)
    ref = reference(4 * sym**2 / (4 * sym**2 + 4), sym, a, params={})
    assert float(np.max(ulp_error(got, ref))) <= 4


def test_every_known_gap_names_a_catalogue_kernel() -> None:
    assert gap_table_problems() == []
    for name in KNOWN_GAPS:
        assert record_of(name) is not None


def test_known_gaps_still_miss_their_targets() -> None:
    """Strict: a listed kernel that met its target would make the table lie (and the build fail)."""
    records = [catalogue.get(n) for n in dict.fromkeys(record_of(k) for k in KNOWN_GAPS) if n]
    g = generate(records, jobs=2)
    missing = {r.plan.name for r in g.known_gaps()}
    assert missing == set(KNOWN_GAPS)
    assert g.failures() == []


def test_a_kernel_that_misses_its_target_is_a_known_gap_only_if_listed(monkeypatch) -> None:
    monkeypatch.setitem(gen_mod.TARGETS, "fwd", 0.5)  # sigmoid's forward is 2 ULP off somewhere
    g = generate([catalogue.get("sigmoid")], size=400, size32=100)
    assert any(line.startswith("sigmoid: ") and "ULP > 0.5" in line for line in g.failures())
    monkeypatch.setitem(gen_mod.KNOWN_GAPS, "sigmoid", "a target nothing meets")
    g = generate([catalogue.get("sigmoid")], size=400, size32=100)
    assert g.failures() == [] and {r.plan.name for r in g.known_gaps()} == {"sigmoid"}
    assert cells(g)["sigmoid"].startswith("fwd known gap / grad ")
    assert "def sigmoid(" not in g.source and "def sigmoid_grad(" in g.source


def test_a_known_gap_that_passes_or_does_not_exist_fails(monkeypatch) -> None:
    monkeypatch.setitem(gen_mod.KNOWN_GAPS, "relu", "not really a gap")
    monkeypatch.setitem(gen_mod.KNOWN_GAPS, "no_such_function_grad", "made up")
    g = generate([catalogue.get("relu")], size=300, size32=100)
    failures = g.failures()
    assert any(line.startswith("relu: meets its target") for line in failures)
    assert any(line.startswith("no_such_function_grad:") for line in failures)


def test_accuracy_report_lists_the_known_gaps(monkeypatch) -> None:
    from pathlib import Path

    from symact.codegen.report import accuracy_markdown, measured_markdown

    committed = (Path(K.__file__).parent / "ACCURACY.md").read_text()
    assert ("## Known gaps" in committed) == bool(KNOWN_GAPS)
    for name, why in KNOWN_GAPS.items():
        assert f"- `{name}`: {why}" in committed
    monkeypatch.setitem(gen_mod.TARGETS, "fwd", 0.5)
    monkeypatch.setitem(gen_mod.KNOWN_GAPS, "sigmoid", "a target nothing meets")
    g = generate([catalogue.get("sigmoid")], size=400, size32=100)
    text = accuracy_markdown(g, size=400, size32=100, seed=1)  # committed: the reason, no measurement
    assert "## Known gaps" in text and "- `sigmoid`: a target nothing meets\n" in text
    printed = measured_markdown(g)  # printed by --report: what this machine measured
    assert "- `sigmoid`: a target nothing meets (measured: " in printed


def test_keras_relu_grad_honours_a_finite_cap() -> None:
    from symact.kernels import keras_relu, keras_relu_grad

    assert keras_relu_grad(10.0, max_value=6.0) == 0.0
    assert keras_relu_grad(3.0, max_value=6.0) == 1.0
    assert keras_relu(10.0, max_value=6.0) == 6.0
