"""Hypothesis: every symbolic derivative against a central difference with a per-point error bound.

The tolerance at each point comes from the truncation error (SymPy's f''') and the measured
rounding error of the float64 evaluations (see tests/fd.py); points are drawn away from kinks and
inside the domain.  A deliberately wrong derivative must be caught, which shows the check can fail.
"""

from __future__ import annotations

import pytest
import sympy as sp
from fd import Compiled, FDResult, central_difference_check, compile_pair, is_finite
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from symact.catalogue import Activation, X, get, records
from symact.derive import derive
from symact.derive._elementwise import Derivation

ELEMENTWISE = [r.name for r in records() if isinstance(r, Activation)]
_CACHE: dict[str, tuple[Compiled, tuple[float, ...], tuple[float, float]]] = {}


def _compiled(name: str) -> tuple[Compiled, tuple[float, ...], tuple[float, float]]:
    """f, f' (derived, simplified), f''' piece by piece; kink locations; domain ends."""
    if name not in _CACHE:
        d = derive(get(name))
        assert isinstance(d, Derivation)
        values = {s: d.params[k] for s in d.expression.free_symbols for k in d.params if str(k) == s.name}

        def num(e: sp.Expr) -> sp.Expr:
            return e.subs({s: v for s, v in values.items()}).subs(
                {s: d.params[k] for s in e.free_symbols for k in d.params if str(k) == str(s)}
            )

        parts = d.pieces

        def nth(n: int) -> sp.Expr:
            if len(parts) == 1:
                return sp.diff(num(parts[0].expr), X, n)
            return sp.Piecewise(
                *[(sp.diff(num(p.expr), X, n), X < num(p.hi)) for p in parts[:-1]],
                (sp.diff(num(parts[-1].expr), X, n), True),
            )

        compiled = compile_pair(num(d.expression), num(d.derivative_simplified), nth(2), nth(3), X)
        ends = [float(num(k.at)) for k in d.kinks] + [float(num(p.hi)) for p in parts[:-1]]
        kinks = tuple(e for e in ends if e not in (float("inf"), float("-inf")))  # a cap at oo is absent
        _CACHE[name] = (compiled, kinks, (float(num(parts[0].lo)), float(num(parts[-1].hi))))
    return _CACHE[name]


def _result(name: str, x: float, scale: float = 1.0) -> FDResult | None:
    """The check at x, or None where it does not apply (outside the domain, near a kink, overflow)."""
    compiled, kinks, (lo, hi) = _compiled(name)
    if not (lo < x < hi) or any(abs(x - k) <= 1e-2 * max(1.0, abs(k)) for k in kinks):
        return None
    try:
        result = central_difference_check(compiled, x, scale=scale)
    except (OverflowError, ValueError, ZeroDivisionError):
        return None
    if not is_finite(result.claimed, result.difference, result.tolerance):
        return None
    return result


@pytest.mark.parametrize("name", ELEMENTWISE)
@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow]
)
@given(x=st.floats(min_value=-40.0, max_value=40.0, allow_nan=False))
def test_symbolic_derivative_matches_central_difference(name: str, x: float) -> None:
    result = _result(name, x)
    assume(result is not None)
    assert result is not None and result.ok, result


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_a_wrong_derivative_is_caught(name: str) -> None:
    """The derivative times (1 + 1e-6) fails the same check wherever the check resolves 1e-6.

    Where float64 f itself is inaccurate (GELU's 1 + erf tail, for instance) the bound honestly
    grows; such points are not counted, but at least 20 resolvable points are required.
    """
    caught = tried = 0
    for i in range(120):
        x = -6.05 + i * 0.1013
        result = _result(name, x, scale=1 + 1e-6)
        if result is None or result.claimed == 0 or result.tolerance > 0.5e-6 * abs(result.claimed):
            continue
        tried += 1
        caught += not result.ok
    if tried == 0:
        assert name == "binary_step" or get(name).expr.diff(X) == 0  # f' = 0: nothing to scale
        return
    assert tried >= 20
    assert caught == tried, f"only {caught} of {tried} mutated points caught"
