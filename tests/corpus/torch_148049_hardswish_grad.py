"""pytorch/pytorch#148049: before 2025 PyTorch's hardswish backward returned -1/2 at x = -3 and 3/2 at
x = 3 (the middle branch's derivative); current PyTorch returns 0 and 1.  Reproduced: the older
backward, which --convention pytorch flags and --convention pytorch-legacy accepts.
https://github.com/pytorch/pytorch/pull/148049"""

import numpy as np


def hardswish_grad(x):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x < -3, 0.0, np.where(x <= 3, (2 * x + 3) / 6, 1.0))
