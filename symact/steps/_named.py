"""Named functions of the derivations: sigma, the normal CDF Phi and density phi.

Each is an undefined SymPy function printed with its textbook symbol; :data:`DEFINITIONS` gives its
body (every check expands it), and :data:`NAMED_RULES` its derivative rule, which a derivation uses
once the function has been recognised (SiLU reuses sigma' = sigma (1 - sigma) from the sigmoid
derivation, GELU uses Phi' = phi).
"""

from __future__ import annotations

import sympy as sp

__all__ = ["DEFINITIONS", "NORMAL_CDF", "NORMAL_PDF", "SIGMA"]

SIGMA = sp.Function("sigma")
"""The logistic function sigma(x) = 1/(1 + e^{-x})."""

NORMAL_CDF = sp.Function("Phi")
"""The standard normal CDF Phi(x) = (1 + erf(x/sqrt 2))/2."""

NORMAL_PDF = sp.Function("phi")
"""The standard normal density phi(x) = e^{-x^2/2}/sqrt(2 pi)."""

_t = sp.Dummy("t", real=True)

DEFINITIONS: dict[sp.FunctionClass, sp.Lambda] = {
    SIGMA: sp.Lambda(_t, 1 / (1 + sp.exp(-_t))),
    NORMAL_CDF: sp.Lambda(_t, (1 + sp.erf(_t / sp.sqrt(2))) / 2),
    NORMAL_PDF: sp.Lambda(_t, sp.exp(-(_t**2) / 2) / sp.sqrt(2 * sp.pi)),
}
"""The body of each named function (a Lambda in one argument)."""


def body(func: sp.FunctionClass, arg: sp.Expr) -> sp.Expr:
    """The definition of the named function `func` at `arg`."""
    return DEFINITIONS[func](arg)
