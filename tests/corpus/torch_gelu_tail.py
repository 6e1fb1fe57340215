"""PyTorch 2.13 (CPU), measured in the project's framework reference: F.gelu in float64 evaluates
x/2 (1 + erf(x/sqrt 2)); 1 + erf underflows and the value is 0 (9e15 ULP) at x = -15, where the
truth is -5.5e-50.  Reproduced with the same formula."""

import math

import numpy as np

_erf = np.vectorize(math.erf, otypes=[float])


def gelu(x):
    x = np.asarray(x, dtype=np.float64)
    return 0.5 * x * (1 + _erf(x / math.sqrt(2)))
