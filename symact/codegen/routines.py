r"""The runtime routines a kernel may call, declared once with their reference semantics.

Lowering (:mod:`symact.codegen.lower`) turns a stable function into a call of one of these
routines; every backend implements each of them (NumPy: ``symact.kernels._runtime.<name>``;
C: ``symact_<name>`` in :mod:`symact.codegen.c.prelude`) and is held to the same meaning: the
``reference`` below, evaluated with mpmath at the working precision.  A routine whose name is not
declared here cannot be lowered to (:func:`routine` raises), and the tests check that every backend
implements every routine and that the NumPy routines agree with the references.

Coefficient tails: ``exp_neg_abs_poly`` and ``sigmoid_poly_scaled`` take, after their fixed
arguments, the coefficients of a polynomial $P$ as (hi, lo) double-double pairs, highest degree first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath

from symact.errors import SymactError

__all__ = ["ROUTINES", "Routine", "UnknownRoutineError", "poly_value", "routine"]


class UnknownRoutineError(SymactError, LookupError):
    """A runtime routine that is not declared in :data:`ROUTINES`."""


@dataclass(frozen=True)
class Routine:
    """One runtime routine: its name, its fixed arguments, whether a coefficient tail follows, what
    it computes (in words, for the reader) and its reference (mpmath, on mpf arguments)."""

    name: str
    args: tuple[str, ...]
    meaning: str
    reference: Callable[..., Any]
    coefficient_tail: bool = False


def poly_value(x: Any, coeffs: Sequence[float]) -> Any:
    """$P(x)$ for (hi, lo) coefficient pairs, highest degree first, evaluated exactly in mpmath."""
    total = mpmath.mpf(0)
    for hi, lo in zip(coeffs[0::2], coeffs[1::2], strict=True):
        total = total * x + (mpmath.mpf(hi) + mpmath.mpf(lo))
    return total


def _sigmoid(u: Any) -> Any:
    return 1 / (1 + mpmath.exp(-u))


def _xlog_minus(y: Any, c: Any) -> Any:
    if y == 0:
        return mpmath.mpf(0)
    if y < 0:
        return mpmath.nan
    return y * (mpmath.log(y) - c)


def _signed_inf(c: Any) -> Any:
    return mpmath.mpf(0) if c == 0 else mpmath.inf * mpmath.sign(c)


ROUTINES: tuple[Routine, ...] = (
    Routine("ndtr", ("u",), "the normal distribution function Phi(u)", lambda u: mpmath.ncdf(u)),
    Routine("ndtr_scaled", ("u", "m"), "m Phi(u), no early underflow", lambda u, m: m * mpmath.ncdf(u)),
    Routine("npdf", ("u",), "the normal density phi(u)", lambda u: mpmath.npdf(u)),
    Routine("npdf_scaled", ("u", "m"), "m phi(u), no early underflow", lambda u, m: m * mpmath.npdf(u)),
    Routine(
        "exp_neg_abs_poly",
        ("x", "k"),
        "exp(-|P(x)|/k), P in double-double",
        lambda x, k, *c: mpmath.exp(-abs(poly_value(x, c)) / k),
        coefficient_tail=True,
    ),
    Routine(
        "sigmoid_poly_scaled",
        ("m", "x"),
        "m sigmoid(P(x)), P in double-double",
        lambda m, x, *c: m * _sigmoid(poly_value(x, c)),
        coefficient_tail=True,
    ),
    Routine("xlog_minus", ("y", "c"), "y (log y - c); 0 at y = 0, nan below", _xlog_minus),
    Routine("signed_inf", ("c",), "copysign(inf, c), and 0 at c = 0", _signed_inf),
)
"""Every runtime routine a kernel may call."""

_BY_NAME = {r.name: r for r in ROUTINES}


def routine(name: str) -> Routine:
    """The declared routine `name`; :class:`UnknownRoutineError` if there is none."""
    try:
        return _BY_NAME[name]
    except KeyError:
        known = ", ".join(sorted(_BY_NAME))
        raise UnknownRoutineError(f"no runtime routine {name!r} is declared (known: {known})") from None
