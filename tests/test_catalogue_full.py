"""The whole catalogue against independent computations.

Derivatives: sympy.diff of each record (default parameters) lambdified to mpmath, against mpmath's
own numerical differentiation of the record's expression at 50 digits, away from kinks.  Kinks: the
one-sided derivatives measured by one-sided numerical differentiation next to the point, and the
PyTorch / JAX values as a table taken from the reference (catalogue.md section 2).
"""

from __future__ import annotations

import random
from collections.abc import Callable

import mpmath
import pytest
import sympy as sp

from symact.catalogue import (
    A,
    Activation,
    Kink,
    Loss,
    Record,
    VectorFunction,
    VectorLoss,
    X,
    Y,
    check_params,
    get,
    records,
    vector_symbols,
)
from symact.catalogue._kink import param
from symact.catalogue.activations_rectifiers import SELU_ALPHA, SELU_SCALE

DPS = 50
TOL = mpmath.mpf(10) ** -30
NEAR = 10**-20  # distance from a kink for one-sided derivatives

ACTIVATIONS = [r for r in records() if isinstance(r, Activation)]
LOSSES = [r for r in records() if isinstance(r, Loss)]
VECTORS = [r for r in records() if isinstance(r, VectorFunction)]
VECTOR_LOSSES = [r for r in records() if isinstance(r, VectorLoss)]


def _ids(rs: list) -> list[str]:
    return [r.name for r in rs]


def _numeric(expr: sp.Expr, values: dict[sp.Symbol, sp.Expr]) -> mpmath.mpf:
    with mpmath.workdps(DPS):
        return mpmath.mpf(sp.N(sp.sympify(expr).subs(values), DPS))


def _kink_points(record: Record, values: dict[sp.Symbol, sp.Expr]) -> list[mpmath.mpf]:
    points = []
    for k in record.kinks:
        at = sp.sympify(k.at).subs(values)
        if at.is_finite:
            points.append(_numeric(at, values))
    return points


def _samples(
    domain: sp.Set, avoid: list[mpmath.mpf], seed: int, count: int = 12, span: float = 6.0
) -> list[mpmath.mpf]:
    """`count` exact decimal points in [-span, span] inside `domain`, at least 1e-2 from `avoid`."""
    rng = random.Random(seed)
    found: list[mpmath.mpf] = []
    while len(found) < count:
        text = f"{rng.uniform(-span, span):.4f}"
        if sp.Rational(text) not in domain:
            continue
        point = mpmath.mpf(text)
        if all(abs(point - c) > 1e-2 for c in avoid):
            found.append(point)
    return found


def _close(numeric: mpmath.mpf, symbolic: mpmath.mpf) -> bool:
    return bool(abs(numeric - symbolic) <= TOL * (1 + abs(symbolic)))


# ---------------------------------------------------------------- element-wise derivatives


@pytest.mark.parametrize("record", ACTIVATIONS, ids=_ids(ACTIVATIONS))
def test_derivative_matches_mpmath_numerical_derivative(record: Activation) -> None:
    values = check_params(record)
    expr = record.expr.subs(values)
    f = sp.lambdify([X], expr, modules="mpmath")
    df = sp.lambdify([X], sp.diff(expr, X), modules="mpmath")
    with mpmath.workdps(DPS):
        for point in _samples(record.domain, _kink_points(record, values), seed=len(record.name)):
            numeric = mpmath.diff(f, point)
            symbolic = df(point)
            assert _close(numeric, symbolic), f"{record.name}'({point}): {numeric} vs {symbolic}"


@pytest.mark.parametrize("record", LOSSES, ids=_ids(LOSSES))
def test_loss_gradient_matches_mpmath_numerical_derivative(record: Loss) -> None:
    values = check_params(record)
    expr = record.expr.subs(values)
    f = sp.lambdify([A, Y], expr, modules="mpmath")
    grad = sp.lambdify([A, Y], sp.diff(expr, A), modules="mpmath")
    rng = random.Random(7)
    targets = [sp.Rational(f"{rng.uniform(0, 1):.3f}") for _ in range(4)]
    targets = [t for t in targets if t in record.target_domain] or [sp.Rational(1, 3)]
    with mpmath.workdps(DPS):
        for y in targets:
            kinks = _kink_points(record, {**values, Y: y})
            for a in _samples(record.input_domain, kinks, seed=int(y * 1000), count=5, span=4.0):
                numeric = mpmath.diff(lambda t, y=y: f(t, mpmath.mpf(y)), a)
                symbolic = grad(a, mpmath.mpf(y))
                assert _close(numeric, symbolic), f"{record.name} at a={a}, y={y}: {numeric} vs {symbolic}"


@pytest.mark.parametrize("record", VECTOR_LOSSES, ids=_ids(VECTOR_LOSSES))
def test_class_loss_gradient_matches_mpmath(record: VectorLoss) -> None:
    values = check_params(record)
    zs, ys = vector_symbols("z", record.n_default), vector_symbols("y", record.n_default)
    loss = record.build(zs, ys).subs(values)
    f = sp.lambdify([*zs, *ys], loss, modules="mpmath")
    grads = [sp.lambdify([*zs, *ys], sp.diff(loss, z), modules="mpmath") for z in zs]
    rng = random.Random(3)
    with mpmath.workdps(DPS):
        for _ in range(4):
            z0 = [mpmath.mpf(f"{rng.uniform(-3, 3):.3f}") for _ in zs]
            y0 = [mpmath.mpf(f"{rng.uniform(0, 1):.3f}") for _ in ys]
            for k in range(len(zs)):
                order = tuple(int(i == k) for i in range(len(zs) + len(ys)))
                numeric = mpmath.diff(f, (*z0, *y0), order)
                assert _close(numeric, grads[k](*z0, *y0)), f"{record.name} dL/dz_{k + 1}"


@pytest.mark.parametrize("record", VECTORS, ids=_ids(VECTORS))
def test_vector_jacobian_matches_mpmath(record: VectorFunction) -> None:
    n = record.n_default
    xs = vector_symbols("x", n)
    out = record.build(xs)
    assert out.rows == record.output_size(n)
    rng = random.Random(5)
    point = [mpmath.mpf(f"{rng.uniform(-3, 3):.3f}") for _ in xs]
    with mpmath.workdps(DPS):
        for i in range(out.rows):
            f = sp.lambdify(list(xs), out[i], modules="mpmath")
            for j, x in enumerate(xs):
                dij = sp.lambdify(list(xs), sp.diff(out[i], x), modules="mpmath")
                order = tuple(int(m == j) for m in range(n))
                assert _close(mpmath.diff(f, point, order), dij(*point)), f"{record.name} J[{i},{j}]"


def _vector(name: str) -> VectorFunction:
    record = get(name)
    assert isinstance(record, VectorFunction)
    return record


def test_vector_output_sizes() -> None:
    assert _vector("glu").output_size(6) == 3
    assert _vector("logsumexp").output_size(5) == 1
    assert _vector("softmin").output_size(4) == 4
    with pytest.raises(ValueError, match="even"):
        _vector("glu").build(vector_symbols("x", 3))


# ---------------------------------------------------------------- kinks


def _kinked() -> list[tuple[Activation | Loss, Kink]]:
    elementwise: list[Activation | Loss] = [*ACTIVATIONS, *LOSSES]
    return [(r, k) for r in elementwise for k in r.kinks]


def _function(record: Activation | Loss, values: dict[sp.Symbol, sp.Expr]) -> Callable[..., mpmath.mpf]:
    return sp.lambdify([record.variable], record.expr.subs(values), modules="mpmath")  # type: ignore[no-any-return]


@pytest.mark.parametrize(("record", "kink"), _kinked(), ids=[f"{r.name}@{k.at}" for r, k in _kinked()])
def test_one_sided_derivatives_match_the_declared_ones(record: Activation | Loss, kink: Kink) -> None:
    values = next(v for v in _variants(record) if sp.sympify(kink.at).subs(v).is_finite)
    at = sp.sympify(kink.at).subs(values)
    f = _function(record, values)
    with mpmath.workdps(DPS):
        c = _numeric(at, values)
        left = mpmath.diff(f, c - NEAR, direction=-1)
        right = mpmath.diff(f, c + NEAR, direction=1)
        tol = mpmath.mpf(10) ** -15
        assert abs(left - _numeric(kink.left, values)) < tol, f"left: measured {left}, declared {kink.left}"
        assert abs(right - _numeric(kink.right, values)) < tol, (
            f"right: measured {right}, declared {kink.right}"
        )


def _jumps(record: Activation | Loss, kink: Kink, values: dict[sp.Symbol, sp.Expr]) -> bool:
    at = sp.sympify(kink.at).subs(values)
    f = _function(record, values)
    with mpmath.workdps(DPS):
        c = _numeric(at, values)
        return bool(abs(f(c - NEAR) - f(c + NEAR)) > mpmath.mpf(10) ** -15)


def _variants(record: Activation | Loss) -> list[dict[sp.Symbol, sp.Expr]]:
    """The defaults, then each parameter moved by 1/3 (an infinite default replaced by 2), where valid."""
    found = [{**check_params(record), Y: sp.Rational(1, 3)}]
    for p in record.params:
        moved = p.default + sp.Rational(1, 3) if p.default.is_finite else sp.Integer(2)
        try:
            found.append({**check_params(record, {p.name: moved}), Y: sp.Rational(1, 3)})
        except ValueError:
            continue
    return found


@pytest.mark.parametrize(("record", "kink"), _kinked(), ids=[f"{r.name}@{k.at}" for r, k in _kinked()])
def test_jump_flag(record: Activation | Loss, kink: Kink) -> None:
    """jump=False: f continuous for every parameter variant; jump=True: discontinuous for some."""
    observed = [_jumps(record, kink, v) for v in _variants(record) if sp.sympify(kink.at).subs(v).is_finite]
    assert observed, "no finite position to test"
    assert any(observed) == kink.jump, f"declared jump={kink.jump}, observed {observed}"


_half = sp.Rational(1, 2)
_selu = SELU_SCALE * SELU_ALPHA
# (function, point) -> (PyTorch, JAX) from catalogue.md section 2; None: the framework lacks the op.
# Where the frameworks changed since that table was written, the current value is the one measured through
# the framework itself (tests/test_conventions.py): hardswish at -3 and 3 in PyTorch (pytorch/pytorch#148049;
# the older -1/2 and 3/2 are the 'pytorch-legacy' convention), and l1 at y in JAX 0.10.2 (sign(0) = 0 there
# no more: 1).
CONVENTION_TABLE: dict[tuple[str, sp.Expr], tuple[sp.Expr | None, sp.Expr | None]] = {
    ("relu", sp.S.Zero): (sp.S.Zero, sp.S.Zero),
    ("relu6", sp.S.Zero): (sp.S.Zero, sp.S.Zero),
    ("relu6", sp.Integer(6)): (sp.S.Zero, sp.S.Zero),
    ("hardtanh", param("min_val")): (sp.S.Zero, sp.S.One),
    ("hardtanh", param("max_val")): (sp.S.Zero, sp.S.One),
    ("hard_sigmoid", sp.Integer(-3)): (sp.S.Zero, sp.S.Zero),
    ("hard_sigmoid", sp.Integer(3)): (sp.S.Zero, sp.S.Zero),
    ("hardswish", sp.Integer(-3)): (sp.S.Zero, sp.S.Zero),
    ("hardswish", sp.Integer(3)): (sp.S.One, sp.S.One),
    ("leaky_relu", sp.S.Zero): (param("negative_slope"), sp.S.One),
    ("prelu", sp.S.Zero): (param("alpha"), None),
    ("rrelu", sp.S.Zero): ((param("lower") + param("upper")) / 2, None),
    ("elu", sp.S.Zero): (param("alpha"), param("alpha")),
    ("selu", sp.S.Zero): (_selu, _selu),
    ("celu", sp.S.Zero): (sp.S.One, sp.S.One),
    ("threshold", param("threshold")): (sp.S.Zero, None),
    ("hardshrink", -param("lambd")): (sp.S.Zero, None),
    ("hardshrink", param("lambd")): (sp.S.Zero, None),
    ("softshrink", -param("lambd")): (sp.S.Zero, None),
    ("softshrink", param("lambd")): (sp.S.Zero, None),
    ("sparse_sigmoid", sp.S.NegativeOne): (None, sp.Rational(1, 4)),
    ("sparse_sigmoid", sp.S.One): (None, sp.Rational(1, 4)),
    ("softplus_torch", param("threshold") / param("beta")): (1 / (1 + sp.exp(-param("threshold"))), None),
    ("l1", Y): (sp.S.Zero, sp.S.One),
}


def _same(a: sp.Expr | None, b: sp.Expr | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return bool(sp.simplify(sp.sympify(a) - sp.sympify(b)) == 0)


@pytest.mark.parametrize(
    ("name", "at"), list(CONVENTION_TABLE), ids=[f"{n}@{a}" for n, a in CONVENTION_TABLE]
)
def test_framework_values_at_kinks(name: str, at: sp.Expr) -> None:
    record = get(name)
    matches = [k for k in record.kinks if _same(k.at, at)]
    assert len(matches) == 1, f"{name} has no kink at {at}"
    pytorch, jax = CONVENTION_TABLE[(name, at)]
    assert _same(matches[0].conventions["pytorch"], pytorch)
    assert _same(matches[0].conventions["jax"], jax)


def test_every_framework_value_is_in_the_table() -> None:
    """A kink with a PyTorch or JAX value that the table does not list is a fact without a source."""
    listed = {(n, sp.sympify(a)) for n, a in CONVENTION_TABLE}
    seams = []
    for record, kink in _kinked():
        if all(v is None for v in kink.conventions.values()):
            continue
        if kink.left == kink.right:  # a C1 seam: every framework returns the common value
            assert all(v is None or _same(v, kink.left) for v in kink.conventions.values())
            seams.append(record.name)
            continue
        assert any(n == record.name and _same(a, kink.at) for n, a in listed), f"{record.name}@{kink.at}"
    assert "sparse_plus" in seams


def test_selu_constants_are_pytorchs_literals_and_match_the_closed_form() -> None:
    assert SELU_SCALE == sp.Rational(10507009873554804934193349852946, 10**31)
    assert SELU_ALPHA == sp.Rational(16732632423543772848170429916717, 10**31)
    with mpmath.workdps(60):
        e, c = mpmath.e, mpmath.erfc(1 / mpmath.sqrt(2))
        alpha = -mpmath.sqrt(2 / mpmath.pi) / (c * mpmath.sqrt(e) - 1)
        denominator = (
            2 * mpmath.erfc(mpmath.sqrt(2)) * e**2
            + mpmath.pi * c**2 * e
            - 2 * (2 + mpmath.pi) * c * mpmath.sqrt(e)
        )
        scale = (
            (1 - c * mpmath.sqrt(e)) * mpmath.sqrt(2 * mpmath.pi) / mpmath.sqrt(denominator + mpmath.pi + 2)
        )
        assert abs(alpha - mpmath.mpf(SELU_ALPHA.p) / SELU_ALPHA.q) < 1e-30
        assert abs(scale - mpmath.mpf(SELU_SCALE.p) / SELU_SCALE.q) < 1e-30
        assert abs(mpmath.mpf(_selu.p) / _selu.q - mpmath.mpf("1.7580993408")) < 1e-10


def test_softplus_torch_jump_size() -> None:
    record = get("softplus_torch")
    f = _function(record, check_params(record))  # type: ignore[arg-type]
    with mpmath.workdps(DPS):
        gap = f(mpmath.mpf(20) + NEAR) - f(mpmath.mpf(20) - NEAR)
        assert abs(gap + mpmath.log1p(mpmath.exp(-20))) < 1e-18  # value drops by log(1 + e^-20)
        assert abs(gap) > 2.0e-9


# Forward values exactly at a breakpoint (the strict / non-strict choice), from the frameworks' definitions.
VALUE_TABLE: list[tuple[str, dict[str, sp.Expr], sp.Expr, sp.Expr]] = [
    ("threshold", {}, sp.Rational(1, 10), sp.Integer(20)),  # x <= threshold gives value
    ("hardshrink", {}, _half, sp.S.Zero),
    ("hardshrink", {}, -_half, sp.S.Zero),
    ("keras_relu", {"threshold": sp.Integer(5)}, sp.Integer(5), sp.S.Zero),  # Keras docstring: 5 -> 0
    ("keras_relu", {"threshold": sp.Integer(5)}, sp.Integer(10), sp.Integer(10)),
    ("softplus_torch", {}, sp.Integer(20), sp.log(1 + sp.exp(20))),  # the strict beta x > threshold
    ("hardtanh", {"min_val": sp.Integer(-2), "max_val": sp.Integer(3)}, sp.Integer(3), sp.Integer(3)),
    ("binary_step", {}, sp.S.Zero, sp.S.One),
]


@pytest.mark.parametrize(("name", "params", "x", "expected"), VALUE_TABLE)
def test_values_at_breakpoints(name: str, params: dict[str, sp.Expr], x: sp.Expr, expected: sp.Expr) -> None:
    record = get(name)
    assert isinstance(record, Activation)
    assert sp.simplify(record.expr.subs(check_params(record, params)).subs(X, x) - expected) == 0


def test_prelu_slope_gradient_is_min_zero_x() -> None:
    record = get("prelu")
    assert isinstance(record, Activation)
    d_alpha = sp.diff(record.expr, param("alpha"))
    for x in (-3, -sp.Rational(1, 7), 0, sp.Rational(2, 5), 4):
        assert d_alpha.subs(X, x) == sp.Min(0, x)


def test_rrelu_default_slope_is_11_over_48() -> None:
    record = get("rrelu")
    assert record.kinks[0].value("pytorch").subs(check_params(record)) == sp.Rational(11, 48)


# ---------------------------------------------------------------- names and parameters

ALIASES = {
    "swish": "silu",
    "linear": "identity",
    "hard_silu": "hardswish",
    "hard_swish": "hardswish",
    "Hardswish": "hardswish",
    "hardsigmoid": "hard_sigmoid",
    "hard_tanh": "hardtanh",
    "soft_sign": "softsign",
    "logsigmoid": "log_sigmoid",
    "hard_shrink": "hardshrink",
    "soft_shrink": "softshrink",
    "tanh_shrink": "tanhshrink",
    "exp": "exponential",
    "gelu_approximate": "gelu_tanh",
    "logsoftmax": "log_softmax",
    "bce": "binary_cross_entropy",
    "bce-with-logits": "binary_cross_entropy_with_logits",
    "mae": "l1",
    "nll": "nll_loss",
}


@pytest.mark.parametrize(("alias", "name"), ALIASES.items())
def test_aliases_resolve(alias: str, name: str) -> None:
    assert get(alias) is get(name)


def test_every_alias_of_every_record_resolves_to_it() -> None:
    for record in records():
        for alias in record.aliases:
            assert get(alias) is record


def _all_params() -> list[tuple[Record, sp.Expr]]:
    return [(r, p) for r in records() for p in r.params]


def _exprs(record: Record) -> list[sp.Expr]:
    if isinstance(record, VectorFunction):
        return list(record.build(vector_symbols("x", record.n_default)))
    if isinstance(record, VectorLoss):
        n = record.n_default
        return [record.build(vector_symbols("z", n), vector_symbols("y", n))]
    kinks = [
        e for k in record.kinks for e in (k.at, k.left, k.right, *k.conventions.values()) if e is not None
    ]
    return [record.expr, *kinks]


@pytest.mark.parametrize("record", records(), ids=[r.name for r in records()])
def test_constants_are_exact_and_defaults_valid(record: Record) -> None:
    for expr in _exprs(record):
        assert not sp.sympify(expr).atoms(sp.Float), f"{record.name}: Float in {expr}"
    for p in record.params:
        assert not p.default.atoms(sp.Float)
        p.check(p.default)
    check_params(record)


CANDIDATES = [
    sp.Integer(-(10**6)),
    sp.Integer(-1),
    sp.S.Zero,
    sp.Rational(1, 2),
    sp.Integer(2),
    sp.Integer(10**6),
]


@pytest.mark.parametrize(("record", "p"), _all_params(), ids=[f"{r.name}.{p.name}" for r, p in _all_params()])
def test_out_of_range_parameters_raise(record: Record, p: object) -> None:
    from symact.catalogue import Param

    assert isinstance(p, Param)
    for value in [*CANDIDATES, sp.oo, sp.nan, sp.zoo, sp.I]:
        inside = value.is_extended_real is True and value in p.valid
        if inside:
            p.check(value)
        else:
            with pytest.raises(ValueError, match=p.name):
                check_params(record, {p.name: value})


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("hardtanh", {"min_val": sp.Integer(2)}, "min_val < max_val"),
        ("rrelu", {"lower": sp.Rational(1, 2)}, "lower <= upper"),
        ("keras_relu", {"threshold": sp.Integer(6), "max_value": sp.Integer(6)}, "threshold < max_value"),
        ("celu", {"alpha": sp.S.Zero}, "alpha"),
        ("softshrink", {"lambd": sp.Integer(-1)}, "lambd"),
        ("cross_entropy", {"label_smoothing": sp.Rational(3, 2)}, "label_smoothing"),
        ("huber", {"delta": sp.S.Zero}, "delta"),
        ("elu", {"beta": sp.S.One}, "no parameter 'beta'"),
    ],
)
def test_invalid_parameter_sets_raise(name: str, params: dict[str, sp.Expr], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_params(get(name), params)


def test_keras_relu_accepts_no_cap_and_a_finite_cap() -> None:
    record = get("keras_relu")
    assert check_params(record)[param("max_value")] is sp.oo
    relu6 = record.expr.subs(check_params(record, {"max_value": sp.Integer(6)}))  # type: ignore[union-attr]
    assert [relu6.subs(X, v) for v in (-2, 3, 9)] == [0, 3, 6]


REQUIRED = {
    "elementwise": """log_sigmoid softsign hard_sigmoid hard_sigmoid_keras2 sparse_sigmoid hardtanh relu6
        keras_relu prelu rrelu threshold exponential elu selu celu softplus softplus_torch squareplus
        sparse_plus gelu gelu_tanh silu mish hardswish hardshrink softshrink tanhshrink log1mexp""",
    "vector": "softmax softmin log_softmax glu logsumexp",
    "loss": """binary_cross_entropy binary_cross_entropy_with_logits mse mse_half l1 huber smooth_l1
        poisson_nll poisson_nll_rate kl_div""",
    "vector_loss": "cross_entropy nll_loss",
}


@pytest.mark.parametrize("kind", REQUIRED)
def test_required_records_are_present_with_their_kind(kind: str) -> None:
    for name in REQUIRED[kind].split():
        assert get(name).kind == kind, name
