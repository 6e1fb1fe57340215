"""tenstorrent/tt-metal#56397: softplus_bw spelled sigmoid(beta x) as exp(beta x) * (1 / (exp(beta x)
+ 1)); once exp overflows the device returns a gradient of exactly 0 (inf times the reciprocal 0)
where the answer is 1, reachable when threshold is above the overflow point (threshold = 100).
Reproduced in float32 with the device's inf * 0 = 0.  https://github.com/tenstorrent/tt-metal/pull/56397"""

import numpy as np

BETA, THRESHOLD = 1.0, 100.0


def softplus_grad(x):
    x = np.asarray(x, dtype=np.float32)
    bx = x * np.float32(BETA)
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(bx)
        r = np.float32(1) / (e + np.float32(1))
        g = np.where(np.isinf(e), np.float32(0), e * r)
    return np.where(bx > np.float32(THRESHOLD), np.float32(1), g).astype(np.float32)
