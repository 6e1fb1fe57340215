"""ns/element of ``symact.torch.NAME`` and ``symact.jax.NAME`` forward and backward against the native
PyTorch and JAX ops, with the maximum error of each measured against correctly rounded references.

    python benchmarks/frameworks.py [--frameworks torch jax] [--sizes 1e6 1e7] [--names gelu silu ...]
                                    [--repeat 3] [--points 1000]

JAX: both functions compiled with ``jax.jit`` (compilation outside the timing, results waited for);
the backward pass is the compiled cotangent map ``x, g -> vjp(f, x)[1](g)``, which computes what the
derivative needs (for symact's custom JVP, the derivative alone: XLA drops the unused forward), with
``jax_enable_x64`` on (symact.jax computes in float64).

For each function, dtype (float32, float64) and size, on the CPU: the best of `--repeat` runs of the
forward pass, and of the backward pass alone (``torch.autograd.grad`` of the forward's output with a
cotangent of ones, the graph kept), divided by the number of elements.  The accuracy columns are the
maximum error in ULPs over `--points` points of the full-range sample (``symact.numeric``, finite
inputs) of the forward value and of the gradient through autograd, against ``symact.numeric.reference``
of the catalogue's expression and its derivative (plain ULPs of the correctly rounded value; normal
results only).  The table is printed as Markdown.  Without PyTorch it says so and exits 0.

The speed target: forward and backward within 2x the native op in float32 at 1e6 elements; in
float64 no slower than the native op where ours is more accurate.  ``ratio`` is ours / native.
A framework that is not installed is skipped with a line that says so.
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


def _jax_natives() -> dict[str, Callable[[Any], Any]]:
    import jax
    import jax.numpy as jnp

    return {
        "gelu": lambda x: jax.nn.gelu(x, approximate=False),
        "gelu_tanh": lambda x: jax.nn.gelu(x, approximate=True),
        "silu": jax.nn.silu,
        "mish": jax.nn.mish,
        "softplus": jax.nn.softplus,
        "sigmoid": jax.nn.sigmoid,
        "tanh": jnp.tanh,
        "elu": jax.nn.elu,
        "log_sigmoid": jax.nn.log_sigmoid,
        "hardswish": jax.nn.hard_swish,
        "leaky_relu": jax.nn.leaky_relu,
    }


def _jax_speed(f: Callable[[Any], Any], n: int, dtype: Any, repeat: int) -> tuple[float, float]:
    import jax

    x = jax.random.uniform(jax.random.key(0), (n,), dtype=dtype, minval=-10.0, maxval=10.0)
    g = jax.numpy.ones_like(x)
    fwd_c = jax.jit(f)
    bwd_c = jax.jit(lambda v, t: jax.vjp(f, v)[1](t)[0])
    fwd_c(x).block_until_ready()
    bwd_c(x, g).block_until_ready()
    fwd = _best(lambda: fwd_c(x).block_until_ready(), repeat)
    bwd = _best(lambda: bwd_c(x, g).block_until_ready(), repeat)
    return fwd * 1e9 / n, bwd * 1e9 / n


def _jax_accuracy(name: str, f: Callable[[Any], Any], dtype: Any, points: int) -> tuple[float, float]:
    import jax
    import jax.numpy as jnp

    record = catalogue.get(name)
    x = record.variable
    params = {p.name: p.default for p in record.params}
    xs = full_range_sample(points, seed=SEED + 3, dtype=dtype)
    xs = xs[np.isfinite(xs)]
    xs = xs[(xs == 0) | (np.abs(xs) >= np.finfo(dtype).tiny)]  # XLA's CPU runtime reads subnormals as 0
    t = jnp.asarray(xs)
    y = np.asarray(jax.jit(f)(t))
    g = np.asarray(jax.jit(jax.vmap(jax.grad(f)))(t))
    out = []
    for got, expr in ((y, record.expr), (g, sp.diff(record.expr, x))):
        ref = reference(expr, x, xs.astype(np.float64), params=params, dtype=dtype)
        with np.errstate(all="ignore"):
            err = ulp_error(got.astype(np.float64), ref.astype(np.float64), dtype=dtype)
        ok = np.isfinite(ref) & (np.abs(ref) >= np.finfo(dtype).tiny)
        bad = np.isfinite(ref) & ~np.isfinite(got)
        out.append(float("inf") if bad.any() else float(np.max(err[ok])) if ok.any() else 0.0)
    return out[0], out[1]


HEAD = (
    "| function | dtype | n | fwd ns/el symact | fwd ns/el {fw} | ratio | bwd ns/el symact "
    "| bwd ns/el {fw} | ratio | max ULP f symact | max ULP f {fw} "
    "| max ULP f' symact | max ULP f' {fw} |"
)


def _row(
    name: str, dtype: str, n: int, fo: float, fn: float, bo: float, bn: float, acc: list[tuple[float, float]]
) -> str:
    (af, ag), (nf, ng) = acc
    return (
        f"| {name} | {dtype} | {n:.0e} | {fo:.2f} | {fn:.2f} | {fo / fn:.1f} | {bo:.2f} | {bn:.2f} | "
        f"{bo / bn:.1f} | {_ulp(af)} | {_ulp(nf)} | {_ulp(ag)} | {_ulp(ng)} |"
    )


def _torch_table(names: list[str], sizes: list[float], repeat: int, points: int) -> None:
    import torch

    import symact.torch as st

    natives = _natives()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU")
    print()
    print(HEAD.format(fw="torch"))
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name in names:
        ours, native = getattr(st, name), natives[name]
        for dtype in (torch.float32, torch.float64):
            acc = [_accuracy(name, ours, dtype, points), _accuracy(name, native, dtype, points)]
            for size in sizes:
                n = int(size)
                fo, bo = _speed(ours, n, dtype, repeat)
                fn, bn = _speed(native, n, dtype, repeat)
                print(_row(name, str(dtype).removeprefix("torch."), n, fo, fn, bo, bn, acc), flush=True)


def _jax_table(names: list[str], sizes: list[float], repeat: int, points: int) -> None:
    import jax

    jax.config.update("jax_enable_x64", True)
    import symact.jax as sj

    natives = _jax_natives()
    print(f"jax {jax.__version__}, {jax.devices()[0].platform.upper()}, jax_enable_x64")
    print()
    print(HEAD.format(fw="jax"))
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name in names:
        if not hasattr(sj, name):
            print(f"| {name} | not in symact.jax (left out: see `symact kernels --report`) |")
            continue
        ours, native = getattr(sj, name), natives[name]
        for dtype in (np.float32, np.float64):
            acc = [_jax_accuracy(name, ours, dtype, points), _jax_accuracy(name, native, dtype, points)]
            for size in sizes:
                n = int(size)
                fo, bo = _jax_speed(ours, n, dtype, repeat)
                fn, bn = _jax_speed(native, n, dtype, repeat)
                print(_row(name, np.dtype(dtype).name, n, fo, fn, bo, bn, acc), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frameworks", nargs="+", choices=["torch", "jax"], default=["torch", "jax"])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e6, 1e7])
    parser.add_argument(
        "--names", nargs="+", default=["gelu", "silu", "mish", "softplus", "sigmoid", "tanh", "elu"]
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--points", type=int, default=1000)
    args = parser.parse_args(argv)
    tables = {"torch": _torch_table, "jax": _jax_table}
    for i, fw in enumerate(args.frameworks):
        if i:
            print()
        if importlib.util.find_spec(fw) is None:
            print(f"{fw} is not installed: nothing to compare")
            continue
        tables[fw](args.names, args.sizes, args.repeat, args.points)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
