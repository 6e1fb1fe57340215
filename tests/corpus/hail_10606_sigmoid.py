"""hail-is/hail#10606: the two branches of the logistic-regression sigmoid were swapped: x >= 0 took
e^x / (1 + e^x) (inf / inf = NaN above x = 709.8 in float64) and x < 0 took 1 / (1 + e^-x).
https://github.com/hail-is/hail/pull/10606"""

import numpy as np


def sigmoid(x):
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(x >= 0, np.exp(x) / (1 + np.exp(x)), 1 / (1 + np.exp(-x)))
