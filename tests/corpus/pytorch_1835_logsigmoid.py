"""pytorch/pytorch#1835 (fixed by #2211): LogSigmoid as log(sigmoid(x)) returned -inf at x = -300
in float32: sigmoid underflows to 0 and log(0) = -inf.  The same formula in float64 fails below
x = -745.  https://github.com/pytorch/pytorch/issues/1835"""

import numpy as np


def logsigmoid(x):
    with np.errstate(over="ignore", divide="ignore"):
        return np.log(1.0 / (1.0 + np.exp(-x)))
