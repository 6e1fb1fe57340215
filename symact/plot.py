"""Plots of f and f': labelled axes, a legend, kinks marked, jumps drawn as jumps.

``plot_functions(curves, path=...)`` draws one panel for f and one for f' (sharing the x axis), one
colour per function.  Each curve is drawn piece by piece between the function's kinks, so a jump is
never joined by a vertical line: at a jump the value f takes is a filled dot and the other one-sided
limit a hollow one.  On the f' panel the one-sided derivatives are hollow dots and the value the
chosen framework convention assigns at the point is a filled one.

Between kinks f' is ``sympy.diff`` of the expression, evaluated numerically; at a kink the marked
values are the record's (which ``symact derive`` and ``symact build`` prove).  matplotlib is an
optional dependency (``pip install 'symact[plot]'``); :func:`require_matplotlib` says how to get it.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from symact.catalogue import Activation, Loss, Record
from symact.errors import UserError
from symact.user import as_piecewise

__all__ = ["FORMATS", "Curve", "curve_for", "draw_figure", "plot_functions", "require_matplotlib"]

FORMATS = (".png", ".svg")
_SAMPLES = 1201
_DASHES = ("-", "--", "-.", ":")


def require_matplotlib() -> Any:
    """The ``matplotlib`` module, or a UserError telling how to install it."""
    try:
        import matplotlib
    except ImportError:
        raise UserError(
            "plotting needs matplotlib: pip install 'symact[plot]' (or pip install matplotlib)"
        ) from None
    return matplotlib


@dataclass(frozen=True)
class Marker:
    """A point to mark: x, the value there, the one-sided limits (hollow), whether f jumps."""

    at: float
    value: float
    left: float
    right: float


@dataclass
class Curve:
    """One function ready to draw: numeric f and f', the kinks, labels."""

    name: str
    label: str
    f: sp.Expr
    df: sp.Expr
    x: sp.Symbol
    breaks: list[float] = field(default_factory=list)
    f_marks: list[Marker] = field(default_factory=list)
    df_marks: list[Marker] = field(default_factory=list)
    domain: sp.Set = sp.S.Reals

    def relabel(self, text: str) -> None:
        """Label an inline expression by its text: ``f(x) = text``."""
        self.name = text if len(text) <= 30 else self.name
        self.label = f"f(x) = {text}"


def _numeric(expr: sp.Expr, x: sp.Symbol) -> Any:
    return sp.lambdify(x, as_piecewise(expr), modules=["scipy", "numpy"])


def _value(expr: sp.Expr) -> float:
    try:
        return float(sp.N(expr, 20))
    except (TypeError, ValueError):
        return float("nan")


def curve_for(
    record: Record,
    *,
    params: Mapping[str, sp.Expr] | None = None,
    convention: str = "pytorch",
) -> Curve:
    """The curve of an element-wise `record` at `params` (defaults for the rest).

    A loss is drawn in its prediction, at the target ``y`` given in `params` (default 1).
    """
    if not isinstance(record, Activation | Loss):
        raise UserError(f"plot draws functions of one variable; {record.name} is a {record.kind} function")
    values = {p.symbol: p.default for p in record.params}
    known = {p.name: p for p in record.params}
    extra: dict[sp.Symbol, sp.Expr] = {}
    for key, value in (params or {}).items():
        if key in known:
            try:
                known[key].check(value)
            except ValueError as exc:
                raise UserError(f"{record.name}: {exc}") from None
            values[known[key].symbol] = value
        elif isinstance(record, Loss) and key == record.target.name:
            extra[record.target] = value
    if isinstance(record, Loss):
        extra.setdefault(record.target, sp.S.One)
    subs = {**values, **extra}
    x = record.variable
    f = _at(record.expr, subs)
    df = sp.diff(f, x)
    shown = [f"{p.name}={sp.sstr(values[p.symbol])}" for p in record.params]
    shown += [f"{s}={sp.sstr(v)}" for s, v in extra.items()]
    label = record.name + (f" ({', '.join(shown)})" if shown else "")
    curve = Curve(
        name=record.name,
        label=label,
        f=f,
        df=df,
        x=x,
        domain=record.domain if isinstance(record, Activation) else record.input_domain,
    )
    for kink in record.kinks:
        at = _value(_at(kink.at, subs))
        c = _at(kink.at, subs)
        curve.breaks.append(at)
        f_left = f_right = float("nan")
        if kink.jump:  # one-sided limits, numerically (sympy.limit mishandles Piecewise at a boundary)
            step = 1e-9 * (1 + abs(at))
            f_left, f_right = (float(_evaluate(_numeric(f, x), np.array([at + d]))[0]) for d in (-step, step))
        curve.f_marks.append(Marker(at, _value(f.subs(x, c)), f_left, f_right))
        try:
            chosen = _value(_at(kink.value(convention), subs))
        except KeyError:
            chosen = float("nan")
        left, right = (_value(_at(v, subs)) for v in (kink.left, kink.right))
        curve.df_marks.append(Marker(at, chosen, left, right))
    return curve


def _at(expr: object, values: Mapping[sp.Symbol, sp.Expr]) -> sp.Expr:
    """`expr` with the symbols named like those of `values` replaced (whatever their assumptions)."""
    by_name = {s.name: v for s, v in values.items()}
    tree = sp.sympify(expr)
    return tree.xreplace({s: by_name[s.name] for s in tree.free_symbols if s.name in by_name})  # type: ignore[attr-defined]


def _segments(lo: float, hi: float, breaks: Sequence[float]) -> list[np.ndarray]:
    inner = sorted(b for b in breaks if lo < b < hi)
    ends = [lo, *inner, hi]
    count = max(50, _SAMPLES // len(ends))
    return [np.linspace(a, b, count) for a, b in itertools.pairwise(ends)]


def _evaluate(fn: Any, xs: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        ys = np.asarray(fn(xs), dtype=complex) * np.ones_like(xs)
    real = np.where(np.abs(ys.imag) > 1e-12 * (1 + np.abs(ys.real)), np.nan, ys.real)
    return np.where(np.isfinite(real), real, np.nan)


def _open_ends(xs: np.ndarray, domain: sp.Set) -> np.ndarray:
    """Only the samples inside the function's domain."""
    if domain == sp.S.Reals or not isinstance(domain, sp.Interval):
        return xs
    lo, hi = float(domain.inf), float(domain.sup)
    keep = (xs > lo if domain.left_open else xs >= lo) & (xs < hi if domain.right_open else xs <= hi)
    return xs[keep]


def _robust_limits(drawn: Sequence[np.ndarray]) -> tuple[float, float] | None:
    """y limits that keep a pole (log at 0, 1/x) from flattening everything else: the 1st to 99th
    percentile with a margin, when the full range is more than 5 times wider; else None (auto)."""
    values = np.concatenate([*drawn, np.zeros(0)])
    if values.size < 10:
        return None
    full = float(values.max() - values.min())
    low, high = (float(v) for v in np.percentile(values, [1, 99]))
    if full <= 5 * max(high - low, 1e-12):
        return None
    margin = 0.15 * (high - low or 1.0)
    return low - margin, high + margin


def _draw(
    ax: Any,
    curve: Curve,
    expr: sp.Expr,
    marks: list[Marker],
    style: tuple[str, str],
    label: str | None,
    lo: float,
    hi: float,
    drawn: list[np.ndarray],
) -> None:
    """Draw `expr` piece by piece and its kink markers; the values drawn go into `drawn`."""
    color, dash = style
    fn = _numeric(expr, curve.x)
    first = True
    for xs in _segments(lo, hi, curve.breaks):
        xs = _open_ends(xs, curve.domain)
        if xs.size == 0:
            continue
        # pieces stop just short of a kink, so the kink's own value is drawn only by its marker
        xs = xs.copy()
        if xs[0] in curve.breaks:
            xs[0] = np.nextafter(xs[0], np.inf)
        if xs[-1] in curve.breaks:
            xs[-1] = np.nextafter(xs[-1], -np.inf)
        ys = _evaluate(fn, xs)
        drawn.append(ys[np.isfinite(ys)])
        ax.plot(xs, ys, color=color, ls=dash, lw=2, label=label if first else None, zorder=2)
        first = False
    for m in marks:
        if not lo <= m.at <= hi:
            continue
        for side in (m.left, m.right):
            if np.isfinite(side) and not np.isclose(side, m.value):
                ax.plot([m.at], [side], "o", mfc="white", mec=color, mew=1.5, ms=6, zorder=3)
        if np.isfinite(m.value):
            ax.plot([m.at], [m.value], "o", color=color, ms=6, zorder=4)


def draw_figure(
    curves: Sequence[Curve],
    *,
    xrange: tuple[float, float] = (-6.0, 6.0),
    panels: tuple[str, ...] = ("f", "df"),
    convention: str = "pytorch",
) -> Any:
    """A matplotlib ``Figure`` of `curves`: one panel per entry of `panels` (``"f"``, ``"df"``)."""
    matplotlib = require_matplotlib()
    from matplotlib.figure import Figure

    lo, hi = xrange
    fig = Figure(figsize=(8.0, 3.4 * len(panels) + 0.6), dpi=110, layout="constrained")
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    colors = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    var = curves[0].x.name if len({c.x.name for c in curves}) == 1 else "x"
    titles = {"f": f"f({var})", "df": f"f'({var})"}
    for k, (ax, panel) in enumerate(zip(axes, panels, strict=True)):
        drawn: list[np.ndarray] = []
        for i, curve in enumerate(curves):
            style = (colors[i % len(colors)], _DASHES[i % len(_DASHES)])
            expr, marks = (curve.f, curve.f_marks) if panel == "f" else (curve.df, curve.df_marks)
            _draw(ax, curve, expr, marks, style, curve.label if k == 0 else None, lo, hi, drawn)
        limits = _robust_limits(drawn)
        if limits is not None:
            ax.set_ylim(*limits)
        ax.axhline(0, color="0.6", lw=0.8, zorder=1)
        ax.axvline(0, color="0.6", lw=0.8, zorder=1)
        ax.grid(True, color="0.9")
        ax.set_ylabel(titles[panel])
        ax.set_xlim(lo, hi)
    axes[-1].set_xlabel(var)
    # one legend for all panels (same colour and dash per function), below them: it hides nothing
    fig.legend(loc="outside lower center", ncols=min(3, len(curves)), fontsize=9, frameon=False)
    has_kinks = any(c.breaks for c in curves)
    names = ", ".join(c.name for c in curves)
    plural = len(curves) > 1
    what = {
        ("f", "df"): " and their derivatives" if plural else " and its derivative",
        ("df",): ": derivatives" if plural else ": derivative",
    }.get(panels, "")
    title = f"{names}{what}"
    if has_kinks and "df" in panels:
        title += (
            f"\n(filled dot: value at a kink under the {convention} convention; hollow: one-sided limits)"
        )
    fig.suptitle(title, fontsize=11)
    return fig


def plot_functions(
    curves: Sequence[Curve],
    *,
    path: Path,
    xrange: tuple[float, float] = (-6.0, 6.0),
    panels: tuple[str, ...] = ("f", "df"),
    convention: str = "pytorch",
) -> Path:
    """Draw `curves` into `path` (``.png`` or ``.svg``), written atomically; returns the path."""
    matplotlib = require_matplotlib()
    if path.suffix.lower() not in FORMATS:
        raise UserError(f"output file {path.name!r}: use a .png or .svg name")
    fig = draw_figure(curves, xrange=xrange, panels=panels, convention=convention)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        metadata = {"Date": None} if path.suffix.lower() == ".svg" else {"Software": None}
        with matplotlib.rc_context({"svg.hashsalt": "symact"}):
            fig.savefig(tmp, metadata=metadata)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
