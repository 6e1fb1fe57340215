r"""Checks of :class:`symact.network.Network` gradients, with a tolerance derived at each point.

The reference is the same network evaluated with mpmath at 50 digits (NumPy object arrays of mpf),
its activations and losses lambdified from the catalogue's SymPy expressions and g' from the
expressions ``symact backprop`` prints (so the reference gradient is the proved equations evaluated
at high precision; it shares no code with the float64 kernels).

For every parameter entry θ (all of W1, b1, W2, ...):

1. **high precision** (a numeric claim against a high-precision reference): the equations at 50
   digits against ``mpmath.diff`` of the 50-digit J along θ must agree to 10^-30 relative (to
   |exact| + 10^-15 |J| near 0); the float64 gradient g against the 50-digit equations is measured in units of
   u S, with S the equations evaluated on magnitudes (|dZ| |A|^T / m, ...) where each quantity is
   widened by the first-order effect of the rounding of its inputs (the scale a first-order rounding
   analysis multiplies by u; see ``_Reference.scale``); it must be at most
   R = :data:`ROUNDING_UNITS` (depth + 1)(max n + m) (a stated allowance, not a proved bound).
2. **central difference** (as the verifier's consistency layer): with float64 points θ± = θ ± h,
   D = (J64(θ+) - J64(θ-)) / (θ+ - θ-) formed exactly, |D - g| may be at most

   M3 r²/6 + |J''| |mid - θ| + (|e+| + |e-|) / (θ+ - θ-) + R u S + 4u|D|

   with M3 ≥ |J'''| near θ (twice the 50-digit value at θ - h, θ, θ + h), e± the measured rounding
   errors of the float64 J (J64 minus the 50-digit J), R u S the rounding allowed to g by check 1
   (a bound, not a measurement of g, so a wrong g cannot widen it), and h = (3T / M3)^(1/3), T = 8u|J|,
   a power of two.  Where that tolerance exceeds 10^-6 |g| the point is unverifiable, never a pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from symact.catalogue import Activation, Loss, get
from symact.derive import derive
from symact.derive._elementwise import Derivation
from symact.derive.backprop import course_form
from symact.network import Network

__all__ = ["ROUNDING_UNITS", "SHARPNESS", "NetworkReport", "check_network", "random_case", "reference"]

DPS = 50
SHARPNESS = 1e-6
ROUNDING_UNITS = 8.0
_U = 2.0**-53


def _by_name(expr: sp.Expr, record: Activation | Loss) -> sp.Expr:
    named = {p.name: p.default for p in record.params}
    return expr.subs({s: named[s.name] for s in expr.free_symbols if s.name in named})


@cache
def _activation(name: str) -> tuple[Callable[..., Any], Callable[..., Any], bool]:
    """(g, g', g' takes A) in mpmath, from the catalogue and the printed form of g'."""
    record = get(name)
    assert isinstance(record, Activation)
    x, a = record.variable, sp.Symbol("a", real=True)
    g = sp.lambdify(x, _by_name(record.expr, record), "mpmath")
    form = course_form(name)
    if form is not None:
        return g, sp.lambdify(a, form[0], "mpmath"), True
    d = derive(record)
    assert isinstance(d, Derivation)
    return g, sp.lambdify(x, _by_name(d.derivative, record), "mpmath"), False


@cache
def _slope_of_z(name: str) -> Callable[..., Any]:
    """g' as a function of z (mpmath), whatever form the equations print it in."""
    record = get(name)
    assert isinstance(record, Activation)
    d = derive(record)
    assert isinstance(d, Derivation)
    return sp.lambdify(record.variable, _by_name(d.derivative, record), "mpmath")  # type: ignore[no-any-return]


@cache
def _curvature(name: str) -> Callable[..., Any]:
    """g'' in mpmath (0 for a softmax output: its rounding is taken in A), nan at kinks read as 0."""
    if name == "softmax":
        return lambda z: mpmath.mpf(0)
    record = get(name)
    assert isinstance(record, Activation)
    d = derive(record)
    assert isinstance(d, Derivation)
    f = sp.lambdify(record.variable, _by_name(d.second_derivative, record), "mpmath")
    return lambda z: (lambda v: mpmath.mpf(0) if mpmath.isnan(v) else v)(f(z))


@cache
def _loss_curvature(name: str) -> Callable[..., Any]:
    record = get(name)
    assert isinstance(record, Loss)
    d = derive(record)
    assert isinstance(d, Derivation)
    args = (record.variable, record.target)
    return sp.lambdify(args, _by_name(d.second_derivative, record), "mpmath")  # type: ignore[no-any-return]


@cache
def _loss(name: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    record = get(name)
    assert isinstance(record, Loss)
    d = derive(record)
    assert isinstance(d, Derivation)
    args = (record.variable, record.target)
    return (
        sp.lambdify(args, _by_name(record.expr, record), "mpmath"),
        sp.lambdify(args, _by_name(d.derivative, record), "mpmath"),
    )


def _mp(a: np.ndarray) -> np.ndarray:
    return np.vectorize(lambda v: mpmath.mpf(float(v)), otypes=[object])(a)


def _map(f: Callable[..., Any], *arrays: np.ndarray) -> np.ndarray:
    return np.vectorize(f, otypes=[object])(*arrays)


def _softmax(z: np.ndarray) -> np.ndarray:
    out = np.empty(z.shape, dtype=object)
    for j in range(z.shape[1]):
        top = max(z[:, j])
        e = [mpmath.exp(v - top) for v in z[:, j]]
        s = mpmath.fsum(e)
        out[:, j] = [v / s for v in e]
    return out


class _Reference:
    """The network `net` describes, at 50 digits, for parameters given as object arrays."""

    def __init__(self, net: Network) -> None:
        self.net = net

    def forward(
        self, params: dict[str, np.ndarray], X: np.ndarray
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        Zs, As = [X], [X]
        for layer, name in enumerate(self.net.activations, 1):
            Z = params[f"W{layer}"].dot(As[-1]) + params[f"b{layer}"]
            Zs.append(Z)
            As.append(_softmax(Z) if name == "softmax" else _map(_activation(name)[0], Z))
        return Zs, As

    def cost(self, params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> Any:
        A = self.forward(params, X)[1][-1]
        if self.net.loss == "cross_entropy":
            per = _map(lambda a, y: -y * mpmath.log(a) if y != 0 else mpmath.mpf(0), A, Y)
        else:
            per = _map(_loss(self.net.loss)[0], A, Y)
        return mpmath.fsum(per.ravel()) / X.shape[1]

    def _slope(self, layer: int, Z: np.ndarray, A: np.ndarray) -> np.ndarray:
        _, dg, from_output = _activation(self.net.activations[layer - 1])
        return _map(dg, A if from_output else Z)

    def gradients(self, params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> dict[str, np.ndarray]:
        """The printed equations at 50 digits."""
        Zs, As = self.forward(params, X)
        m, L = X.shape[1], self.net.depth
        if self.net.canonical:
            dZ = As[L] - Y
        else:
            dZ = _map(_loss(self.net.loss)[1], As[L], Y) * self._slope(L, Zs[L], As[L])
        grads = {}
        for layer in range(L, 0, -1):
            grads[f"dW{layer}"] = dZ.dot(As[layer - 1].T) / m
            grads[f"db{layer}"] = np.sum(dZ, axis=1, keepdims=True) / m
            if layer > 1:
                dA = params[f"W{layer}"].T.dot(dZ)
                dZ = dA * self._slope(layer - 1, Zs[layer - 1], As[layer - 1])
        return grads

    def scale(self, params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> dict[str, np.ndarray]:
        """S: the equations on magnitudes, each quantity widened by the first-order effect of the
        rounding of what it is computed from (|g'| |dZ| on A, |g''| |dZ| on g', with |dZ| the
        magnitude |W| |A| + |b| of Z), so that u S bounds each operation's rounding to first order."""
        Zs, As = self.forward(params, X)
        m, L = X.shape[1], self.net.depth
        zmag, amag = [abs(X)], [abs(X)]
        for layer, name in enumerate(self.net.activations, 1):
            z = abs(params[f"W{layer}"]).dot(amag[-1]) + abs(params[f"b{layer}"])
            a = abs(As[layer])
            if name == "softmax":
                widest = np.array([max(z[:, j]) for j in range(z.shape[1])], dtype=object)
                a = a + 2 * a * widest
            else:
                a = a + abs(_map(_slope_of_z(name), Zs[layer])) * z
            zmag.append(z)
            amag.append(a)

        def slope(layer: int) -> np.ndarray:
            name = self.net.activations[layer - 1]
            g1 = abs(self._slope(layer, Zs[layer], As[layer]))
            return g1 + abs(_map(_curvature(name), Zs[layer])) * zmag[layer]

        if self.net.canonical:
            dZ = amag[L] + abs(Y)
        else:
            dZ = abs(_map(_loss(self.net.loss)[1], As[L], Y)) * slope(L)
            dZ = dZ + abs(_map(_loss_curvature(self.net.loss), As[L], Y)) * (amag[L] - abs(As[L])) * slope(L)
        grads = {}
        for layer in range(L, 0, -1):
            grads[f"dW{layer}"] = dZ.dot(amag[layer - 1].T) / m
            grads[f"db{layer}"] = np.sum(dZ, axis=1, keepdims=True) / m
            if layer > 1:
                dZ = abs(params[f"W{layer}"]).T.dot(dZ) * slope(layer - 1)
        return grads


def reference(net: Network, X: np.ndarray, Y: np.ndarray) -> tuple[Any, dict[str, np.ndarray]]:
    """(J, gradients) of `net` at 50 digits (the printed equations), as mpf and object arrays."""
    ref = _Reference(net)
    with mpmath.workdps(DPS):
        params = {k: _mp(v) for k, v in net.params.items()}
        Xm, Ym = _mp(X), _mp(Y)
        return ref.cost(params, Xm, Ym), ref.gradients(params, Xm, Ym)


@dataclass
class NetworkReport:
    """Per parameter entry: worst figures and failures (empty when every check passed)."""

    entries: int = 0
    verifiable: int = 0
    failures: list[str] = field(default_factory=list)
    worst_rounding_units: float = 0.0
    worst_sharpness: float = 0.0
    worst_formula_error: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures


def check_network(
    net: Network,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    gradients: dict[str, np.ndarray] | None = None,
    central: bool = True,
) -> NetworkReport:
    """Check `gradients` (default ``net.gradients(X, Y)``) at every parameter entry (module docstring)."""
    X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    grads = net.gradients(X, Y) if gradients is None else gradients
    ref = _Reference(net)
    report = NetworkReport()
    m = X.shape[1]
    units = ROUNDING_UNITS * (net.depth + 1) * (max(net.layers) + m)
    with mpmath.workdps(DPS):
        base = {k: _mp(v) for k, v in net.params.items()}
        Xm, Ym = _mp(X), _mp(Y)
        g50 = ref.gradients(base, Xm, Ym)
        scale = ref.scale(base, Xm, Ym)
        cost = ref.cost(base, Xm, Ym)
        for name, value in net.params.items():
            for idx in np.ndindex(value.shape):
                report.entries += 1
                label = f"d{name}[{', '.join(str(i + 1) for i in idx)}]"
                g = float(grads["d" + name][idx])

                def along(t: Any, name: str = name, idx: tuple[int, ...] = idx) -> Any:
                    p = dict(base)
                    p[name] = base[name].copy()
                    p[name][idx] = t
                    return ref.cost(p, Xm, Ym)

                theta = mpmath.mpf(float(value[idx]))
                exact = mpmath.diff(along, theta)
                formula = g50["d" + name][idx]
                # mpmath.diff is accurate to about 10^-50 |J| absolutely: relative to |exact| + 10^-15 |J|
                rel = abs(formula - exact) / (abs(exact) + mpmath.mpf(10) ** -15 * (abs(cost) + 1))
                report.worst_formula_error = max(report.worst_formula_error, float(rel))
                if rel > mpmath.mpf(10) ** -30:
                    report.failures.append(
                        f"{label}: equations {formula} != d J / d theta {exact} (50 digits)"
                    )
                s = abs(scale["d" + name][idx])  # mpf: u S may be below the smallest double
                err = abs(mpmath.mpf(g) - formula)  # the proved equations: exact where diff is not
                ratio = float(err / (_U * s)) if s > 0 else (0.0 if err == 0 else math.inf)
                report.worst_rounding_units = max(report.worst_rounding_units, ratio)
                if ratio > units:
                    report.failures.append(
                        f"{label}: float64 {g!r} vs 50-digit {mpmath.nstr(formula, 17)}: {ratio:.3g} u S "
                        f"(at most {units:g})"
                    )
                if central:
                    _central(net, X, Y, name, idx, g, (formula, units * _U * s), along, report, label)
    return report


def _kink_signs(net: Network, X: np.ndarray) -> list[np.ndarray]:
    """Signs of Z[l] - c for every layer whose activation has a kink at c (0 means: at the kink)."""
    out = []
    A = X
    for layer, name in enumerate(net.activations, 1):
        Z = net.params[f"W{layer}"] @ A + net.params[f"b{layer}"]
        record = get(name)
        if isinstance(record, Activation) and record.kinks:
            out.append(np.sign(Z - float(record.kinks[0].at)))
        A = net._activate(layer, Z)
    return out


def _same_pieces(
    net: Network, X: np.ndarray, name: str, idx: tuple[int, ...], values: tuple[float, ...]
) -> bool:
    """True when every pre-activation stays strictly on one side of its kink for all `values` of θ."""
    saved = net.params[name][idx]
    try:
        patterns = []
        for v in values:
            net.params[name][idx] = v
            patterns.append(_kink_signs(net, X))
    finally:
        net.params[name][idx] = saved
    first = patterns[0]
    return all(
        not np.any(s == 0) and all(np.array_equal(s, t) for s, t in zip(first, other, strict=True))
        for other in patterns
        for s in other
    )


def _central(
    net: Network,
    X: np.ndarray,
    Y: np.ndarray,
    name: str,
    idx: tuple[int, ...],
    g: float,
    reference: tuple[Any, float],
    along: Callable[[Any], Any],
    report: NetworkReport,
    label: str,
) -> None:
    g50, rounding = reference
    theta = float(net.params[name][idx])
    j = abs(float(along(mpmath.mpf(theta))))
    t = 8 * _U * max(j, 1e-300)
    h = max(abs(theta), 1.0) * 2.0**-8
    m3 = 0.0
    with mpmath.workdps(20):  # a few correct digits of the third derivative suffice (margin 2)
        for _ in range(2):
            m3 = 2 * max(float(abs(mpmath.diff(along, mpmath.mpf(theta + s * h), 3))) for s in (-1, 0, 1))
            h = min(h, (3 * t / m3) ** (1 / 3)) if m3 > 0 else h
    h = 2.0 ** math.floor(math.log2(max(h, 4 * math.ulp(max(abs(theta), 1e-300)))))
    plus, minus = theta + h, theta - h
    saved = net.params[name][idx]
    try:
        net.params[name][idx] = plus
        jp = net.cost(X, Y)
        net.params[name][idx] = minus
        jm = net.cost(X, Y)
    finally:
        net.params[name][idx] = saved
    if not _same_pieces(net, X, name, idx, (minus, theta, plus)):
        return  # the secant would cross a kink: unverifiable here, like the verifier's kink points
    width = mpmath.mpf(plus) - mpmath.mpf(minus)
    d = (mpmath.mpf(jp) - mpmath.mpf(jm)) / width
    mid = abs((mpmath.mpf(plus) + mpmath.mpf(minus)) / 2 - mpmath.mpf(theta))
    with mpmath.workdps(20):
        second = abs(mpmath.diff(along, mpmath.mpf(theta), 2)) if mid else mpmath.mpf(0)
    e_plus = abs(mpmath.mpf(jp) - along(mpmath.mpf(plus)))
    e_minus = abs(mpmath.mpf(jm) - along(mpmath.mpf(minus)))
    r = width / 2
    tol = m3 * r**2 / 6 + second * mid + (e_plus + e_minus) / width + rounding + 4 * _U * abs(d)
    sharp = float(tol / abs(g50)) if g50 != 0 else math.inf
    if sharp <= SHARPNESS:
        report.verifiable += 1
        report.worst_sharpness = max(report.worst_sharpness, sharp)
    if abs(d - g) > tol:
        report.failures.append(
            f"{label}: gradient {g!r} vs central difference {mpmath.nstr(d, 17)} (h = {h:g}): "
            f"|difference| {mpmath.nstr(abs(d - g), 3)} > tolerance {mpmath.nstr(tol, 3)}"
        )


def random_case(net: Network, m: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """New standard normal parameters (times 1.5) for `net`, and data X, targets Y of m samples.

    Y is in [0, 1] for binary cross-entropy, one-hot for softmax with cross-entropy, normal otherwise.
    """
    for name, value in net.params.items():
        net.params[name] = 1.5 * rng.standard_normal(value.shape)
    X = 1.5 * rng.standard_normal((net.layers[0], m))
    n = net.layers[-1]
    if net.activations[-1] == "softmax":
        Y = np.eye(n)[:, rng.integers(0, n, m)]
    elif net.loss == "binary_cross_entropy":
        Y = rng.uniform(0.0, 1.0, (n, m))
    else:
        Y = rng.standard_normal((n, m))
    return X, Y
