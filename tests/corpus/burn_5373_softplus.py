"""tracel-ai/burn#5373 (fixed by #5374): softplus computed (exp(beta x) + 1).log() / beta in f32:
inf from x = 88.7 (beta 1), and the backward exp(x) / (exp(x) + 1) is inf / inf = NaN there.
https://github.com/tracel-ai/burn/issues/5373"""

import numpy as np


def softplus(x):
    x = np.asarray(x, dtype=np.float32)
    with np.errstate(over="ignore"):
        return np.log(np.exp(x) + np.float32(1)).astype(np.float32)


def softplus_grad(x):
    x = np.asarray(x, dtype=np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(x)
        return (e / (e + np.float32(1))).astype(np.float32)
