"""PyTorch 2.13 (CPU), measured in the project's framework reference: F.hardsigmoid's float64
backward returns the float32 value of 1/6, 0.1666666716337204, not 0.16666666666666666.
Reproduced: the constant held in float32."""

import numpy as np


def hardsigmoid_grad(x):
    x = np.asarray(x, dtype=np.float64)
    return np.where((x > -3) & (x < 3), float(np.float32(1 / 6)), 0.0)
