r"""Backpropagation through a fully connected network, derived from the catalogue and proved.

Notation (the course's): X has shape (n_0, m), one column per sample; for l = 1..L,
Z[l] = W[l] A[l-1] + b[l], A[l] = g[l](Z[l]), A[0] = X; the cost is J = (1/m) sum over samples of the
loss L(A[L](i), Y(i)).  The backward quantities are per-sample gradients in matrix form:
dZ[l] = m dJ/dZ[l] and dA[l] = m dJ/dA[l] (column i is the gradient of the i-th sample's loss), and
dW[l] = dJ/dW[l], db[l] = dJ/db[l].

:func:`equations` writes the forward and backward equations as text in the grammar of
:mod:`symact.derive.backprop_text`: dZ[L] = A[L] - Y for a canonical pair (proved, not assumed),
the chain product dA[L] * g'(Z[L]) otherwise; g' is written from the output A where the catalogue
finds an output form (the indicator (A > 0) for ReLU, under the PyTorch kink convention) and from Z
otherwise.  :func:`prove` proves every printed backward equation entry by entry at concrete sizes:

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

from symact.catalogue import Activation, Loss, VectorFunction, VectorLoss, get
from symact.derive import derive
from symact.derive._check import zero_method
from symact.derive._elementwise import Derivation
from symact.derive.backprop_text import evaluate, matrix_text
from symact.errors import UserError, VerificationError

__all__ = [
    "Equations",
    "NetworkSpec",
    "Proof",
    "as_json",
    "course_form",
    "equations",
    "parse_spec",
    "prove",
    "prove_equations",
]

MAX_LAYER_SIZE = 100_000
PROOF_SAMPLES = (2, 3)
"""The numbers of samples m at which the equations are proved (symbolic proofs)."""


@dataclass(frozen=True)
class NetworkSpec:
    """Layer sizes n_0..n_L, one catalogue activation per layer, and the loss at the output."""

    layers: tuple[int, ...]
    activations: tuple[str, ...]
    loss: str

    @property
    def depth(self) -> int:
        return len(self.layers) - 1


def _known(name: str, kind: str) -> str:
    try:
        return get(name).name
    except KeyError:
        raise UserError(f"unknown {kind} {name!r} (see 'symact list')") from None


def parse_spec(layers: str | Sequence[int], activations: str | Sequence[str], loss: str) -> NetworkSpec:
    """Validate a network description; **raises** UserError naming what is wrong."""
    if isinstance(layers, str):
        parts = layers.split(",")
        if not all(p.strip().isdigit() for p in parts):
            raise UserError(f"--layers must be comma-separated positive integers like 2,3,1, got {layers!r}")
        sizes = tuple(int(p) for p in parts)
    else:
        sizes = tuple(int(n) for n in layers)
    if len(sizes) < 2:
        raise UserError(f"--layers needs at least two sizes (inputs and outputs), got {len(sizes)}")
    if any(n < 1 or n > MAX_LAYER_SIZE for n in sizes):
        raise UserError(f"layer sizes must be between 1 and {MAX_LAYER_SIZE}, got {sizes}")
    names = [a.strip() for a in activations.split(",")] if isinstance(activations, str) else list(activations)
    if len(names) != len(sizes) - 1:
        raise UserError(
            f"--activations needs one name per layer after the inputs: {len(sizes) - 1}, got {len(names)}"
        )
    acts = tuple(_known(a, "activation") for a in names)
    loss_name = _known(loss, "loss")
    for i, a in enumerate(acts, 1):
        record = get(a)
        if isinstance(record, VectorFunction):
            if a != "softmax" or i != len(acts):
                raise UserError(f"{a} is only supported as the output activation softmax")
        elif not isinstance(record, Activation):
            raise UserError(f"{a!r} is not an activation (see 'symact list')")
        elif len({k.at for k in record.kinks}) > 1:
            raise UserError(f"{a} has more than one kink; the proofs handle one kink per activation")
    loss_record = get(loss_name)
    if acts[-1] == "softmax":
        if loss_name != "cross_entropy":
            raise UserError("softmax output needs --loss cross_entropy")
        if sizes[-1] < 2:
            raise UserError("softmax output needs at least 2 classes (last layer size >= 2)")
    elif isinstance(loss_record, VectorLoss):
        raise UserError(f"{loss_name} is supported only after a softmax output")
    elif not isinstance(loss_record, Loss):
        raise UserError(f"{loss_name!r} is not a loss (see 'symact list')")
    return NetworkSpec(sizes, acts, loss_name)


@dataclass(frozen=True)
class Equations:
    """The forward and backward equations as text, in order, and notes (the kink conventions)."""

    spec: NetworkSpec
    forward: tuple[tuple[str, str], ...]
    backward: tuple[tuple[str, str], ...]
    notes: tuple[str, ...]
    canonical: bool


def _params(record: Activation | Loss) -> dict[sp.Symbol, sp.Expr]:
    return {p.symbol: p.default for p in record.params}


def _by_name(expr: sp.Expr, record: Activation | Loss) -> sp.Expr:
    """`expr` with the record's parameters (matched by name) at their defaults."""
    named = {p.name: p.default for p in record.params}
    return expr.subs({s: named[s.name] for s in expr.free_symbols if s.name in named})


def course_form(name: str) -> tuple[sp.Expr, str] | None:
    """g' written from the output a as the course writes it, or None: (expression in a, kink note).

    A piecewise-constant output form of an activation with one kink at c is written as
    ``where(a > g(c), slope on the right, value at the kink)``: the indicator (a > 0) for ReLU.  The
    value at the kink must be the PyTorch convention's (checked here); the proofs check the rest.
    """
    record = get(name)
    assert isinstance(record, Activation)
    d = derive(record)
    assert isinstance(d, Derivation)
    if d.output_form.status != "found" or d.output_form.expression is None:
        return None
    a = sp.Symbol("a", real=True)
    values = _params(record)
    form = _by_name(d.output_form.expression, record)
    if not record.kinks:
        return form, ""
    kink = record.kinks[0]
    at = record.expr.subs(values).subs(record.variable, kink.at)
    convention = _by_name(sp.sympify(kink.conventions.get("pytorch")), record)
    if isinstance(form, sp.Piecewise) and all(not v.free_symbols for v, _ in form.args):
        right, here = form.subs(a, at + 1), form.subs(a, at)
        form = sp.Piecewise((right, a > at), (here, True))
    if form.subs(a, at) != convention:
        raise VerificationError(
            f"{name}: g' from the output at the kink is not the PyTorch value {convention}"
        )
    note = (
        f"{name}: at the kink z = {kink.at} (A = {at}) g' takes the PyTorch value {convention} "
        f"(one-sided derivatives {sp.sstr(kink.left.subs(values))} and {sp.sstr(kink.right.subs(values))})"
    )
    return form, note


def _derivative_text(name: str, z: str, a: str) -> tuple[str, str]:
    """g' in the names Z or A of its layer (text), and the kink note."""
    record = get(name)
    assert isinstance(record, Activation)
    found = course_form(name)
    if found is not None:
        form, note = found
        return matrix_text(form.subs(sp.Symbol("a", real=True), sp.Symbol(a))), note
    d = derive(record)
    assert isinstance(d, Derivation)
    return matrix_text(_by_name(d.derivative, record).subs(record.variable, sp.Symbol(z))), ""


def _wrap(text: str) -> str:
    """`text` in parentheses unless it already is one parenthesised group."""
    depth = 0
    for k, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and k < len(text) - 1:
            return f"({text})"
    return text if text.startswith("(") else f"({text})"


def _loss_text(spec: NetworkSpec, a: str) -> str:
    if spec.loss == "cross_entropy":
        return f"-(1/m) * sum(Y * log({a}))"
    return f"(1/m) * sum({spec.loss}({a}, Y))"


def _canonical(spec: NetworkSpec) -> bool:
    """True when m dJ/dZ[L] = A[L] - Y is proved for the output pair (scalar case)."""
    if spec.activations[-1] == "softmax":
        return True  # proved entry by entry in prove(); required by parse_spec
    act, loss = get(spec.activations[-1]), get(spec.loss)
    assert isinstance(act, Activation) and isinstance(loss, Loss)
    z, y = sp.Symbol("z", real=True), sp.Symbol("y", real=True)
    a = act.expr.subs(_params(act)).subs(act.variable, z)
    lhs = sp.diff(loss.expr.subs(_params(loss)).subs({loss.variable: a, loss.target: y}), z)
    return not act.kinks and zero_method(lhs - (a - y)) is not None


@functools.lru_cache(maxsize=64)
def equations(spec: NetworkSpec) -> Equations:
    """The forward and backward equations of `spec` as text (not yet proved: see :func:`prove`)."""
    L = spec.depth
    forward: list[tuple[str, str]] = []
    for layer, act in enumerate(spec.activations, 1):
        prev = "X" if layer == 1 else f"A{layer - 1}"
        forward.append((f"Z{layer}", f"W{layer} @ {prev} + b{layer}"))
        forward.append(
            (f"A{layer}", f"softmax(Z{layer}, axis=0)" if act == "softmax" else f"{act}(Z{layer})")
        )
    forward.append(("J", _loss_text(spec, f"A{L}")))
    backward: list[tuple[str, str]] = []
    notes: list[str] = []
    canonical = _canonical(spec)
    if canonical:
        backward.append((f"dZ{L}", f"A{L} - Y"))
    else:
        loss = get(spec.loss)
        assert isinstance(loss, Loss)
        d = derive(loss)
        assert isinstance(d, Derivation)
        grad = _by_name(d.derivative, loss).subs(
            {loss.variable: sp.Symbol(f"A{L}"), loss.target: sp.Symbol("Y")}
        )
        backward.append((f"dA{L}", matrix_text(grad)))
        text, note = _derivative_text(spec.activations[-1], f"Z{L}", f"A{L}")
        backward.append((f"dZ{L}", f"dA{L} * {_wrap(text)}"))
        notes += [note] if note else []
    for layer in range(L, 0, -1):
        prev = "X" if layer == 1 else f"A{layer - 1}"
        backward.append((f"dW{layer}", f"(1/m) * dZ{layer} @ {prev}.T"))
        backward.append((f"db{layer}", f"(1/m) * sum(dZ{layer}, axis=1)"))
        if layer > 1:
            backward.append((f"dA{layer - 1}", f"W{layer}.T @ dZ{layer}"))
            text, note = _derivative_text(spec.activations[layer - 2], f"Z{layer - 1}", f"A{layer - 1}")
            backward.append((f"dZ{layer - 1}", f"dA{layer - 1} * {_wrap(text)}"))
            if note and note not in notes:
                notes.append(note)
    if spec.activations[-1] == "softmax":
        notes.insert(0, "cross_entropy: each column of Y sums to 1 (one-hot or a probability vector)")
    return Equations(spec, tuple(forward), tuple(backward), tuple(notes), canonical)


# ----------------------------------------------------------------------------------------------
# Proof


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
    """Step 2 at hidden layer l: m dJ/dZ[l] for J = F(g(Z[l])) against the printed dZ[l]."""
    record = get(eqs.spec.activations[layer - 1])
    assert isinstance(record, Activation)
    zs = _matrix(f"Z{layer}", sizes[layer], m)
    env: dict[str, object] = {"m": sp.Integer(m), f"Z{layer}": zs}
    a = evaluate(_text(eqs.forward, f"A{layer}"), env)
    env[f"A{layer}"] = a
    F = sp.Function("F")
    av = _matrix("a", sizes[layer], m)
    env[f"dA{layer}"] = av.applyfunc(lambda s: m * sp.diff(F(*av), s)).subs(dict(zip(av, a, strict=True)))
    claimed = evaluate(_text(eqs.backward, f"dZ{layer}"), env)
    cost = F(*a)
    count = 0
    for i in range(sizes[layer]):
        for j in range(m):
            lhs = m * sp.diff(cost, zs[i, j])
            for label, value in _cases(record):
                sub = {} if not label else {zs[i, j]: value}
                _zero(f"dZ{layer}[{i + 1},{j + 1}]{label}", lhs.subs(sub), claimed[i, j].subs(sub), methods)
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
