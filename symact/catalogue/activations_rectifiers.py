"""Rectifiers with a parametrised negative side, thresholds and shrinkage functions.

PReLU, RReLU, Threshold, the ELU family (ELU, SELU, CELU), PyTorch's thresholded softplus and the
hard / soft shrinkage functions.  Piecewise conditions follow the frameworks' forward passes (for
example ELU uses its exponential branch for x <= 0), so f has its correct value at every breakpoint.
"""

import sympy as sp

from symact.catalogue._kink import kink, param
from symact.catalogue._record import Activation, Param
from symact.catalogue._symbols import X

__all__ = ["RECTIFIER_ACTIVATIONS", "SELU_ALPHA", "SELU_SCALE"]

SELU_SCALE = sp.Rational("1.0507009873554804934193349852946")
"""SELU's lambda: exactly PyTorch's decimal literal (32 significant digits), as a Rational."""

SELU_ALPHA = sp.Rational("1.6732632423543772848170429916717")
"""SELU's alpha: exactly PyTorch's decimal literal (32 significant digits), as a Rational."""

_alpha, _lower, _upper = param("alpha"), param("lower"), param("upper")
_theta, _value, _beta, _lambd = param("threshold"), param("value"), param("beta"), param("lambd")
_limit = _theta  # softplus_torch's threshold is the same parameter name, in units of beta x
_positive = sp.Interval.open(0, sp.oo)
_half = sp.Rational(1, 2)

RECTIFIER_ACTIVATIONS: tuple[Activation, ...] = (
    Activation(
        name="prelu",
        expr=sp.Piecewise((_alpha * X, X < 0), (X, True)),
        description="Parametric ReLU max(0, x) + alpha min(0, x) with a learnable slope alpha.",
        params=(
            Param("alpha", sp.Rational(1, 4), sp.S.Reals, "learnable slope below zero (PyTorch init 0.25)"),
        ),
        kinks=(
            kink(
                0,
                _alpha,
                1,
                _alpha,
                None,
                note="PyTorch's backward kernels test x > 0 (alpha at 0); its "
                "forward-mode rule tests x >= 0 (1 at 0).",
            ),
        ),
        frameworks="PyTorch PReLU(num_parameters=1, init=0.25); Keras PReLU (initial slope 0)",
        notes="The slope is a parameter of the model: df/dalpha = min(0, x) (0 at x = 0 either way). "
        "PyTorch applies one slope or one per channel (dim 1); do not use weight decay on it.",
    ),
    Activation(
        name="rrelu",
        expr=sp.Piecewise(((_lower + _upper) / 2 * X, X < 0), (X, True)),
        description="Randomised leaky ReLU in evaluation mode: slope (lower + upper)/2 below zero.",
        params=(
            Param(
                "lower", sp.Rational(1, 8), sp.Interval(0, 1), "lower end of the slope's range (1/8)", tex="l"
            ),
            Param(
                "upper", sp.Rational(1, 3), sp.Interval(0, 1), "upper end of the slope's range (1/3)", tex="u"
            ),
        ),
        constraints=(sp.LessThan(_lower, _upper),),
        kinks=(kink(0, (_lower + _upper) / 2, 1, (_lower + _upper) / 2, None),),
        frameworks="PyTorch RReLU(lower=1/8, upper=1/3)",
        notes="Training mode is random: each element with x <= 0 gets r ~ U(lower, upper) and output r x, "
        "and the backward returns that sampled r (also at 0); only evaluation mode, slope "
        "(lower + upper)/2 = 11/48 by default, is a function. symact keeps both ends in [0, 1].",
    ),
    Activation(
        name="threshold",
        expr=sp.Piecewise((X, X > _theta), (_value, True)),
        description="x above the threshold, the constant value at or below it.",
        params=(
            Param("threshold", sp.Rational(1, 10), sp.S.Reals, "the point where f switches", tex=r"\theta"),
            Param("value", sp.Integer(20), sp.S.Reals, "output at or below the threshold", tex="v"),
        ),
        kinks=(
            kink(
                _theta,
                0,
                1,
                0,
                None,
                jump=True,
                note="f jumps from value to threshold unless they are "
                "equal; Keras' threshold on the JAX backend also returns 0.",
            ),
        ),
        frameworks="PyTorch Threshold(threshold, value); Keras threshold(x, threshold, default_value)",
        notes="Neither PyTorch nor Keras has defaults; symact's defaults threshold = 1/10, value = 20 "
        "are the example in PyTorch's Threshold docstring. threshold = value = 0 gives ReLU.",
    ),
    Activation(
        name="elu",
        expr=sp.Piecewise((X, X > 0), (_alpha * (sp.exp(X) - 1), True)),
        description="Exponential linear unit: x above zero, alpha (e^x - 1) at or below.",
        params=(Param("alpha", sp.S.One, sp.S.Reals, "saturation level -alpha (default 1; any real)"),),
        kinks=(kink(0, _alpha, 1, _alpha, _alpha, note="a kink only when alpha != 1 (C1 at alpha = 1)."),),
        frameworks="PyTorch ELU(alpha=1); JAX elu(alpha=1); Keras elu(alpha=1)",
        notes="PyTorch accepts any alpha (it refuses only the in-place backward for alpha < 0).  A "
        "negative alpha makes ELU non-monotone: f' = alpha e^x < 0 below zero, and f rises to -alpha as "
        "x -> -oo.",
    ),
    Activation(
        name="selu",
        expr=sp.Piecewise((SELU_SCALE * X, X > 0), (SELU_SCALE * SELU_ALPHA * (sp.exp(X) - 1), True)),
        description="Scaled ELU: lambda x above zero, lambda alpha (e^x - 1) at or below.",
        kinks=(
            kink(0, SELU_SCALE * SELU_ALPHA, SELU_SCALE, SELU_SCALE * SELU_ALPHA, SELU_SCALE * SELU_ALPHA),
        ),
        frameworks="PyTorch SELU; JAX selu; Keras selu",
        notes="lambda and alpha are PyTorch's 32-digit decimal literals 1.0507009873554804934193349852946 "
        "and 1.6732632423543772848170429916717 taken exactly as Rationals; they agree with the "
        "closed-form fixed-point constants of Klambauer et al. (2017) to about 1e-31.",
    ),
    Activation(
        name="celu",
        expr=sp.Piecewise((X, X > 0), (_alpha * (sp.exp(X / _alpha) - 1), True)),
        description="Continuously differentiable ELU: x above zero, alpha (e^(x/alpha) - 1) at or below.",
        params=(
            Param(
                "alpha",
                sp.S.One,
                sp.Union(sp.Interval.open(-sp.oo, 0), sp.Interval.open(0, sp.oo)),
                "scale (default 1; PyTorch rejects 0)",
            ),
        ),
        kinks=(kink(0, 1, 1, 1, 1, note="C1 for every alpha; JAX reaches 1 as 1/2 + 1/2 (max/min ties)."),),
        frameworks="PyTorch CELU(alpha=1); JAX celu(alpha=1); Keras celu(alpha=1)",
        notes="CELU(alpha = 1) = ELU(alpha = 1).",
    ),
    Activation(
        name="softplus_torch",
        expr=sp.Piecewise((X, _beta * X > _limit), (sp.log(1 + sp.exp(_beta * X)) / _beta, True)),
        description="PyTorch's Softplus: (1/beta) log(1 + e^(beta x)), but x where beta x > threshold.",
        params=(
            Param("beta", sp.S.One, _positive, "sharpness (default 1)"),
            Param(
                "threshold",
                sp.Integer(20),
                sp.S.Reals,
                "beta x above which f returns x (default 20)",
                tex=r"\theta",
            ),
        ),
        kinks=(
            kink(
                _limit / _beta,
                1 / (1 + sp.exp(-_limit)),
                1,
                1 / (1 + sp.exp(-_limit)),
                None,
                jump=True,
                note="f jumps by log(1 + e^-threshold)/beta (about 2.06e-9 at the defaults) and f' by "
                "1 - sigmoid(threshold); the test beta x > threshold is strict.",
            ),
        ),
        frameworks="PyTorch Softplus(beta=1, threshold=20)",
        notes="The threshold is a float shortcut in PyTorch; the smooth function is softplus.",
    ),
    Activation(
        name="hardshrink",
        expr=sp.Piecewise((X, X > _lambd), (X, X < -_lambd), (0, True)),
        description="x where |x| > lambd, 0 on [-lambd, lambd]: discontinuous at +-lambd.",
        params=(Param("lambd", _half, _positive, "half-width of the zero band (0.5)", tex=r"\lambda"),),
        kinks=(
            kink(
                -_lambd, 1, 0, 0, None, jump=True, note="f jumps by lambd; Keras hard_shrink on JAX gives 0."
            ),
            kink(_lambd, 0, 1, 0, None, jump=True, note="as at -lambd."),
        ),
        aliases=("hard_shrink",),
        frameworks="PyTorch Hardshrink(lambd=0.5); Keras hard_shrink(threshold=0.5)",
        notes="lambd = 0 would be the identity; symact requires lambd > 0.",
    ),
    Activation(
        name="softshrink",
        expr=sp.Piecewise((X - _lambd, X > _lambd), (X + _lambd, X < -_lambd), (0, True)),
        description="Soft thresholding: x - lambd above lambd, x + lambd below -lambd, 0 between.",
        params=(Param("lambd", _half, _positive, "half-width of the zero band (0.5)", tex=r"\lambda"),),
        kinks=(
            kink(-_lambd, 1, 0, 0, None, note="Keras soft_shrink on JAX gives 0."),
            kink(_lambd, 0, 1, 0, None, note="as at -lambd."),
        ),
        aliases=("soft_shrink",),
        frameworks="PyTorch Softshrink(lambd=0.5); Keras soft_shrink(threshold=0.5)",
        notes="PyTorch checks lambd >= 0; lambd = 0 would be the identity, so symact requires lambd > 0.",
    ),
)
