"""ns/element of ``symact.torch.NAME`` forward and backward against the native PyTorch op, with the
maximum error of each measured against correctly rounded references.

    python benchmarks/frameworks.py [--sizes 1e6 1e7] [--names gelu silu ...] [--repeat 3] [--points 1000]

For each function, dtype (float32, float64) and size, on the CPU: the best of `--repeat` runs of the
forward pass, and of the backward pass alone (``torch.autograd.grad`` of the forward's output with a
cotangent of ones, the graph kept), divided by the number of elements.  The accuracy columns are the
maximum error in ULPs over `--points` points of the full-range sample (``symact.numeric``, finite
inputs) of the forward value and of the gradient through autograd, against ``symact.numeric.reference``
of the catalogue's expression and its derivative (plain ULPs of the correctly rounded value; normal
results only).  The table is printed as Markdown.  Without PyTorch it says so and exits 0.

The speed target: forward and backward within 2x the native op in float32 at 1e6 elements; in
float64 no slower than the native op where ours is more accurate.  ``ratio`` is ours / native.
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from symact import catalogue
from symact.codegen.generate import SEED
from symact.numeric import full_range_sample, reference, ulp_error


def _natives() -> dict[str, Callable[[Any], Any]]:
    import torch
    import torch.nn.functional as F

    return {
        "gelu": F.gelu,
        "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
        "silu": F.silu,
        "mish": F.mish,
        "softplus": F.softplus,
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "elu": F.elu,
        "log_sigmoid": F.logsigmoid,
        "hardswish": F.hardswish,
        "leaky_relu": F.leaky_relu,
    }


def _best(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def _speed(f: Callable[[Any], Any], n: int, dtype: Any, repeat: int) -> tuple[float, float]:
    import torch

    x = (torch.rand(n, dtype=dtype) * 20 - 10).requires_grad_(True)
    with torch.no_grad():
        fwd = _best(lambda: f(x), repeat)
    y = f(x)
    g = torch.ones_like(y)
    bwd = _best(lambda: torch.autograd.grad(y, x, g, retain_graph=True), repeat)
    return fwd * 1e9 / n, bwd * 1e9 / n


def _accuracy(name: str, f: Callable[[Any], Any], dtype: Any, points: int) -> tuple[float, float]:
    import torch

    record = catalogue.get(name)
    x = record.variable
    params = {p.name: p.default for p in record.params}
    np_dtype = np.float32 if dtype == torch.float32 else np.float64
    xs = full_range_sample(points, seed=SEED + 3, dtype=np_dtype)
    xs = xs[np.isfinite(xs)]
    t = torch.from_numpy(xs.copy()).requires_grad_(True)
    y = f(t)
    (g,) = torch.autograd.grad(y, t, torch.ones_like(y))
    out = []
    for got, expr in ((y.detach().numpy(), record.expr), (g.numpy(), sp.diff(record.expr, x))):
        ref = reference(expr, x, xs.astype(np.float64), params=params, dtype=np_dtype)
        with np.errstate(all="ignore"):
            err = ulp_error(got.astype(np.float64), ref.astype(np.float64), dtype=np_dtype)
        ok = np.isfinite(ref) & (np.abs(ref) >= np.finfo(np_dtype).tiny)
        bad = np.isfinite(ref) & ~np.isfinite(got)
        out.append(float("inf") if bad.any() else float(np.max(err[ok])) if ok.any() else 0.0)
    return out[0], out[1]


def _ulp(v: float) -> str:
    return "inf" if v == float("inf") else f"{v:.3g}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e6, 1e7])
    parser.add_argument(
        "--names", nargs="+", default=["gelu", "silu", "mish", "softplus", "sigmoid", "tanh", "elu"]
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--points", type=int, default=1000)
    args = parser.parse_args(argv)
    if importlib.util.find_spec("torch") is None:
        print("PyTorch is not installed: nothing to compare")
        return 0
    import torch

    import symact.torch as st

    torch.set_num_threads(max(1, torch.get_num_threads()))
    natives = _natives()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU")
    print()
    print(
        "| function | dtype | n | fwd ns/el symact | fwd ns/el torch | ratio | bwd ns/el symact "
        "| bwd ns/el torch | ratio | max ULP f symact | max ULP f torch "
        "| max ULP f' symact | max ULP f' torch |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name in args.names:
        ours, native = getattr(st, name), natives[name]
        for dtype in (torch.float32, torch.float64):
            acc_ours = _accuracy(name, ours, dtype, args.points)
            acc_native = _accuracy(name, native, dtype, args.points)
            for size in args.sizes:
                n = int(size)
                fo, bo = _speed(ours, n, dtype, args.repeat)
                fn, bn = _speed(native, n, dtype, args.repeat)
                print(
                    f"| {name} | {str(dtype).removeprefix('torch.')} | {n:.0e} | {fo:.2f} | {fn:.2f} | "
                    f"{fo / fn:.1f} | {bo:.2f} | {bn:.2f} | {bo / bn:.1f} | {_ulp(acc_ours[0])} | "
                    f"{_ulp(acc_native[0])} | {_ulp(acc_ours[1])} | {_ulp(acc_native[1])} |",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
