"""Rewrite rules, lowering templates, condition tidying, printing and the generator's guarantees."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from symact import catalogue
from symact.codegen import generate as gen_mod
from symact.codegen import plan as plan_mod
from symact.codegen.conditions import tidy_piecewise
from symact.codegen.emit import kernel_source
from symact.codegen.functions import (
    STABLE_FUNCTIONS,
    MishGate,
    NormCdf,
    NormPdf,
    Sech2,
    Sigmoid,
    SigmoidPrime,
    Softplus,
    TanhSoftplus,
    expm1,
    to_reference,
    to_textbook,
)
from symact.codegen.generate import atomic_write, generate
from symact.codegen.lower import TEMPLATES, Builder
from symact.codegen.printer import KernelPrinter, literal
from symact.codegen.rules import REWRITE_RULES, prove_rule, rewrite
from symact.derive import derive
from symact.kernels import _runtime

x = sp.Symbol("x", real=True)
u = sp.Symbol("u", real=True)
POINTS = [-745.3, -300.0, -37.5, -2.5, -1.2785, -0.75, -1e-3, 0.0, 1e-7, 0.5, 2.0, 19.0, 40.0, 700.0]


@pytest.mark.parametrize("rule", REWRITE_RULES, ids=lambda r: r.name)
def test_rule_is_proved_and_holds_at_50_digits(rule) -> None:
    assert prove_rule(rule)
    wilds = sorted(rule.before.atoms(sp.Wild), key=lambda w: w.name)
    rnd = random.Random(rule.name)
    for _ in range(6):
        vals = {w: sp.Rational(rnd.randint(-4000, 4000), 1000) for w in wilds}
        if any(v == 0 for v in vals.values()):
            continue
        lhs = to_textbook(rule.before.xreplace(vals))
        rhs = to_textbook(rule.after.xreplace(vals))
        a, b = sp.N(lhs, 50), sp.N(rhs, 50)
        if a.is_real:
            assert abs(a - b) <= sp.Float("1e-45") * (1 + abs(a))


@pytest.mark.parametrize("cls", STABLE_FUNCTIONS, ids=lambda c: c.__name__)
def test_reference_form_equals_definition(cls) -> None:
    for p in (-30, -1.5, 0.25, 3, 45):
        t = sp.Rational(p)
        assert abs(sp.N(cls.definition(t) - cls.reference_form(t), 50)) < sp.Float("1e-45")


def _evaluate_lowered(cls, t: sp.Rational, multiplier: sp.Rational | None) -> sp.Float:
    b = Builder()
    m_sym = sp.Symbol("m", real=True)
    result = TEMPLATES[cls](b, u, m_sym if multiplier is not None else None)
    values = {u: t, m_sym: multiplier if multiplier is not None else 1}
    for sym, expr in b.steps:
        values[sym] = sp.N(expr.subs(values), 400)
    return sp.N(result.subs(values), 400)


@pytest.mark.parametrize(
    "cls", [c for c in TEMPLATES if c not in (NormCdf, NormPdf)], ids=lambda c: c.__name__
)
@pytest.mark.parametrize("multiplier", [None, sp.Rational(-7, 3)])
def test_lowering_template_equals_definition(cls, multiplier) -> None:
    for p in (-700, -40, -3, -1, -0.25, 0, 0.5, 2, 30, 400):
        t = sp.Rational(p)
        want = sp.N(cls.reference_form(t) * (multiplier if multiplier is not None else 1), 50)
        if not want.is_real:
            continue  # outside the function's real domain (log1mexp for u >= 0)
        got = _evaluate_lowered(cls, t, multiplier)
        assert abs(got - want) <= sp.Float("1e-40") * abs(want) + sp.Float("1e-300"), (cls, p)


def test_runtime_normal_against_mpmath() -> None:
    import mpmath as mp

    xs = np.array([-38.0, -20.5, -5.0, -0.7518, 0.0, 0.3, 4.0, 9.0])
    mp.mp.dps = 50
    for v, cdf, pdf, scaled in zip(
        xs, _runtime.ndtr(xs), _runtime.npdf(xs), _runtime.ndtr_scaled(xs, xs), strict=True
    ):
        assert float(cdf) == pytest.approx(float(mp.ncdf(v)), rel=1e-15, abs=0)
        assert float(pdf) == pytest.approx(float(mp.npdf(v)), rel=1e-15, abs=0)
        assert float(scaled) == pytest.approx(float(v * mp.ncdf(v)), rel=1.5e-15, abs=0)


@pytest.mark.parametrize(
    ("expr", "want"),
    [
        (1 / (1 + sp.exp(-x)), Sigmoid(x)),
        (sp.exp(-x) / (1 + sp.exp(-x)) ** 2, SigmoidPrime(x)),
        (sp.log(1 + sp.exp(x)), Softplus(x)),
        (sp.log(1 / (1 + sp.exp(-x))), -Softplus(-x)),
        (1 - sp.tanh(x) ** 2, Sech2(x)),
        (x * sp.tanh(sp.log(1 + sp.exp(x))), x * TanhSoftplus(x)),
        (sp.diff(x * sp.tanh(sp.log(1 + sp.exp(x))), x), x * MishGate(x) + TanhSoftplus(x)),
        (x * (1 + sp.erf(x / sp.sqrt(2))) / 2, x * NormCdf(x)),
        (sp.Rational(7, 4) * sp.exp(x) - sp.Rational(7, 4), sp.Rational(7, 4) * expm1(x)),
    ],
)
def test_rewrite_reaches_the_stable_form(expr, want) -> None:
    got, used = rewrite(expr)
    assert got == want
    assert used


def test_rewrite_keeps_constants_exact() -> None:
    lam = sp.Rational(10507009873554804934193349852946, 10**31)
    got, _ = rewrite(lam * sp.exp(x) - lam)
    assert got == lam * expm1(x)
    assert not got.has(sp.Float)


def test_rewrite_refuses_matches_that_need_a_root() -> None:
    got, _ = rewrite(sp.exp(-x))
    assert got == sp.exp(-x)


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "elu", "hardswish", "hard_sigmoid", "sparse_plus"])
def test_tidy_piecewise_keeps_every_value(name) -> None:
    record = catalogue.get(name)
    numeric = {p.symbol: p.default for p in record.params}
    d = derive(record).derivative.subs({s: numeric.get(sp.Symbol(s.name, real=True), s) for s in []})
    by_name = {s.name: s for s in (x, *numeric)}
    d = d.xreplace({s: by_name[s.name] for s in d.free_symbols if s.name in by_name})
    tidy = tidy_piecewise(d, x, numeric)
    assert not any(isinstance(c, sp.Eq) for c in tidy.atoms(sp.Eq))
    points = [k.at for k in record.kinks] + [sp.Rational(p, 7) for p in range(-40, 41, 3)]
    for p in points:
        assert sp.simplify((d.subs(x, p) - tidy.subs(x, p)).subs(numeric)) == 0, p


def test_printer_literals_and_branch_free_max() -> None:
    p = KernelPrinter()
    assert p.doprint(sp.sqrt(2) * x / 2) == "0.7071067811865476*x"
    assert literal(sp.Rational(1, 3)) == repr(1 / 3)
    assert p.doprint(sp.Max(x, 0)) == "numpy.maximum(0, x)"
    text = p.doprint(sp.Piecewise((x, x < 0), (2 * x, True)))
    assert "numpy.where" in text and "select" not in text


def test_dead_branches_are_clamped() -> None:
    pw = sp.Piecewise((x, x > 0), (sp.Rational(3, 2) * expm1(x), True))
    src = kernel_source("_k", ["x"], pw)
    ns: dict = {"numpy": np}
    exec(src, ns)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        got = ns["_k"](np.array([1e308, -1e308, 5.0, -5.0]))
    assert got[0] == 1e308 and got[1] == -1.5 and got[2] == 5.0
    assert got[3] == pytest.approx(1.5 * np.expm1(-5.0), rel=1e-15)


def test_generation_is_deterministic_and_independent_of_jobs() -> None:
    recs = [catalogue.get("sigmoid"), catalogue.get("relu")]
    a = generate(recs, size=300, size32=100)
    b = generate(recs, size=300, size32=100, jobs=2)
    assert a.source == b.source
    assert "def sigmoid(" in a.source and "def relu_grad(" in a.source


def test_a_kernel_missing_its_target_is_not_written(monkeypatch) -> None:
    monkeypatch.setattr(plan_mod, "rewrite", lambda e: (e, []))  # the textbook forms, unrewritten
    g = generate([catalogue.get("sigmoid")], size=300, size32=100)
    failed = {r.plan.name for r in g.results if not r.ok}
    assert "sigmoid_grad" in failed
    assert "def sigmoid_grad(" not in g.source
    assert any("sigmoid_grad" in line for line in g.failures())


def test_atomic_write_only_when_changed(tmp_path: Path) -> None:
    target = tmp_path / "m.py"
    assert atomic_write(target, "a\n")
    assert not atomic_write(target, "a\n")
    assert atomic_write(target, "b\n")
    assert target.read_text() == "b\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.py"]


def test_reference_forms_are_used_for_measurement() -> None:
    expr = x * MishGate(x) + TanhSoftplus(x)
    assert not to_reference(expr).has(MishGate, TanhSoftplus)
    assert gen_mod.TARGETS["fwd"] == 4.0 and gen_mod.TARGETS["grad"] == 8.0
