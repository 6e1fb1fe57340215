r"""The runtime routines of the generated PyTorch and JAX kernels, written once against an array
namespace (``symact.frameworks.torch_ns``, ``symact.frameworks.jax_ns``): the same double-double
arithmetic as the NumPy routines (``symact.kernels._runtime``), in float64, branch-free.

Each rounded sum whose error is then recovered (TwoSum, Veltkamp's split) passes through
``xp.fence``: the identity in PyTorch, ``jax.lax.optimization_barrier`` in JAX, whose compiler would
otherwise simplify ``(a + b) - a`` to ``b`` and so drop the error term.

The NumPy routines take a data-dependent shortcut (``if np.any(...)``) or write into a boolean mask
where only a few elements need the slow path; a traced or compiled graph cannot, so here both paths
are computed and one is selected with ``where`` (the same values, without host synchronisation).

Each routine means what :data:`symact.codegen.routines.ROUTINES` declares; the backends check every
kernel built on them against correctly rounded references before their files are written.
"""

from __future__ import annotations

import math
from typing import Any

from symact.kernels.constants import ATANH_DD, ATANH_TAIL, INV_SQRT2, INV_SQRT_2PI, LN2_DD, SPLIT, SQRT_HALF

__all__ = ["Routines"]

_SQ_CLAMP = 1.0e5  # beyond |u| = 40, e^{-u^2/4} is 0 already; keeps u*split finite


class Routines:
    r"""The routines over the namespace `xp` (NumPy names: ``exp``, ``where``, ``frexp``, ``erfcx``,
    ...; ``is_array`` tells an array from a Python number).

    ``erfcx`` is the framework's own (``torch.special.erfcx``, ``jax.scipy.special.erfcx``); it is
    measured, through the kernels that call it (GELU), against the references.
    """

    def __init__(self, xp: Any) -> None:
        self.xp = xp

    # -- double-double helpers ------------------------------------------------------------------

    def _split(self, a: Any) -> tuple[Any, Any]:
        t = a * SPLIT
        hi = t - self.xp.fence(t - a)
        return hi, a - hi

    def _two_prod(self, a: Any, b: Any) -> tuple[Any, Any]:
        p = a * b
        ah, al = self._split(a)
        bh, bl = self._split(b)
        return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl

    def _dd_add(self, ah: Any, al: Any, bh: Any, bl: Any) -> tuple[Any, Any]:
        fence = self.xp.fence
        s = fence(ah + bh)
        bb = fence(s - ah)
        e = ((ah - (s - bb)) + (bh - bb)) + (al + bl)
        h = fence(s + e)
        return h, e - (h - s)

    def _dd_mul(self, ah: Any, al: Any, bh: Any, bl: Any) -> tuple[Any, Any]:
        p, e = self._two_prod(ah, bh)
        e = e + (ah * bl + al * bh)
        h = self.xp.fence(p + e)
        return h, e - (h - p)

    def _square(self, u: Any) -> tuple[Any, Any]:
        a = self.xp.minimum(abs(u), _SQ_CLAMP)
        hi = a * a
        ah, al = self._split(a)
        return hi, ((ah * ah - hi) + 2.0 * ah * al) + al * al

    def _gauss(self, u: Any, k: float) -> Any:
        hi, lo = self._square(u)
        r = -1.0 / k
        return self.xp.exp(hi * r) * (1.0 + lo * r)

    def _poly_dd(self, x: Any, coeffs: tuple[float, ...]) -> tuple[Any, Any]:
        xp = self.xp
        x = xp.clip(x, -1e30, 1e30)
        xh, xl = self._split(x)
        ph = xp.full_like(x, coeffs[0])
        pl = xp.full_like(x, coeffs[1])
        for ch, cl in zip(coeffs[2::2], coeffs[3::2], strict=True):
            p = ph * x
            ah, al = self._split(ph)
            e = ((ah * xh - p) + ah * xl + al * xh) + al * xl + pl * x
            s = xp.fence(p + ch)
            bb = xp.fence(s - p)
            f = (p - (s - bb)) + (ch - bb) + e + cl
            ph = xp.fence(s + f)
            pl = f - (ph - s)
        return ph, pl

    def log_dd(self, y: Any) -> tuple[Any, Any]:
        r"""$\log y = hi + lo$ for finite $y > 0$ (as ``symact.kernels._runtime.log_dd``)."""
        xp = self.xp
        m, e = xp.frexp(y)
        low = m < SQRT_HALF
        m = xp.where(low, 2.0 * m, m)
        ex = xp.as_float(e) - xp.as_float(low)
        f = m - 1.0
        dh = xp.fence(2.0 + f)
        dl = f - (dh - 2.0)
        sh = f / dh
        p, pe = self._two_prod(sh, dh)
        sl = (((f - p) - pe) - sh * dl) / dh
        zh, zl = self._two_prod(sh, sh)
        zh, zl = self._dd_add(zh, zl + 2.0 * sh * sl, 0.0, 0.0)
        tail = xp.zeros_like(zh)
        for c in reversed(ATANH_TAIL):
            tail = c + zh * tail
        ah, al = tail, xp.zeros_like(zh)
        for ch, cl in reversed(ATANH_DD):
            ah, al = self._dd_mul(zh, zl, ah, al)
            ah, al = self._dd_add(ch, cl, ah, al)
        th, tl = self._dd_mul(zh, zl, ah, al)
        uh, ul = self._dd_mul(sh, sl, th, tl)
        ah, al = self._dd_add(sh, sl, uh, ul)
        kh, kl = self._two_prod(ex, LN2_DD[0])
        return self._dd_add(kh, kl + ex * LN2_DD[1], 2.0 * ah, 2.0 * al)

    # -- the declared routines ------------------------------------------------------------------

    def ndtr(self, u: Any) -> Any:
        r"""$\Phi(u)$: $\Phi(-|u|) = \tfrac12 \operatorname{erfcx}(|u|/\sqrt2)\, e^{-u^2/2}$."""
        q = 0.5 * self.xp.erfcx(abs(u) * INV_SQRT2) * self._gauss(u, 2.0)
        return self.xp.where(u < 0, q, 1.0 - q)

    def ndtr_scaled(self, u: Any, m: Any) -> Any:
        r"""$m\,\Phi(u)$, the tiny factor $e^{-u^2/4}$ applied last (twice) on the left tail."""
        g = self._gauss(u, 4.0)
        tail = ((m * (0.5 * self.xp.erfcx(abs(u) * INV_SQRT2))) * g) * g
        return self.xp.where(u < 0, tail, m - tail)

    def npdf(self, u: Any) -> Any:
        r"""$\varphi(u) = e^{-u^2/2}/\sqrt{2\pi}$."""
        return self._gauss(u, 2.0) * INV_SQRT_2PI

    def npdf_scaled(self, u: Any, m: Any) -> Any:
        r"""$m\,\varphi(u)$ as $((m/\sqrt{2\pi})\, e^{-u^2/4})\, e^{-u^2/4}$."""
        g = self._gauss(u, 4.0)
        return ((m * INV_SQRT_2PI) * g) * g

    def exp_neg_abs_poly(self, x: Any, k: float, *coeffs: float) -> Any:
        r"""$e^{-|P(x)|/k}$, P in double-double."""
        hi, lo = self._poly_dd(x, coeffs)
        sign = self.xp.where(hi < 0, -1.0, 1.0)
        return self.xp.exp(-abs(hi) / k) * (1.0 - sign * lo / k)

    def sigmoid_poly_scaled(self, m: Any, x: Any, *coeffs: float) -> Any:
        r"""$m\,\sigma(P(x))$, P in double-double; $(m e^{-|P|/2}) e^{-|P|/2}$ where $|P| > 700$."""
        xp = self.xp
        hi, lo = self._poly_dd(x, coeffs)
        sign = xp.where(hi < 0, -1.0, 1.0)
        a = abs(hi)
        e = xp.exp(-a) * (1.0 - sign * lo)
        h = xp.exp(-a / 2) * (1.0 - sign * lo / 2)
        num = xp.where(hi >= 0, m, xp.where(a > 700.0, (m * h) * h, m * e))
        return num / (1.0 + e)

    def xlog_minus(self, y: Any, c: Any) -> Any:
        r"""$y(\log y - c)$, 0 at $y = 0$, nan below; $\log y$ in double-double where $\log y - c$
        cancels."""
        xp = self.xp
        pos = y > 0
        safe = xp.where(pos & xp.isfinite(y), y, 1.0)
        lg = xp.log(xp.where(pos, y, 1.0))
        d = xp.where(pos, lg - c, xp.where(y == 0, 0.0, math.nan))
        near = pos & xp.isfinite(y) & xp.isfinite(c) & (abs(d) < abs(lg))
        hi, lo = self.log_dd(safe)
        s = xp.fence(hi - c)
        bb = xp.fence(s - hi)
        err = (hi - (s - bb)) + (-c - bb)
        return y * xp.where(near, s + (err + lo), d)

    def signed_inf(self, c: Any) -> Any:
        """``copysign(inf, c)``, and 0 where c = 0."""
        if not self.xp.is_array(c):
            return 0.0 if c == 0 else math.copysign(math.inf, c)
        return self.xp.where(c == 0, 0.0, self.xp.copysign(math.inf, c))
