r"""C row routines of the vector losses (cross-entropy over classes), from their proved shape.

A vector loss is $L = \sum_i w(y_i, n)(-\log p_i)$ (:func:`symact.codegen.vector_loss.recognise_loss`),
$\log p = $ log_softmax(z) for logits, $z$ itself for log-probabilities.  On `rows` contiguous rows of
`n` classes:

- ``int symact_NAME_rows(const double *z, const double *y, double *out, size_t rows, size_t n, <params>)``:
  one value per row, $-\sum_i w_i [w_i \ne 0] \log p_i$ (a class of weight 0 adds 0, also where
  $\log p_i = -\infty$), as ``_rt.weighted_nll`` computes it;
- ``int symact_NAME_grad_rows(...)`` (same arguments): $p_k \sum_i w_i - w_k$ for logits
  (``symact_softmax_complement_row`` of $-w$: at the class of the maximum $1 - p_k$ is formed from the
  other entries), $-w_k$ (nan where $z_k$ is nan and $w_k \ne 0$) for
  log-probabilities; `out` holds `rows*n` values.

Logit rows follow the NumPy routines: -inf is a masked class, a row with nan or +inf (or all -inf)
has nan log-probabilities.  They return 0, or -1 for n = 0 with logits (no maximum), where NumPy raises.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import sympy as sp

from symact import catalogue
from symact.codegen.c.printer import CKernelPrinter
from symact.codegen.vector_loss import LossShape, N, Y, recognise_loss

if TYPE_CHECKING:
    from symact.codegen.c.function import CFunction
    from symact.codegen.generate import Generation

__all__ = ["vector_loss_functions"]


@functools.lru_cache(maxsize=16)
def _shape(record: str) -> LossShape:
    return recognise_loss(catalogue.get(record))  # type: ignore[arg-type]


def _weight(shape: LossShape) -> str:
    """w(y_i, n) in C: y_i is ``yi``, the class count ``nd``."""
    w = shape.weight.xreplace({Y: sp.Symbol("yi", real=True), N: sp.Symbol("nd", positive=True)})
    return CKernelPrinter().doprint(w)


def _signature(name: str, params: list[str]) -> str:
    args = ["const double *z", "const double *y", "double *out", "size_t rows", "size_t n"]
    return f"int symact_{name}_rows({', '.join([*args, *[f'double {p}' for p in params]])})"


def _loop_head(params: list[str]) -> str:
    voids = "".join(f"    (void){p};\n" for p in params)
    return voids + "    const double nd = (double)n;\n    (void)nd;\n"


def _top_class(w: str) -> str:
    """The term of the class k at the maximum, w_k log1p(o), as sum_{j != k} w_k e^{z_j - m} where
    o < 2^-60 (``_rt._top_class``): no early underflow of a large weight times a tiny o; S = 1 there."""
    return (
        "        if (!bad && !far && isfinite(s)) {\n"
        "            const double top = symact_log_softmax_at(zr[k], m, l);\n"
        f"            const double yi = yr[k];\n            (void)yi;\n            const double wk = {w};\n"
        "            if (fabs(top) < 0x1p-60 && wk != 0) {\n"
        "                double q = 0.0, rest = 0.0;\n"
        "                for (size_t j = 0; j < n; j++) {\n"
        "                    if (j == k) continue;\n"
        f"                    const double yi = yr[j];\n                    (void)yi;\n"
        f"                    const double w = {w};\n"
        "                    rest += w * (w == 0 ? 0.0 : symact_log_softmax_at(zr[j], m, l));\n"
        "                    double lo;\n"
        "                    const double d = symact_shift(zr[j], m, &lo);\n"
        "                    if (d < -700.0) {\n"
        "                        const double h = exp(d / 2);\n"
        "                        q += ((wk * h) * h) * (1.0 + lo);\n"
        "                    } else {\n"
        "                        q += wk * (exp(d) * (1.0 + lo));\n"
        "                    }\n"
        "                }\n"
        "                s = rest - q;\n"
        "            }\n"
        "        }\n"
    )


def _fwd(name: str, shape: LossShape, params: list[str]) -> str:
    w = _weight(shape)
    logp = "bad ? NAN : symact_log_softmax_at(zr[i], m, l)" if shape.logits else "zr[i]"
    loop = (
        "        for (size_t i = 0; i < n; i++) {\n"
        f"            const double yi = yr[i];\n            (void)yi;\n            const double w = {w};\n"
    )
    setup = (
        "        const int bad = symact_row_kind(zr, 1.0, n) != 0;\n"
        "        double m = 0.0, l = 0.0;\n        size_t k = 0;\n"
        "        if (!bad) {\n            m = symact_row_max(zr, 1.0, n, &k);\n"
        "            l = log1p(symact_others(zr, 1.0, m, k, n));\n        }\n"
        "        int far = 0;\n"
        if shape.logits
        else ""
    )
    halves = (
        "        if (far) { /* the spread exceeds the float range: sum log p / 2, then double */\n"
        "            s = 0.0;\n"
        + "".join("    " + line for line in loop.splitlines(True))
        + "                const double lh = symact_log_softmax_half_at(zr[i], m, l);\n"
        "                s += w * (w == 0 ? 0.0 : lh);\n            }\n"
        "            s = 2.0 * s;\n        }\n"
    )
    return (
        f"{_signature(name, params)} {{\n"
        + ("    if (n == 0) return -1;\n" if shape.logits else "")
        + _loop_head(params)
        + "    for (size_t r = 0; r < rows; r++) {\n"
        "        const double *zr = z + r * n, *yr = y + r * n;\n" + setup + "        double s = 0.0;\n"
        f"{loop}            const double lp = {logp};\n"
        + ("            if (lp == -INFINITY && isfinite(zr[i]) && w != 0) far = 1;\n" if shape.logits else "")
        + "            s += w * (w == 0 ? 0.0 : lp);\n        }\n"
        + (halves + _top_class(w) if shape.logits else "")
        + "        out[r] = -s;\n    }\n    return 0;\n}\n"
    )


def _grad(name: str, shape: LossShape, params: list[str]) -> str:
    w = _weight(shape)
    loop = (
        "        for (size_t i = 0; i < n; i++) {\n"
        f"            const double yi = yr[i];\n            (void)yi;\n            const double w = {w};\n"
    )
    if shape.logits:
        body = (
            f"{loop}            o[i] = -w;\n        }}\n"
            + "        symact_softmax_complement_row(zr, 1.0, o, o, n);\n"
        )
    else:
        body = f"{loop}            o[i] = (isnan(zr[i]) && w != 0) ? NAN : -w;\n        }}\n"
    return (
        f"{_signature(name, params)} {{\n"
        + ("    if (n == 0) return -1;\n" if shape.logits else "")
        + _loop_head(params)
        + "    for (size_t r = 0; r < rows; r++) {\n"
        "        const double *zr = z + r * n, *yr = y + r * n;\n"
        "        double *o = out + r * n;\n" + body + "    }\n    return 0;\n}\n"
    )


_ROLES = {"fwd": _fwd, "grad": _grad}


def vector_loss_functions(gen: Generation) -> list[CFunction]:
    """The row routines of `gen`'s verified vector-loss kernels (the loss and its gradient)."""
    from symact.codegen.c.function import CFunction

    out = []
    for r in gen.results:
        if not r.ok or r.record.kind != "vector_loss" or r.plan.role not in _ROLES:
            continue
        params = [p.name for p in r.record.params]
        text = _ROLES[r.plan.role](r.plan.name, _shape(r.record.name), params)
        out.append(CFunction(r.plan.name, "vector_loss", f"{_signature(r.plan.name, params)};\n", text))
    return out


shape = _shape  # public name (used by symact.codegen.c.check)
