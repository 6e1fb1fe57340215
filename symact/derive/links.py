"""Canonical-link identities: loss composed with activation, derived from the catalogue and proved.

For an exponential-family likelihood with its canonical link, the gradient of the negative
log-likelihood in the natural parameter z is mu(z) - y.  Each :class:`Pairing` names a catalogue
loss, the catalogue activation it is composed with (``loss(activation(z), y)``), the mean function
mu (a catalogue activation) and the target gradient.  The left-hand side is always derived by SymPy
from the records; the target is stated; :func:`prove_identity` connects them.  Pairings that are not
canonical (or carry a weight that breaks the identity) also get a :class:`Refutation`: a point where
the derived gradient differs from mu - y.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import sympy as sp

from symact.catalogue import (
    A,
    Activation,
    Loss,
    Record,
    VectorFunction,
    VectorLoss,
    X,
    Y,
    check_params,
    get,
    vector_symbols,
)
from symact.derive.identities import Identity, Refutation, prove_identity, refute_identity
from symact.errors import ArgumentError

__all__ = [
    "CLASS_PAIRINGS",
    "PAIRINGS",
    "ClassPairing",
    "Pairing",
    "class_loss",
    "composed_loss",
    "link_identities",
    "link_refutations",
]

Z = sp.Symbol("z", real=True)
"""The natural parameter (the activation's input)."""

MU = sp.Symbol("mu", real=True)
"""Shorthand for the mean mu(z) in the targets."""

_P = sp.Symbol("pos_weight", real=True)
_EPS = sp.Symbol("label_smoothing", real=True)
_CLASSES = 3
_UNIT = (0.0, 1.0)


@dataclass(frozen=True)
class Pairing:
    """An element-wise loss composed with an activation, and the gradient dL/dz it should have.

    `target` is written in :data:`Z`, :data:`Y`, :data:`MU` (= `mean`(z)) and the loss's parameters;
    `params` fixes parameters (others stay symbolic and are sampled from `ranges`).  A pairing is
    `canonical` when its target is mu - y; otherwise it is refuted against mu - y.
    """

    name: str
    loss: str
    activation: str
    mean: str
    target: sp.Expr
    canonical: bool
    description: str
    params: Mapping[str, sp.Expr] = field(default_factory=dict)
    ranges: Mapping[sp.Symbol, tuple[float, float]] = field(default_factory=dict)
    assumptions: str = ""


@dataclass(frozen=True)
class ClassPairing:
    """A loss over C classes composed with an activation; `target(k, p, ys)` is dL/dz_k in terms of
    the shorthand p_k = `mean`(z)_k.  Targets are normalised (sum_k y_k = 1)."""

    name: str
    loss: str
    activation: str
    mean: str
    target: Callable[[int, tuple[sp.Symbol, ...], tuple[sp.Symbol, ...]], sp.Expr]
    canonical: bool
    description: str
    params: Mapping[str, sp.Expr] = field(default_factory=dict)
    ranges: Mapping[sp.Symbol, tuple[float, float]] = field(default_factory=dict)


PAIRINGS: tuple[Pairing, ...] = (
    Pairing(
        name="bernoulli_sigmoid_bce",
        loss="binary_cross_entropy",
        activation="sigmoid",
        mean="sigmoid",
        target=MU - Y,
        canonical=True,
        description="Bernoulli, canonical: binary cross-entropy of a = sigmoid(z): dL/dz = sigmoid(z) - y",
        ranges={Y: _UNIT},
    ),
    Pairing(
        name="bernoulli_logits",
        loss="binary_cross_entropy_with_logits",
        activation="identity",
        mean="sigmoid",
        target=MU - Y,
        canonical=True,
        description="Bernoulli, canonical: BCE with logits (pos_weight = 1): dL/dz = sigmoid(z) - y",
        params={"pos_weight": sp.S.One},
        ranges={Y: _UNIT},
    ),
    Pairing(
        name="poisson_exp",
        loss="poisson_nll_rate",
        activation="exponential",
        mean="exponential",
        target=MU - Y,
        canonical=True,
        description="Poisson, canonical: rate-form NLL of a = e^z: dL/dz = e^z - y",
        ranges={Y: (0.0, 5.0)},
    ),
    Pairing(
        name="poisson_log_input",
        loss="poisson_nll",
        activation="identity",
        mean="exponential",
        target=MU - Y,
        canonical=True,
        description="Poisson, canonical: log-input NLL e^z - y z: dL/dz = e^z - y",
        ranges={Y: (0.0, 5.0)},
    ),
    Pairing(
        name="gaussian_identity",
        loss="mse_half",
        activation="identity",
        mean="identity",
        target=MU - Y,
        canonical=True,
        description="Gaussian (unit variance), canonical: (z - y)^2 / 2: dL/dz = z - y",
    ),
    Pairing(
        name="gaussian_mse",
        loss="mse",
        activation="identity",
        mean="identity",
        target=2 * (MU - Y),
        canonical=False,
        description="PyTorch's MSE without the 1/2: dL/dz = 2 (z - y), twice the canonical gradient",
    ),
    Pairing(
        name="sigmoid_mse",
        loss="mse",
        activation="sigmoid",
        mean="sigmoid",
        target=2 * (MU - Y) * MU * (1 - MU),
        canonical=False,
        description="sigmoid with MSE (not canonical): dL/dz = 2 (a - y) a (1 - a), a = sigmoid(z)",
        ranges={Y: _UNIT},
    ),
    Pairing(
        name="sigmoid_mse_half",
        loss="mse_half",
        activation="sigmoid",
        mean="sigmoid",
        target=(MU - Y) * MU * (1 - MU),
        canonical=False,
        description="sigmoid with half MSE (not canonical): dL/dz = (a - y) a (1 - a), a = sigmoid(z)",
        ranges={Y: _UNIT},
    ),
    Pairing(
        name="poisson_identity_link",
        loss="poisson_nll_rate",
        activation="identity",
        mean="identity",
        target=1 - Y / MU,
        canonical=False,
        description="Poisson with the identity link (rate a = z, not canonical): dL/dz = 1 - y/z",
        ranges={Z: (0.05, 5.0), Y: (0.0, 5.0)},
    ),
    Pairing(
        name="bce_probability",
        loss="binary_cross_entropy",
        activation="identity",
        mean="identity",
        target=(MU - Y) / (MU * (1 - MU)),
        canonical=False,
        description="binary cross-entropy in the probability a = z itself: dL/da = (a - y)/(a (1 - a))",
        ranges={Z: (0.01, 0.99), Y: _UNIT},
    ),
    Pairing(
        name="bce_pos_weight",
        loss="binary_cross_entropy_with_logits",
        activation="identity",
        mean="sigmoid",
        target=(1 + (_P - 1) * Y) * MU - _P * Y,
        canonical=False,
        description="BCE with logits and pos_weight p: dL/dz = (1 + (p - 1) y) sigmoid(z) - p y",
        ranges={Y: _UNIT, _P: (1.5, 5.0)},
        assumptions="pos_weight p symbolic",
    ),
)


def _categorical(k: int, p: tuple[sp.Symbol, ...], ys: tuple[sp.Symbol, ...]) -> sp.Expr:
    return p[k] - ys[k]


def _smoothed(k: int, p: tuple[sp.Symbol, ...], ys: tuple[sp.Symbol, ...]) -> sp.Expr:
    return p[k] - ((1 - _EPS) * ys[k] + _EPS / len(ys))


CLASS_PAIRINGS: tuple[ClassPairing, ...] = (
    ClassPairing(
        name="categorical_cross_entropy",
        loss="cross_entropy",
        activation="identity",
        mean="softmax",
        target=_categorical,
        canonical=True,
        description="categorical, canonical: cross-entropy of logits: dL/dz_k = p_k - y_k, p = softmax(z)",
        params={"label_smoothing": sp.S.Zero},
    ),
    ClassPairing(
        name="categorical_nll_log_softmax",
        loss="nll_loss",
        activation="log_softmax",
        mean="softmax",
        target=_categorical,
        canonical=True,
        description="categorical, canonical: NLL of log_softmax(z): dL/dz_k = p_k - y_k",
    ),
    ClassPairing(
        name="categorical_kl_log_softmax",
        loss="kl_div",
        activation="log_softmax",
        mean="softmax",
        target=_categorical,
        canonical=True,
        description="categorical: KL divergence of log_softmax(z), summed over classes: dL/dz_k = p_k - y_k",
    ),
    ClassPairing(
        name="cross_entropy_label_smoothing",
        loss="cross_entropy",
        activation="identity",
        mean="softmax",
        target=_smoothed,
        canonical=False,
        description="cross-entropy with label smoothing eps: dL/dz_k = p_k - ((1 - eps) y_k + eps/C)",
        ranges={_EPS: (0.05, 0.95)},
    ),
)


def _activation_at(name: str, zs: tuple[sp.Symbol, ...]) -> list[sp.Expr]:
    """The outputs of the catalogue activation `name` at inputs `zs` (element-wise or vector)."""
    record = get(name)
    if isinstance(record, VectorFunction):
        return list(record.build(zs))
    if not isinstance(record, Activation):
        raise ArgumentError(f"{name} is not an activation")
    return [record.expr.subs(X, z) for z in zs]


def _fixed(record: Record, params: Mapping[str, sp.Expr]) -> dict[sp.Symbol, sp.Expr]:
    """The fixed parameter values, checked against the record's ranges (others stay symbolic)."""
    chosen = check_params(record, params)
    return {s: v for s, v in chosen.items() if str(s) in params}


def composed_loss(loss: str, activation: str, params: Mapping[str, sp.Expr] | None = None) -> sp.Expr:
    """The element-wise catalogue loss `loss` evaluated at a = `activation`(z), in :data:`Z` and y."""
    record = get(loss)
    if not isinstance(record, Loss):
        raise ArgumentError(f"{loss} is not an element-wise loss")
    (a,) = _activation_at(activation, (Z,))
    return record.expr.subs(_fixed(record, params or {})).subs(A, a)


def class_loss(
    loss: str, activation: str, n: int, params: Mapping[str, sp.Expr] | None = None
) -> tuple[sp.Expr, tuple[sp.Symbol, ...], tuple[sp.Symbol, ...]]:
    """The catalogue loss `loss` over n classes at a = `activation`(z): (loss, zs, ys).

    A class loss is built on placeholders a_i; an element-wise loss is summed over the classes.
    """
    record = get(loss)
    zs, ys, placeholders = vector_symbols("z", n), vector_symbols("y", n), vector_symbols("a", n)
    if isinstance(record, VectorLoss):
        total = record.build(placeholders, ys)
    elif isinstance(record, Loss):
        total = sp.Add(*[record.expr.subs({A: a, Y: y}) for a, y in zip(placeholders, ys, strict=True)])
    else:
        raise ArgumentError(f"{loss} is not a loss")
    total = total.subs(_fixed(record, params or {}))
    outputs = _activation_at(activation, zs)
    return total.subs(dict(zip(placeholders, outputs, strict=True))), zs, ys


def _sampled(expr: sp.Expr) -> list[sp.Symbol]:
    return sorted(expr.free_symbols, key=str)  # type: ignore[arg-type]


def _elementwise(pair: Pairing) -> tuple[Identity, Refutation | None]:
    lhs = sp.diff(composed_loss(pair.loss, pair.activation, pair.params), Z)
    (mean,) = _activation_at(pair.mean, (Z,))
    where = {MU: mean}
    symbols = _sampled(lhs.subs(where) + pair.target.subs(where))
    identity = prove_identity(
        f"link_{pair.name}",
        lhs,
        pair.target,
        symbols,
        ranges=pair.ranges,
        where=where,
        description=pair.description,
        assumptions=pair.assumptions,
    )
    refutation = None
    if not pair.canonical:
        refutation = refute_identity(
            f"link_{pair.name}_is_not_mu_minus_y",
            lhs,
            (MU - Y).subs(where),
            symbols,
            ranges=pair.ranges,
            description=f"{pair.loss} composed with {pair.activation}: dL/dz differs from mu - y",
        )
    return identity, refutation


def _per_class(pair: ClassPairing) -> tuple[list[Identity], list[Refutation]]:
    loss, zs, ys = class_loss(pair.loss, pair.activation, _CLASSES, pair.params)
    means = _activation_at(pair.mean, zs)
    p = vector_symbols("p", _CLASSES)
    where = dict(zip(p, means, strict=True))
    normalised = {ys[-1]: 1 - sp.Add(*ys[:-1])}
    ranges = {**{y: (0.0, 0.5) for y in ys}, **{z: (-4.0, 4.0) for z in zs}, **pair.ranges}
    identities, refutations = [], []
    for k in range(_CLASSES):
        lhs = sp.diff(loss, zs[k])
        target = pair.target(k, p, ys)
        symbols = _sampled((lhs + target.subs(where)).subs(normalised))
        identities.append(
            prove_identity(
                f"link_{pair.name}_dz{k + 1}",
                lhs,
                target,
                symbols,
                ranges=ranges,
                where=where,
                substitutions=normalised,
                description=f"{pair.description} (C = {_CLASSES}, k = {k + 1})",
                assumptions="sum_k y_k = 1 (y_C = 1 - y_1 - ... - y_{C-1})",
            )
        )
        if not pair.canonical and k == 0:
            refutations.append(
                refute_identity(
                    f"link_{pair.name}_is_not_p_minus_y",
                    lhs.subs(normalised),
                    (p[k] - ys[k]).subs(where).subs(normalised),
                    symbols,
                    ranges=ranges,
                    description=f"{pair.loss} with {pair.activation}: dL/dz_1 differs from p_1 - y_1",
                )
            )
    return identities, refutations


@functools.cache
def _results() -> tuple[tuple[Identity, ...], tuple[Refutation, ...]]:
    identities: list[Identity] = []
    refutations: list[Refutation] = []
    for pair in PAIRINGS:
        identity, refutation = _elementwise(pair)
        identities.append(identity)
        refutations.extend([refutation] if refutation is not None else [])
    for class_pair in CLASS_PAIRINGS:
        proved, refuted = _per_class(class_pair)
        identities.extend(proved)
        refutations.extend(refuted)
    return tuple(identities), tuple(refutations)


def link_identities() -> list[Identity]:
    """Every pairing's gradient dL/dz, derived from the catalogue and proved equal to its target.

    **Raises:** VerificationError if a derived gradient is not its target (a catalogue error).
    """
    return list(_results()[0])


def link_refutations() -> list[Refutation]:
    """For every pairing that is not canonical, a point where dL/dz differs from mu - y."""
    return list(_results()[1])
