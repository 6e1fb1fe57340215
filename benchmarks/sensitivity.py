"""Sensitivity of symact's verifier: which wrong derivatives it catches, false alarms, time per check.

For each element-wise catalogue entry, mutants of the derivative are checked:

- ``x(1+d)``: the derivative times 1 + d, d = 1e-3 .. 1e-14 (and 1e-20, 1e-30 for the symbolic layer);
- ``sign``: the derivative negated;  ``param``: a parameter changed by 10%;
- ``kink``: another convention's value (or left + right + 1) at an exact kink;
- ``other``: the derivative of a different catalogue function.

Columns: the smallest d caught at the median point (a d "caught at the median point" is flagged at
half of the points where it changes the value, or more), the share of mutants caught (flagged
somewhere, among the mutants that change the derivative at a checked point), the detection rate of d
= 1e-12 at verifiable points (and at the points where the budget from the truth resolves a 1e-12
error at all, with their share of the points where a 1e-12 error changes the float, and the largest
relative error of symact's own correct kernel at the others; those others split into points whose
truth is subnormal (the budget there is absolute: an intermediate scaled by x costs up to |x|/2
spacings) and normal points, near roots of f' (where the condition number is unbounded) or where the
input is scaled inexactly (GELU's tail); at the normal ones, the share where PyTorch's own function
(float64 autograd, where installed) errs by more than 1e-12 itself, so that no budget passing it
could flag 1e-12 there), false alarms of the correct derivative over the points, and the time per
point. "symbolic" is derive's SymPy derivative against adaptive numerical derivatives; "float" is
the generated gradient kernel (``symact.kernels``) through the fidelity and consistency layers;
"gradcheck" is torch.autograd.gradcheck (defaults) on the same
float mutants, where PyTorch is installed.

    python benchmarks/sensitivity.py [NAME ...] [--points 10000] [--mutant-points 400]
                                     [--symbolic-points 1000] [--no-torch]
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

import mpmath
import numpy as np
import sympy as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from symact.catalogue import Record, get, records
from symact.verify import FAIL, UNVERIFIABLE, check_consistency, check_fidelity, check_symbolic, make_target
from symact.verify._catalogue import kernels_for
from symact.verify._points import sample_points
from symact.verify._target import Target

DELTAS = [10.0**-k for k in range(3, 15)]
SYMBOLIC_DELTAS = [*DELTAS, 1e-20, 1e-30]
OTHER = {
    "gelu": "gelu_tanh",
    "gelu_tanh": "gelu",
    "sigmoid": "tanh",
    "tanh": "sigmoid",
    "silu": "gelu",
    "softplus": "sigmoid",
    "relu": "leaky_relu",
    "leaky_relu": "relu",
    "elu": "selu",
    "selu": "elu",
}

NATIVE = {
    "gelu": "gelu",
    "silu": "silu",
    "mish": "mish",
    "tanh": "tanh",
    "softsign": "softsign",
    "sigmoid": "sigmoid",
    "softplus": "softplus",
    "elu": "elu",
    "selu": "selu",
}
"""Catalogue entries whose PyTorch function (``torch.nn.functional``) has the catalogue's defaults."""

Array = np.ndarray


def _native_grad(name: str, xs: Array) -> Array:
    """The float64 derivative of PyTorch's own function at `xs`, through autograd."""
    import torch

    fn = getattr(torch.nn.functional, NATIVE[name])
    t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    fn(t).sum().backward()
    assert t.grad is not None
    return t.grad.numpy()


def _other(record: Record) -> Record:
    if record.name in OTHER:
        return get(OTHER[record.name])
    pool = [r for r in records() if r.kind == "elementwise" and r.name != record.name and not r.params]
    return pool[(sum(map(ord, record.name))) % len(pool)]


def symbolic_mutants(target: Target, record: Record) -> list[tuple[str, sp.Expr]]:
    x, df = target.var, target.df
    out = [(f"x(1+{d:.0e})", df * (1 + sp.Float(d, 40))) for d in SYMBOLIC_DELTAS]
    out.append(("sign", -df))
    for p in record.params:
        changed = (
            make_target(
                record, params={p.name: p.default * sp.Rational(11, 10) + sp.Rational(1, 10)}, source="derive"
            )
            if _valid(p, p.default * sp.Rational(11, 10) + sp.Rational(1, 10))
            else None
        )
        if changed is not None:
            out.append(("param", changed.df))
            break
    exact = [k for k in target.kinks if k.exact]
    if exact:
        k = exact[0]
        out.append(("kink", sp.Piecewise((k.left + k.right + 1, sp.Eq(x, k.at)), (df, True))))
    other = _other(record)
    try:
        out.append(("other", make_target(other, source="derive").df.subs(other.variable, x)))
    except Exception:
        pass
    return out


def _valid(p: object, v: sp.Expr) -> bool:
    try:
        p.check(v)  # type: ignore[attr-defined]
    except ValueError:
        return False
    return True


def _subset(xs: Array, n: int, target: Target) -> Array:
    """Indices of about `n` points spread over `xs`, always with the exact kinks."""
    rng = np.random.default_rng(13)
    pick = set(rng.choice(xs.size, size=min(n, xs.size), replace=False).tolist())
    pick |= {i for i, v in enumerate(xs) if any(k.exact and k.x == v for k in target.kinks)}
    return np.array(sorted(pick), dtype=int)


def _rate(flags: Array, changed: Array) -> float:
    return float(flags[changed].mean()) if changed.any() else math.nan


def run_symbolic(record: Record, n_points: int, n_mutant: int) -> dict[str, object]:
    target = make_target(record, source="derive")
    xs = [float(v) for v in sample_points(target, n_points, seed=11)]
    start = time.perf_counter()
    found, n = check_symbolic(target, xs)
    per_point = (time.perf_counter() - start) / max(n, 1)
    false = sum(f.verdict == FAIL for f in found)
    unverifiable = {f.x for f in found if f.verdict == UNVERIFIABLE}
    pick = _subset(np.asarray(xs), n_mutant, target)
    sub = [
        float(v)
        for v in np.asarray(xs)[pick]
        if math.isfinite(v) and target.in_domain(v) and v not in unverifiable
    ]
    rates: dict[str, float] = {}
    caught = relevant = 0
    mutants = symbolic_mutants(target, record)
    for label, df in mutants:
        m = target.with_derivative(df)
        fails = {f.x for f in check_symbolic(m, sub)[0] if f.verdict == FAIL}
        changed = np.array([_differs(target, m, v) for v in sub])
        flags = np.array([v in fails for v in sub])
        rates[label] = _rate(flags, changed)
        caught += bool(flags.any() and changed.any())
        relevant += bool(changed.any())
        if changed.any() and not flags.any():
            print(f"  symbolic: {record.name} mutant {label} not flagged", file=sys.stderr)
    smallest = min((d for d in SYMBOLIC_DELTAS if rates.get(f"x(1+{d:.0e})", 0) >= 0.5), default=math.nan)
    return {
        "n": n,
        "false": false,
        "ms": per_point * 1e3,
        "smallest": smallest,
        "share": caught / relevant if relevant else math.nan,
        "r12": rates.get("x(1+1e-12)", math.nan),
    }


def _differs(target: Target, mutant: Target, x: float) -> bool:
    a, b = target.dfn.value(x, bits=60), mutant.dfn.value(x, bits=60)
    if a is None or b is None:
        return a is not b
    return bool(abs(a - b) > abs(a) * mpmath.ldexp(1, -200) + mpmath.ldexp(1, -1100))


def float_mutants(record: Record, target: Target, xs: Array) -> list[tuple[str, Array]] | None:
    pair = kernels_for(record)
    if pair is None:
        return None
    grad = pair[1]
    own = {p.name: float(target.params[p.name]) for p in record.params}
    with np.errstate(all="ignore"):
        g = np.asarray(grad(xs, **own), dtype=np.float64)
        out = [(f"x(1+{d:.0e})", g * (1 + d)) for d in DELTAS]
        out.append(("sign", -g))
        for p in record.params:
            v = float(p.default) * 1.1 + 0.1
            if _valid(p, sp.Rational(v)):
                out.append(("param", np.asarray(grad(xs, **{**own, p.name: v}), dtype=np.float64)))
                break
        exact = [k for k in target.kinks if k.exact]
        if exact:
            k = exact[0]
            out.append(("kink", np.where(xs == k.x, float(k.left + k.right + 1), g)))
        other = kernels_for(_other(record))
        if other is not None:
            out.append(("other", np.asarray(other[1](xs), dtype=np.float64)))
    return out


def run_float(record: Record, n_points: int, n_mutant: int, torch_too: bool) -> dict[str, object] | None:
    target = make_target(record, source="derive", float_params=True)
    pair = kernels_for(record)
    if pair is None:
        return None
    own = {p.name: float(target.params[p.name]) for p in record.params}
    fwd: Callable[[Array], Array] = lambda v: np.asarray(pair[0](v, **own), dtype=np.float64)  # noqa: E731
    grad: Callable[[Array], Array] = lambda v: np.asarray(pair[1](v, **own), dtype=np.float64)  # noqa: E731
    xs = sample_points(target, n_points, seed=12)
    start = time.perf_counter()
    with np.errstate(all="ignore"):
        fid = check_fidelity(record.name, "gradient", xs, grad(xs), target.df, target.var)
    t_fid = time.perf_counter() - start
    detail: dict[str, Array] = {}
    start = time.perf_counter()
    with np.errstate(all="ignore"):
        cons, n_cons, _ = check_consistency(target, fwd, grad, xs, detail=detail)
    t_cons = time.perf_counter() - start
    false = sum(f.verdict == FAIL for f in fid.findings) + sum(f.verdict == FAIL for f in cons)
    sub = _subset(xs, n_mutant, target)
    mutants = float_mutants(record, target, xs) or []
    g0 = grad(xs)
    ulp = np.spacing(np.abs(fid.ref))
    tol_abs = fid.tolerance * ulp
    tiny = 2.0**-1000  # an absolute tolerance far below any value that matters: the check is exact there
    verifiable = (
        np.isfinite(xs) & np.isfinite(fid.ref) & (tol_abs <= np.maximum(1e-6 * np.abs(fid.ref), tiny))
    )
    rates: dict[str, float] = {}
    torch_rates: dict[str, float] = {}
    caught = torch_caught = relevant = 0
    # where the budget from the truth (plus the kernel's own error) exceeds 1e-12 |f'| -- near roots of
    # f', where the condition number is unbounded -- no verdict from the truth can see a 1e-12 error
    # without flagging correct implementations; the rate is also reported over the points where it can
    with np.errstate(all="ignore"):
        resolvable = verifiable & (tol_abs + np.abs(g0 - fid.ref) < 1e-12 * np.abs(g0))
        seen = g0 * (1 + 1e-12) != g0  # points where a 1e-12 error changes the float at all
        own_rel = np.abs(g0 - fid.ref) / np.abs(fid.ref)
    unresolved = verifiable & ~resolvable & np.isfinite(own_rel)
    subnormal = unresolved & (np.abs(fid.ref) < np.finfo(np.float64).tiny)
    near_root = unresolved & ~subnormal
    native = "-"
    if torch_too and record.name in NATIVE and near_root.any():
        with np.errstate(all="ignore"):
            got = _native_grad(record.name, xs[near_root])
            rel = np.abs(got - fid.ref[near_root]) / np.abs(fid.ref[near_root])
        native = f"{(rel > 1e-12).mean():.2f} ({np.nanmedian(rel):.0e})"
    t_false = _gradcheck_flags(fwd, xs[sub], g0[sub]) if torch_too else np.zeros(sub.size, dtype=bool)
    for label, gm in mutants:
        with np.errstate(all="ignore"):
            err = np.abs(gm - fid.ref)
            bad_fid = ~np.isfinite(gm) & np.isfinite(fid.ref) | (err > tol_abs)
            bad_cons = detail["checked"] & (np.abs(detail["secant"] - gm) > detail["tolerance"])
        flags = (bad_fid | bad_cons)[sub]
        changed = (gm != g0)[sub] & verifiable[sub]
        rates[label] = _rate(flags, changed)
        if label == "x(1+1e-12)":
            rates["r12 resolvable"] = _rate(flags, changed & resolvable[sub])
        caught += bool(flags.any() and changed.any())
        relevant += bool(changed.any())
        if changed.any() and not flags.any():
            print(
                f"  float: {record.name} mutant {label} not flagged (changes {int(changed.sum())} points)",
                file=sys.stderr,
            )
        if torch_too:
            # a point where gradcheck rejects the correct derivative too says nothing about the mutant
            tflags = _gradcheck_flags(fwd, xs[sub], gm[sub]) & ~t_false
            torch_rates[label] = _rate(tflags, changed & ~t_false)
            torch_caught += bool((tflags & changed).any())
    out = {
        "n": int(np.isfinite(fid.tolerance).sum()),
        "n_cons": n_cons,
        "false": false,
        "ms": (t_fid + t_cons) / max(xs.size, 1) * 1e3,
        "smallest": min((d for d in DELTAS if rates.get(f"x(1+{d:.0e})", 0) >= 0.5), default=math.nan),
        "share": caught / relevant if relevant else math.nan,
        "r12": rates.get("x(1+1e-12)", math.nan),
        "r12 resolvable": rates.get("r12 resolvable", math.nan),
        "resolvable share": float(resolvable.sum() / max((verifiable & seen).sum(), 1)),
        "own err unresolved": float(own_rel[unresolved].max()) if unresolved.any() else math.nan,
        "unresolved kinds": f"{int(subnormal.sum())} / {int(near_root.sum())}",
        "native err unresolved": native,
        "coverage": float(verifiable.mean()),
    }
    if torch_too:
        tfalse = int(t_false.sum())
        out["torch"] = {
            "smallest": min(
                (d for d in DELTAS if torch_rates.get(f"x(1+{d:.0e})", 0) >= 0.5), default=math.nan
            ),
            "share": torch_caught / relevant if relevant else math.nan,
            "r12": torch_rates.get("x(1+1e-12)", math.nan),
            "false": tfalse,
            "n": int(np.isfinite(xs[sub]).sum()),
            "ms": _gradcheck_ms,
        }
    return out


_gradcheck_ms = math.nan


def _gradcheck_flags(fwd: Callable[[Array], Array], xs: Array, gm: Array) -> Array:
    """torch.autograd.gradcheck (default eps, atol, rtol) at each point with `gm` as the backward."""
    global _gradcheck_ms
    import torch

    flags = np.zeros(xs.size, dtype=bool)
    start = time.perf_counter()
    for i, (v, g) in enumerate(zip(xs, gm, strict=True)):
        if not math.isfinite(v):
            continue

        class Op(torch.autograd.Function):
            @staticmethod
            def forward(ctx, t):  # type: ignore[no-untyped-def, override]
                return torch.from_numpy(fwd(t.detach().numpy().copy()))

            @staticmethod
            def backward(ctx, go, g=g):  # type: ignore[no-untyped-def, override]
                return go * float(g)

        t = torch.tensor([v], dtype=torch.float64, requires_grad=True)
        with np.errstate(all="ignore"):
            try:
                ok = torch.autograd.gradcheck(Op.apply, (t,), raise_exception=False)
            except Exception:
                ok = False
        flags[i] = not ok
    _gradcheck_ms = (time.perf_counter() - start) / max(xs.size, 1) * 1e3
    return flags


def _fmt(v: object) -> str:
    if isinstance(v, float):
        if math.isnan(v):
            return "-"
        return (
            f"{v:.0e}"
            if v < 0.01 and v != 0
            else f"{v:.2f}".rstrip("0").rstrip(".")
            if v < 100
            else f"{v:.0f}"
        )
    return str(v)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*")
    ap.add_argument("--points", type=int, default=10_000, help="points for false alarms (float layers)")
    ap.add_argument("--symbolic-points", type=int, default=1000, help="points for symbolic false alarms")
    ap.add_argument("--mutant-points", type=int, default=400, help="points each mutant is checked at")
    ap.add_argument("--no-torch", action="store_true")
    args = ap.parse_args(argv)
    torch_too = not args.no_torch and importlib.util.find_spec("torch") is not None
    chosen = [get(n) for n in args.names] or [r for r in records() if r.kind == "elementwise"]
    head = [
        "function",
        "sym: min d",
        "sym: mutants",
        "sym: 1e-12",
        "sym: false/pts",
        "sym: ms",
        "float: min d",
        "float: mutants",
        "float: 1e-12",
        "float: 1e-12 where resolvable",
        "float: share resolvable",
        "float: own kernel's max rel err elsewhere",
        "float: not resolvable, subnormal truth / normal",
        "float: PyTorch > 1e-12 at those normal points (median rel err)",
        "float: false/pts",
        "float: ms",
    ]
    if torch_too:
        head += [
            "gradcheck: min d",
            "gradcheck: mutants",
            "gradcheck: 1e-12",
            "gradcheck: false/pts",
            "gradcheck: ms",
        ]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for record in chosen:
        print(f"{record.name} ...", file=sys.stderr, flush=True)
        s = run_symbolic(record, args.symbolic_points, args.mutant_points // 4)
        f = run_float(record, args.points, args.mutant_points, torch_too)
        row = [
            record.name,
            _fmt(s["smallest"]),
            _fmt(s["share"]),
            _fmt(s["r12"]),
            f"{s['false']}/{s['n']}",
            _fmt(s["ms"]),
        ]
        if f is None:
            row += ["no kernel"] + ["-"] * 9 + (["-"] * 5 if torch_too else [])
        else:
            row += [
                _fmt(f["smallest"]),
                _fmt(f["share"]),
                _fmt(f["r12"]),
                _fmt(f["r12 resolvable"]),
                _fmt(f["resolvable share"]),
                _fmt(f["own err unresolved"]),
                str(f["unresolved kinds"]),
                str(f["native err unresolved"]),
                f"{f['false']}/{f['n']}",
                _fmt(f["ms"]),
            ]
            if torch_too:
                t = f["torch"]
                row += [
                    _fmt(t["smallest"]),
                    _fmt(t["share"]),
                    _fmt(t["r12"]),  # type: ignore[index]
                    f"{t['false']}/{t['n']}",
                    _fmt(t["ms"]),
                ]  # type: ignore[index]
        print("| " + " | ".join(row) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
