"""JAX's texts of the vector functions and losses (:class:`~symact.codegen.arrays.vector.VectorTable`).

Each is a ``jax.custom_vjp`` whose reverse pass is the verified VJP (a loss: its gradient times the
cotangent of each row), from the saved input, in float64 and rounded once: ``jax.grad``, ``jit`` and
``vmap`` apply.  Only a VJP is derived for them, so forward mode (``jax.jvp``) is not available, and
differentiating a loss with respect to its target is an error.
"""

from __future__ import annotations

from symact.codegen.arrays.vector import VectorTable

__all__ = ["JAX_VECTOR"]

_FUNCTION = '''@functools.partial(jax.custom_vjp, nondiff_argnums=(1,))
def {cls}(x, dim):
    return xp.vector({fwd}, (x,), dim)


def {cls}_fwd(x, dim):
    return {cls}(x, dim), x


def {cls}_bwd(dim, x, g):
    return (xp.vector({vjp}, (x, g), dim),)


{cls}.defvjp({cls}_fwd, {cls}_bwd)


def {name}(x: jax.Array, *, dim: int = -1) -> jax.Array:
    """{doc}

    Along `dim`.  Differentiable in reverse mode (`jax.custom_vjp`): the verified vector-Jacobian
    product `{name}_vjp`.
    """
    return {cls}(x, dim)
'''

_LOSS = '''@functools.partial(jax.custom_vjp, nondiff_argnums=(2, 3))
def {cls}(z, y, dim, params):
    return xp.vector({fwd}, (z, y), dim, params)


def {cls}_fwd(z, y, dim, params):
    xp.no_target_perturbation(y, "{name}")
    return {cls}(z.value, y.value, dim, params), (z.value, y.value)


def {cls}_bwd(dim, params, res, g):
    z, y = res
    return xp.vector({grad}, (z, y), dim, params, scale=g), xp.zeros_like(y)


{cls}.defvjp({cls}_fwd, {cls}_bwd, symbolic_zeros=True)


def {name}(z: jax.Array, y: jax.Array | float, *, {sig}dim: int = -1) -> jax.Array:
    """{doc}

    One value per row along `dim` (reduced; no mean).  The targets `y` are rows of class
    probabilities (one-hot, soft labels) broadcast against `z`, not class indices.  Differentiable in
    `z` in reverse mode (`jax.custom_vjp`, the verified gradient `{name}_grad`); the target is data:
    differentiating with respect to it is an error.
    """
    return {cls}(z, xp.target(y, z), dim, {ptuple})
'''

JAX_VECTOR = VectorTable(function=_FUNCTION, loss=_LOSS)
