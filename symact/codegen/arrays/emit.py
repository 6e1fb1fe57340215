"""Module text of an array framework's verified kernels (``symact/<framework>/_generated.py``).

For each element-wise activation and loss whose forward kernel and derivative the NumPy generator
verified, the module holds

- the kernels ``_k_NAME``, ``_k_NAME_grad`` (and ``_k_NAME_grad_from_output``), printed from the
  same rewritten expressions over the namespace ``xp`` (:mod:`symact.codegen.arrays.printer`), and
  their limits at +-inf where the NumPy kernel needs them;
- the public derivatives ``NAME_grad(x, *, params)`` (and ``NAME_grad_from_output(a, ...)``);
- the public ``NAME(x, *, params)`` (a loss: ``NAME(a, y, *, params)``), differentiated by the
  framework's own mechanism (:class:`Framework`: a ``torch.autograd.Function``, a ``jax.custom_jvp``)
  with the verified derivative from the input: ``g * NAME_grad(x)``.

The derivative is taken from the input, never from the output form: the output is rounded to the
input's dtype, and the output forms are verified on float64 outputs only (in float32, 1 - a has lost
the digits a(1 - a) needs).  A loss has no derivative with respect to its target `y`: asking for one
is an error, not a silent zero.  The text is a function of the generation only (catalogue order,
no measured number), so a second run writes the same bytes.
"""

from __future__ import annotations

import textwrap
from collections.abc import Collection
from dataclasses import dataclass

from symact.codegen.arrays.printer import array_kernel_source, array_limits_source, translate
from symact.codegen.arrays.vector import VectorTable, vector_parts
from symact.codegen.emit import HEADER, role_doc
from symact.codegen.generate import Generation, KernelResult
from symact.codegen.printer import literal

__all__ = ["Framework", "Group", "groups", "module_text"]


@dataclass(frozen=True)
class Framework:
    """What differs between the array frameworks' module texts.

    `imports`: the module's import lines; `array`: the annotation of an array; `function`: the text
    of a differentiable public function (format fields: ``name``, ``cls``, ``sig``, ``params``,
    ``pargs``, ``nparams``, ``doc``, ``fwd``, ``grad``, ``limf``, ``limg``, ``nones``, ``call``);
    `loss`: the same for a loss; `doc`: the module docstring; `vector`: the texts of the vector
    functions and losses (:mod:`symact.codegen.arrays.vector`), None for a framework without them.
    """

    name: str
    imports: str
    array: str
    function: str
    loss: str
    doc: str
    vector: VectorTable | None = None


@dataclass(frozen=True)
class Group:
    """One record's kernels in a framework: the forward, the derivative, the output form (or None)."""

    fwd: KernelResult
    grad: KernelResult
    output: KernelResult | None

    @property
    def name(self) -> str:
        return self.fwd.record.name

    @property
    def loss(self) -> bool:
        return bool(self.fwd.plan.extra)

    @property
    def kernels(self) -> tuple[KernelResult, ...]:
        return (self.fwd, self.grad, *([self.output] if self.output else []))


def groups(gen: Generation) -> list[Group]:
    """The element-wise activations and losses of `gen` whose forward and derivative kernels are
    verified, in catalogue order."""
    by_name = {r.plan.name: r for r in gen.results if r.ok and r.chosen is not None}
    out = []
    for r in gen.results:
        if r.record.kind not in ("elementwise", "loss") or r.plan.role != "fwd" or r.plan.name not in by_name:
            continue
        grad = by_name.get(f"{r.plan.name}_grad")
        if grad is not None:
            out.append(Group(r, grad, by_name.get(f"{r.plan.name}_grad_from_output")))
    return out


def _pnames(r: KernelResult) -> list[str]:
    return [p.symbol.name for p in r.record.params]


def _inputs(r: KernelResult) -> list[str]:
    return [r.plan.var.name, *[e.name for e in r.plan.extra]]


def _kernel_text(r: KernelResult) -> str:
    assert r.chosen is not None
    text = array_kernel_source(f"_k_{r.plan.name}", [*_inputs(r), *_pnames(r)], r.chosen.expr)
    if r.guarded:
        lim_params = [e.name for e in r.plan.extra] + _pnames(r)
        text += "\n\n" + array_limits_source(f"_lim_{r.plan.name}", lim_params, r.limits)
    return text


def _lim(r: KernelResult) -> str:
    return f"_lim_{r.plan.name}" if r.guarded else "None"


def _sig(r: KernelResult, array: str) -> str:
    sig = [f"{n}: {array}" for n in _inputs(r)] + (["*"] if r.record.params else [])
    sig += [f"{p.symbol.name}: float = {translate(literal(p.default))}" for p in r.record.params]
    return ", ".join(sig)


def _tuple(names: list[str]) -> str:
    return "(" + "".join(f"{n}, " for n in names).rstrip(" ") + ")" if names else "()"


def _doc(text: str) -> str:
    return textwrap.indent(textwrap.fill(text, 96), "    ").lstrip()


def _plain(r: KernelResult, fw: Framework) -> str:
    """A public derivative (not differentiated by the framework's mechanism)."""
    role = "loss_grad" if r.plan.extra and r.plan.role == "grad" else r.plan.role
    doc = _doc(role_doc(role, r.record.description, r.record.name))
    call = "xp.binary" if r.plan.extra else "xp.unary"
    args = ", ".join(_inputs(r))
    return (
        f"def {r.plan.name}({_sig(r, fw.array)}) -> {fw.array}:\n"
        f'    """{doc}\n    """\n'
        f"    return {call}(_k_{r.plan.name}, {args}, {_tuple(_pnames(r))}, {_lim(r)})\n"
    )


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _public(g: Group, fw: Framework) -> str:
    pn = _pnames(g.fwd)
    fields = {
        "name": g.name,
        "cls": f"_{_pascal(g.name)}",
        "sig": _sig(g.fwd, fw.array),
        "params": ", ".join(pn),
        "pargs": "".join(f", {n}" for n in pn),
        "ptuple": _tuple(pn),
        "nparams": len(pn),
        "plead": "".join(f"{n}, " for n in pn),
        "nondiff": _tuple([str(i + len(_inputs(g.fwd))) for i in range(len(pn))]),
        "doc": _doc(g.fwd.record.description),
        "fwd": f"_k_{g.name}",
        "grad": f"_k_{g.grad.plan.name}",
        "limf": _lim(g.fwd),
        "limg": _lim(g.grad),
        "nones": "".join(", None" for _ in pn),
    }
    return (fw.loss if g.loss else fw.function).format(**fields)


def module_text(
    gen: Generation,
    fw: Framework,
    gs: list[Group] | None = None,
    *,
    vectors: bool = True,
    skip: Collection[str] = (),
) -> str:
    """The whole generated module of framework `fw` (of the kernel groups `gs`, all by default; and,
    with `vectors` and a framework that has them, the vector functions but the records `skip`)."""
    gs = groups(gen) if gs is None else gs
    vector = fw.vector if vectors else None
    vnames, vparts = vector_parts(gen, vector, fw.array, skip) if vector is not None else ([], [])
    public = sorted([*(r.plan.name for g in gs for r in g.kernels), *vnames])
    head = (
        HEADER
        + "# ruff: noqa: E501\n# fmt: off\n"
        + f'"""{fw.doc}"""\n\n'
        + "from __future__ import annotations\n\n"
        + fw.imports
        + "\n__all__ = [\n"
        + "".join(f'    "{n}",\n' for n in public)
        + "]\n"
    )
    parts = []
    for g in gs:
        parts += [_kernel_text(r) for r in g.kernels]
        parts += [_plain(r, fw) for r in g.kernels if r is not g.fwd]
        parts.append(_public(g, fw))
    return head + "".join("\n\n" + p for p in [*parts, *vparts])
