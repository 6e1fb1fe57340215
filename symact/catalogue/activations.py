"""Element-wise activations: the records.  Adding a function means adding a record here."""

import sympy as sp

from symact.catalogue._record import Activation, Kink, Param
from symact.catalogue._symbols import X

__all__ = ["ACTIVATIONS"]

_s = sp.Symbol("negative_slope", real=True)

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
                valid=sp.Interval.Ropen(0, 1),
                description="slope below zero (PyTorch and JAX default 0.01; Keras leaky_relu 0.2)",
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
)
