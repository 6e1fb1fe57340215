"""huggingface/candle#1722: the f32 sigmoid backward gave NaN for large negative inputs (-201.7,
-548.3 in the report): exp(-x) overflows and exp(-x) / (1 + exp(-x))^2 is inf / inf.
https://github.com/huggingface/candle/pull/1722"""

import numpy as np


def sigmoid_grad(x):
    x = np.asarray(x, dtype=np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(-x)
        return (e / ((np.float32(1) + e) * (np.float32(1) + e))).astype(np.float32)
