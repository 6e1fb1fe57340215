"""The JAX backend: every verified element-wise activation and loss as a function on JAX arrays,
differentiated through ``jax.custom_jvp`` with the verified derivative; jit- and vmap-compatible.

The text is printed by the shared array printer (:mod:`symact.codegen.arrays`); the check imports it
and measures every kernel in float64 and float32 with ``jax_enable_x64`` switched on for the check
and restored after it (:mod:`symact.codegen.arrays.check`).  Without JAX the module is written
unchecked and the outcome's note says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from symact.codegen.arrays.backend import ArrayBackend
from symact.codegen.arrays.check import ArrayIO, kernel_note
from symact.codegen.arrays.emit import Framework
from symact.codegen.backend import BackendOutcome
from symact.codegen.generate import Generation, KernelResult
from symact.codegen.jax.vector import JAX_VECTOR

__all__ = ["JAX", "JaxBackend", "x64"]

_FUNCTION = '''@functools.partial(jax.custom_jvp, nondiff_argnums={nondiff})
def {cls}(x{pargs}):
    return xp.unary({fwd}, x, {ptuple}, {limf})


@{cls}.defjvp
def {cls}_jvp({plead}primals, tangents):
    (x,), (t,) = primals, tangents
    return {cls}(x{pargs}), t * xp.unary({grad}, x, {ptuple}, {limg})


def {name}({sig}) -> jax.Array:
    """{doc}

    Differentiable (`jax.custom_jvp`): the derivative is the verified `{name}_grad`.
    """
    return {cls}(x{pargs})
'''

_LOSS = '''@functools.partial(jax.custom_jvp, nondiff_argnums={nondiff})
def {cls}(a, y{pargs}):
    return xp.binary({fwd}, a, y, {ptuple}, {limf})


def {cls}_jvp({plead}primals, tangents):
    (a, y), (ta, ty) = primals, tangents
    xp.no_target_tangent(ty, "{name}")
    return {cls}(a, y{pargs}), xp.tangent(ta, xp.binary({grad}, a, y, {ptuple}, {limg}))


{cls}.defjvp({cls}_jvp, symbolic_zeros=True)


def {name}({sig}) -> jax.Array:
    """{doc}

    Element-wise, no reduction.  Differentiable in `a` (`jax.custom_jvp`, the verified derivative
    `{name}_grad`); the target `y` is data: differentiating with respect to it is an error.
    """
    return {cls}(a, y{pargs})
'''

JAX = Framework(
    name="jax",
    imports=(
        "import functools\n\nimport jax\n\n"
        "from symact.frameworks import jax_ns as xp\nfrom symact.frameworks.jax_ns import rt as _rt\n"
    ),
    array="jax.Array",
    function=_FUNCTION,
    loss=_LOSS,
    doc=(
        "Verified JAX kernels of the symact catalogue.\n\n"
        "Every function takes JAX arrays (computed in float64, which needs `jax_enable_x64`; the result\n"
        "is rounded once to the input's dtype), keyword-only parameters with the catalogue's defaults,\n"
        "and is differentiated through `jax.custom_jvp` with the verified derivative; jit and vmap apply.\n"
        "Each kernel is the derivation's expression after proved stable rewrites, the same as\n"
        "`symact.kernels` (ACCURACY.md), checked against correctly rounded references before this file\n"
        "is written.  XLA's CPU runtime flushes subnormal numbers to zero: the check leaves subnormal\n"
        "inputs out and counts errors in units of at least the smallest normal number.  The records\n"
        "XLA cannot serve within their targets are left out (`symact.codegen.jax.LEFT_OUT` says why).\n"
        "The vector functions take `dim=-1` and are differentiated in reverse mode (`jax.custom_vjp`) by\n"
        "their verified vector-Jacobian product (`NAME_vjp`); the vector losses give one value per row.\n"
    ),
    vector=JAX_VECTOR,
)

_ERFCX = "erfcx: jax.scipy.special.erfcx below 26, its asymptotic series from 26 on (XLA's: wrong at 26.5-40)"

SUBSTITUTES: dict[str, str] = {
    "ndtr": _ERFCX,
    "ndtr_scaled": _ERFCX,
    "xlog_minus": "log y in double-double on every element (both paths computed, one selected: no mask)",
    "sigmoid_poly_scaled": "both exponent paths computed and selected with where (no host-side branch)",
    "log1p": "log1p on [-1/2, -1/4] as log s + e/s, s + e = 1 + x exactly (XLA's log1p: 128 ULP there)",
    "tanh": "tanh as (1 - e)/(1 + e), e = exp(-2|x|), beyond |x| = 0.55 (XLA's tanh: 6 ULP)",
    "cosh": "cosh as exp(|x|)/2 + exp(-|x|)/2 (XLA's cosh: 17 ULP)",
}
"""How the JAX namespace serves a routine or an operation differently from ``symact.kernels``
(:mod:`symact.frameworks.jax_ns`; the XLA errors were measured against mpmath on this CPU runtime)."""

LEFT_OUT: dict[str, str] = {
    "squareplus": "XLA rewrites 0.5*a + 0.5*b as 0.5*(a + b), which overflows near the largest float",
    "logsumexp": "m + log1p(s) misses 4 ULP where the two cancel: XLA's log1p is 2 ULP off on [0.1, 1]",
}
"""The records ``symact.jax`` does not serve, and why (measured by every build where JAX is installed:
a listed record that meets its targets fails the build)."""

FLUSH_NOTE = (
    "XLA's CPU runtime flushes subnormal numbers to zero: the kernels are checked on zero and normal "
    "inputs, with errors counted in units of at least the smallest normal number (2.2e-308)"
)


@contextmanager
def x64() -> Iterator[None]:
    """``jax_enable_x64`` switched on, and restored afterwards."""
    import jax

    before = jax.config.read("jax_enable_x64")
    jax.config.update("jax_enable_x64", True)
    try:
        yield
    finally:
        jax.config.update("jax_enable_x64", before)


def _io() -> ArrayIO | None:
    try:
        import jax.numpy as jnp
    except ImportError:
        return None
    return ArrayIO(lambda a: jnp.asarray(np.array(a)), lambda t: np.asarray(t), flush=True, bucket=True)


_VECTOR_NOTES = {
    ("vector", "fwd"): "reverse mode: NAME_vjp(x, g), the verified vector-Jacobian product",
    ("vector_loss", "fwd"): "reverse mode: g * NAME_grad(z, y), the verified gradient",
}


def _notes(r: KernelResult, text: str) -> str:
    if r.record.kind not in ("vector", "vector_loss"):
        return kernel_note(r, text, "jax.numpy", SUBSTITUTES)
    head = "jax.numpy operations in float64 (float32 widened, rounded once), branch-free row routines"
    tail = _VECTOR_NOTES.get((r.record.kind, r.plan.role))
    return f"{head}; {tail}" if tail else head


@dataclass(frozen=True)
class JaxBackend(ArrayBackend):
    """``symact/jax/``: ``_generated.py`` and ``__init__.py``."""

    name: str = "jax"
    framework: Framework | None = JAX
    io: Callable[[], ArrayIO | None] = _io
    notes: Callable[[KernelResult, str], str] = _notes
    left_out: Mapping[str, str] = field(default_factory=lambda: dict(LEFT_OUT))

    def build(self, gen: Generation, root: Any, *, size: int, seed: int) -> BackendOutcome:
        if self.io() is None:
            return super().build(gen, root, size=size, seed=seed)
        with x64():
            out = super().build(gen, root, size=size, seed=seed)
        out.note = FLUSH_NOTE
        return out
