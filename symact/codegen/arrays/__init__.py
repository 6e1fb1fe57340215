"""What the array-framework backends (PyTorch, JAX) share: the namespace printer, the module text,
the check and the backend class."""
