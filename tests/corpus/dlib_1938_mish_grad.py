"""davisking/dlib#1938 (review): the proposed Mish gradient
e^x (2e^x + e^2x + 2) / (4(x + 1) + 4e^2x + e^3x + e^x(4x + 6))^2 overflows (inf / inf = NaN) once
e^3x does, from x = 236.6 in float64.  https://github.com/davisking/dlib/pull/1938"""

import numpy as np


def mish_grad(d):
    with np.errstate(over="ignore", invalid="ignore"):
        delta = 2 * np.exp(d) + np.exp(2 * d) + 2
        omega = 4 * (d + 1) + 4 * np.exp(2 * d) + np.exp(3 * d) + np.exp(d) * (4 * d + 6)
        return np.exp(d) * delta / (omega * omega)
