"""PyTorch-style class losses (class-index targets, weight, ignore_index, reduction,
label_smoothing): a NumPy implementation written from PyTorch's definition, and two planted defects of
the reduction in PyTorch code."""

import numpy as np


def _log_softmax(z):
    m = np.max(z, axis=-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    return z - m - np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True))


def _parts(z, target, weight, ignore_index, label_smoothing):
    n = z.shape[-1]
    w = np.ones(n, dtype=z.dtype) if weight is None else weight
    keep = target != ignore_index
    t = np.where(keep, target, 0)
    onehot = np.arange(n) == t[:, None]
    tw = ((1 - label_smoothing) * onehot + label_smoothing / n).astype(z.dtype) * w
    denominator = np.sum(np.where(keep, w[t], 0))
    return keep, tw, denominator


def cross_entropy(z, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    keep, tw, denominator = _parts(z, target, weight, ignore_index, label_smoothing)
    lp = _log_softmax(z)
    rows = np.where(keep, -np.sum(np.where(tw != 0, tw * lp, 0), axis=-1), 0)
    if reduction == "none":
        return rows
    return np.sum(rows) / (denominator if reduction == "mean" else 1)


def cross_entropy_grad(z, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    keep, tw, denominator = _parts(z, target, weight, ignore_index, label_smoothing)
    p = np.exp(_log_softmax(z))
    g = np.where(keep[:, None], p * np.sum(tw, axis=-1, keepdims=True) - tw, 0)
    return g / denominator if reduction == "mean" else g


def weights_after_mean(z, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """The unweighted mean, scaled by the mean weight of the targets afterwards."""
    import torch
    import torch.nn.functional as F

    loss = F.cross_entropy(z, target, ignore_index=ignore_index, label_smoothing=label_smoothing)
    n = z.shape[-1]
    return loss * weight[target.clamp(0, n - 1)].mean() if weight is not None else loss + torch.zeros(())


def ignored_in_denominator(z, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """Ignored rows give 0, but their weights still count in the mean's denominator."""
    import torch.nn.functional as F

    rows = F.cross_entropy(
        z, target, weight=weight, ignore_index=ignore_index, reduction="none", label_smoothing=label_smoothing
    )
    n = z.shape[-1]
    return rows.sum() / weight[target.clamp(0, n - 1)].sum()


def cross_entropy_probabilities(z, target, weight=None, reduction="mean", label_smoothing=0.0):
    """Class-probability targets, from PyTorch's definition: the weights scale each class's term and
    the mean is over the rows."""
    n = z.shape[-1]
    w = np.ones(n, dtype=z.dtype) if weight is None else weight
    y = (1 - label_smoothing) * target + label_smoothing / n
    lp = _log_softmax(z)
    rows = -np.sum(np.where(y != 0, w * y * lp, 0), axis=-1)
    if reduction == "none":
        return rows
    return np.sum(rows) / (rows.shape[0] if reduction == "mean" else 1)


def probabilities_mean_over_weights(z, target, weight=None, reduction="mean", label_smoothing=0.0):
    """Probability targets reduced as class indices are: the sum divided by the summed weights of
    each row's most likely class, where PyTorch divides by the number of rows."""
    import torch.nn.functional as F

    rows = F.cross_entropy(z, target, weight=weight, reduction="none", label_smoothing=label_smoothing)
    return rows.sum() / weight[target.argmax(dim=-1)].sum()
