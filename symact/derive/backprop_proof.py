r"""Proofs of the backpropagation equations of :mod:`symact.derive.backprop`, entry by entry.

:func:`prove` proves every printed backward equation entry by entry at concrete sizes:

1. for each layer, J as a function F of Z[l] = W[l] A[l-1] + b[l] (F an undefined SymPy function:
   the rest of the network, whatever it is): dJ/dW[l], dJ/db[l] and m dJ/dA[l-1] from ``sympy.diff``
   against the printed dW[l], db[l], dA[l-1] with dZ[l] = m dF/dZ[l];
2. for a hidden layer, J = F(g(Z[l])): m dJ/dZ[l] against the printed dZ[l] with dA[l] = m dF/dA[l]
   (by cases on each side of a kink, which is where the kink convention is stated);
3. for the output layer, m dJ/dZ[L] of the concrete loss against the printed dZ[L].

Each comparison is a symbolic simplification to 0 (a proof).  Chained, 1-3 prove the equations for
the whole network.  The spot check is end to end: every parameter's ``sympy.diff`` of the concrete J
(all layers written out) against the printed equations, at random points at 50 digits.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import mpmath
import sympy as sp

from symact.catalogue import Activation, get
from symact.derive._check import zero_method
from symact.derive.backprop import Equations, NetworkSpec, equations
from symact.derive.backprop_text import evaluate
from symact.errors import VerificationError

__all__ = ["PROOF_SAMPLES", "Proof", "as_json", "prove", "prove_equations"]

PROOF_SAMPLES = (2, 3)
"""The numbers of samples m at which the equations are proved (symbolic proofs)."""


@dataclass(frozen=True)
class Proof:
    """How the equations of `spec` were proved: sizes, number of entries proved, spot checks."""

    spec: NetworkSpec
    sizes: tuple[int, ...]
    samples: tuple[int, ...]
    entries: int
    checked_points: int
    methods: tuple[str, ...]
    steps: tuple[tuple[str, int, tuple[str, ...]], ...] = ()
    """(what was compared, entries over both m, simplifications used), in the order of the proof."""


def _matrix(name: str, rows: int, cols: int, **assumptions: bool) -> sp.Matrix:
    return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{i + 1}{j + 1}", real=True, **assumptions))


def _column(name: str, rows: int) -> sp.Matrix:
    return sp.Matrix(rows, 1, lambda i, _: sp.Symbol(f"{name}_{i + 1}", real=True))


def _proof_sizes(spec: NetworkSpec) -> tuple[int, ...]:
    return tuple(min(n, 3) for n in spec.layers)


def _text(eqs: Sequence[tuple[str, str]], name: str) -> str:
    return dict(eqs)[name]


def _grad_of(f: sp.Expr, syms: sp.Matrix, m: int) -> sp.Matrix:
    return syms.applyfunc(lambda s: m * sp.diff(f, s))


def _zero(name: str, lhs: sp.Expr, rhs: sp.Expr, methods: set[str]) -> None:
    method = zero_method(sp.expand(lhs - rhs))
    if method is None:
        raise VerificationError(f"backprop {name}: {sp.sstr(lhs)} != {sp.sstr(rhs)}")
    methods.add(method)


def _prove_linear(eqs: Equations, layer: int, sizes: tuple[int, ...], m: int, methods: set[str]) -> int:
    """Step 1 at layer l: dW[l], db[l], dA[l-1] against sympy.diff of J = F(W[l] A[l-1] + b[l])."""
    prev = "X" if layer == 1 else f"A{layer - 1}"
    env: dict[str, object] = {
        "m": sp.Integer(m),
        prev: _matrix(prev, sizes[layer - 1], m),
        f"W{layer}": _matrix(f"W{layer}", sizes[layer], sizes[layer - 1]),
        f"b{layer}": _column(f"b{layer}", sizes[layer]),
    }
    z = evaluate(_text(eqs.forward, f"Z{layer}"), env)
    F = sp.Function("F")
    zs = _matrix("z", sizes[layer], m)
    cost = F(*z)
    dF = zs.applyfunc(lambda s: m * sp.diff(F(*zs), s)).subs(dict(zip(zs, z, strict=True)))
    env[f"dZ{layer}"] = dF
    count = 0
    targets = [(f"dW{layer}", env[f"W{layer}"], 1), (f"db{layer}", env[f"b{layer}"], 1)]
    if layer > 1:
        targets.append((f"dA{layer - 1}", env[prev], m))
    for name, syms, scale in targets:
        claimed = evaluate(_text(eqs.backward, name), env)
        assert isinstance(syms, sp.Matrix)
        if not isinstance(claimed, sp.MatrixBase) or claimed.shape != syms.shape:
            raise VerificationError(f"backprop {name}: shape {getattr(claimed, 'shape', ())} != {syms.shape}")
        for i in range(syms.shape[0]):
            for j in range(syms.shape[1]):
                _zero(f"{name}[{i + 1},{j + 1}]", scale * sp.diff(cost, syms[i, j]), claimed[i, j], methods)
                count += 1
    return count


def _cases(record: Activation) -> list[tuple[str, sp.Expr]]:
    """Substitutions for z covering its line off the kink (by cases), or z itself when smooth."""
    p = sp.Symbol("p", positive=True)
    if not record.kinks:
        return [("", sp.Symbol("_z"))]
    c = record.kinks[0].at
    return [(f" (z > {c})", c + p), (f" (z < {c})", c - p)]


def _prove_hidden(eqs: Equations, layer: int, sizes: tuple[int, ...], m: int, methods: set[str]) -> int:
    """Step 2 at hidden layer l: m dJ/dZ[l] for J = F(g(Z[l])) against the printed dZ[l].

    For entry (i, j) the other entries of A[l] are left as free symbols (a more general statement:
    it holds whatever they are, so also at g(Z[l])); only A[l]_ij = g(Z[l]_ij) is written out.
    """
    record = get(eqs.spec.activations[layer - 1])
    assert isinstance(record, Activation)
    zs = _matrix(f"Z{layer}", sizes[layer], m)
    a_of_z = evaluate(_text(eqs.forward, f"A{layer}"), {"m": sp.Integer(m), f"Z{layer}": zs})
    F = sp.Function("F")
    av = _matrix("a", sizes[layer], m)
    text = _text(eqs.backward, f"dZ{layer}")
    count = 0
    for i in range(sizes[layer]):
        for j in range(m):
            a = av.copy()
            a[i, j] = a_of_z[i, j]
            grad = av.applyfunc(lambda s: m * sp.diff(F(*av), s)).subs(dict(zip(av, a, strict=True)))
            env = {"m": sp.Integer(m), f"Z{layer}": zs, f"A{layer}": a, f"dA{layer}": grad}
            claimed = evaluate(text, env)[i, j]
            lhs = m * sp.diff(F(*a), zs[i, j])
            for label, value in _cases(record):
                sub = {} if not label else {zs[i, j]: value}
                _zero(f"dZ{layer}[{i + 1},{j + 1}]{label}", lhs.subs(sub), claimed.subs(sub), methods)
            count += 1
    return count


def _output_env(eqs: Equations, sizes: tuple[int, ...], m: int) -> tuple[dict[str, object], dict]:
    L = eqs.spec.depth
    ys = _matrix("Y", sizes[L], m)
    subs: dict[sp.Symbol, sp.Expr] = {}
    if eqs.spec.activations[-1] == "softmax":
        subs = {ys[-1, j]: 1 - sum(ys[k, j] for k in range(sizes[L] - 1)) for j in range(m)}
    return {"m": sp.Integer(m), "Y": ys}, subs


def _prove_output(eqs: Equations, sizes: tuple[int, ...], m: int, methods: set[str]) -> int:
    """Step 3: m dJ/dZ[L] of the concrete loss against the printed dZ[L] (and dA[L])."""
    L = eqs.spec.depth
    zs = _matrix(f"Z{L}", sizes[L], m)
    env, normalised = _output_env(eqs, sizes, m)
    env[f"Z{L}"] = zs
    env[f"A{L}"] = evaluate(_text(eqs.forward, f"A{L}"), env)
    cost = evaluate(_text(eqs.forward, "J"), env)
    for name, text in eqs.backward:
        if name in (f"dA{L}", f"dZ{L}"):
            env[name] = evaluate(text, env)
    claimed = env[f"dZ{L}"]
    assert isinstance(claimed, sp.Matrix)
    record = get(eqs.spec.activations[-1])
    cases = _cases(record) if isinstance(record, Activation) else [("", sp.Symbol("_z"))]
    count = 0
    for i in range(sizes[L]):
        for j in range(m):
            lhs = m * sp.diff(cost, zs[i, j])
            for label, value in cases:
                sub = {**normalised, **({} if not label else {zs[i, j]: value})}
                _zero(f"dZ{L}[{i + 1},{j + 1}]{label}", lhs.subs(sub), claimed[i, j].subs(sub), methods)
            count += 1
    return count


def _spot_check(eqs: Equations, sizes: tuple[int, ...], points: int) -> int:
    """End to end: sympy.diff of the concrete J in every parameter against the printed equations.

    At `sizes` and m = 2 (the symbolic proofs run at larger sizes; this is the independent check).
    """
    m = PROOF_SAMPLES[0]
    L = eqs.spec.depth
    env, normalised = _output_env(eqs, sizes, m)
    env["X"] = _matrix("X", sizes[0], m)
    params = []
    for layer in range(1, L + 1):
        env[f"W{layer}"] = _matrix(f"W{layer}", sizes[layer], sizes[layer - 1])
        env[f"b{layer}"] = _column(f"b{layer}", sizes[layer])
        params += [env[f"W{layer}"], env[f"b{layer}"]]
    for name, text in eqs.forward:
        env[name] = evaluate(text, env)
    for name, text in eqs.backward:
        env[name] = evaluate(text, env)
    cost = env["J"]
    assert isinstance(cost, sp.Expr)
    symbols = sorted((s for s in cost.free_symbols if s not in normalised), key=str)
    y_range = (0.05, 0.95 / sizes[L]) if normalised else (0.05, 0.95)
    ranges = {s: y_range for s in symbols if str(s).startswith("Y_")}
    ranges.update({s: (-2.0, 2.0) for s in symbols if not str(s).startswith("Y_")})
    names, lhs, rhs = [], [], []
    for k, matrix in enumerate(params):
        grad = env[("dW" if k % 2 == 0 else "db") + str(k // 2 + 1)]
        assert isinstance(matrix, sp.Matrix) and isinstance(grad, sp.Matrix)
        for i in range(matrix.shape[0]):
            for j in range(matrix.shape[1]):
                names.append(str(matrix[i, j]))
                lhs.append(sp.diff(cost, matrix[i, j]))
                rhs.append(grad[i, j])
    return _agree_at_points(names, lhs, rhs, symbols, ranges, points, normalised)


def _agree_at_points(
    names: list[str],
    lhs: list[sp.Expr],
    rhs: list[sp.Expr],
    symbols: list[sp.Symbol],
    ranges: Mapping[sp.Symbol, tuple[float, float]],
    points: int,
    dependent: Mapping[sp.Symbol, sp.Expr],
) -> int:
    """lhs[k] = rhs[k] at `points` random decimal points, evaluated at 60 digits, to 10^-45 relative.

    `dependent` symbols take their values from the sampled ones (the last class of a normalised
    target).  Returns the number of comparisons (entries times points); **raises** VerificationError.
    """
    args = [*symbols, *dependent]
    fl = sp.lambdify(args, lhs, modules="mpmath", cse=True)
    fr = sp.lambdify(args, rhs, modules="mpmath", cse=True)
    fd = sp.lambdify(symbols, list(dependent.values()), modules="mpmath")
    rng = random.Random(0)
    tol = mpmath.mpf(10) ** -45
    for _ in range(points):
        point = [mpmath.mpf(f"{rng.uniform(*ranges[s]):.6f}") for s in symbols]
        with mpmath.workdps(60):
            full = [*point, *fd(*point)]
            left, right = fl(*full), fr(*full)
            for name, u, v in zip(names, left, right, strict=True):
                if not abs(u - v) <= tol * (1 + abs(u)):
                    where = ", ".join(f"{s}={mpmath.nstr(x, 8)}" for s, x in zip(symbols, point, strict=True))
                    raise VerificationError(
                        f"backprop d{name}: sympy.diff of J and the equations differ at {where}: "
                        f"{mpmath.nstr(u, 20)} != {mpmath.nstr(v, 20)}"
                    )
    return len(names) * points


@functools.lru_cache(maxsize=64)
def prove(spec: NetworkSpec, *, points: int = 3) -> Proof:
    """Prove the equations of `spec` (see the module docstring); **raises** VerificationError."""
    return prove_equations(equations(spec), points=points)


def prove_equations(eqs: Equations, *, points: int = 3) -> Proof:
    """Prove the equation texts `eqs` as printed; **raises** VerificationError on any entry."""
    spec = eqs.spec
    sizes = _proof_sizes(spec)
    steps: dict[str, tuple[int, set[str]]] = {}

    def add(label: str, count: int, used: set[str]) -> None:
        before, methods = steps.get(label, (0, set()))
        steps[label] = (before + count, methods | used)

    L = spec.depth
    try:
        for m in PROOF_SAMPLES:
            used: set[str] = set()
            add(f"dZ{L} = m dJ/dZ{L}", _prove_output(eqs, sizes, m, used), used)
            for layer in range(L, 0, -1):
                prev = "X" if layer == 1 else f"A{layer - 1}"
                label = f"dW{layer} = dJ/dW{layer}, db{layer} = dJ/db{layer}" + (
                    f", dA{layer - 1} = m dJ/d{prev}" if layer > 1 else ""
                )
                used = set()
                add(label, _prove_linear(eqs, layer, sizes, m, used), used)
                if layer < L:
                    used = set()
                    add(f"dZ{layer} = m dJ/dZ{layer}", _prove_hidden(eqs, layer, sizes, m, used), used)
        checked = _spot_check(eqs, tuple(min(n, 2) for n in spec.layers), points)
    except (ValueError, KeyError, IndexError, TypeError, sp.ShapeError) as exc:  # does not evaluate
        raise VerificationError(f"backprop: an equation does not evaluate: {exc}") from None
    methods = set().union(*(used for _, used in steps.values()))
    entries = sum(count for count, _ in steps.values())
    recorded = tuple((label, count, tuple(sorted(used))) for label, (count, used) in steps.items())
    return Proof(spec, sizes, PROOF_SAMPLES, entries, checked, tuple(sorted(methods)), recorded)


def as_json(eqs: Equations, proof: Proof | None) -> dict[str, object]:
    """The stable JSON object of ``symact backprop --json``."""
    out: dict[str, object] = {
        "layers": list(eqs.spec.layers),
        "activations": list(eqs.spec.activations),
        "loss": eqs.spec.loss,
        "forward": dict(eqs.forward),
        "backward": dict(eqs.backward),
        "notes": list(eqs.notes),
        "proved": proof is not None,
        "checked_points": proof.checked_points if proof else 0,
    }
    if proof is not None:
        out["proof"] = {
            "sizes": list(proof.sizes),
            "samples": list(proof.samples),
            "entries": proof.entries,
            "methods": list(proof.methods),
        }
    return out
