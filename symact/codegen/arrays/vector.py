"""The vector functions and losses of an array framework's module (softmax, log_softmax, logsumexp,
GLU, cross-entropy, ...): printed from the verified NumPy vector kernels.

A NumPy vector kernel (:mod:`symact.codegen.vector_gen`, :mod:`symact.codegen.vector_loss`) is a
short text over the row routines ``_rt.<name>`` and a few NumPy names (``numpy.sum``,
``numpy.concatenate``, and in GLU's element kernels the element-wise names of
:data:`~symact.codegen.arrays.printer.NAMESPACE`).  The framework's text is the same, each NumPy name
renamed to the namespace ``xp`` and each routine the namespace's own
(:class:`symact.frameworks.vector_routines.VectorRoutines`, branch-free); a name outside these tables
is an error while printing.  For each record whose forward kernel and VJP (a loss: gradient) the
generator verified, the module holds

- the kernels ``_v_NAME`` and ``_v_NAME_vjp`` (``_v_NAME_grad``);
- the public ``NAME_vjp(x, g, *, dim=-1)`` (a loss: ``NAME_grad(z, y, *, params, dim=-1)``);
- the public ``NAME(x, *, dim=-1)`` (a loss: ``NAME(z, y, *, params, dim=-1)``), differentiated by the
  framework's mechanism (:class:`VectorTable`) with that VJP (gradient) as its backward.

Only a framework whose table has a :class:`VectorTable` gets them (PyTorch today).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Collection
from dataclasses import dataclass

from symact.codegen.arrays.printer import UnsupportedName, translate
from symact.codegen.generate import Generation, KernelResult
from symact.codegen.printer import literal

__all__ = [
    "VECTOR_NAMES",
    "VECTOR_ROUTINES",
    "VectorGroup",
    "VectorTable",
    "vector_groups",
    "vector_kernel_text",
    "vector_parts",
]

VECTOR_NAMES: dict[str, str] = {"sum": "sum", "concatenate": "concatenate"}
"""NumPy names of the vector kernels -> names in the namespace ``xp`` (besides the element-wise ones)."""

VECTOR_ROUTINES: tuple[str, ...] = (
    "cotangent",
    "log_softmax",
    "logsumexp",
    "nan_where",
    "nll_of_logits",
    "paired",
    "paired_cotangent",
    "reduced_cotangent",
    "shifted_cotangent",
    "softmax",
    "softmax_complement",
    "softmax_scaled",
    "weighted_nll",
)
"""The row routines a vector kernel may call (``_rt.<name>``), each a method of ``VectorRoutines``."""

_VECTOR_CALL = re.compile(r"\bnumpy\.(sum|concatenate)\(")
_ROUTINE = re.compile(r"\b_rt\.([A-Za-z_][A-Za-z_0-9]*)")


@dataclass(frozen=True)
class VectorTable:
    """The texts of a framework's differentiable vector functions.

    `function`: a vector function (format fields ``name``, ``cls``, ``doc``, ``fwd``, ``vjp``);
    `loss`: a vector loss (``name``, ``cls``, ``doc``, ``fwd``, ``grad``, ``sig`` (the keyword
    parameters), ``pargs``, ``ptuple``, ``nones``).
    """

    function: str
    loss: str


@dataclass(frozen=True)
class VectorGroup:
    """One vector record's kernels: the forward and its VJP (a loss: its gradient)."""

    fwd: KernelResult
    back: KernelResult

    @property
    def name(self) -> str:
        return self.fwd.record.name

    @property
    def loss(self) -> bool:
        return self.fwd.record.kind == "vector_loss"

    @property
    def kernels(self) -> tuple[KernelResult, KernelResult]:
        return (self.fwd, self.back)


def vector_groups(gen: Generation) -> list[VectorGroup]:
    """The vector functions and losses of `gen` whose forward kernel and VJP (gradient) are verified,
    in catalogue order."""
    by_name = {r.plan.name: r for r in gen.results if r.ok and r.emitted is not None}
    out = []
    for r in gen.results:
        if (
            r.record.kind not in ("vector", "vector_loss")
            or r.plan.role != "fwd"
            or r.plan.name not in by_name
        ):
            continue
        back = by_name.get(f"{r.plan.name}_grad" if r.record.kind == "vector_loss" else f"{r.plan.name}_vjp")
        if back is not None:
            out.append(VectorGroup(r, back))
    return out


def vector_kernel_text(r: KernelResult) -> str:
    """The NumPy kernel text of `r` over the namespace ``xp`` (an error for a name or routine outside
    the tables)."""
    assert r.emitted is not None
    text = _VECTOR_CALL.sub(lambda m: f"xp.{VECTOR_NAMES[m.group(1)]}(", r.emitted.kernel)
    for name in _ROUTINE.findall(text):
        if name not in VECTOR_ROUTINES:
            raise UnsupportedName(
                f"{r.plan.name}: the row routine _rt.{name} has no array-framework counterpart"
            )
    return translate(text).rstrip("\n") + "\n"


def _doc(text: str) -> str:
    return textwrap.indent(textwrap.fill(text, 96), "    ").lstrip()


def _pnames(g: VectorGroup) -> list[str]:
    return [p.symbol.name for p in g.fwd.record.params]


def _psig(g: VectorGroup) -> str:
    return "".join(f"{p.symbol.name}: float = {translate(literal(p.default))}, " for p in g.fwd.record.params)


def _ptuple(names: list[str]) -> str:
    return "(" + "".join(f"{n}," for n in names[:1]) + "".join(f" {n}," for n in names[1:]) + ")"


def _back_text(g: VectorGroup, array: str) -> str:
    """The public VJP (a loss: gradient), not differentiated by the framework."""
    b = g.back.plan.name
    if g.loss:
        logits = g.fwd.emitted is not None and "_rt.nll_of_logits" in g.fwd.emitted.kernel
        what = "the logits z" if logits else "the log-probabilities z"
        doc = (
            f"Gradient of {g.name} with respect to {what} along `dim` (shaped like z), the verified "
            f"kernel its backward pass uses."
        )
        pn = _pnames(g)
        return (
            f"def {b}(z: {array}, y: {array} | float, *, {_psig(g)}dim: int = -1) -> {array}:\n"
            f'    """{_doc(doc)}\n    """\n'
            f"    return xp.vector(_v_{b}, (z, xp.target(y, z)), dim, {_ptuple(pn)})\n"
        )
    shape = {
        "glu": "g has half the size of x along `dim`",
        "logsumexp": "g shaped like the output, or like it with `dim` kept",
    }.get(g.name, "g shaped like the output, or broadcasting to it")
    doc = f"Vector-Jacobian product g^T J of {g.name} along `dim` ({shape}), its backward pass."
    return (
        f"def {b}(x: {array}, g: {array}, *, dim: int = -1) -> {array}:\n"
        f'    """{_doc(doc)}\n    """\n'
        f"    return xp.vector(_v_{b}, (x, g), dim)\n"
    )


def _public(g: VectorGroup, table: VectorTable) -> str:
    pn = _pnames(g)
    fields = {
        "name": g.name,
        "cls": "_" + "".join(p.capitalize() for p in g.name.split("_")),
        "doc": _doc(g.fwd.record.description),
        "fwd": f"_v_{g.name}",
        "vjp": f"_v_{g.back.plan.name}",
        "grad": f"_v_{g.back.plan.name}",
        "sig": _psig(g),
        "pargs": "".join(f", {n}" for n in pn),
        "ptuple": _ptuple(pn),
        "nones": "".join(", None" for _ in pn),
    }
    return (table.loss if g.loss else table.function).format(**fields)


def vector_parts(
    gen: Generation, table: VectorTable, array: str, skip: Collection[str] = ()
) -> tuple[list[str], list[str]]:
    """(public names, module parts) of the vector functions and losses of `gen` but the records
    `skip` (`array`: the annotation of an array)."""
    names: list[str] = []
    parts: list[str] = []
    for g in vector_groups(gen):
        if g.name in skip:
            continue
        names += [r.plan.name for r in g.kernels]
        parts += [vector_kernel_text(r) for r in g.kernels]
        parts += [_back_text(g, array), _public(g, table)]
    return names, parts
