"""tskit-dev/tsdate#171: the naive log-sum-exp log(sum(exp(x))) brought log values into linear space
and underflowed: X = [-800, -801] gives log(0) = -inf (and above 709.8 exp overflows to inf).
https://github.com/tskit-dev/tsdate/pull/171"""

import numpy as np


def logsumexp(x):
    with np.errstate(over="ignore", divide="ignore"):
        return np.log(np.sum(np.exp(x), axis=-1))
