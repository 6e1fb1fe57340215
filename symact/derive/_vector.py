"""Derivation of vector-valued functions (Jacobians) and vector losses (gradients).

The output form of a Jacobian is searched through the normalised exponentials p_i = t_i / S with
t_i = e^{±x_i} and S = sum_j t_j: the Jacobian and the outputs are rewritten in p (S must cancel),
the outputs are inverted for p, and the result is proved equal to the Jacobian entry by entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from symact.catalogue import VectorFunction, VectorLoss, vector_symbols
from symact.derive._check import spot_check, zero_method
from symact.errors import ArgumentError, VerificationError

__all__ = ["VectorDerivation", "derive_vector"]


@dataclass(frozen=True)
class VectorDerivation:
    """The Jacobian (vector function) or gradient (vector loss) of `record` at size n."""

    record: VectorFunction | VectorLoss
    n: int
    inputs: tuple[sp.Symbol, ...]
    outputs: tuple[sp.Symbol, ...]
    expression: sp.Matrix
    jacobian: sp.Matrix
    jacobian_simplified: sp.Matrix
    output_form: sp.Matrix | None
    output_form_proof: str
    checked_points: int
    targets: tuple[sp.Symbol, ...] = ()

    @property
    def name(self) -> str:
        return self.record.name


def _output_jacobian(
    outputs: sp.Matrix, jac: sp.Matrix, xs: tuple[sp.Symbol, ...], names: tuple[sp.Symbol, ...]
) -> sp.Matrix | None:
    n = len(xs)
    p = vector_symbols("p", n)
    s_sym = sp.Symbol("S", positive=True)
    for sign in (1, -1):
        total = sp.Add(*[sp.exp(sign * x) for x in xs])
        # e^{sign x_i} = p_i S, i.e. x_i = sign * log(p_i S), with S the sum of the exponentials
        to_p = {x: sign * sp.log(p_i * s_sym) for x, p_i in zip(xs, p, strict=True)}

        def in_p(e: sp.Expr, total: sp.Expr = total, to_p: dict = to_p) -> sp.Expr:
            return sp.simplify(sp.expand_log(e.subs(total, s_sym).subs(to_p), force=True))

        outs_p = [in_p(o) for o in outputs]
        if any(o.has(*xs) or o.has(s_sym) for o in outs_p):
            continue
        inverse: dict[sp.Symbol, sp.Expr] = {}
        for out, p_i, a_i in zip(outs_p, p, names, strict=True):
            sols = [sol for sol in sp.solve(sp.Eq(a_i, out), p_i) if not sol.has(*[q for q in p if q != p_i])]
            if len(sols) != 1:
                break
            inverse[p_i] = sols[0]
        else:
            jac_p = jac.applyfunc(lambda e: in_p(e))
            if jac_p.has(*xs) or jac_p.has(s_sym):
                continue
            return jac_p.subs(inverse).applyfunc(sp.factor)
    return None


def derive_vector(
    record: VectorFunction | VectorLoss, *, params: Mapping[str, sp.Expr] | None = None, n: int | None = None
) -> VectorDerivation:
    """The Jacobian of a vector function (with its output form, if one is found) or a loss gradient."""
    if params:
        raise ArgumentError(f"{record.name} takes no parameters on the command line")
    n = n or record.n_default
    xs = vector_symbols("x" if record.kind == "vector" else "z", n)
    numeric_ranges = {x: (-4.0, 4.0) for x in xs}
    if isinstance(record, VectorLoss):
        ys = vector_symbols("y", n)
        loss = record.build(xs, ys)
        grad = sp.Matrix([sp.diff(loss, x) for x in xs]).T
        grad_s = grad.applyfunc(sp.simplify)
        for g, gs in zip(grad, grad_s, strict=True):
            if zero_method(g - gs) is None:
                raise VerificationError(f"{record.name}: simplified gradient is not equal to the raw one")
        return VectorDerivation(
            record=record,
            n=n,
            inputs=xs,
            outputs=(),
            expression=sp.Matrix([loss]),
            jacobian=grad,
            jacobian_simplified=grad_s,
            output_form=None,
            output_form_proof="",
            checked_points=0,
            targets=ys,
        )
    outputs = record.build(xs)
    names = vector_symbols("a", len(outputs))
    jac = outputs.jacobian(xs)
    jac_s = jac.applyfunc(sp.simplify)
    form = _output_jacobian(outputs, jac, xs, names)
    proof, checked = "", 0
    if form is not None:
        back = form.subs(dict(zip(names, outputs, strict=True)))
        methods = set()
        for entry, candidate in zip(jac, back, strict=True):
            method = zero_method(entry - candidate)
            if method is None:
                raise VerificationError(f"{record.name}: output-form Jacobian entry {candidate} not proved")
            methods.add(method)
        for i in range(len(outputs)):
            for j in range(n):
                checked += spot_check(
                    jac[i, j], back[i, j], list(xs), ranges=numeric_ranges, points=3, seed=i * n + j
                )
        proof = "entry by entry: J(x) - G(f(x)) = 0 (" + ", ".join(sorted(methods)) + ")"
    return VectorDerivation(
        record=record,
        n=n,
        inputs=xs,
        outputs=names,
        expression=outputs,
        jacobian=jac,
        jacobian_simplified=jac_s,
        output_form=form,
        output_form_proof=proof,
        checked_points=checked,
    )
