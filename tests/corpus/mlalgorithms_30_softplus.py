"""rushter/MLAlgorithms#30: softplus as np.log(1 + np.exp(z)) overflows to inf (softplus(1e10));
the merged replacement z + np.log(1 + 1 / np.exp(z)) is itself wrong for z below -745, where
np.exp(z) = 0 makes it z + inf = inf.  Both are reproduced.
https://github.com/rushter/MLAlgorithms/pull/30"""

import numpy as np


def softplus_before(z):
    with np.errstate(over="ignore"):
        return np.log(1 + np.exp(z))


def softplus_after(z):
    with np.errstate(over="ignore", divide="ignore"):
        return z + np.log(1 + 1 / np.exp(z))
