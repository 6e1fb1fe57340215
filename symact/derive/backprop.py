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
otherwise.  :mod:`symact.derive.backprop_proof` proves them.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import sympy as sp

from symact.catalogue import Activation, Loss, VectorFunction, VectorLoss, get
from symact.derive import derive
from symact.derive._check import zero_method
from symact.derive._elementwise import Derivation
from symact.derive.backprop_text import matrix_text
from symact.errors import UserError, VerificationError

__all__ = ["Equations", "NetworkSpec", "course_form", "equations", "parse_spec"]

MAX_LAYER_SIZE = 100_000


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
