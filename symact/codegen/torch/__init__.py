"""The PyTorch backend: ``symact/torch/_generated.py`` (see :mod:`symact.codegen.torch.backend`)."""

from symact.codegen.torch.backend import TORCH, TorchBackend

__all__ = ["TORCH", "TorchBackend"]
