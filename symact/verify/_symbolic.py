r"""Layer 1: the symbolic derivative against an adaptive-precision numerical derivative of f.

At a point $x$ the claimed derivative $d$ is evaluated in mpmath until two precisions agree to
:data:`BITS` bits.  The numerical derivative is a central difference $(f(x+h) - f(x-h)) / 2h$ with
$h = 2^{-P} \min(1, \delta)$ ($\delta$ the distance to the nearest kink or domain end), evaluated at a
working precision $W = 2P + \log_2 \max(|x|, 1) + \text{extra}$; $P$ and the extra precision grow
until two successive estimates agree to :data:`BITS` bits, which absorbs both the truncation error
($h^2 f'''/6$) and the cancellation in $f$ itself (the "precision raised by $\log_{10}(f/f')$" of the
reference design, found adaptively).  They must agree to $2^{-110}$ relative.

At a kink both one-sided derivatives are estimated from points strictly on each side (with one
Richardson step); they must match the record's declared left and right derivatives, and the value
claimed at the kink must equal the convention's value (or lie between them, for "subgradient").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mpmath

from symact.numeric import MpFunction
from symact.numeric._mp import NEGLIGIBLE_BITS
from symact.verify._report import FAIL, UNVERIFIABLE, Finding
from symact.verify._target import KinkPoint, Target

__all__ = ["BITS", "NumericDerivative", "check_symbolic", "numeric_derivative", "one_sided"]

BITS = 120
TOL_BITS = 110
_MAX_WORK = 12_000


def _agree(a: mpmath.mpf, b: mpmath.mpf, bits: int) -> bool:
    """Relative agreement to `bits` bits, or both negligible (below 2^-1200, far under any float)."""
    if a == b:
        return True
    floor = mpmath.ldexp(1, -NEGLIGIBLE_BITS)
    return bool(abs(a - b) <= abs(b) * mpmath.ldexp(1, -bits) or (abs(a) <= floor and abs(b) <= floor))


@dataclass(frozen=True)
class NumericDerivative:
    """A numerical derivative: `value`, or (value None) an upper bound `below` on |f'| when f(x + h)
    and f(x - h) could not be told apart at the highest working precision; both None: undefined."""

    value: mpmath.mpf | None
    below: mpmath.mpf | None = None


def numeric_derivative(
    fn: MpFunction, x: float, *, scale: float = 1.0, bits: int = BITS, hint: mpmath.mpf | None = None
) -> NumericDerivative:
    """f'(x) by central differences at adaptive precision.

    `scale` (<= 1, the distance to the nearest kink or domain end) shrinks the step so that x +- h
    stays clear of them; `hint` (an
    estimate of |f'|, such as the claimed value) only sets the starting precision.
    """
    memo: dict = fn.__dict__.setdefault("_numeric_derivatives", {})
    key = (x, scale, bits)
    if key not in memo:
        memo[key] = _numeric_derivative(fn, x, scale=scale, bits=bits, hint=hint)
    return memo[key]  # type: ignore[no-any-return]


def _numeric_derivative(
    fn: MpFunction, x: float, *, scale: float, bits: int, hint: mpmath.mpf | None
) -> NumericDerivative:
    xm = mpmath.mpf(x)
    fx = fn.value(x, bits=64)
    if fx is None:
        return NumericDerivative(None)
    mag = max(int(mpmath.mag(xm)), 0) if xm else 0
    smag = -int(mpmath.mag(mpmath.mpf(scale))) if scale < 1 else 0
    finite = hint is not None and mpmath.isfinite(hint) and mpmath.isfinite(fx)
    ratio = int(mpmath.mag(fx) - mpmath.mag(hint)) if finite and hint and fx else 0
    p, extra, prev = bits // 2 + 24, fn.last_precision + max(ratio, 0) + 64, None
    work = 0
    while True:
        work = 2 * p + mag + smag + extra
        if work > _MAX_WORK:
            break
        with mpmath.workprec(work):
            h = mpmath.ldexp(mpmath.mpf(min(scale, 1.0)), -p - 2)
            hi, lo = fn.raw(xm + h), fn.raw(xm - h)
            if hi is None or lo is None:
                return NumericDerivative(None)
            if hi == lo and prev is None:
                extra *= 2  # the difference is below this precision: raise it
                continue
            est = (hi - lo) / (2 * h)
        if prev is not None and _agree(prev, est, bits):
            return NumericDerivative(est)
        # the first confirmation uses a little more precision; if that disagrees, double it
        extra = extra + 64 if prev is None else extra * 2
        prev, p = est, p + 32
    if prev is not None:
        return NumericDerivative(None)
    with mpmath.workprec(64):
        h = mpmath.ldexp(mpmath.mpf(min(scale, 1.0)), -p - 2)
        return NumericDerivative(None, below=abs(fx) * mpmath.ldexp(1, 8 - work) / h + mpmath.ldexp(1, -work))


def one_sided(fn: MpFunction, c: float, side: int, *, bits: int = BITS // 2) -> mpmath.mpf | None:
    """The one-sided derivative of f at c from points strictly on `side` (+1 right, -1 left)."""
    cm = mpmath.mpf(c)
    mag = max(int(mpmath.mag(cm)), 0) if cm else 0
    p, extra, prev = bits + 24, 64, None
    while 2 * p + mag + extra <= _MAX_WORK:
        with mpmath.workprec(2 * p + mag + extra):
            h = mpmath.ldexp(side, -p)
            vals = [fn.raw(cm + k * h) for k in (1, 2, 3)]
            v1, v2, v3 = vals
            if v1 is None or v2 is None or v3 is None:
                return None
            d1 = (v2 - v1) / h  # f'(c + 1.5h) + O(h^2)
            d2 = (v3 - v2) / h  # f'(c + 2.5h) + O(h^2)
            est = (5 * d1 - 3 * d2) / 2  # linear extrapolation to c
        if prev is not None and _agree(prev, est, bits):
            return est
        prev, p, extra = est, p + 32, extra * 2
    return None


def _f(v: mpmath.mpf | None) -> float:
    if v is None:
        return math.nan
    try:
        return float(v)
    except OverflowError:
        return math.inf if v > 0 else -math.inf


def _rel(a: mpmath.mpf, b: mpmath.mpf) -> float:
    if a == b:
        return 0.0
    return _f(abs(a - b) / abs(b)) if b else math.inf


def _kink(target: Target, k: KinkPoint) -> list[Finding]:
    out: list[Finding] = []
    sides = {}
    for side, declared in ((-1, k.left), (1, k.right)):
        num = one_sided(target.fn, k.x, side)
        label = "left" if side < 0 else "right"
        if num is None:
            out.append(
                Finding(
                    target.name,
                    "symbolic",
                    UNVERIFIABLE,
                    k.x,
                    math.nan,
                    math.nan,
                    math.nan,
                    0.0,
                    f"{label} derivative at the kink could not be estimated",
                )
            )
            continue
        sides[side] = num
        with mpmath.workprec(BITS):
            want = mpmath.mpf(_evalf(declared))
        if not _agree(want, num, BITS // 2 - 10) and abs(want - num) > mpmath.ldexp(1, -(BITS // 2 - 10)):
            out.append(
                Finding(
                    target.name,
                    "symbolic",
                    FAIL,
                    k.x,
                    _f(want),
                    _f(num),
                    _rel(want, num),
                    2.0 ** -(BITS // 2 - 10),
                    f"declared {label} derivative at the kink",
                )
            )
    claimed = target.dfn.value(k.x, bits=BITS)
    if claimed is None:
        out.append(
            Finding(
                target.name,
                "symbolic",
                FAIL,
                k.x,
                math.nan,
                math.nan,
                math.inf,
                0.0,
                "no derivative value at the kink",
            )
        )
        return out
    if k.value is not None:
        with mpmath.workprec(BITS):
            want = mpmath.mpf(_evalf(k.value))
        if not _agree(claimed, want, TOL_BITS):
            out.append(
                Finding(
                    target.name,
                    "symbolic",
                    FAIL,
                    k.x,
                    _f(claimed),
                    _f(want),
                    _rel(claimed, want),
                    2.0**-TOL_BITS,
                    f"value at the kink differs from the {target.convention} convention",
                )
            )
    elif len(sides) == 2:
        lo, hi = sorted((sides[-1], sides[1]))
        slack = mpmath.ldexp(1, -(BITS // 2 - 10)) * max(abs(lo), abs(hi), 1)
        if not lo - slack <= claimed <= hi + slack:
            out.append(
                Finding(
                    target.name,
                    "symbolic",
                    FAIL,
                    k.x,
                    _f(claimed),
                    _f((lo + hi) / 2),
                    math.inf,
                    0.0,
                    f"value at the kink is outside the subgradient [{_f(lo)}, {_f(hi)}]",
                )
            )
    return out


def _evalf(e: object) -> mpmath.mpf:
    import sympy as sp

    return mpmath.mpmathify(sp.N(sp.sympify(e), 60))


def check_symbolic(target: Target, xs: list[float]) -> tuple[list[Finding], int]:
    """Layer 1 at each finite point of `xs` in the domain: (findings, number of points checked)."""
    findings: list[Finding] = []
    n = 0
    for x in xs:
        if not math.isfinite(x) or not target.in_domain(x):
            continue
        n += 1
        k = target.kink_at(x)
        if k is not None:
            findings += _kink(target, k)
            continue
        dist = target.distance_to_break(x)
        if dist == 0:
            continue  # on a breakpoint that is not an exact kink
        claimed = target.dfn.value(x, bits=BITS)
        nd = numeric_derivative(target.fn, x, scale=min(1.0, dist), hint=claimed)
        num = nd.value
        if num is None and nd.below is not None and claimed is not None:
            if abs(claimed) > max(nd.below, mpmath.ldexp(1, -NEGLIGIBLE_BITS)):
                findings.append(
                    Finding(
                        target.name,
                        "symbolic",
                        FAIL,
                        x,
                        _f(claimed),
                        0.0,
                        math.inf,
                        _f(nd.below),
                        "f is flat here to the working precision, but the derivative is not",
                    )
                )
            elif abs(claimed) > mpmath.ldexp(1, -NEGLIGIBLE_BITS):
                findings.append(
                    Finding(
                        target.name,
                        "symbolic",
                        UNVERIFIABLE,
                        x,
                        _f(claimed),
                        0.0,
                        math.nan,
                        0.0,
                        "derivative below the resolution of the numerical derivative",
                    )
                )
            continue
        if num is None:
            findings.append(
                Finding(
                    target.name,
                    "symbolic",
                    UNVERIFIABLE,
                    x,
                    _f(claimed),
                    math.nan,
                    math.nan,
                    0.0,
                    "numerical derivative did not converge",
                )
            )
            continue
        if claimed is None:
            findings.append(
                Finding(
                    target.name,
                    "symbolic",
                    FAIL,
                    x,
                    math.nan,
                    _f(num),
                    math.inf,
                    2.0**-TOL_BITS,
                    "derivative undefined (nan) where f is differentiable",
                )
            )
            continue
        if not _agree(claimed, num, TOL_BITS):
            findings.append(
                Finding(
                    target.name, "symbolic", FAIL, x, _f(claimed), _f(num), _rel(claimed, num), 2.0**-TOL_BITS
                )
            )
    return findings, n
