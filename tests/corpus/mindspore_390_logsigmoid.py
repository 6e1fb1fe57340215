"""mindspore-ai/mindspore#390: ops.logsigmoid returns -inf for the finite float32 input -1e38
(expected about -1e38).  Reproduced with the naive -log(1 + exp(-x)) in float32.
https://github.com/mindspore-ai/mindspore/issues/390"""

import numpy as np


def logsigmoid(x):
    x = np.asarray(x, dtype=np.float32)
    with np.errstate(over="ignore"):
        return (-np.log(np.float32(1) + np.exp(-x))).astype(np.float32)
