"""davisking/dlib#1938 (review): the Mish gradient as quoted there, exp(d) * delta / (omega * omega)
with delta = 2e^d + e^2d + 2 and omega = 4(d + 1) + 4e^2d + e^3d + e^d(4d + 6), reproduced with d the
input.  The reviewer's point: it overflows (inf / inf = NaN) once e^3d does, from d = 236.6 in float64.
As quoted it also has delta and omega swapped (mish' = e^d omega / delta^2): 0.0222 at 0, not 0.6.
https://github.com/davisking/dlib/pull/1938"""

import numpy as np


def mish_grad(d):
    with np.errstate(over="ignore", invalid="ignore"):
        delta = 2 * np.exp(d) + np.exp(2 * d) + 2
        omega = 4 * (d + 1) + 4 * np.exp(2 * d) + np.exp(3 * d) + np.exp(d) * (4 * d + 6)
        return np.exp(d) * delta / (omega * omega)
