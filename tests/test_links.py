"""Canonical-link identities: proved symbolically by symact.derive.links, re-checked here numerically.

The numeric checks compose the catalogue's loss and activation as mpmath functions and differentiate
the composition with mpmath at 50 digits, independently of SymPy's derivative.
"""

from __future__ import annotations

import dataclasses
import random

import mpmath
import pytest
import sympy as sp

from symact.catalogue import A, Activation, Loss, VectorLoss, X, Y, check_params, get, records
from symact.derive.links import (
    CLASS_PAIRINGS,
    MU,
    PAIRINGS,
    ClassPairing,
    Pairing,
    Z,
    _elementwise,
    _per_class,
    class_loss,
    link_identities,
    link_refutations,
)
from symact.errors import VerificationError

DPS = 50
TOL = mpmath.mpf(10) ** -30


def _activation(name: str) -> Activation:
    record = get(name)
    assert isinstance(record, Activation)
    return record


def _numeric_gradient(
    pair: Pairing, z: mpmath.mpf, y: mpmath.mpf, extra: dict[sp.Symbol, sp.Expr]
) -> mpmath.mpf:
    """d/dz loss(activation(z), y) by mpmath differentiation of the composed mpmath functions."""
    loss = get(pair.loss)
    assert isinstance(loss, Loss)
    values = {**check_params(loss, pair.params), **extra}
    f_loss = sp.lambdify([A, Y], loss.expr.subs(values), modules="mpmath")
    f_act = sp.lambdify([X], _activation(pair.activation).expr, modules="mpmath")
    return mpmath.diff(lambda t: f_loss(f_act(t), y), z)


def _mean(name: str, z: mpmath.mpf) -> mpmath.mpf:
    return sp.lambdify([X], _activation(name).expr, modules="mpmath")(z)


def _points(pair: Pairing, count: int, seed: int) -> list[dict[sp.Symbol, mpmath.mpf]]:
    rng = random.Random(seed)
    symbols = [Z, Y, *[s for s in pair.ranges if s not in (Z, Y)]]
    return [
        {s: mpmath.mpf(f"{rng.uniform(*pair.ranges.get(s, (-4.0, 4.0))):.4f}") for s in symbols}
        for _ in range(count)
    ]


def test_identities_are_proved_and_named_uniquely() -> None:
    identities = link_identities()
    names = [i.name for i in identities]
    assert len(names) == len(set(names))
    assert len(identities) == len(PAIRINGS) + 3 * len(CLASS_PAIRINGS)
    for identity in identities:
        assert identity.method.startswith("symbolic (")
        assert identity.checked_points >= 20


@pytest.mark.parametrize(
    "name",
    [
        "link_bernoulli_sigmoid_bce",
        "link_categorical_cross_entropy_dz1",
        "link_poisson_exp",
        "link_gaussian_identity",
        "link_cross_entropy_label_smoothing_dz2",
        "link_bce_pos_weight",
        "link_sigmoid_mse",
        "link_poisson_identity_link",
        "link_bce_probability",
    ],
)
def test_required_identities_are_present(name: str) -> None:
    assert name in {i.name for i in link_identities()}


@pytest.mark.parametrize("pair", PAIRINGS, ids=[p.name for p in PAIRINGS])
def test_derived_gradient_matches_mpmath_and_the_target(pair: Pairing) -> None:
    """The stated target equals mpmath's derivative of the composed functions at 50 digits."""
    with mpmath.workdps(DPS):
        for point in _points(pair, 6, seed=len(pair.name)):
            z, y = point[Z], point[Y]
            extra = {s: sp.Rational(str(v)) for s, v in point.items() if s not in (Z, Y)}
            numeric = _numeric_gradient(pair, z, y, extra)
            target = pair.target.subs({MU: _activation(pair.mean).expr.subs(X, Z), **extra})
            expected = sp.lambdify([Z, Y], target, modules="mpmath")(z, y)
            assert abs(numeric - expected) <= TOL * (1 + abs(expected)), f"{pair.name} at {point}"
            if pair.canonical:
                assert abs(numeric - (_mean(pair.mean, z) - y)) <= TOL * (1 + abs(numeric))


@pytest.mark.parametrize("pair", [p for p in PAIRINGS if not p.canonical], ids=lambda p: p.name)
def test_non_canonical_pairs_have_a_witness(pair: Pairing) -> None:
    refutation = next(r for r in link_refutations() if r.name == f"link_{pair.name}_is_not_mu_minus_y")
    point = {sp.Symbol(k, real=True): v for k, v in refutation.witness.items()}
    with mpmath.workdps(DPS):
        z, y = mpmath.mpf(point[Z]), mpmath.mpf(point[Y])
        extra = {s: sp.Rational(v) for s, v in point.items() if s not in (Z, Y)}
        numeric = _numeric_gradient(pair, z, y, extra)
        assert abs(numeric - (_mean(pair.mean, z) - y)) > mpmath.mpf(10) ** -6
        assert abs(numeric - mpmath.mpf(refutation.lhs_value)) < mpmath.mpf(10) ** -12


@pytest.mark.parametrize("pair", CLASS_PAIRINGS, ids=[p.name for p in CLASS_PAIRINGS])
def test_class_gradients_match_mpmath(pair: ClassPairing) -> None:
    n = 3
    loss, zs, ys = class_loss(pair.loss, pair.activation, n, pair.params)
    extra = sorted(loss.free_symbols - set(zs) - set(ys), key=str)
    f = sp.lambdify([*zs, *ys, *extra], loss, modules="mpmath")
    rng = random.Random(11)
    with mpmath.workdps(DPS):
        for _ in range(4):
            z0 = [mpmath.mpf(f"{rng.uniform(-3, 3):.3f}") for _ in zs]
            y12 = [mpmath.mpf(f"{rng.uniform(0, 0.5):.3f}") for _ in range(n - 1)]
            y0 = [*y12, 1 - sum(y12)]
            e0 = [mpmath.mpf(f"{rng.uniform(*pair.ranges.get(s, (0.1, 0.9))):.3f}") for s in extra]
            total = sum(mpmath.exp(v) for v in z0)
            p = [mpmath.exp(v) / total for v in z0]
            for k in range(n):
                order = tuple(int(i == k) for i in range(len(z0) + len(y0) + len(e0)))
                numeric = mpmath.diff(f, (*z0, *y0, *e0), order)
                p_sym, y_sym = sp.symbols("p_k y_k", real=True)
                target = pair.target(k, (p_sym,) * n, (y_sym,) * n)
                values = {p_sym: p[k], y_sym: y0[k], **dict(zip(extra, e0, strict=True))}
                expected = sp.lambdify(list(values), target, modules="mpmath")(*values.values())
                assert abs(numeric - expected) <= TOL, f"{pair.name} dL/dz_{k + 1}"


def test_every_catalogue_link_has_a_proved_canonical_pairing() -> None:
    pairings: list[Pairing | ClassPairing] = [*PAIRINGS, *CLASS_PAIRINGS]
    canonical = {(p.loss, p.activation) for p in pairings if p.canonical}
    linked = {(r.name, r.link) for r in records() if isinstance(r, Loss | VectorLoss) and r.link}
    assert linked == canonical


def test_a_wrong_target_is_rejected() -> None:
    sigmoid_mse = next(p for p in PAIRINGS if p.name == "sigmoid_mse")
    with pytest.raises(VerificationError):
        _elementwise(dataclasses.replace(sigmoid_mse, target=MU - Y))
    smoothing = next(p for p in CLASS_PAIRINGS if p.name == "cross_entropy_label_smoothing")
    with pytest.raises(VerificationError):
        _per_class(dataclasses.replace(smoothing, target=CLASS_PAIRINGS[0].target))


def test_a_canonical_claim_without_a_difference_cannot_be_refuted() -> None:
    gaussian = next(p for p in PAIRINGS if p.name == "gaussian_identity")
    with pytest.raises(VerificationError, match="no point found"):
        _elementwise(dataclasses.replace(gaussian, canonical=False))
