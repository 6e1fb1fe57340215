"""The rule table, the checked chains and the target forms of symact.steps."""

from __future__ import annotations

from collections import ChainMap
from dataclasses import replace

import pytest
import sympy as sp

from symact.catalogue import A, X, Y, get
from symact.errors import VerificationError
from symact.steps import STEP_RULES, Document, check_equal, derivation, differentiate, prove_zero, rule_chain
from symact.steps._context import Context
from symact.steps._rules import UnaryRule
from symact.steps._verify import box_sampler, diff_by_cases
from symact.steps.messages import plain

x = X
s = sp.Symbol("s", real=True)

CASES = [
    (sp.Integer(7), "constant rule"),
    (3 * x**2, "constant multiple rule"),
    (x**-3, "power rule"),
    (x ** sp.Rational(3, 2), "power rule"),
    (x + sp.exp(x), "sum rule"),
    (x * sp.sin(x), "product rule"),
    (sp.sinh(x) / (1 + x**2), "quotient rule"),
    ((1 + x**2) ** sp.Rational(-1, 2), "chain rule"),
    (sp.exp(-2 * x), "exponential rule with the chain rule"),
    (sp.log(1 + sp.exp(x)), "logarithm rule with the chain rule"),
    (sp.tanh(x), "tanh rule"),
    (sp.sinh(x), "sinh rule"),
    (sp.cosh(3 * x), "cosh rule with the chain rule"),
    (sp.erf(x / sp.sqrt(2)), "erf rule with the chain rule"),
    (sp.erfc(x), "erfc rule"),
    (sp.Abs(x - 1), "absolute value rule with the chain rule"),
    (sp.sign(x) * x**2, "sign rule"),
    (sp.Max(x, 0), "max rule, by cases"),
    (sp.Min(x, 6), "min rule, by cases"),
    (sp.Max(x, x / 10), "max rule, by cases"),
    (sp.Piecewise((s * x, x < 0), (x, True)), "differentiate each case"),
    (2**x, "exponential rule"),
    (sp.atan(x), "arctangent rule"),
    (sp.Min(sp.Max(x, -1), 1), "write as cases"),
    (sp.Abs(sp.Max(x, 0) - 1), "write as cases"),
]


@pytest.mark.parametrize(("expr", "rule"), CASES, ids=[r for _, r in CASES])
def test_rule_result_agrees_with_sympy(expr: sp.Expr, rule: str) -> None:
    root = differentiate(expr, x)
    assert rule in root.rules
    assert prove_zero(root.after - diff_by_cases(expr, x)) is not None


def test_chain_rule_records_the_named_substitution() -> None:
    root = differentiate(1 / (1 + sp.exp(-x)), x)
    assert root.rule == "chain rule"
    u, inner = root.substitution
    assert u.name == "u" and inner == 1 + sp.exp(-x)
    _, lines = rule_chain(root)
    assert lines[-1].rules == ("substitute back",)
    assert not lines[-1].expr.has(u)
    assert lines[-1].expr == sp.exp(-x) / (1 + sp.exp(-x)) ** 2


def test_substitution_names_avoid_symbols_in_use() -> None:
    u = sp.Symbol("u", real=True)
    root = differentiate((u + x**2) ** 3, x)
    assert root.substitution is not None and root.substitution[0].name == "v"


def test_adding_a_rule_does_not_touch_the_engine() -> None:
    class softsq(sp.Function):
        def fdiff(self, argindex: int = 1) -> sp.Expr:
            return 2 * self.args[0]

    rules = ChainMap({softsq: UnaryRule("softsq rule", lambda g: 2 * g)}, STEP_RULES)
    root = differentiate(softsq(sp.sin(x)), x, rules=rules)
    assert root.rule == "softsq rule with the chain rule"
    assert sp.simplify(root.after - 2 * sp.sin(x) * sp.cos(x)) == 0


def _ctx() -> Context:
    return Context(name="test", ranges={x: (sp.S(-2), sp.S(2))})


def test_a_wrong_rule_is_rejected() -> None:
    wrong = ChainMap({sp.exp: UnaryRule("exponential rule", lambda g: 2 * sp.exp(g))}, STEP_RULES)
    ctx = _ctx()
    writer = ctx.chain(sp.Derivative(sp.exp(x) + x, x))
    root = differentiate(sp.exp(x) + x, x, rules=wrong)
    _, lines = rule_chain(root)
    writer.add(sp.Derivative(sp.exp(x) + x, x), ("definition",))
    with pytest.raises(VerificationError, match="exponential rule"):
        for line in lines:
            writer.add(line.expr, (", ".join(line.rules),))


def test_a_wrong_displayed_step_is_rejected() -> None:
    writer = _ctx().chain(sp.Derivative(x**3, x))
    writer.add(3 * x**2, ("power rule",))
    with pytest.raises(VerificationError, match="simplify"):
        writer.add(3 * x**2 + sp.Rational(1, 10**30), ("simplify",))


def test_numeric_check_catches_what_symbolic_cannot_decide() -> None:
    sampler = box_sampler({x: (sp.S(1), sp.S(2))}, [x])
    # exact symbolic zero, numerically fine
    check = check_equal(
        sp.cosh(x) ** 2 - sp.sinh(x) ** 2, sp.S.One, what="identity", sampler=sampler, seed="s"
    )
    assert check.points == 5 and check.symbolic
    with pytest.raises(VerificationError):
        check_equal(sp.log(x**2), sp.log(x) * 2 + 1, what="wrong", sampler=sampler, seed="s")


def _labels(d: Document) -> list[str]:
    return [plain(line.label) for c in d.chains for line in c.lines]


def test_sigmoid_has_the_textbook_shape() -> None:
    d = derivation(get("sigmoid"))
    labels = _labels(d)
    order = [
        "rewrite as a power",
        "chain rule, Eq(u, ",
        "power rule",
        "exponential rule with the chain rule",
        "substitute back",
        "split the fraction",
        "add and subtract 1 in the numerator",
        "recognise",
    ]
    positions = [next(i for i, label in enumerate(labels) if label.startswith(step)) for step in order]
    assert positions == sorted(positions)
    sigma = sp.Function("sigma")(x)
    assert sp.expand(d.result - sigma * (1 - sigma)) == 0
    chain = next(line for c in d.chains for line in c.lines if plain(line.label).startswith("chain rule"))
    u = sp.Symbol("u", real=True)
    assert sp.Eq(u, 1 + sp.exp(-x), evaluate=False) in chain.label


def test_tanh_reaches_one_minus_tanh_squared() -> None:
    d = derivation(get("tanh"))
    assert d.result == 1 - sp.tanh(x) ** 2
    assert any(label.startswith("quotient rule") for label in _labels(d))


def test_bce_with_sigmoid_reaches_a_minus_y() -> None:
    from symact.steps._composite import link_derivation
    from symact.steps._moves import unhold

    d = link_derivation(get("binary_cross_entropy"))
    assert d.result == A - Y
    text = " ".join(_labels(d))
    assert "chain rule" in text and "distribute" in text
    first = d.chains[0].lines[0].expr
    assert sp.expand(unhold(first) - (-Y / A + (1 - Y) / (1 - A))) == 0
    boxed = [unhold(r.rhs) for r in d.results]
    x_i = sp.Symbol("x_i", real=True)
    assert boxed[:3] == [A - Y, (A - Y) * x_i, A - Y]


def test_mse_half_with_identity_reaches_a_minus_y() -> None:
    from symact.steps._composite import link_derivation

    assert link_derivation(get("mse_half")).result == A - Y


def test_softmax_cross_entropy_reaches_p_minus_y() -> None:
    from symact.steps._indexed import J, Pb, Yb

    d = derivation(get("cross_entropy"))
    assert d.results[0].rhs == Pb[J] - Yb[J]
    assert "at n = 2, 3, 4" in plain(d.results[0].check.note)


def _kink_rows(d: Document) -> dict[str, sp.Expr]:
    from symact.steps import KinkTable

    table = next(b for s in d.sections for b in s.blocks if isinstance(b, KinkTable))
    return {plain(label): value[0] for label, value in table.rows}


def test_relu_kink_sides_and_conventions() -> None:
    rows = _kink_rows(derivation(get("relu")))
    assert rows["left derivative"] == 0 and rows["right derivative"] == 1
    assert rows["subgradients"] == sp.Interval(0, 1)
    assert rows["PyTorch"] == 0 and rows["JAX"] == 0


def test_a_concave_kink_gets_the_clarke_interval() -> None:
    rows = _kink_rows(derivation(get("selu")))
    assert "Clarke interval" in rows and "subgradients" not in rows


def test_a_wrongly_declared_kink_is_rejected() -> None:
    relu = get("relu")
    bad = replace(relu, name="relu_bad", kinks=(replace(relu.kinks[0], right=sp.Rational(1, 2)),))
    with pytest.raises(VerificationError, match="right derivative"):
        derivation(bad)


def test_every_step_states_its_checks() -> None:
    d = derivation(get("leaky_relu"))
    assert d.steps > 0
    for chain in d.chains:
        for line in chain.lines:
            assert "50 digits" in plain(line.check.describe())
            assert "50 桁" in plain(line.check.describe(), "ja")


def test_softmax_jacobian_for_general_n() -> None:
    from symact.steps._indexed import Ab, I, J
    from symact.steps._moves import unhold

    d = derivation(get("softmax"))
    (result,) = d.results
    assert unhold(result.rhs) == Ab[I] * (sp.KroneckerDelta(I, J) - Ab[J])
    labels = _labels(d)
    assert any(label.startswith("factor out") for label in labels)
    assert all("identities" not in label and "symact" not in label for label in labels)


def test_loss_kink_at_the_target() -> None:
    rows = _kink_rows(derivation(get("l1")))
    assert rows["left derivative"] == -1 and rows["right derivative"] == 1


def test_one_wrong_move_rejects_the_derivation(monkeypatch: pytest.MonkeyPatch) -> None:
    """A move that returns a wrong expression (off by x/10^30) is caught by the check of its line."""
    from symact.steps import _moves

    real = _moves.MOVES["factor out"]
    wrong = _moves.Move("factor out", lambda e, arg: real(e, arg) + x / 10**30)
    monkeypatch.setitem(_moves.MOVES, "factor out", wrong)
    with pytest.raises(VerificationError, match="factor out"):
        derivation(get("silu"))


def test_a_wrong_target_form_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    from symact.steps import _plans

    wrong = replace(_plans.PLANS["sigmoid"], goal=A * (1 + A))
    monkeypatch.setitem(_plans.PLANS, "sigmoid", wrong)
    with pytest.raises(VerificationError, match="not the goal"):
        derivation(get("sigmoid"))
