"""The array namespaces the generated PyTorch and JAX kernels are written against.

- :mod:`symact.frameworks.routines`: the runtime routines (double-double helpers, Φ, φ, ...), written
  once against a namespace; :mod:`symact.frameworks.vector_routines`: the row routines of the vector
  kernels (softmax, log_softmax, the cross-entropy losses, ...), likewise;
- :mod:`symact.frameworks.torch_ns`, :mod:`symact.frameworks.jax_ns`: NumPy's names over PyTorch and
  over ``jax.numpy``, and the drivers (widen to float64, limits at +-inf, round once).

Nothing here is imported by ``import symact``; the two namespaces import their framework.
"""
