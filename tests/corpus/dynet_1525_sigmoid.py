"""clab/dynet#1525: logistic gave NaN (or 0.5) on large inputs with packet math: the SIMD form
max(1/2, 1/(1 + e^-x)) + min(1/2, e^x/(1 + e^x)) - 1/2 evaluates e^x / (1 + e^x) = inf / inf from
x = 88.7 in float32.  https://github.com/clab/dynet/issues/1525"""

import numpy as np


def logistic(x):
    x = np.asarray(x, dtype=np.float32)
    half, one = np.float32(0.5), np.float32(1)
    with np.errstate(over="ignore", invalid="ignore"):
        a = np.maximum(half, one / (one + np.exp(-x)))
        b = np.minimum(half, np.exp(x) / (one + np.exp(x)))
        return (a + b - half).astype(np.float32)
