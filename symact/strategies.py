"""Hypothesis strategies for testing code against the symact catalogue.

- :func:`inputs`: full-range floats for a function: log-uniform magnitudes with both signs, a dense
  part on [-50, 50], the special values (+-0, +-inf, nan) and Hypothesis' own floats, all within the
  record's domain (bounded domains are also sampled near their ends).
- :func:`near_kinks`, :func:`near_roots`: floats at and around the kinks of f and the roots of f'.
- :func:`hazards`: where float formulas break down (exp overflow/underflow/saturation, erf/erfc
  limits, zeros of log and division arguments, found from the expression), and the subnormal range.
- :func:`parameters`: valid parameter values (each parameter's range, the defaults, the record's
  constraints).
- :func:`networks`: a :class:`symact.network.Network` of random shape (hidden activation and
  output/loss pair from the given choices) with random parameters, inputs X and targets Y.

Pair them with :func:`symact.verify.assert_point`, which fails with the reference value and the error
in ULPs; Hypothesis then shrinks the failure to a minimal counterexample::

    from hypothesis import given
    from symact import strategies as sst
    from symact.verify import assert_point

    @given(sst.inputs("gelu"))
    def test_my_gelu_grad(x):
        assert_point(my_gelu_grad, x, against="gelu", which="gradient")
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from symact.catalogue import Record, check_params, get
from symact.numeric import float_format
from symact.verify import Target, make_target
from symact.verify._hazards import hazard_positions

__all__ = [
    "NETWORK_HIDDEN",
    "NETWORK_OUTPUTS",
    "hazards",
    "inputs",
    "near",
    "near_kinks",
    "near_roots",
    "networks",
    "parameters",
]

_SPECIALS = (0.0, -0.0, math.inf, -math.inf, math.nan)


def _record(name: str | Record) -> Record:
    return get(name) if isinstance(name, str) else name


def _target(name: str | Record, params: Mapping[str, Any] | None) -> Target:
    return make_target(_record(name), params=params, source="sympy", float_params=True)


def _cast(dtype: object) -> Any:
    """Round to `dtype` (finite values stay finite: clamped to its largest float first)."""
    ftype = np.dtype(dtype).type  # type: ignore[call-overload]
    top = float(np.finfo(ftype).max)
    return lambda v: float(ftype(max(-top, min(top, v)) if math.isfinite(v) else v))


def _pow10(e: float) -> float:
    try:
        return 10.0**e
    except OverflowError:
        return sys.float_info.max


def _width(dtype: object) -> Literal[16, 32, 64]:
    widths: dict[int, Literal[16, 32, 64]] = {53: 64, 24: 32, 11: 16}
    return widths[float_format(dtype).precision]


def _log_uniform(lo_exp: float, hi_exp: float) -> st.SearchStrategy[float]:
    return st.tuples(st.floats(lo_exp, hi_exp), st.booleans()).map(
        lambda t: (-1.0 if t[1] else 1.0) * _pow10(t[0])
    )


def near(c: float, *, dtype: object = np.float64) -> st.SearchStrategy[float]:
    """c itself, its float neighbours (up to 4 ulps away) and c + s |c| 10^U (10^U(-300, 0) at c = 0)."""
    cast = _cast(dtype)
    ftype = np.dtype(dtype).type  # type: ignore[call-overload]

    def step(k: int) -> float:
        v = ftype(c)
        for _ in range(abs(k)):
            v = np.nextafter(v, ftype(math.copysign(math.inf, k)))
        return float(v)

    scale = abs(c) if c else 1.0
    lo = -300.0 if c == 0 else -16.0
    offsets = _log_uniform(lo, 0.0).map(lambda d: cast(c + scale * d))
    return st.one_of(st.just(cast(c)), st.integers(-4, 4).map(step), offsets).filter(math.isfinite)


def _shifted(cast: Any, end: float, sign: float) -> Any:
    return lambda d: cast(end + sign * abs(d))


def _domain_strategies(target: Target, dtype: object) -> list[st.SearchStrategy[float]]:
    cast = _cast(dtype)
    out = []
    for lo, hi in target.domain:
        if math.isfinite(lo) and math.isfinite(hi):
            out.append(st.floats(lo, hi, width=_width(dtype)))
        for end, sign in ((lo, 1.0), (hi, -1.0)):
            if math.isfinite(end):
                out.append(_log_uniform(-300.0, 308.0).map(_shifted(cast, end, sign)))
    return out


def inputs(
    name: str | Record, *, params: Mapping[str, Any] | None = None, dtype: object = np.float64
) -> st.SearchStrategy[float]:
    """Full-range inputs of the function `name` (in its domain), as Python floats of `dtype`'s values.

    `params` are the function's parameter values (defaults otherwise); a loss needs its target, for
    example ``{"y": 1}``, since its kinks may move with it.
    """
    target = _target(name, params)
    fmt = float_format(dtype)
    finfo = np.finfo(fmt.dtype)
    lo_exp = -300.0 if fmt.precision == 53 else float(np.log10(float(finfo.tiny)))
    hi_exp = float(np.log10(float(finfo.max)))
    cast = _cast(dtype)
    parts = [
        _log_uniform(lo_exp, hi_exp).map(cast),
        st.floats(-50, 50, width=_width(dtype)),
        st.sampled_from(_SPECIALS),
        st.floats(width=_width(dtype)),  # type: ignore[arg-type]
        *_domain_strategies(target, dtype),
    ]
    return st.one_of(*parts).filter(lambda v: math.isnan(v) or target.in_domain(v))


def near_kinks(
    name: str | Record, *, params: Mapping[str, Any] | None = None, dtype: object = np.float64
) -> st.SearchStrategy[float]:
    """Points at and around each kink (and other breakpoint) of `name`; empty if it is smooth."""
    target = _target(name, params)
    points = [c for c in target.breaks if math.isfinite(c)]
    if not points:
        return st.nothing()
    return st.one_of(*[near(c, dtype=dtype) for c in points]).filter(target.in_domain)


def near_roots(
    name: str | Record, *, params: Mapping[str, Any] | None = None, dtype: object = np.float64
) -> st.SearchStrategy[float]:
    """Points at and around the roots of f' on [-60, 60] (where derivatives cancel); empty if none."""
    target = _target(name, params)
    roots = list(target.derivative_roots)
    if not roots:
        return st.nothing()
    return st.one_of(*[near(c, dtype=dtype) for c in roots]).filter(target.in_domain)


def _around(cast: Any, c: float) -> Any:
    """d -> c + d max(1, |c|/64), cast: the window of a few units around a hazard."""
    window = max(1.0, abs(c) * 2.0**-6)
    return lambda d: cast(c + d * window)


def hazards(
    name: str | Record, *, params: Mapping[str, Any] | None = None, dtype: object = np.float64
) -> st.SearchStrategy[float]:
    """Where float formulas of `name` break down, found from its expression and its derivative's:
    the x where an exp argument overflows, underflows (to subnormal, to zero) or saturates 1 + e^g,
    where erf rounds to +-1 or erfc underflows, and the zeros of log and division arguments, with
    their float neighbours and a window of a few units around each; plus the subnormal range.
    The same positions as the hazard points of ``symact check`` (:mod:`symact.verify._hazards`)."""
    target = _target(name, params)
    ftype = np.dtype(dtype).type  # type: ignore[call-overload]
    spots = hazard_positions((target.f, target.df), target.var, np.dtype(ftype).name)
    cast = _cast(dtype)
    tiny = float(np.finfo(ftype).tiny)
    sub = float(np.finfo(ftype).smallest_subnormal)
    subnormal = st.tuples(st.floats(math.log10(sub), math.log10(tiny)), st.booleans()).map(
        lambda t: cast((-1.0 if t[1] else 1.0) * _pow10(t[0]))
    )
    parts: list[st.SearchStrategy[float]] = [subnormal]
    for c in spots:
        parts += [near(c, dtype=dtype), st.floats(-4.0, 4.0).map(_around(cast, c))]
    return st.one_of(*parts).filter(lambda v: math.isfinite(v) and target.in_domain(v))


def _set_strategy(valid: sp.Set, default: float) -> st.SearchStrategy[float]:
    parts: list[st.SearchStrategy[float]] = [st.just(default)]
    for piece in valid.args if isinstance(valid, sp.Union) else (valid,):
        if isinstance(piece, sp.FiniteSet):
            parts.append(st.sampled_from([float(v) for v in piece]))
        elif isinstance(piece, sp.Interval) or piece == sp.S.Reals:
            lo = float(piece.start) if isinstance(piece, sp.Interval) else -math.inf
            hi = float(piece.end) if isinstance(piece, sp.Interval) else math.inf
            open_lo = bool(getattr(piece, "left_open", True)) or not math.isfinite(lo)
            open_hi = bool(getattr(piece, "right_open", True)) or not math.isfinite(hi)
            parts.append(
                st.floats(
                    max(lo, -1e6),
                    min(hi, 1e6),
                    exclude_min=open_lo and lo > -1e6,
                    exclude_max=open_hi and hi < 1e6,
                )
            )
    return st.one_of(*parts)


def parameters(name: str | Record) -> st.SearchStrategy[dict[str, float]]:
    """Valid parameter values of `name`: each drawn from its range (or its default), constraints kept."""
    record = _record(name)
    if not record.params:
        return st.just({})
    fields = {p.name: _set_strategy(p.valid, float(p.default)) for p in record.params}

    def valid(values: dict[str, float]) -> bool:
        try:
            check_params(
                record, {k: sp.Rational(v) if math.isfinite(v) else sp.oo * v for k, v in values.items()}
            )
        except ValueError:
            return False
        return True

    return st.fixed_dictionaries(fields).filter(valid)


NETWORK_HIDDEN = ("sigmoid", "tanh", "relu", "leaky_relu", "gelu", "silu")
NETWORK_OUTPUTS = (
    ("sigmoid", "binary_cross_entropy"),
    ("identity", "mse_half"),
    ("softmax", "cross_entropy"),
)


@st.composite
def networks(
    draw: st.DrawFn,
    *,
    hidden: tuple[str, ...] = NETWORK_HIDDEN,
    outputs: tuple[tuple[str, str], ...] = NETWORK_OUTPUTS,
    max_size: int = 3,
    max_samples: int = 4,
    max_hidden_layers: int = 1,
) -> tuple[Any, np.ndarray, np.ndarray]:
    """(net, X, Y): a Network with 1..`max_hidden_layers` hidden layers, its data and targets.

    Layer sizes are 1..`max_size` (2..`max_size` classes for softmax), m is 1..`max_samples`; the
    parameters are standard normal times 1.5 (biases too, so a pre-activation is rarely exactly at
    a kink); X entries are floats in [-3, 3]; Y is in [0, 1] for binary cross-entropy, in [-3, 3]
    for the squared error, one-hot columns for softmax with cross-entropy (which sum to exactly 1).
    """
    from symact.network import Network

    depth = draw(st.integers(1, max_hidden_layers))
    acts = [draw(st.sampled_from(hidden)) for _ in range(depth)]
    out, loss = draw(st.sampled_from(outputs))
    n_out = draw(st.integers(2 if out == "softmax" else 1, max(max_size, 2)))
    sizes = [draw(st.integers(1, max_size)) for _ in range(depth + 1)] + [n_out]
    m = draw(st.integers(1, max_samples))
    net = Network(sizes, [*acts, out], loss, seed=draw(st.integers(0, 2**32 - 1)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    for name, value in net.params.items():
        net.params[name] = 1.5 * rng.standard_normal(value.shape)
    # No subnormal entries: a gradient entry that is subnormal carries an absolute rounding error the
    # relative rounding scale u S of the network check does not bound (found at X = 2.2e-309).
    coords = st.floats(-3.0, 3.0, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    X = np.array(draw(st.lists(coords, min_size=sizes[0] * m, max_size=sizes[0] * m))).reshape(sizes[0], m)
    if out == "softmax":
        labels = draw(st.lists(st.integers(0, n_out - 1), min_size=m, max_size=m))
        Y = np.eye(n_out)[:, labels]
    else:
        values = st.floats(0.0, 1.0) if loss == "binary_cross_entropy" else coords
        Y = np.array(draw(st.lists(values, min_size=n_out * m, max_size=n_out * m))).reshape(n_out, m)
    return net, X, Y
