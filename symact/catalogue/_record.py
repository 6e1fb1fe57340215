"""The record types of the catalogue: one immutable record per function.

A record is data: the SymPy expression, its parameters (with defaults and valid ranges), its
non-smooth points (with the one-sided derivatives and each framework's convention there) and a
one-line description.  Nothing here differentiates; ``symact.derive`` does that.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import sympy as sp

from symact.catalogue._symbols import A, X, Y, vector_symbols

__all__ = [
    "Activation",
    "Kink",
    "Loss",
    "Param",
    "Record",
    "VectorFunction",
    "VectorLoss",
]


@dataclass(frozen=True)
class Param:
    """A parameter of a function: a real SymPy symbol, its default and its valid range.

    **Arguments:**
    - `name`: the symbol's name, as used in the expression and on the command line (`--param name=v`).
    - `default`: an exact value (Rational or an exact constant), never a Float.
    - `valid`: the valid range as a SymPy set, for example `sp.Interval.Ropen(0, 1)`.
    - `description`: one line.
    - `tex`: the short symbol the derivations print for it (LaTeX, such as ``\\alpha``); empty: its name.
    """

    name: str
    default: sp.Expr
    valid: sp.Set
    description: str
    tex: str = ""

    @property
    def symbol(self) -> sp.Symbol:
        return sp.Symbol(self.name, real=True)

    def check(self, value: sp.Expr) -> None:
        """Raise ValueError (one line) if `value` lies outside the valid range.

        An infinite value is accepted only where `valid` lists it explicitly (for example
        ``Union(Interval.open(0, oo), FiniteSet(oo))`` for "no upper cap").
        """
        value = sp.sympify(value)
        if value.has(sp.zoo, sp.nan) or not value.is_extended_real or value not in self.valid:
            raise ValueError(
                f"parameter {self.name}={value} is outside its valid range {_set_str(self.valid)}"
            )


def _set_str(s: sp.Set) -> str:
    if isinstance(s, sp.Interval):
        lo = "(" if s.left_open else "["
        hi = ")" if s.right_open else "]"
        return f"{lo}{s.start}, {s.end}{hi}"
    return str(s)


PYTORCH_READ = "2.13.0"
"""The PyTorch version every kink's "pytorch" value was executed on (torch autograd, float64, CPU);
``tests/test_conventions.py`` re-reads them from the installed torch."""

JAX_READ = "0.10.2"
"""The JAX version every kink's "jax" value was executed on (jax.grad, float64, CPU);
``tests/test_conventions.py`` re-reads them when JAX is installed."""


def _read_from() -> dict[str, str]:
    return {"pytorch": PYTORCH_READ, "jax": JAX_READ}


@dataclass(frozen=True)
class Kink:
    """A non-smooth point of an element-wise function.

    `left` and `right` are the declared one-sided derivatives (``symact.derive`` recomputes and
    checks them); `conventions` maps a framework name (``"pytorch"``, ``"jax"``) to the value its
    backward pass returns exactly at the point.  ``"symmetric"`` is always (left + right) / 2 and is
    not stored.  `jump` is True where f itself is discontinuous.
    """

    at: sp.Expr
    left: sp.Expr
    right: sp.Expr
    conventions: Mapping[str, sp.Expr | None]
    jump: bool = False
    note: str = ""
    versions: Mapping[str, str] = field(default_factory=_read_from)
    """The framework version each value of `conventions` was read from (executed), by framework."""
    legacy: Mapping[str, sp.Expr] = field(default_factory=dict)
    """Older framework behaviour where it differs, e.g. ``{"pytorch-legacy": value}``."""

    def value(self, convention: str) -> sp.Expr:
        """The derivative assigned at the point under `convention`.

        ``"pytorch-legacy"`` is PyTorch's value before a change (see `legacy`), else PyTorch's."""
        if convention == "symmetric":
            return (self.left + self.right) / 2
        if convention == "pytorch-legacy":
            return self.legacy[convention] if convention in self.legacy else self.value("pytorch")
        if convention not in self.conventions:
            known = ", ".join(sorted([*self.conventions, "symmetric"]))
            raise KeyError(f"convention {convention!r} is not known at this kink (known: {known})")
        value = self.conventions[convention]
        if value is None:
            return self.left if self.left == self.right else (self.left + self.right) / 2
        return value


@dataclass(frozen=True)
class Activation:
    """An element-wise activation f(x), x real.

    `expr` is written in :data:`symact.catalogue.X` and the parameter symbols.  Non-smooth functions
    are written with ``Piecewise`` (or ``Max``/``Min``/``Abs``), and every point where f or f' is not
    continuous is listed in `kinks`.  `domain` restricts x (for example ``Interval.open(0, oo)``).
    `constraints` are relations between parameters that must hold (for example min_val < max_val);
    ``symact.catalogue.check_params`` enforces them together with each parameter's range.
    """

    name: str
    expr: sp.Expr
    description: str
    params: tuple[Param, ...] = ()
    constraints: tuple[sp.Basic, ...] = ()
    kinks: tuple[Kink, ...] = ()
    aliases: tuple[str, ...] = ()
    family: str = "activation"
    domain: sp.Set = sp.S.Reals
    frameworks: str = ""
    notes: str = ""
    variable: sp.Symbol = field(default=X)

    kind = "elementwise"


@dataclass(frozen=True)
class VectorFunction:
    """A vector-valued function of n inputs, such as softmax.

    `build(xs)` returns the output as a column ``sp.Matrix`` given the input symbols `xs` (length n);
    `n_default` is the size used in reports and proofs.  `output_size(n)` gives the output length
    (GLU halves it).
    """

    name: str
    build: Callable[[tuple[sp.Symbol, ...]], sp.Matrix]
    description: str
    params: tuple[Param, ...] = ()
    constraints: tuple[sp.Basic, ...] = ()
    aliases: tuple[str, ...] = ()
    family: str = "vector"
    n_default: int = 3
    even_only: bool = False
    frameworks: str = ""
    notes: str = ""

    kind = "vector"
    kinks: tuple[Kink, ...] = ()

    def output_size(self, n: int) -> int:
        """The output length for `n` inputs (read off `build`)."""
        return int(self.build(vector_symbols("x", n)).rows)


@dataclass(frozen=True)
class Loss:
    """An element-wise loss l(a, y): `a` the prediction (:data:`A`), `y` the target (:data:`Y`).

    `link` names the activation whose canonical pairing with this loss gives dl/dz = mu - y, if any.
    `input_domain` restricts a (for example probabilities in (0, 1)).
    """

    name: str
    expr: sp.Expr
    description: str
    params: tuple[Param, ...] = ()
    constraints: tuple[sp.Basic, ...] = ()
    kinks: tuple[Kink, ...] = ()
    aliases: tuple[str, ...] = ()
    family: str = "loss"
    input_domain: sp.Set = sp.S.Reals
    target_domain: sp.Set = sp.S.Reals
    link: str | None = None
    frameworks: str = ""
    notes: str = ""
    variable: sp.Symbol = field(default=A)
    target: sp.Symbol = field(default=Y)

    kind = "loss"


@dataclass(frozen=True)
class VectorLoss:
    """A loss over n classes: `build(zs, ys)` returns the scalar loss from inputs `zs`, targets `ys`."""

    name: str
    build: Callable[[tuple[sp.Symbol, ...], tuple[sp.Symbol, ...]], sp.Expr]
    description: str
    params: tuple[Param, ...] = ()
    constraints: tuple[sp.Basic, ...] = ()
    aliases: tuple[str, ...] = ()
    family: str = "loss"
    n_default: int = 3
    link: str | None = None
    frameworks: str = ""
    notes: str = ""

    kind = "vector_loss"
    kinks: tuple[Kink, ...] = ()


Record = Activation | VectorFunction | Loss | VectorLoss
