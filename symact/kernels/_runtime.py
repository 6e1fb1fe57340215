r"""Hand-written NumPy routines the generated kernels call (no SymPy here).

- :func:`elementwise` / :func:`elementwise2`: the drivers.  They accept scalars and arrays, compute
  in float64 in chunks of :data:`CHUNK` elements (so temporaries stay in cache and are recycled by
  the allocator), round once to the input's dtype (float32 in, float32 out), write into `out=` when
  given, and, for kernels that need it, evaluate non-finite inputs by their limits.
- :func:`ndtr`, :func:`npdf` and their ``_scaled`` forms: $\Phi(u)$ and $\varphi(u)$ with the square
  $u^2$ carried as an exact double-double, so $e^{-u^2/2}$ keeps its relative accuracy up to the
  underflow threshold; the scaled forms compute $m\Phi(u)$, $m\varphi(u)$ without an early
  underflow of the small factor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.special import erfcx

from symact.kernels.constants import ATANH_DD as _ATANH_DD
from symact.kernels.constants import ATANH_TAIL as _ATANH_TAIL
from symact.kernels.constants import LN2_DD as _LN2_DD
from symact.kernels.constants import SQRT_HALF as _SQRT_HALF

__all__ = [
    "CHUNK",
    "cotangent",
    "direct",
    "elementwise",
    "elementwise2",
    "exp_neg_abs_poly",
    "nan_where",
    "ndtr",
    "ndtr_scaled",
    "nll_of_logits",
    "npdf",
    "npdf_scaled",
    "paired",
    "paired_cotangent",
    "reduced_cotangent",
    "shifted_cotangent",
    "sigmoid_poly_scaled",
    "signed_inf",
    "softmax_complement",
    "softmax_scaled",
    "weighted_nll",
    "xlog_minus",
]

CHUNK = 8192
"""Elements per chunk: 64 KiB of float64, below the allocator's mmap threshold."""

Kernel = Callable[..., Any]
Limits = Callable[..., tuple[float, float]]

_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp's splitter
_INV_SQRT2 = 0.7071067811865476
_INV_SQRT_2PI = 0.3989422804014327
_SQ_CLAMP = 1.0e5  # beyond |u| = 40, e^{-u^2/4} is 0 already; keeps u*split finite


def _result_dtype(arr: np.ndarray) -> np.dtype[Any]:
    if arr.dtype == np.float32:
        return np.dtype(np.float32)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"expected real numbers, got an array of dtype {arr.dtype}")
    return np.dtype(np.float64)


def _target(shape: tuple[int, ...], dtype: np.dtype[Any], out: np.ndarray | None) -> np.ndarray:
    if out is None:
        return np.empty(shape, dtype)
    if not isinstance(out, np.ndarray) or out.shape != shape or out.dtype != dtype:
        got = f"{getattr(out, 'dtype', type(out).__name__)} {getattr(out, 'shape', '')}"
        raise ValueError(f"out must be an ndarray of dtype {dtype} and shape {shape}, got {got}")
    return out


def _guarded(kernel: Kernel, xs: np.ndarray, params: tuple[Any, ...], limits: Limits | None) -> Any:
    """kernel(xs); where xs holds +-inf or nan, the limits there (nan stays nan)."""
    if limits is not None:
        finite = np.isfinite(xs)
        if not finite.all():
            r = kernel(np.where(finite, xs, 0.0), *params)
            neg, pos = limits(*params)
            r = np.where(xs == np.inf, pos, np.where(xs == -np.inf, neg, r))
            return np.where(np.isnan(xs), np.nan, r)
    return kernel(xs, *params)


def _guarded2(
    kernel: Kernel, a: np.ndarray, y: np.ndarray, params: tuple[Any, ...], limits: Limits | None
) -> Any:
    """kernel(a, y); where a is +-inf, the limits there (evaluated at y)."""
    if limits is None:
        return kernel(a, y, *params)
    inf = np.isinf(a)
    if not inf.any():
        return kernel(a, y, *params)
    r = kernel(np.where(inf, 1.0, a), y, *params)  # a finite stand-in where every loss formula is defined
    neg, pos = limits(y, *params)
    return np.where(a == np.inf, pos, np.where(a == -np.inf, neg, r))


def signed_inf(c: Any) -> Any:
    """``copysign(inf, c)``, and 0 where c = 0 (the limit of c * g for g -> inf, g's sign folded in c)."""
    c = np.asarray(c, dtype=np.float64)
    return np.where(c == 0, 0.0, np.copysign(np.inf, c))


def elementwise(
    kernel: Kernel, x: Any, out: np.ndarray | None, params: tuple[Any, ...] = (), limits: Limits | None = None
) -> Any:
    """Apply the float64 chunk kernel `kernel(x, *params)` to `x`; see the module docstring."""
    arr = np.asarray(x)
    dtype = _result_dtype(arr)
    res = _target(arr.shape, dtype, out)
    src = arr.reshape(-1)
    dst = res.reshape(-1) if res.flags.c_contiguous else np.empty(arr.size, dtype)
    for start in range(0, arr.size, CHUNK):
        xs = src[start : start + CHUNK]
        if xs.dtype != np.float64:
            xs = xs.astype(np.float64)
        dst[start : start + CHUNK] = _guarded(kernel, xs, params, limits)
    if not res.flags.c_contiguous:
        res[...] = dst.reshape(arr.shape)
    if out is None and res.ndim == 0:
        return res[()]
    return res


def direct(ufunc: np.ufunc, kernel: Kernel, x: Any, out: np.ndarray | None) -> Any:
    """A kernel that is one NumPy ufunc of x: one call on float64 data, the chunked driver otherwise."""
    arr = np.asarray(x)
    if arr.dtype != np.float64:
        return elementwise(kernel, arr, out)
    res = _target(arr.shape, np.dtype(np.float64), out)
    ufunc(arr, out=res)
    if out is None and res.ndim == 0:
        return res[()]
    return res


def elementwise2(
    kernel: Kernel,
    a: Any,
    y: Any,
    out: np.ndarray | None,
    params: tuple[Any, ...] = (),
    limits: Limits | None = None,
) -> Any:
    """Apply the float64 chunk kernel `kernel(a, y, *params)` to broadcast `a` and `y`; nan in, nan out.

    With `limits` (``limits(y, *params) -> (value at a = -inf, value at a = +inf)``), an infinite `a`
    gets the limit there.
    """
    arr_a, arr_y = np.asarray(a), np.asarray(y)
    weak_y = isinstance(y, float | int) and not isinstance(y, bool)  # a Python number keeps a's dtype
    dtype = _result_dtype(arr_a) if weak_y else np.result_type(_result_dtype(arr_a), _result_dtype(arr_y))
    pa, py = np.broadcast_arrays(arr_a, arr_y)
    res = _target(pa.shape, dtype, out)
    src_a, src_y = pa.reshape(-1), py.reshape(-1)
    dst = res.reshape(-1) if res.flags.c_contiguous else np.empty(pa.size, dtype)
    for start in range(0, pa.size, CHUNK):
        sa = src_a[start : start + CHUNK].astype(np.float64, copy=False)
        sy = src_y[start : start + CHUNK].astype(np.float64, copy=False)
        r = _guarded2(kernel, sa, sy, params, limits)
        dst[start : start + CHUNK] = np.where(np.isnan(sa) | np.isnan(sy), np.nan, r)
    if not res.flags.c_contiguous:
        res[...] = dst.reshape(pa.shape)
    if out is None and res.ndim == 0:
        return res[()]
    return res


def _square(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """|u|^2 = hi + lo exactly (Dekker's product with Veltkamp's split), |u| clamped to 1e5."""
    a = np.minimum(np.abs(u), _SQ_CLAMP)
    hi = a * a
    ah, al = _split(a)
    lo = ((ah * ah - hi) + 2.0 * ah * al) + al * al
    return hi, lo


def _gauss(u: np.ndarray, k: float) -> np.ndarray:
    r"""$e^{-u^2/k}$ for k = 2 or 4 (divisions by k are exact)."""
    hi, lo = _square(u)
    r = -1.0 / k  # exact: k is a power of two, so a product replaces the slower division
    return np.exp(hi * r) * (1.0 + lo * r)


def ndtr(u: np.ndarray) -> np.ndarray:
    r"""$\Phi(u)$: $q = \tfrac12 \operatorname{erfcx}(|u|/\sqrt2)\, e^{-u^2/2}$ is $\Phi(-|u|)$."""
    q = 0.5 * erfcx(np.abs(u) * _INV_SQRT2) * _gauss(u, 2.0)
    return np.where(u < 0, q, 1.0 - q)


def ndtr_scaled(u: np.ndarray, m: np.ndarray) -> np.ndarray:
    r"""$m\,\Phi(u)$, the tiny factor $e^{-u^2/4}$ applied last (twice) on the left tail."""
    g = _gauss(u, 4.0)
    half = 0.5 * erfcx(np.abs(u) * _INV_SQRT2)
    tail = ((m * half) * g) * g  # m Phi(-|u|)
    return np.where(u < 0, tail, m - tail)


def npdf(u: np.ndarray) -> np.ndarray:
    r"""$\varphi(u) = e^{-u^2/2}/\sqrt{2\pi}$."""
    return _gauss(u, 2.0) * _INV_SQRT_2PI


def npdf_scaled(u: np.ndarray, m: np.ndarray) -> np.ndarray:
    r"""$m\,\varphi(u)$ as $((m/\sqrt{2\pi})\, e^{-u^2/4})\, e^{-u^2/4}$."""
    g = _gauss(u, 4.0)
    return ((m * _INV_SQRT_2PI) * g) * g


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """a = hi + lo with 26-bit halves (Veltkamp); |a| must stay below ~1e300."""
    t = a * _SPLIT
    hi = t - (t - a)
    return hi, a - hi


def _poly_dd(x: np.ndarray, coeffs: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """P(x) = hi + lo in double-double by Horner; `coeffs` are (hi, lo) pairs, highest degree first.

    |x| is clamped to 1e30 (the split needs |x| well under 1e300): the generator uses this routine
    only for polynomials with |P| >= 1500 and growing beyond 1e30, where every result built on
    e^{-|P|} rounds the same with and without the clamp.
    """
    x = np.clip(x, -1e30, 1e30)
    xh, xl = _split(x)
    ph = np.full_like(x, coeffs[0])
    pl = np.full_like(x, coeffs[1])
    for ch, cl in zip(coeffs[2::2], coeffs[3::2], strict=True):
        p = ph * x  # (ph + pl) x = p + e exactly up to pl x (Dekker's product)
        ah, al = _split(ph)
        e = ((ah * xh - p) + ah * xl + al * xh) + al * xl + pl * x
        s = p + ch  # TwoSum
        bb = s - p
        f = (p - (s - bb)) + (ch - bb) + e + cl
        ph = s + f
        pl = f - (ph - s)
    return ph, pl


def exp_neg_abs_poly(x: np.ndarray, k: float, *coeffs: float) -> np.ndarray:
    r"""$e^{-|P(x)|/k}$ with P evaluated in double-double, so that a large argument keeps its last
    digits ($e^{-|u|}$ is as accurate as $u$ is in absolute terms); k = 1 or 2 (exact division)."""
    hi, lo = _poly_dd(x, coeffs)
    sign = np.where(hi < 0, -1.0, 1.0)
    return np.exp(-np.abs(hi) / k) * (1.0 - sign * lo / k)


def sigmoid_poly_scaled(m: np.ndarray, x: np.ndarray, *coeffs: float) -> np.ndarray:
    r"""$m\,\sigma(P(x))$ with P in double-double: $m/(1 + e)$ for $P \ge 0$, $me/(1 + e)$ below,
    $e = e^{-|P|}$ taken once; where $e$ would be subnormal ($|P| > 700$) the product is formed as
    $(m e^{-|P|/2}) e^{-|P|/2}$ so that it does not lose its digits before m is applied."""
    hi, lo = _poly_dd(x, coeffs)
    sign = np.where(hi < 0, -1.0, 1.0)
    a = np.abs(hi)
    e = np.exp(-a) * (1.0 - sign * lo)
    num = np.where(hi >= 0, m, m * e)
    deep = (a > 700.0) & (hi < 0)
    if np.any(deep):
        h = np.exp(-a / 2) * (1.0 - sign * lo / 2)
        num = np.where(deep, (m * h) * h, num)
    return num / (1.0 + e)  # type: ignore[no-any-return]


def _two_prod(a: Any, b: Any) -> tuple[Any, Any]:
    """a*b = p + e exactly (Dekker; |a|, |b| well below 1e300)."""
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _dd_add(ah: Any, al: Any, bh: Any, bl: Any) -> tuple[Any, Any]:
    s = ah + bh
    bb = s - ah
    e = ((ah - (s - bb)) + (bh - bb)) + (al + bl)
    h = s + e
    return h, e - (h - s)


def _dd_mul(ah: Any, al: Any, bh: Any, bl: Any) -> tuple[Any, Any]:
    p, e = _two_prod(ah, bh)
    e = e + (ah * bl + al * bh)
    h = p + e
    return h, e - (h - p)


def _dd_reciprocal(q: int) -> tuple[float, float]:
    """1/q = hi + lo (q a small integer): lo from the exact residual 1 - q hi."""
    hi = 1.0 / q
    p, e = _two_prod(np.float64(q), np.float64(hi))
    return hi, float(((1.0 - p) - e) / q)


def log_dd(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""$\log y = hi + lo$ to about 100 bits, for finite $y > 0$.

    $y = m 2^e$ with $m \in [\sqrt{1/2}, \sqrt 2)$; $\log m = 2\operatorname{atanh} s$,
    $s = (m - 1)/(m + 1)$ ($|s| \le 0.172$) as a double-double quotient, and
    $2\operatorname{atanh} s = 2s(1 + zP(z))$, $z = s^2$, with the first ten coefficients of P in
    double-double arithmetic and the rest (each below $2^{-50}$ of the sum) in double.
    """
    m, e = np.frexp(y)
    low = m < _SQRT_HALF
    m = np.where(low, 2.0 * m, m)
    ex = (e - low).astype(np.float64)
    f = m - 1.0  # exact (Sterbenz)
    dh = 2.0 + f
    dl = f - (dh - 2.0)
    sh = f / dh
    p, pe = _two_prod(sh, dh)
    sl = (((f - p) - pe) - sh * dl) / dh
    zh, zl = _two_prod(sh, sh)
    zh, zl = _dd_add(zh, zl + 2.0 * sh * sl, 0.0, 0.0)
    tail = np.zeros_like(zh)
    for c in reversed(_ATANH_TAIL):
        tail = c + zh * tail
    ah, al = tail, np.zeros_like(zh)
    for ch, cl in reversed(_ATANH_DD):
        ah, al = _dd_mul(zh, zl, ah, al)
        ah, al = _dd_add(ch, cl, ah, al)
    th, tl = _dd_mul(zh, zl, ah, al)  # z P(z)
    uh, ul = _dd_mul(sh, sl, th, tl)
    ah, al = _dd_add(sh, sl, uh, ul)  # s (1 + z P(z)) = atanh s
    kh, kl = _two_prod(ex, _LN2_DD[0])
    return _dd_add(kh, kl + ex * _LN2_DD[1], 2.0 * ah, 2.0 * al)


def xlog_minus(y: np.ndarray, c: np.ndarray) -> np.ndarray:
    r"""$y(\log y - c)$, 0 at $y = 0$ (xlogy's convention).  Where $\log y - c$ cancels (it is below
    $|\log y|$), $\log y$ is taken in double-double (:func:`log_dd`), on those elements only."""
    y, c = np.broadcast_arrays(np.asarray(y, dtype=np.float64), np.asarray(c, dtype=np.float64))
    pos = y > 0
    lg = np.log(np.where(pos, y, 1.0))
    d = np.where(pos, lg - c, np.where(y == 0, 0.0, np.nan))  # y = 0 adds 0; y < 0 has no value
    near = pos & np.isfinite(y) & np.isfinite(c) & (np.abs(d) < np.abs(lg))
    if np.any(near):
        yn, cn = y[near], c[near]
        hi, lo = log_dd(yn)
        s = hi - cn  # TwoSum(hi, -c), then the low parts
        bb = s - hi
        err = (hi - (s - bb)) + (-cn - bb)
        d = d.copy()
        d[near] = s + (err + lo)
    return y * d  # type: ignore[no-any-return]


def _shift(z: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """m = max(z), d = z - m rounded, and lo = the rounding error of d (TwoSum).

    Where d is -inf, lo is 0: at a masked entry (z = -inf, weight e^{z - m} = 0), and where the
    row's spread exceeds the float range (z - m < -1.8e308 rounds to -inf, its correctly rounded
    value; the overflow is the result, not an error, so it is not signalled).  The row's maximum
    must be finite (see :func:`_rowwise`).
    """
    m = np.max(z, axis=axis, keepdims=True)
    with np.errstate(over="ignore"):
        d = z - m
    far = d == -np.inf
    any_far = bool(far.any())
    if any_far:  # TwoSum of (m, 0) there: lo = 0, no inf - inf
        z = np.where(far, m, z)
        d = np.where(far, 0.0, d)
    bb = d - z
    lo = (z - (d - bb)) + (-m - bb)
    if any_far:
        d = np.where(far, -np.inf, d)
        lo = np.where(far, 0.0, lo)
    return m, d, lo


def _exp_shifted(z: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""m, d, lo and $e^{z - m}$ with the TwoSum error applied, $e^{d}(1 + lo)$."""
    m, d, lo = _shift(z, axis)
    return m, d, lo, np.exp(d) * (1.0 + lo)


def _others(e: np.ndarray, z: np.ndarray, axis: int) -> np.ndarray:
    r"""$\sum_{j \ne \arg\max} e_j$: the sum without the term that is exactly 1."""
    idx = np.expand_dims(np.argmax(z, axis=axis), axis)
    rest = e.copy()
    np.put_along_axis(rest, idx, 0.0, axis=axis)
    return np.sum(rest, axis=axis, keepdims=True)


def _rowwise(
    fn: Callable[[np.ndarray, int], np.ndarray],
    z: np.ndarray,
    axis: int,
    empty: float = np.nan,
    pos_inf: float | None = np.nan,
) -> np.ndarray:
    """fn on the rows of `z`, as the limits say.

    An entry at -inf has weight 0 (a masked logit: softmax gives 0 there, log_softmax -inf).  A row
    holding nan gives nan.  A row holding +inf (and no nan) gives `pos_inf`: nan for the VJPs and
    the losses (PyTorch's and JAX's value), +inf for logsumexp (its limit, PyTorch's, JAX's and
    SciPy's value); with ``pos_inf=None`` (the forward softmax and log_softmax) it gives the limit
    where it exists: the +inf entries take all the mass, fn of the row 0 at the +inf entries and
    -inf elsewhere (softmax 1 at a single +inf entry and 0 at the others, log_softmax 0 and -inf),
    and nan at the +inf entries of a row holding two or more of them (no limit there: the mass they
    share depends on how they grow).  A row that is all -inf gives `empty` (nan for softmax, which
    has no limit there; -inf for logsumexp).
    """
    if np.isfinite(z).all():
        return fn(z, axis)
    has_nan = np.any(np.isnan(z), axis=axis, keepdims=True)
    at_inf = z == np.inf
    has_pos = np.any(at_inf, axis=axis, keepdims=True) & ~has_nan
    all_masked = np.all(z == -np.inf, axis=axis, keepdims=True)
    ok = ~has_nan & ~has_pos & ~all_masked
    if pos_inf is None:  # the limit pattern: 0 at the +inf entries, -inf (weight 0) elsewhere
        ok = ok | has_pos
        z = np.where(has_pos, np.where(at_inf, 0.0, -np.inf), z)
    with np.errstate(invalid="ignore", over="ignore"):
        safe = fn(np.where(ok, z, 0.0), axis)
    if pos_inf is None:
        several = np.sum(at_inf, axis=axis, keepdims=True) > 1
        return np.where(ok & ~(several & at_inf), safe, np.where(all_masked, empty, np.nan))
    return np.where(ok, safe, np.where(has_pos, pos_inf, np.where(all_masked, empty, np.nan)))


def softmax(z: np.ndarray, axis: int) -> np.ndarray:
    r"""$e^{z_i}/\sum_j e^{z_j}$ shifted by the maximum, with the error of $z - m$ kept (TwoSum)."""

    def core(v: np.ndarray, ax: int) -> np.ndarray:
        _, _, _, e = _exp_shifted(v, ax)
        return e / np.sum(e, axis=ax, keepdims=True)

    return _rowwise(core, z, axis, pos_inf=None)


def log_softmax(z: np.ndarray, axis: int, limit: bool = True) -> np.ndarray:
    r"""$(z_i - m) - \log(1 + \sum_{j \ne \arg\max} e^{z_j - m})$ with the TwoSum error of $z - m$.

    Rows holding +inf: the limit where it exists (:func:`_rowwise`), nan without `limit` (the
    losses' convention)."""

    def core(v: np.ndarray, ax: int) -> np.ndarray:
        _, d, lo, e = _exp_shifted(v, ax)
        return d - (np.log1p(_others(e, v, ax)) - lo)

    return _rowwise(core, z, axis, pos_inf=None if limit else np.nan)


def logsumexp(z: np.ndarray, axis: int) -> np.ndarray:
    r"""$m + \log(1 + \sum_{j \ne \arg\max} e^{z_j - m})$, the reduced axis removed."""

    def core(v: np.ndarray, ax: int) -> np.ndarray:
        m, _, _, e = _exp_shifted(v, ax)
        return m + np.log1p(_others(e, v, ax))

    return np.squeeze(_rowwise(core, z, axis, empty=-np.inf, pos_inf=np.inf), axis=axis)


_DEEP = -700.0  # below, e^{z - m} is near or past the subnormal range: c e^{d} is formed in halves


def softmax_scaled(z: np.ndarray, c: np.ndarray, axis: int) -> np.ndarray:
    r"""$c\,\mathrm{softmax}(z)$ (c broadcast to z's shape) without an early underflow.

    $c\,(e^{d}(1 + lo)/S)$ as :func:`softmax`; where $d = z - m < -700$ (so that $e^{d}$ is subnormal
    or 0 while $c e^{d}$ may be a normal float) it is $((c\,e^{d/2})\,e^{d/2})(1 + lo)/S$: the small
    factor is applied last, as in :func:`sigmoid_poly_scaled`.  Rows as :func:`softmax` (nan rows give
    nan).
    """
    c = np.broadcast_to(c, z.shape)

    def core(v: np.ndarray, ax: int) -> np.ndarray:
        _, d, lo, e = _exp_shifted(v, ax)
        s = np.sum(e, axis=ax, keepdims=True)
        r = c * (e / s)
        deep = d < _DEEP
        if deep.any():
            h = np.exp(d / 2)
            r = np.where(deep, ((c * h) * h) * (1.0 + lo) / s, r)
        return r  # type: ignore[no-any-return]

    return _rowwise(core, z, axis)


def _at_max(z: np.ndarray, axis: int) -> np.ndarray:
    """The index of each row's (first) maximum, the axis kept."""
    return np.expand_dims(np.argmax(z, axis=axis), axis)


def shifted_cotangent(z: np.ndarray, g: np.ndarray, axis: int) -> np.ndarray:
    r"""$g - g_k$ with k the class of the row's maximum of z (g broadcast to z's shape), for a VJP
    that is unchanged by adding a constant to g (softmax's: $J^T \mathbf 1 = 0$).  Then $g_k = 0$, so
    that $g_k - \sum_i p_i g_i = -\sum_{i \ne k} p_i g_i$ does not cancel where $p_k$ rounds to 1.
    Rows where g is not finite, or where $g - g_k$ overflows, keep g (IEEE arithmetic there)."""
    g = np.broadcast_to(g, z.shape)
    with np.errstate(over="ignore", invalid="ignore"):
        d = g - np.take_along_axis(g, _at_max(z, axis), axis)
    keep = np.all(np.isfinite(d), axis=axis, keepdims=True)
    return np.where(keep, d, g)


def softmax_complement(z: np.ndarray, g: np.ndarray, axis: int) -> np.ndarray:
    r"""$g - p \sum_i g_i$, $p = \mathrm{softmax}(z)$ (log_softmax's VJP; cross-entropy's gradient with
    $g = -w$), g broadcast to z's shape.

    At the class k of the row's maximum, where $p_k$ may round to 1, it is
    $g_k o - p_k \sum_{j \ne k} g_j$ with $o = \sum_{j \ne k} p_j = 1 - p_k$ formed from the other
    entries ($g_k p_j$ by :func:`softmax_scaled`, no early underflow); elsewhere
    $g_j + p_j(-\sum_i g_i)$.  Rows as :func:`softmax_scaled` (nan with nan or +inf in z).
    """
    g = np.broadcast_to(g, z.shape)
    k = _at_max(z, axis)
    out = softmax_scaled(z, -np.sum(g, axis=axis, keepdims=True), axis) + g
    rest = g.copy()
    np.put_along_axis(rest, k, 0.0, axis=axis)
    q = softmax_scaled(z, np.take_along_axis(g, k, axis), axis)  # g_k p_j
    np.put_along_axis(q, k, 0.0, axis=axis)
    pk = np.take_along_axis(softmax_scaled(z, np.sum(rest, axis=axis, keepdims=True), axis), k, axis)
    np.put_along_axis(out, k, np.sum(q, axis=axis, keepdims=True) - pk, axis=axis)
    return out


def vector(
    fn: Callable[..., np.ndarray],
    arrays: tuple[Any, ...],
    axis: int,
    out: np.ndarray | None,
    params: tuple[Any, ...] = (),
) -> Any:
    """Apply `fn(*float64 arrays, axis, *params)`; float32 inputs give float32 results; `out` is filled.

    The first array (the input) needs at least one axis; the others (a cotangent, targets) broadcast
    against it as the kernel says.  Where a cotangent or target holds nan or +-inf, the result follows
    IEEE arithmetic (inf * 0 is nan) without a floating-point warning.
    """
    arrs = [np.asarray(a) for a in arrays]
    dtype = np.result_type(*[_result_dtype(a) for a in arrs])
    if arrs[0].ndim == 0:
        raise ValueError("vector functions need an input array with at least one axis")
    nd = arrs[0].ndim
    if not -nd <= axis < nd:
        raise ValueError(f"axis {axis} is out of range for an input of {nd} dimension(s)")
    xs = [a.astype(np.float64, copy=False) for a in arrs]
    if all(np.isfinite(a).all() for a in xs[1:]):
        res = fn(*xs, axis, *params)
    else:
        with np.errstate(invalid="ignore"):
            res = fn(*xs, axis, *params)
    target = _target(res.shape, dtype, out)
    target[...] = res
    return target


def cotangent(g: np.ndarray, shape: tuple[int, ...], name: str) -> np.ndarray:
    """The cotangent `g` broadcast to `shape`, the forward output's (NumPy's rules); an error naming
    both shapes when it does not broadcast."""
    try:
        return np.broadcast_to(g, shape)
    except ValueError:
        raise ValueError(
            f"{name}: g of shape {g.shape} does not broadcast to the output shape {shape}"
        ) from None


def reduced_cotangent(g: np.ndarray, shape: tuple[int, ...], axis: int, name: str) -> np.ndarray:
    """The cotangent of a reduction of an input of `shape` along `axis`, with the reduced axis kept:
    `g` may be shaped like the output (axis removed) or like it with the axis kept (``keepdims``)."""
    ax = axis % len(shape)
    kept = (*shape[:ax], 1, *shape[ax + 1 :])
    reduced = shape[:ax] + shape[ax + 1 :]
    if g.ndim == len(kept):
        try:
            return np.broadcast_to(g, kept)
        except ValueError:
            pass
    try:
        return np.expand_dims(np.broadcast_to(g, reduced), ax)
    except ValueError:
        raise ValueError(
            f"{name}: g of shape {g.shape} broadcasts neither to the output shape {reduced} "
            f"nor to {kept} (keepdims)"
        ) from None


def weighted_nll(logp: np.ndarray, w: np.ndarray, axis: int) -> np.ndarray:
    r"""$-\sum_i w_i \log p_i$ along `axis` (reduced); a class of weight 0 adds 0, also where
    $\log p_i = -\infty$ (its limit: the term is 0 for every finite input).  Where the loss exceeds
    the float range the sum rounds to +-inf, its rounded value, without a warning."""
    logp, w = np.broadcast_arrays(logp, w)
    with np.errstate(over="ignore"):
        return -np.sum(w * np.where(w == 0, 0.0, logp), axis=axis)  # type: ignore[no-any-return]


def _log_softmax_half(v: np.ndarray, axis: int) -> np.ndarray:
    r"""log_softmax(v) / 2 as $(v/2 - m/2) - (l/2 - lo)$, lo the TwoSum error of $v/2 - m/2$: finite
    where $v - m$ overflows (halving is exact for entries that large)."""
    m = np.max(v, axis=axis, keepdims=True)
    _, _, _, e = _exp_shifted(v, axis)
    lg = np.log1p(_others(e, v, axis))
    masked = v == -np.inf
    b = 0.5 * m
    a = np.where(masked, b, 0.5 * v)
    d = a - b
    bb = d - a
    lo = (a - (d - bb)) + (-b - bb)
    return np.where(masked, -np.inf, d - (0.5 * lg - lo))


def nll_of_logits(z: np.ndarray, w: np.ndarray, axis: int) -> np.ndarray:
    r"""$-\sum_i w_i \log p_i$ with $\log p = $ :func:`log_softmax` (z), as :func:`weighted_nll`.

    Where a class of non-zero weight has $\log p_i = -\infty$ only because the row's spread exceeds
    the float range (z finite), the loss may still be finite ($0.5 \cdot 2\cdot 10^{308}$): those rows
    are summed in halves, $2 \cdot (-\sum_i w_i \log p_i / 2)$; the doubling rounds to +inf, without
    a warning, where the loss itself exceeds the float range.
    """
    lp = log_softmax(z, axis, limit=False)
    loss = weighted_nll(lp, w, axis)
    lp_b, w_b, z_b = np.broadcast_arrays(lp, w, z)
    far = np.any((lp_b == -np.inf) & np.isfinite(z_b) & (w_b != 0), axis=axis)
    if far.any():
        half = weighted_nll(_rowwise(_log_softmax_half, z, axis), w, axis)
        with np.errstate(over="ignore"):
            loss = np.where(far, 2.0 * half, loss)
    return _top_class(z, w_b, lp, loss, far, axis)


_TINY_OTHERS = 2.0**-60  # below, log1p(o) rounds as o does


def _top_class(
    z: np.ndarray, w: np.ndarray, lp: np.ndarray, loss: np.ndarray, far: np.ndarray, axis: int
) -> np.ndarray:
    r"""The loss with the term of the class k at the maximum, $w_k \log1p(o)$, $o = \sum_{j \ne k}
    e^{z_j - m}$, formed as $\sum_{j \ne k} w_k e^{z_j - m}$ by :func:`softmax_scaled` where $o < 2^{-60}$
    (so that a large weight times a tiny o does not underflow early; the sum $S = 1 + o$ rounds to 1)."""
    idx = np.expand_dims(np.argmax(z, axis=axis), axis)
    top = np.squeeze(np.take_along_axis(lp, idx, axis), axis)
    wk = np.take_along_axis(w, idx, axis)
    near = ~far & (np.abs(top) < _TINY_OTHERS) & (np.squeeze(wk, axis) != 0) & np.isfinite(loss)
    if not near.any():
        return loss
    q = softmax_scaled(z, wk, axis)
    np.put_along_axis(q, idx, 0.0, axis=axis)
    rest = w.copy()
    np.put_along_axis(rest, idx, 0.0, axis=axis)
    return np.where(near, np.sum(q, axis=axis) + weighted_nll(lp, rest, axis), loss)


def nan_where(z: np.ndarray, value: np.ndarray, weight: np.ndarray | None = None) -> np.ndarray:
    """`value` broadcast to z's shape, nan where z is nan (nan in, nan out), except where `weight`
    is 0: a class of weight 0 does not enter the loss, so a nan there does not reach its gradient
    (PyTorch's nll_loss gives -y there)."""
    bad = np.isnan(z) if weight is None else np.isnan(z) & (weight != 0)
    return np.where(bad, np.nan, value)


def paired(kernel: Kernel, x: np.ndarray, axis: int, params: tuple[Any, ...] = ()) -> np.ndarray:
    """`kernel(u, v, *params)` on the two halves u, v of `x` along `axis` (GLU's shape).

    Where an input is infinite, an invalid operation (inf * 0 in u sigma(v) with u infinite and
    sigma(v) = 0) has no limit: its nan is the result, and it is not signalled.
    """
    if x.shape[axis] % 2:
        raise ValueError(f"the size along axis {axis} must be even, got {x.shape[axis]}")
    u, v = np.split(x, 2, axis=axis)
    if np.isfinite(x).all():
        return np.asarray(elementwise2(kernel, u, v, None, params))
    with np.errstate(invalid="ignore"):
        return np.asarray(elementwise2(kernel, u, v, None, params))


def paired_cotangent(kernel: Kernel, x: np.ndarray, g: np.ndarray, axis: int, name: str) -> np.ndarray:
    """`kernel(u, v, g)` on the halves u, v of `x` along `axis` and the cotangent `g` broadcast to
    their shape (an error naming both shapes otherwise): a VJP term with g inside the kernel, so that
    g times a tiny factor is formed without an early underflow (and, where g u overflows, with g
    scaled by a power of two, :func:`_scaled_cotangent`).  nan where u or v is nan; infinite inputs
    as in :func:`paired` (inf * 0 gives nan); no floating-point warning."""
    if x.shape[axis] % 2:
        raise ValueError(f"the size along axis {axis} must be even, got {x.shape[axis]}")
    u, v = np.split(x, 2, axis=axis)
    gb = np.ascontiguousarray(cotangent(g, u.shape, name))
    u, v = np.ascontiguousarray(u), np.ascontiguousarray(v)
    with np.errstate(over="ignore", invalid="ignore"):
        r = np.array(kernel(u, v, gb), dtype=np.float64)
        redo = ~np.isfinite(r) & np.isfinite(u) & np.isfinite(v) & np.isfinite(gb)
        if redo.any():
            r[redo] = _scaled_cotangent(kernel, u[redo], v[redo], gb[redo])
    return np.where(np.isnan(u) | np.isnan(v), np.nan, r)


def _scaled_cotangent(kernel: Kernel, u: np.ndarray, v: np.ndarray, g: np.ndarray) -> np.ndarray:
    """kernel(u, v, g 2^-k) 2^k with 2^k taking g u below the overflow threshold: where g u overflows
    although the product with the kernel's small factor need not (u sigma(v) sigma(-v) with |u|, |v|
    huge); the result is +-inf only where the value itself exceeds the float range."""
    k = np.maximum(np.frexp(g)[1] + np.frexp(u)[1] - 1020, 0)
    return np.ldexp(kernel(u, v, np.ldexp(g, -k)), k)  # type: ignore[no-any-return]
