"""Derivation results: output forms, witnesses, kinks, limits, JSON round trip."""

from __future__ import annotations

import json

import pytest
import sympy as sp

from symact.catalogue import Activation, get, records
from symact.derive import derive
from symact.derive.report import derivation_json

a, x = sp.symbols("a x", real=True)
ELEMENTWISE = [r.name for r in records() if isinstance(r, Activation)]


NAMES = {"x", "a", "y"} | {p.name for r in records() for p in r.params}


def _parse(text: str) -> sp.Expr:
    """Parse symact's own output (trusted text); every name a real symbol, as in the catalogue.

    Parameter names such as ``beta`` are also SymPy functions, hence the explicit locals.
    """
    return sp.sympify(text, locals={n: sp.Symbol(n, real=True) for n in NAMES})


def test_sigmoid_output_form_is_a_times_one_minus_a() -> None:
    of = derivation_json(derive(get("sigmoid")))["output_form"]
    assert of["variable"] == "a"
    assert sp.simplify(_parse(of["expression"]) - a * (1 - a)) == 0


def test_tanh_output_form_is_one_minus_a_squared() -> None:
    of = derivation_json(derive(get("tanh")))["output_form"]
    assert sp.expand(_parse(of["expression"]) - (1 - a**2)) == 0


def test_relu_kink_conventions() -> None:
    (kink,) = derivation_json(derive(get("relu")))["kinks"]
    assert (kink["at"], kink["left"], kink["right"], kink["pytorch"]) == ("0", "0", "1", "0")
    assert kink["subgradient"] == ["0", "1"]


def test_relu_derivative_never_uses_heaviside_half() -> None:
    for convention, expected in (("pytorch", 0), ("jax", 0), ("symmetric", sp.Rational(1, 2))):
        d = derive(get("relu"), convention=convention)
        assert not d.derivative.has(sp.Heaviside)
        assert d.derivative.subs(d.variable, 0) == expected


def test_leaky_relu_conventions_differ_between_frameworks() -> None:
    r = get("leaky_relu")
    s = sp.Rational(1, 100)
    torch_value = derive(r, params={"negative_slope": s}, convention="pytorch").at_zero
    jax_value = derive(r, params={"negative_slope": s}, convention="jax").at_zero
    assert (torch_value, jax_value) == (s, 1)


def test_no_output_form_for_silu_has_a_valid_witness() -> None:
    d = derivation_json(derive(get("silu")))
    assert d["output_form"] is None and d["output_form_status"] == "none"
    w = d["output_form_witness"]
    f = sp.lambdify(x, _parse(d["expression"]), "mpmath")
    df = sp.lambdify(x, _parse(d["derivative_simplified"]), "mpmath")
    import mpmath

    with mpmath.workdps(30):
        x1, x2 = mpmath.mpf(w["x1"]), mpmath.mpf(w["x2"])
        assert abs(x1 - x2) > 0.1
        assert abs(f(x1) - f(x2)) < 1e-15
        assert abs(df(x1) - df(x2)) > 1e-3


def test_sigmoid_limits_and_value_at_zero() -> None:
    d = derivation_json(derive(get("sigmoid")))
    assert d["limits"] == {"-oo": "0", "oo": "0"}
    assert _parse(d["at_zero"]) == sp.Rational(1, 4)


def test_softmax_jacobian_output_form_is_diag_p_minus_p_pT() -> None:
    d = derive(get("softmax"))
    form = d.output_form
    assert form is not None
    p = sp.Matrix(d.outputs)
    assert sp.simplify(form - (sp.diag(*p) - p * p.T)) == sp.zeros(d.n, d.n)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_every_activation_derives_and_round_trips_through_json(name: str) -> None:
    d = derive(get(name))
    data = json.loads(json.dumps(derivation_json(d)))
    for key in ("expression", "derivative", "derivative_simplified", "second_derivative"):
        parsed = _parse(data[key])
        assert parsed.free_symbols <= {x} | {sp.Symbol(p, real=True) for p in data["parameters"]}
    defaults = {sp.Symbol(k, real=True): _parse(v) for k, v in data["parameters"].items()}
    derivative = _parse(data["derivative_simplified"]).subs(defaults)
    # away from kinks, the parsed-back derivative agrees with sympy.diff of the parsed-back expression
    point = sp.Rational(7, 13)
    kinks = [float(_parse(k["at"]).subs(defaults)) for k in data["kinks"]]
    if point in get(name).domain and all(abs(k - 7 / 13) > 1e-3 for k in kinks):
        direct = sp.diff(_parse(data["expression"]).subs(defaults), x).subs(x, point)
        assert abs(sp.N(derivative.subs(x, point) - direct, 30)) < 1e-25
    if data["output_form"] is not None:
        assert data["output_form_witness"] is None
    if data["output_form_status"] == "none":
        assert data["output_form_witness"] is not None


def test_bad_parameter_is_rejected() -> None:
    with pytest.raises(ValueError, match="outside its valid range"):
        derive(get("softplus"), params={"beta": sp.Integer(-1)})
    with pytest.raises(ValueError, match="no parameter"):
        derive(get("leaky_relu"), params={"slope": sp.Rational(1, 2)})


def test_a_cap_whose_default_is_infinite_stays_in_the_derivative() -> None:
    """keras_relu's max_value defaults to oo; its derivative must still be 0 beyond a finite cap."""
    d = derive(get("keras_relu"))
    cap = next(s for s in d.derivative_simplified.free_symbols if s.name == "max_value")
    beyond = d.derivative_simplified.subs({cap: 6}).subs(
        {s: 0 for s in d.derivative_simplified.free_symbols if s.name in ("negative_slope", "threshold")}
    )
    assert beyond.subs(d.variable, 10) == 0 and beyond.subs(d.variable, 3) == 1
    assert d.limits["oo"] == 1  # at the default (no cap) the slope at +oo is 1
