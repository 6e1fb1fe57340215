r"""Layer 3: a float forward F against its gradient G, by central differences of F itself.

At $x$ the step $h$ minimises truncation plus rounding, $h = (3T / M_3)^{1/3}$, with $M_3$ the
high-precision $|f'''|$ near $x$ and $T$ the forward's budget ($(N + 4\kappa)$ ULP, as in the
fidelity layer); $h$ is a power of two, at least four ulps of $x$, and keeps $x \pm h$ clear of kinks
and domain ends.  With $x_\pm = x \pm h$ rounded to floats, the secant
$Q = (F(x_+) - F(x_-)) / (x_+ - x_-)$ is formed exactly and must satisfy

$$|Q - G(x)| \le \frac{M_3 h^2}{6} + |m - x|\,|f''| + \frac{T(x_+) + T(x_-)}{x_+ - x_-} + T_G(x)$$

($m$ the midpoint, $T_G$ the gradient's own tolerance).  Where that tolerance exceeds
$10^{-6} |f'(x)|$ no step works: the point is "unverifiable", never a failure.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import mpmath
import numpy as np
import sympy as sp

from symact.numeric import float_format, reference, ulp
from symact.verify._budget import DEFAULT_ULP, budget_abs
from symact.verify._report import FAIL, UNVERIFIABLE, Finding
from symact.verify._target import Target

__all__ = ["MIN_SHARPNESS", "check_consistency", "choose_steps"]

MIN_SHARPNESS = 1e-6
"""float64: a point is verifiable when the tolerance is at most this relative to |f'(x)| (for other
formats, eps^0.38 of the format, the same exponent)."""
_MIN_STEP = 2.0**-900  # keeps f(x +- h) normal near zeros of f, where relative rounding holds


def _mag(fn: object, x: float) -> mpmath.mpf:
    """|fn(x)| to a few correct bits, as an mpmath number (a float would underflow: the third
    derivative of (x + sqrt(x^2 + 4))/2 at x = -2.7e87 is 1e-350), at whatever precision the
    cancellation in fn needs; inf where undefined."""
    v = fn.approximate(x, bits=8)  # type: ignore[attr-defined]
    if v is not None and not v:  # two precisions agreeing on 0 may both have cancelled to 0
        with mpmath.workprec(4400):
            v = fn.raw(mpmath.mpf(x))  # type: ignore[attr-defined]
    if v is None:
        return mpmath.inf
    return abs(mpmath.mpf(v))


def choose_steps(
    target: Target,
    xs: np.ndarray,
    f_ref: np.ndarray,
    *,
    dtype: object = np.float64,
    ulps: float = DEFAULT_ULP,
) -> np.ndarray:
    """The step h at each point (nan where the point is skipped: non-finite, kink, outside domain)."""
    hs = np.full(xs.shape, np.nan)
    t_all = budget_abs(target.f, target.var, xs, f_ref, ulps, dtype, target.input_terms.get(target.f))
    for i, x in enumerate(xs):
        x = float(x)
        if not math.isfinite(x) or not target.in_domain(x) or target.kink_at(x) is not None:
            continue
        if not math.isfinite(f_ref[i]):
            continue
        t = 4 * float(t_all[i])
        room = target.distance_to_break(x) / 2
        h = min(room, max(abs(x), 1.0) * 2.0**-4)
        at_x = _mag(target.d3fn, x)
        for _ in range(3):  # the third derivative over [x - h, x + h], then the step balancing both errors
            m3 = 2 * max(_mag(target.d3fn, x - h), at_x, _mag(target.d3fn, x + h))
            h = min(float((3 * t / m3) ** (mpmath.mpf(1) / 3)) if m3 > 0 else h, h)
        u = float(ulp(np.array([x]), dtype=dtype)[0])
        h = max(h, 4 * u, _MIN_STEP)
        if h >= room * 2 or not math.isfinite(h) or h <= 0:
            continue
        hs[i] = 2.0 ** math.floor(math.log2(h))
    return hs


def check_consistency(
    target: Target,
    forward: Callable[[np.ndarray], np.ndarray],
    grad: Callable[[np.ndarray], np.ndarray],
    xs: np.ndarray,
    *,
    dtype: object = np.float64,
    forward_expr: sp.Expr | None = None,
    grad_expr: sp.Expr | None = None,
    detail: dict[str, np.ndarray] | None = None,
    ulps: float = DEFAULT_ULP,
) -> tuple[list[Finding], int, np.ndarray]:
    """Layer 3 at `xs`: (findings, points checked, per-point tolerance relative to |f'(x)|).

    `detail`, if given, receives per-point arrays "secant" (Q), "tolerance" (absolute) and "checked"
    (a verifiable point), so that other gradients can be judged against the same forward cheaply.
    """
    xs = np.asarray(xs, dtype=np.float64)
    fmt = float_format(dtype)
    f_ref = reference(target.f, target.var, xs, dtype=dtype).astype(np.float64)
    hs = choose_steps(target, xs, f_ref, dtype=dtype, ulps=ulps)
    ok = ~np.isnan(hs)
    sharp = np.full(xs.shape, np.nan)
    x0 = fmt.round(xs[ok])
    with np.errstate(all="ignore"):
        h = fmt.round(hs[ok])
        xp, xm = fmt.round(x0 + h), fmt.round(x0 - h)  # the steps as the format holds them
        fp = np.asarray(forward(xp), dtype=np.float64)
        fm = np.asarray(forward(xm), dtype=np.float64)
        gx = np.asarray(grad(x0), dtype=np.float64)
    xp64, xm64 = xp.astype(np.float64), xm.astype(np.float64)
    d_ref = reference(target.df, target.var, x0.astype(np.float64), dtype=dtype).astype(np.float64)
    del forward_expr, grad_expr  # the budgets come from the truth, whatever the code evaluates
    t_plus = budget_abs(
        target.f,
        target.var,
        xp64,
        reference(target.f, target.var, xp64, dtype=dtype),
        ulps,
        dtype,
        target.input_terms.get(target.f),
    )
    t_minus = budget_abs(
        target.f,
        target.var,
        xm64,
        reference(target.f, target.var, xm64, dtype=dtype),
        ulps,
        dtype,
        target.input_terms.get(target.f),
    )
    t_grad = budget_abs(
        target.df, target.var, x0.astype(np.float64), d_ref, ulps, dtype, target.input_terms.get(target.df)
    )
    findings: list[Finding] = []
    checked = 0
    eps = fmt.eps
    sharpness = MIN_SHARPNESS if eps == 2.0**-52 else eps**0.38
    secants = np.full(xs.shape, np.nan)
    tols = np.full(xs.shape, np.nan)
    verifiable = np.zeros(xs.shape, dtype=bool)
    idx = np.flatnonzero(ok)
    for j, i in enumerate(idx):
        x, g, d = float(xs[i]), float(gx[j]), float(d_ref[j])
        if not (math.isfinite(fp[j]) and math.isfinite(fm[j]) and math.isfinite(d)):
            continue  # the fidelity layer reports non-finite values
        with mpmath.workprec(2200):
            width = mpmath.mpf(float(xp64[j])) - mpmath.mpf(float(xm64[j]))
            q = (mpmath.mpf(float(fp[j])) - mpmath.mpf(float(fm[j]))) / width
            mid_off = abs((mpmath.mpf(float(xp64[j])) + mpmath.mpf(float(xm64[j]))) / 2 - mpmath.mpf(x))
        w = float(width)
        m3 = max(_mag(target.d3fn, v) for v in (float(xm64[j]), x, float(xp64[j])))
        m2 = _mag(target.d2fn, x) if mid_off else mpmath.mpf(0)
        trunc = float(2 * m3 * (w / 2) * (w / 2) / 6 + mid_off * m2) if w < 1e150 else math.inf
        # the forward's budget at x +- h, with a whole ulp of the value there (a change of binade)
        u_p, u_m = (float(ulp(np.array([fv]), dtype=dtype)[0]) for fv in (fp[j], fm[j]))
        rounding = (float(t_plus[j]) + u_p + float(t_minus[j]) + u_m) / w
        tol = trunc + rounding + float(t_grad[j])
        err = abs(float(q) - g) if math.isfinite(g) else math.inf
        u = float(ulp(np.array([d]), dtype=dtype)[0])
        scale = abs(d) if d else u
        sharp[i] = tol / scale
        secants[i], tols[i] = float(q), tol
        if not math.isfinite(tol) or tol > sharpness * scale:
            findings.append(
                Finding(
                    target.name,
                    "consistency",
                    UNVERIFIABLE,
                    x,
                    g,
                    float(q),
                    err / u,
                    tol / u,
                    f"no step h resolves f' here (tolerance {tol / scale:.2g} relative)",
                )
            )
            continue
        checked += 1
        verifiable[i] = True
        if not err <= tol:
            findings.append(
                Finding(
                    target.name,
                    "consistency",
                    FAIL,
                    x,
                    g,
                    float(q),
                    err / u,
                    tol / u,
                    f"central difference of the forward with h = {float(hs[i])!r}",
                )
            )
    if detail is not None:
        detail.update(secant=secants, tolerance=tols, checked=verifiable)
    return findings, checked, sharp
