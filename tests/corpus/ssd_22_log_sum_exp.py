"""lzx1413/PytorchSSD#22 (the same helper in amdegroot/ssd.pytorch#203): log_sum_exp subtracts
x.data.max(), the largest logit of the whole batch, not of each row: a row far below the batch's
maximum underflows to log(0) = -inf.  https://github.com/lzx1413/PytorchSSD/issues/22"""

import numpy as np


def log_sum_exp(x):
    x_max = np.max(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(np.sum(np.exp(x - x_max), axis=1)) + x_max
