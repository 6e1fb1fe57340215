"""Speed of the generated kernels against the naive and the best hand-written NumPy/SciPy forms.

Run: ``python benchmarks/kernels.py [--sizes 100000,10000000] [--repeat 5] [--accuracy-points 2000]``

For each function the table gives ns per element (best of `--repeat` rounds in which the variants
take turns, float64 input uniform on [-20, 20], results into a preallocated buffer) for

- ``generated``: ``symact.kernels.NAME`` (forward) and ``NAME_grad`` (backward: f'(x));
- ``naive``: ``sympy.lambdify`` of the textbook expression (and of ``sympy.diff`` of it);
- the best hand-written NumPy/SciPy forms (``scipy.special.expit``, ``np.tanh``, ...);
- ``np.copyto`` as the memory-bandwidth reference;

with each variant's max ULP error on a full-range sample (``symact.numeric``) and the ratios the
targets speak of, all from this one run: generated / fastest reference of equal or better accuracy
(target <= 1.25), backward / forward (<= 1.5), generated / naive (<= 1.25).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.special as sc
import sympy as sp

import symact.kernels as K
from symact import catalogue
from symact.codegen.functions import to_reference
from symact.codegen.rules import rewrite
from symact.numeric import full_range_sample, reference, ulp_error

Fn = Callable[[np.ndarray, np.ndarray], object]


@dataclass
class Variant:
    label: str
    fn: Fn  # fn(x, out)


def _naive(expr: sp.Expr, x: sp.Symbol) -> Fn:
    f = sp.lambdify(x, expr, modules=["scipy", "numpy"])

    def run(v: np.ndarray, out: np.ndarray) -> object:
        np.copyto(out, f(v))
        return out

    return run


def _into(f: Callable[[np.ndarray], np.ndarray]) -> Fn:
    def run(v: np.ndarray, out: np.ndarray) -> object:
        np.copyto(out, f(v))
        return out

    return run


def _ufunc(u: Callable[..., np.ndarray]) -> Fn:
    return lambda v, out: u(v, out=out)


HAND: dict[str, tuple[dict[str, Fn], dict[str, Fn]]] = {
    "sigmoid": (
        {"scipy expit": _ufunc(sc.expit)},
        {"expit(x)*expit(-x)": _into(lambda v: sc.expit(v) * sc.expit(-v))},
    ),
    "tanh": (
        {"np.tanh": _ufunc(np.tanh)},
        {"1 - tanh(x)**2": _into(lambda v: 1 - np.tanh(v) ** 2)},
    ),
    "softplus": (
        {"np.logaddexp(0, x)": lambda v, out: np.logaddexp(0.0, v, out=out)},
        {"scipy expit": _ufunc(sc.expit)},
    ),
    "gelu": (
        {"x*ndtr(x)": _into(lambda v: v * sc.ndtr(v))},
        {"ndtr(x) + x*phi(x)": _into(lambda v: sc.ndtr(v) + v * np.exp(-0.5 * v * v) * 0.3989422804014327)},
    ),
    "silu": (
        {"x*expit(x)": _into(lambda v: v * sc.expit(v))},
        {"s*(1 + x*(1 - s))": _into(lambda v: (lambda s: s * (1 + v * (1 - s)))(sc.expit(v)))},
    ),
    "mish": (
        {"x*tanh(logaddexp(0, x))": _into(lambda v: v * np.tanh(np.logaddexp(0.0, v)))},
        {
            "t + x*s*(1 - t*t)": _into(
                lambda v: (lambda t, s: t + v * s * (1 - t * t))(np.tanh(np.logaddexp(0.0, v)), sc.expit(v))
            )
        },
    ),
    "elu": (
        {"where(x>0, x, expm1(min(x,0)))": _into(lambda v: np.where(v > 0, v, np.expm1(np.minimum(v, 0))))},
        {"where(x>0, 1, exp(min(x,0)))": _into(lambda v: np.where(v > 0, 1.0, np.exp(np.minimum(v, 0))))},
    ),
}


def _time_round_robin(
    variants: dict[str, Fn], x: np.ndarray, out: np.ndarray, repeat: int
) -> dict[str, float]:
    """Best ns/element of each variant, the variants taking turns (a burst of load hits all alike)."""
    best = dict.fromkeys(variants, float("inf"))
    with np.errstate(all="ignore"):
        for fn in variants.values():
            fn(x, out)
        for _ in range(repeat):
            for label, fn in variants.items():
                t = time.perf_counter()
                fn(x, out)
                best[label] = min(best[label], time.perf_counter() - t)
    return {label: b / x.size * 1e9 for label, b in best.items()}


def _accuracy(
    fn: Fn, truth: sp.Expr, var: sp.Symbol, xs: np.ndarray, ref_cache: dict[str, np.ndarray]
) -> float:
    key = sp.srepr(truth)
    if key not in ref_cache:
        ref_cache[key] = reference(truth, var, xs)
    out = np.empty_like(xs)
    with np.errstate(all="ignore"):
        fn(xs, out)
    finite = np.isfinite(xs) & ~np.isnan(ref_cache[key])
    normal = finite & (np.abs(ref_cache[key]) >= np.finfo(np.float64).tiny)
    return float(np.max(ulp_error(out[normal], ref_cache[key][normal])))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000,10000000")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--accuracy-points", type=int, default=2000)
    ap.add_argument("--functions", default=",".join(HAND))
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    names = args.functions.split(",")
    rng = np.random.default_rng(0)
    sample = full_range_sample(args.accuracy_points, seed=7)
    refs: dict[str, np.ndarray] = {}
    rows = []
    for name in names:
        record = catalogue.get(name)
        x = record.variable
        textbook = record.expr.subs({p.symbol: p.default for p in record.params})
        dtextbook = sp.diff(textbook, x)
        fwd_hand, bwd_hand = HAND[name]
        fwd = {"generated": _ufunc_like(getattr(K, name)), "naive lambdify": _naive(textbook, x), **fwd_hand}
        bwd = {
            "generated": _ufunc_like(getattr(K, f"{name}_grad")),
            "naive lambdify": _naive(dtextbook, x),
            **bwd_hand,
        }
        for direction, variants, plain in (("fwd", fwd, textbook), ("bwd", bwd, dtextbook)):
            truth = to_reference(rewrite(plain)[0])  # equal (proved rules); mpmath-friendly
            acc = {label: _accuracy(fn, truth, x, sample, refs) for label, fn in variants.items()}
            for n in sizes:
                data = rng.uniform(-20.0, 20.0, n)
                out = np.empty_like(data)
                timed = {**variants, "np.copyto": lambda v, o: np.copyto(o, v)}
                t = _time_round_robin(timed, data, out, args.repeat)
                rows.append((name, direction, n, t, acc))
    _print(rows)


def _ufunc_like(f: Callable[..., object]) -> Fn:
    return lambda v, out: f(v, out=out)


def _print(rows: list[tuple[str, str, int, dict[str, float], dict[str, float]]]) -> None:
    fwd_time = {(name, n): t["generated"] for name, d, n, t, _ in rows if d == "fwd"}
    print("| function | dir | n | variant | ns/element | max ULP | / copyto |")
    print("|---|---|---|---|---|---|---|")
    summary = []
    for name, direction, n, t, acc in rows:
        for label, ns in t.items():
            ulps = acc.get(label)
            ulp_text = "-" if ulps is None else (f"{ulps:.3g}" if np.isfinite(ulps) else "inf")
            copy = ns / t["np.copyto"]
            print(f"| {name} | {direction} | {n:.0e} | {label} | {ns:.2f} | {ulp_text} | {copy:.1f}x |")
        gen = t["generated"]
        peers = [
            t[k] for k in t if k not in ("generated", "np.copyto") and acc.get(k, np.inf) <= acc["generated"]
        ]
        best = min(peers) if peers else None
        summary.append(
            (
                name,
                direction,
                n,
                gen,
                best,
                t["naive lambdify"],
                gen / fwd_time[(name, n)] if direction == "bwd" else None,
            )
        )
    print()
    print("| function | dir | n | generated ns | / fastest equally accurate ref | / naive | bwd / fwd |")
    print("|---|---|---|---|---|---|---|")
    for name, direction, n, gen, best, naive, ratio in summary:
        best_text = f"{gen / best:.2f}" if best else "- (no reference as accurate)"
        ratio_text = f"{ratio:.2f}" if ratio is not None else "-"
        print(
            f"| {name} | {direction} | {n:.0e} | {gen:.2f} | {best_text} | {gen / naive:.2f} | {ratio_text} |"
        )


if __name__ == "__main__":
    main()
