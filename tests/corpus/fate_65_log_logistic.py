"""FederatedAI/FATE#65: the "numerically stable" log_logistic merged there,
x > 0: -log(1 + exp(-x)); x <= 0: x - log(1 + exp(x)), still uses log(1 + .) instead of log1p:
at x = 40 it returns 0 where the truth is -4.2e-18 (the issue statement's log_sigmoid case).
https://github.com/FederatedAI/FATE/issues/65"""

import numpy as np


def log_logistic(x):
    with np.errstate(over="ignore"):
        pos = -np.log(1 + np.exp(-np.abs(x)))
        neg = x - np.log(1 + np.exp(np.minimum(x, 0)))
    return np.where(x > 0, pos, neg)
