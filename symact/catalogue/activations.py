"""Element-wise activations: the records.  Adding a function means adding a record here.

This module holds the seed functions and the smooth activations (sigmoid-like, softplus-like and
the self-gated ones); clipped and piecewise-linear functions are in ``activations_piecewise`` and
the rectifiers with a parametrised negative side in ``activations_rectifiers``.  Constants are exact
(Rational or SymPy constants), never Floats.
"""

import sympy as sp

from symact.catalogue._kink import kink, param
from symact.catalogue._record import Activation, Kink, Param
from symact.catalogue._symbols import X

__all__ = ["ACTIVATIONS"]

_s = sp.Symbol("negative_slope", real=True)
_beta = param("beta")
_b = param("b")

ACTIVATIONS: tuple[Activation, ...] = (
    Activation(
        name="binary_step",
        expr=sp.Piecewise((0, X < 0), (1, True)),
        description="Heaviside step: 0 below zero, 1 from zero on; its derivative is 0 almost everywhere.",
        kinks=(
            Kink(
                at=sp.S.Zero,
                left=sp.S.Zero,
                right=sp.S.Zero,
                conventions={"pytorch": None, "jax": None},
                jump=True,
                note="f jumps from 0 to 1; the derivative is a Dirac delta there, so no finite value is "
                "correct; neither framework has this op (torch.heaviside has no backward).",
            ),
        ),
        aliases=("heaviside", "step"),
        frameworks="textbook (no op in torch.nn, jax.nn or keras.activations)",
    ),
    Activation(
        name="identity",
        expr=X,
        description="The identity (linear) activation f(x) = x.",
        aliases=("linear",),
        frameworks="JAX identity; Keras linear; PyTorch nn.Identity",
    ),
    Activation(
        name="sigmoid",
        expr=1 / (1 + sp.exp(-X)),
        description="The logistic function 1/(1 + e^-x), mapping the reals onto (0, 1).",
        aliases=("logistic", "expit"),
        frameworks="PyTorch Sigmoid; JAX sigmoid; Keras sigmoid",
    ),
    Activation(
        name="tanh",
        expr=sp.tanh(X),
        description="The hyperbolic tangent, mapping the reals onto (-1, 1).",
        frameworks="PyTorch Tanh; jnp.tanh; Keras tanh",
    ),
    Activation(
        name="relu",
        expr=sp.Max(X, 0),
        description="The rectified linear unit max(x, 0).",
        kinks=(
            Kink(
                at=sp.S.Zero,
                left=sp.S.Zero,
                right=sp.S.One,
                conventions={"pytorch": sp.S.Zero, "jax": sp.S.Zero},
                note="torch.clamp(x, min=0) returns 1 and jnp.maximum(x, 0) returns 1/2 here; "
                "SymPy's Heaviside(0) is 1/2.",
            ),
        ),
        frameworks="PyTorch ReLU; JAX relu; Keras relu",
    ),
    Activation(
        name="leaky_relu",
        expr=sp.Piecewise((_s * X, X < 0), (X, True)),
        description="x for x >= 0, negative_slope * x below zero.",
        params=(
            Param(
                name="negative_slope",
                default=sp.Rational(1, 100),
                valid=sp.S.Reals,
                description="slope below zero (PyTorch and JAX default 0.01, any real accepted; Keras "
                "leaky_relu 0.2); negative makes f non-monotone",
                tex=r"\alpha",
            ),
        ),
        kinks=(
            Kink(
                at=sp.S.Zero,
                left=_s,
                right=sp.S.One,
                conventions={"pytorch": _s, "jax": sp.S.One},
            ),
        ),
        frameworks="PyTorch LeakyReLU(0.01); JAX leaky_relu(0.01); Keras leaky_relu(0.2)",
    ),
    Activation(
        name="log_sigmoid",
        expr=-sp.log(1 + sp.exp(-X)),
        description="The logarithm of the sigmoid, log(1/(1 + e^-x)) = -softplus(-x); values in (-oo, 0).",
        aliases=("logsigmoid",),
        frameworks="PyTorch LogSigmoid; JAX log_sigmoid; Keras log_sigmoid",
        notes="PyTorch evaluates it as min(x, 0) - log1p(e^-|x|); its backward branches on the sign of x "
        "only for numerical stability (same value).",
    ),
    Activation(
        name="softsign",
        expr=X / (1 + sp.Abs(X)),
        description="x / (1 + |x|): a rational sigmoid-like map onto (-1, 1) with polynomial tails.",
        kinks=(
            kink(0, 1, 1, 1, 1, note="f is C1 here (f'(0) = 1 from both sides); f'' jumps from 2 to -2."),
        ),
        aliases=("soft_sign",),
        frameworks="PyTorch Softsign; JAX soft_sign; Keras softsign",
    ),
    Activation(
        name="exponential",
        expr=sp.exp(X),
        description="The exponential e^x, the inverse link of Poisson regression.",
        aliases=("exp",),
        frameworks="Keras exponential",
    ),
    Activation(
        name="softplus",
        expr=sp.log(1 + sp.exp(_beta * X)) / _beta,
        description="(1/beta) log(1 + e^(beta x)), a smooth ReLU; derivative sigmoid(beta x).",
        params=(
            Param(
                name="beta",
                default=sp.S.One,
                valid=sp.Interval.open(0, sp.oo),
                description="sharpness (PyTorch default 1; JAX and Keras have beta = 1 only)",
            ),
        ),
        frameworks="PyTorch Softplus(beta=1) without its threshold; JAX softplus; Keras softplus",
        notes="PyTorch's module also switches to x when beta x > threshold; that variant is softplus_torch.",
    ),
    Activation(
        name="squareplus",
        expr=(X + sp.sqrt(X**2 + _b)) / 2,
        description="(x + sqrt(x^2 + b)) / 2, an algebraic smooth ReLU (arXiv 2112.11687).",
        params=(
            Param(
                name="b",
                default=sp.Integer(4),
                valid=sp.Interval.open(0, sp.oo),
                description="smoothness; b > 0 (b = 0 would be ReLU, with a kink at 0)",
            ),
        ),
        frameworks="JAX squareplus(b=4); Keras squareplus(b=4)",
    ),
    Activation(
        name="gelu",
        expr=X / 2 * (1 + sp.erf(X / sp.sqrt(2))),
        description="Gaussian error linear unit, exact form x Phi(x) with the standard normal CDF Phi.",
        aliases=("gelu_exact", "gelu_erf"),
        frameworks="PyTorch GELU(approximate='none'); JAX gelu(approximate=False); "
        "Keras activations.gelu (default exact)",
        notes="JAX's gelu and keras.ops.gelu default to the tanh approximation (gelu_tanh); "
        "the two differ by up to about 4.7e-4 in value.",
    ),
    Activation(
        name="gelu_tanh",
        expr=X / 2 * (1 + sp.tanh(sp.sqrt(2 / sp.pi) * (X + sp.Rational(44715, 10**6) * X**3))),
        description="GELU, tanh approximation: x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).",
        aliases=("gelu_approximate",),
        frameworks="PyTorch GELU(approximate='tanh'); JAX gelu (default approximate=True); keras.ops.gelu",
        notes="0.044715 is the exact Rational 44715/10^6; sqrt(2/pi) is kept symbolic.",
    ),
    Activation(
        name="silu",
        expr=X / (1 + sp.exp(-X)),
        description="Sigmoid-weighted linear unit x sigmoid(x) (swish with beta = 1).",
        aliases=("swish",),
        frameworks="PyTorch SiLU; JAX silu = swish; Keras silu = swish",
    ),
    Activation(
        name="mish",
        expr=X * sp.tanh(sp.log(1 + sp.exp(X))),
        description="x tanh(softplus(x)).",
        frameworks="PyTorch Mish; JAX mish; Keras mish",
        notes="tanh(softplus(x)) = (e^2x + 2e^x) / (e^2x + 2e^x + 2).",
    ),
    Activation(
        name="tanhshrink",
        expr=X - sp.tanh(X),
        description="x - tanh(x); derivative tanh(x)^2.",
        aliases=("tanh_shrink",),
        frameworks="PyTorch Tanhshrink; Keras tanh_shrink",
    ),
    Activation(
        name="log1mexp",
        expr=sp.log(1 - sp.exp(-X)),
        description="log(1 - e^-x) for x > 0; derivative 1/expm1(x).",
        domain=sp.Interval.open(0, sp.oo),
        frameworks="JAX log1mexp",
        notes="f(0) = -oo and f'(x) -> +oo as x -> 0+; JAX switches formula at x = log 2 for accuracy "
        "(log(-expm1(-x)) below, log1p(-e^-x) above).",
    ),
)
