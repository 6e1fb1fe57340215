r"""The row routines of the generated vector kernels (softmax, log_softmax, logsumexp, GLU, the
cross-entropy losses), written once against an array namespace, branch-free.

They mean what the NumPy routines of ``symact.kernels._runtime`` mean, value for value: the shift by
the row's maximum with the rounding error of $z - m$ kept (TwoSum), the sum without the term that is
exactly 1 (``log1p`` of the others), a masked class at $-\infty$ of weight 0, a row holding nan giving
nan, a row holding $+\infty$ giving its limit in softmax and log_softmax (the $+\infty$ entries take
all the mass; nan at them when there are several) and nan in the VJPs and losses (logsumexp:
$+\infty$), a row that is all $-\infty$ giving nan (logsumexp: $-\infty$); products with a tiny
probability formed without an early underflow (:meth:`VectorRoutines.softmax_scaled`).

Where a NumPy routine takes a data-dependent shortcut (``if z.all()``, ``if far.any()``) or writes
into an array in place (``put_along_axis``), these compute every path and select with ``where``, so a
traced or compiled graph has no host synchronisation.  The namespace gives, besides the element-wise
names of :class:`~symact.frameworks.routines.Routines`: ``amax``, ``sum``, ``any``, ``all`` (along an
axis, the axis kept), ``argmax`` (the first maximum, the axis kept), ``take_along_axis``,
``index_is`` (a mask, true at the given index along the axis), ``broadcast_to``,
``broadcast_arrays``, ``halves``, ``concatenate``, ``squeeze``, ``expand_dims``, ``ldexp``,
``shape_error`` (the project's error for a cotangent of the wrong shape), and ``fence`` (see
:mod:`symact.frameworks.routines`).

The axis is an ``int`` (negative counts from the end); every reduction keeps it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from symact.frameworks.routines import Routines

__all__ = ["VectorRoutines", "broadcastable"]

_DEEP = -700.0  # below, e^{z - m} is near or past the subnormal range: c e^{d} is formed in halves
_TINY_OTHERS = 2.0**-60  # below, log1p(o) rounds as o does

Kernel = Callable[..., Any]


def broadcastable(src: tuple[int, ...], dst: tuple[int, ...]) -> bool:
    """Whether an array of shape `src` broadcasts to shape `dst` (NumPy's rules)."""
    if len(src) > len(dst):
        return False
    return all(s in (1, d) for s, d in zip(reversed(src), reversed(dst), strict=False))


class VectorRoutines(Routines):
    """The element-wise routines and the row routines over the namespace `xp`."""

    # -- the shift by the maximum ---------------------------------------------------------------

    def _shift(self, z: Any, axis: int) -> tuple[Any, Any, Any]:
        """m = max(z), d = z - m rounded, lo its rounding error (TwoSum); d = -inf and lo = 0 at a
        masked entry and where the spread exceeds the float range.  The row's maximum is finite."""
        xp = self.xp
        m = xp.amax(z, axis)
        d = z - m
        far = d == -math.inf
        z = xp.where(far, m, z)
        d = xp.fence(xp.where(far, 0.0, d))
        bb = xp.fence(d - z)
        lo = (z - (d - bb)) + (-m - bb)
        return m, xp.where(far, -math.inf, d), xp.where(far, 0.0, lo)

    def _exp_shifted(self, z: Any, axis: int) -> tuple[Any, Any, Any, Any]:
        m, d, lo = self._shift(z, axis)
        return m, d, lo, self.xp.exp(d) * (1.0 + lo)

    def _at_max(self, z: Any, axis: int) -> tuple[Any, Any]:
        """The index of each row's first maximum (axis kept) and the mask true there."""
        idx = self.xp.argmax(z, axis)
        return idx, self.xp.index_is(idx, z, axis)

    def _others(self, e: Any, z: Any, axis: int) -> Any:
        r"""$\sum_{j \ne \arg\max} e_j$."""
        _, at = self._at_max(z, axis)
        return self.xp.sum(self.xp.where(at, 0.0, e), axis)

    def _rowwise(
        self,
        fn: Callable[[Any, int], Any],
        z: Any,
        axis: int,
        empty: float = math.nan,
        pos_inf: float | None = math.nan,
    ) -> Any:
        """fn on the rows of `z` as the limits say (``symact.kernels._runtime._rowwise``): nan rows
        give nan, rows holding +inf `pos_inf` (None: the limit pattern, nan at the +inf entries of a
        row holding several), rows all -inf `empty`."""
        xp = self.xp
        has_nan = xp.any(xp.isnan(z), axis)
        at_inf = z == math.inf
        has_pos = xp.any(at_inf, axis) & ~has_nan
        all_masked = xp.all(z == -math.inf, axis)
        ok = ~has_nan & ~has_pos & ~all_masked
        if pos_inf is None:  # the limit pattern: 0 at the +inf entries, -inf (weight 0) elsewhere
            ok = ok | has_pos
            z = xp.where(has_pos, xp.where(at_inf, 0.0, -math.inf), z)
        safe = fn(xp.where(ok, z, 0.0), axis)
        if pos_inf is None:
            several = xp.sum(xp.where(at_inf, 1.0, 0.0), axis) > 1
            return xp.where(ok & ~(several & at_inf), safe, xp.where(all_masked, empty, math.nan))
        return xp.where(ok, safe, xp.where(has_pos, pos_inf, xp.where(all_masked, empty, math.nan)))

    # -- normalised functions -------------------------------------------------------------------

    def softmax(self, z: Any, axis: int) -> Any:
        r"""$e^{z_i}/\sum_j e^{z_j}$ shifted by the maximum, with the error of $z - m$ kept."""

        def core(v: Any, ax: int) -> Any:
            e = self._exp_shifted(v, ax)[3]
            return e / self.xp.sum(e, ax)

        return self._rowwise(core, z, axis, pos_inf=None)

    def log_softmax(self, z: Any, axis: int, limit: bool = True) -> Any:
        r"""$(z_i - m) - \log(1 + \sum_{j \ne \arg\max} e^{z_j - m})$; rows holding +inf: the limit, or
        nan without `limit` (the losses' convention)."""

        def core(v: Any, ax: int) -> Any:
            _, d, lo, e = self._exp_shifted(v, ax)
            return d - (self.xp.log1p(self._others(e, v, ax)) - lo)

        return self._rowwise(core, z, axis, pos_inf=None if limit else math.nan)

    def logsumexp(self, z: Any, axis: int) -> Any:
        r"""$m + \log(1 + \sum_{j \ne \arg\max} e^{z_j - m})$, the reduced axis removed."""

        def core(v: Any, ax: int) -> Any:
            m, _, _, e = self._exp_shifted(v, ax)
            return m + self.xp.log1p(self._others(e, v, ax))

        return self.xp.squeeze(self._rowwise(core, z, axis, empty=-math.inf, pos_inf=math.inf), axis)

    def softmax_scaled(self, z: Any, c: Any, axis: int) -> Any:
        r"""$c\,\mathrm{softmax}(z)$ (c broadcast to z's shape); where $d = z - m < -700$,
        $((c\,e^{d/2})\,e^{d/2})(1 + lo)/S$ (no early underflow).  nan rows give nan."""
        xp = self.xp
        c = xp.broadcast_to(c, tuple(z.shape))

        def core(v: Any, ax: int) -> Any:
            _, d, lo, e = self._exp_shifted(v, ax)
            s = xp.sum(e, ax)
            h = xp.exp(d / 2)
            return xp.where(d < _DEEP, ((c * h) * h) * (1.0 + lo) / s, c * (e / s))

        return self._rowwise(core, z, axis)

    # -- cotangents -----------------------------------------------------------------------------

    def cotangent(self, g: Any, shape: tuple[int, ...], name: str) -> Any:
        """`g` broadcast to the forward output's `shape`; an error naming both shapes otherwise."""
        if not broadcastable(tuple(g.shape), tuple(shape)):
            raise self.xp.shape_error(
                f"{name}: g of shape {tuple(g.shape)} does not broadcast to the output shape {tuple(shape)}"
            )
        return self.xp.broadcast_to(g, tuple(shape))

    def reduced_cotangent(self, g: Any, shape: tuple[int, ...], axis: int, name: str) -> Any:
        """The cotangent of a reduction along `axis` with the axis kept: `g` shaped like the output
        (axis removed) or like it with the axis kept."""
        shape = tuple(shape)
        ax = axis % len(shape)
        kept = (*shape[:ax], 1, *shape[ax + 1 :])
        reduced = shape[:ax] + shape[ax + 1 :]
        gs = tuple(g.shape)
        if len(gs) == len(kept) and broadcastable(gs, kept):
            return self.xp.broadcast_to(g, kept)
        if broadcastable(gs, reduced):
            return self.xp.expand_dims(self.xp.broadcast_to(g, reduced), ax)
        raise self.xp.shape_error(
            f"{name}: g of shape {gs} broadcasts neither to the output shape {reduced} "
            f"nor to {kept} (keepdims)"
        )

    def shifted_cotangent(self, z: Any, g: Any, axis: int) -> Any:
        r"""$g - g_k$, k the class of the row's maximum of z; g where that is not finite."""
        xp = self.xp
        g = xp.broadcast_to(g, tuple(z.shape))
        idx, _ = self._at_max(z, axis)
        d = g - xp.take_along_axis(g, idx, axis)
        return xp.where(xp.all(xp.isfinite(d), axis), d, g)

    def softmax_complement(self, z: Any, g: Any, axis: int) -> Any:
        r"""$g - p \sum_i g_i$, $p = \mathrm{softmax}(z)$; at the class k of the maximum
        $g_k o - p_k \sum_{j \ne k} g_j$ with $o = 1 - p_k$ formed from the other entries."""
        xp = self.xp
        g = xp.broadcast_to(g, tuple(z.shape))
        idx, at = self._at_max(z, axis)
        out = self.softmax_scaled(z, -xp.sum(g, axis), axis) + g
        rest = xp.where(at, 0.0, g)
        q = xp.where(at, 0.0, self.softmax_scaled(z, xp.take_along_axis(g, idx, axis), axis))
        pk = xp.take_along_axis(self.softmax_scaled(z, xp.sum(rest, axis), axis), idx, axis)
        return xp.where(at, xp.sum(q, axis) - pk, out)

    # -- losses ---------------------------------------------------------------------------------

    def weighted_nll(self, logp: Any, w: Any, axis: int) -> Any:
        r"""$-\sum_i w_i \log p_i$ along `axis` (reduced); a class of weight 0 adds 0."""
        xp = self.xp
        logp, w = xp.broadcast_arrays(logp, w)
        return xp.squeeze(-xp.sum(w * xp.where(w == 0, 0.0, logp), axis), axis)

    def _log_softmax_half(self, v: Any, axis: int) -> Any:
        """log_softmax(v) / 2, finite where v - m overflows."""
        xp = self.xp
        m = xp.amax(v, axis)
        e = self._exp_shifted(v, axis)[3]
        lg = xp.log1p(self._others(e, v, axis))
        masked = v == -math.inf
        b = 0.5 * m
        a = xp.where(masked, b, 0.5 * v)
        d = xp.fence(a - b)
        bb = xp.fence(d - a)
        lo = (a - (d - bb)) + (-b - bb)
        return xp.where(masked, -math.inf, d - (0.5 * lg - lo))

    def nll_of_logits(self, z: Any, w: Any, axis: int) -> Any:
        r"""$-\sum_i w_i \log p_i$ with $\log p = $ log_softmax(z) (nan rows with +inf); rows whose
        spread exceeds the float range summed in halves; the top class's term from the others where
        $o < 2^{-60}$."""
        xp = self.xp
        lp = self.log_softmax(z, axis, limit=False)
        loss = self.weighted_nll(lp, w, axis)
        lp_b, w_b, z_b = xp.broadcast_arrays(lp, w, z)
        far = xp.squeeze(xp.any((lp_b == -math.inf) & xp.isfinite(z_b) & (w_b != 0), axis), axis)
        half = self.weighted_nll(self._rowwise(self._log_softmax_half, z, axis), w, axis)
        loss = xp.where(far, 2.0 * half, loss)
        idx, at = self._at_max(z_b, axis)
        top = xp.squeeze(xp.take_along_axis(lp_b, idx, axis), axis)
        wk = xp.take_along_axis(w_b, idx, axis)
        near = ~far & (abs(top) < _TINY_OTHERS) & (xp.squeeze(wk, axis) != 0) & xp.isfinite(loss)
        q = xp.where(at, 0.0, self.softmax_scaled(z_b, wk, axis))
        rest = xp.where(at, 0.0, w_b)
        return xp.where(near, xp.squeeze(xp.sum(q, axis), axis) + self.weighted_nll(lp_b, rest, axis), loss)

    def nan_where(self, z: Any, value: Any, weight: Any = None) -> Any:
        """`value` broadcast to z's shape, nan where z is nan (and `weight` is not 0)."""
        xp = self.xp
        bad = xp.isnan(z) if weight is None else xp.isnan(z) & (weight != 0)
        z, value, bad = xp.broadcast_arrays(z, value, bad)
        return xp.where(bad, math.nan, value)

    # -- paired functions (GLU) -----------------------------------------------------------------

    def _halves(self, x: Any, axis: int) -> tuple[Any, Any]:
        if x.shape[axis] % 2:
            raise self.xp.shape_error(f"the size along dimension {axis} must be even, got {x.shape[axis]}")
        return self.xp.halves(x, axis)  # type: ignore[no-any-return]

    def paired(self, kernel: Kernel, x: Any, axis: int, params: tuple[Any, ...] = ()) -> Any:
        """`kernel(u, v, *params)` on the halves u, v of `x` along `axis`; nan where u or v is nan."""
        xp = self.xp
        u, v = self._halves(x, axis)
        r = xp.broadcast_to(kernel(u, v, *params), tuple(u.shape))
        return xp.where(xp.isnan(u) | xp.isnan(v), math.nan, r)

    def paired_cotangent(self, kernel: Kernel, x: Any, g: Any, axis: int, name: str) -> Any:
        """`kernel(u, v, g)` on the halves of `x` and `g` broadcast to their shape; where that is not
        finite for finite inputs (g u overflowed), kernel(u, v, g 2^-k) 2^k; nan where u or v is nan."""
        xp = self.xp
        u, v = self._halves(x, axis)
        gb = self.cotangent(g, tuple(u.shape), name)
        r = xp.broadcast_to(kernel(u, v, gb), tuple(u.shape))
        redo = ~xp.isfinite(r) & xp.isfinite(u) & xp.isfinite(v) & xp.isfinite(gb)
        k = xp.maximum(xp.frexp(gb)[1] + xp.frexp(u)[1] - 1020, 0)
        scaled = xp.ldexp(kernel(u, v, xp.ldexp(gb, -k)), k)
        r = xp.where(redo, scaled, r)
        return xp.where(xp.isnan(u) | xp.isnan(v), math.nan, r)
