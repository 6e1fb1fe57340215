"""The identities symact proves: present, proved, and a wrong one is rejected."""

from __future__ import annotations

import pytest
import sympy as sp

from symact.derive import prove_identity, refute_identity
from symact.derive.catalogue_identities import all_identities, all_refutations
from symact.errors import VerificationError

REQUIRED = {
    "sigmoid_output_form",
    "tanh_output_form",
    "bce_dL_da",
    "sigmoid_neuron_da_dz",
    "sigmoid_bce_dL_dz",
    "sigmoid_bce_dL_dw_i",
    "sigmoid_bce_dL_db",
    "cost_dJ_dw",
    "cost_dJ_db",
    "softmax_ce_dL_dz_1_n3",
    "identity_mse_half_dL_dz",
}


@pytest.fixture(scope="module")
def identities() -> dict[str, object]:
    return {i.name: i for i in all_identities()}


def test_required_identities_are_proved(identities: dict[str, object]) -> None:
    missing = REQUIRED - set(identities)
    assert not missing
    for name in REQUIRED:
        item = identities[name].as_json()  # type: ignore[attr-defined]
        assert item["proved"] is True and item["checked_points"] >= 20 and "symbolic" in item["method"]


def test_output_forms_parse_back(identities: dict[str, object]) -> None:
    a = sp.Symbol("a")
    assert sp.sympify(identities["sigmoid_output_form"].as_json()["rhs"]) == a * (1 - a)  # type: ignore[attr-defined]
    assert sp.expand(sp.sympify(identities["tanh_output_form"].as_json()["rhs"]) - (1 - a**2)) == 0  # type: ignore[attr-defined]


def test_every_identity_holds_at_fresh_points(identities: dict[str, object]) -> None:
    """An independent numeric check at new random points (30 digits) of each elementwise identity."""
    import mpmath

    for identity in identities.values():
        constraints = identity.substitutions  # type: ignore[attr-defined]
        lhs = identity.lhs.subs(constraints)  # type: ignore[attr-defined]
        rhs = identity.rhs.subs(identity.where).subs(constraints)  # type: ignore[attr-defined]
        free = sorted(lhs.free_symbols | rhs.free_symbols, key=str)
        if lhs.has(sp.Sum, sp.Indexed) or rhs.has(sp.Sum, sp.Indexed) or lhs.has(sp.Piecewise):
            continue
        fl, fr = sp.lambdify(free, lhs, "mpmath"), sp.lambdify(free, rhs, "mpmath")
        with mpmath.workdps(30):
            for k in range(3):
                point = [mpmath.mpf(0.1 + 0.37 * (k + 1) * (j + 1) % 0.8) for j in range(len(free))]
                try:
                    left, right = fl(*point), fr(*point)
                except (ZeroDivisionError, ValueError):
                    continue
                if mpmath.isfinite(left) and mpmath.isfinite(right) and not isinstance(left, mpmath.mpc):
                    assert abs(left - right) <= mpmath.mpf(10) ** -20 * (1 + abs(left)), identity.name  # type: ignore[attr-defined]


def test_a_wrong_identity_is_rejected() -> None:
    x = sp.Symbol("x", real=True)
    s = 1 / (1 + sp.exp(-x))
    with pytest.raises(VerificationError, match="does not simplify"):
        prove_identity("wrong", sp.diff(s, x), s * (1 + s), [x])
    refutation = refute_identity("wrong", sp.diff(s, x), s * (1 + s), [x])
    assert refutation.witness


def test_non_canonical_pairs_are_refuted_with_witnesses() -> None:
    names = {r.name for r in all_refutations()}
    assert "link_sigmoid_mse_is_not_mu_minus_y" in names
