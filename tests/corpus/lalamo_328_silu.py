"""trymirai/lalamo#328: SiLU written x / (1 + exp(-x)) has NaN gradients for large |x| though the
value is finite; the gradient of that formula, 1/(1 + e) + x e / (1 + e)^2 with e = exp(-x), is
inf / inf below x = -709.8 in float64.  https://github.com/trymirai/lalamo/pull/328"""

import numpy as np


def silu(x):
    with np.errstate(over="ignore"):
        return x / (1 + np.exp(-x))


def silu_grad(x):
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(-x)
        return 1 / (1 + e) + x * e / ((1 + e) * (1 + e))
