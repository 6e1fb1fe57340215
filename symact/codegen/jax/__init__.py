"""The JAX backend: ``symact/jax/_generated.py`` (see :mod:`symact.codegen.jax.backend`)."""

from symact.codegen.jax.backend import JAX, JaxBackend, x64

__all__ = ["JAX", "JaxBackend", "x64"]
