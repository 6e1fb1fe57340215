"""Clipped and piecewise-polynomial activations: hard sigmoids, hardtanh, ReLU6, hardswish, ...

Each is a ``Piecewise`` whose strict / non-strict inequalities give f its correct value at the
breakpoints; each breakpoint is a :class:`Kink` with the one-sided derivatives and the value the
PyTorch and JAX backward passes return there (None where the framework has no such op).
"""

import sympy as sp

from symact.catalogue._kink import kink, param
from symact.catalogue._record import Activation, Param
from symact.catalogue._symbols import X

__all__ = ["PIECEWISE_ACTIVATIONS"]

_half = sp.Rational(1, 2)
_min, _max = param("min_val"), param("max_val")
_s, _theta, _cap = param("negative_slope"), param("threshold"), param("max_value")

PIECEWISE_ACTIVATIONS: tuple[Activation, ...] = (
    Activation(
        name="hard_sigmoid",
        expr=sp.Piecewise((0, X <= -3), (1, X >= 3), (X / 6 + _half, True)),
        description="Piecewise-linear sigmoid: 0 up to -3, x/6 + 1/2 between, 1 from 3 on.",
        kinks=(
            kink(
                -3, 0, sp.Rational(1, 6), 0, 0, note="PyTorch passes the gradient on the open interval only."
            ),
            kink(3, sp.Rational(1, 6), 0, 0, 0, note="JAX inherits 0 from relu6's custom JVP."),
        ),
        aliases=("hardsigmoid",),
        frameworks="PyTorch Hardsigmoid; JAX hard_sigmoid = relu6(x + 3)/6; Keras 3 hard_sigmoid",
        notes="Keras 2 (tf.keras) used clip(0.2x + 0.5, 0, 1) instead: that is hard_sigmoid_keras2.",
    ),
    Activation(
        name="hard_sigmoid_keras2",
        expr=sp.Piecewise((0, X <= -sp.Rational(5, 2)), (1, X >= sp.Rational(5, 2)), (X / 5 + _half, True)),
        description="Keras 2 hard sigmoid clip(0.2 x + 0.5, 0, 1): slope 1/5, kinks at -5/2 and 5/2.",
        kinks=(
            kink(-sp.Rational(5, 2), 0, sp.Rational(1, 5), None, None),
            kink(sp.Rational(5, 2), sp.Rational(1, 5), 0, None, None),
        ),
        frameworks="tf.keras (Keras 2) activations.hard_sigmoid; replaced in Keras 3",
        notes="Neither PyTorch nor JAX has this variant; Keras 3's hard_sigmoid is x/6 + 1/2.",
    ),
    Activation(
        name="sparse_sigmoid",
        expr=sp.Piecewise((0, X <= -1), (1, X >= 1), ((X + 1) / 2, True)),
        description="clip(x + 1, 0, 2) / 2, the derivative of sparse_plus.",
        kinks=(
            kink(
                -1,
                0,
                _half,
                None,
                sp.Rational(1, 4),
                note="JAX clips with maximum then minimum; each tie "
                "splits the tangent in half. Keras on the torch backend returns 0 here.",
            ),
            kink(1, _half, 0, None, sp.Rational(1, 4), note="as at -1."),
        ),
        frameworks="JAX sparse_sigmoid; Keras sparse_sigmoid (not in torch.nn)",
        notes="JAX's 1/4 at the kinks is read from its source (clip = maximum then minimum), not executed.",
    ),
    Activation(
        name="sparse_plus",
        expr=sp.Piecewise((0, X <= -1), (X, X >= 1), ((X + 1) ** 2 / 4, True)),
        description="0 up to -1, (x + 1)^2 / 4 between, x from 1 on: a C1 smooth ReLU.",
        kinks=(
            kink(-1, 0, 0, None, 0, note="f is C1 here; f'' jumps from 0 to 1/2."),
            kink(1, 1, 1, None, 1, note="f is C1 here; f'' jumps from 1/2 to 0."),
        ),
        frameworks="JAX sparse_plus; Keras sparse_plus (not in torch.nn)",
    ),
    Activation(
        name="hardtanh",
        expr=sp.Piecewise((_min, X < _min), (_max, X > _max), (X, True)),
        description="clamp(x, min_val, max_val): the identity between the bounds, constant outside.",
        params=(
            Param("min_val", -sp.S.One, sp.S.Reals, "lower bound (PyTorch default -1)", tex=r"m_-"),
            Param(
                "max_val",
                sp.S.One,
                sp.S.Reals,
                "upper bound (PyTorch default 1); must exceed min_val",
                tex=r"m_+",
            ),
        ),
        constraints=(sp.StrictLessThan(_min, _max),),
        kinks=(
            kink(_min, 0, 1, 0, 1, note="torch.clamp, the same forward, returns the subgradient 1 here."),
            kink(_max, 1, 0, 0, 1, note="as at min_val."),
        ),
        aliases=("hard_tanh",),
        frameworks="PyTorch Hardtanh(min_val=-1, max_val=1); JAX hard_tanh; Keras hard_tanh",
        notes="JAX and Keras fix the bounds at -1 and 1; their value 1 at the kinks applies to those bounds "
        "(nested where with strict tests keeps the identity branch).",
    ),
    Activation(
        name="relu6",
        expr=sp.Piecewise((0, X < 0), (6, X > 6), (X, True)),
        description="min(max(x, 0), 6) = Hardtanh(0, 6).",
        kinks=(
            kink(0, 0, 1, 0, 0, note="SymPy's naive derivative of Min(Max(x, 0), 6) gives 1/2 here."),
            kink(6, 1, 0, 0, 0, note="as at 0; JAX's custom JVP passes the tangent on (0, 6) only."),
        ),
        frameworks="PyTorch ReLU6; JAX relu6; Keras relu6",
    ),
    Activation(
        name="hardswish",
        expr=sp.Piecewise((0, X <= -3), (X, X >= 3), (X * (X + 3) / 6, True)),
        description="x hard_sigmoid(x): 0 up to -3, x (x + 3) / 6 between, x from 3 on.",
        kinks=(
            kink(
                -3,
                0,
                -_half,
                0,
                0,
                note="JAX: product rule with hard_sigmoid'(-3) = 0.  PyTorch returns 0 since "
                "pytorch/pytorch#148049 (2025); before, -1/2 ('pytorch-legacy').",
                legacy={"pytorch-legacy": -_half},
            ),
            kink(
                3,
                sp.Rational(3, 2),
                1,
                1,
                1,
                note="PyTorch returns 1 since pytorch/pytorch#148049 (2025; the x >= 3 branch); before, "
                "3/2 ('pytorch-legacy').",
                legacy={"pytorch-legacy": sp.Rational(3, 2)},
            ),
        ),
        aliases=("hard_silu", "hard_swish"),
        frameworks="PyTorch Hardswish; JAX hard_silu = hard_swish; Keras hard_silu = hard_swish",
    ),
    Activation(
        name="keras_relu",
        expr=sp.Piecewise((_s * (X - _theta), X <= _theta), (X, X <= _cap), (_cap, True)),
        description="Keras' generalised ReLU: negative_slope (x - threshold) up to the threshold, then x "
        "capped at max_value.",
        params=(
            Param(
                "negative_slope",
                sp.S.Zero,
                sp.Interval.Ropen(0, 1),
                "slope below the threshold (default 0)",
                tex=r"\alpha",
            ),
            Param(
                "max_value",
                sp.oo,
                sp.Union(sp.Interval.open(0, sp.oo), sp.FiniteSet(sp.oo)),
                "cap on the output; Keras' None (no cap) is oo",
                tex="m",
            ),
            Param(
                "threshold",
                sp.S.Zero,
                sp.Interval(0, sp.oo),
                "inputs at or below it map to the negative side",
                tex=r"\theta",
            ),
        ),
        constraints=(sp.StrictLessThan(_theta, _cap),),
        kinks=(
            kink(
                _theta,
                _s,
                1,
                None,
                None,
                jump=True,
                note="f jumps from 0 up to the threshold when "
                "threshold > 0 (Keras' docstring example: threshold=5 maps 5 to 0); continuous at the "
                "default 0.",
            ),
            kink(_cap, 1, 0, None, None, note="a kink only for a finite max_value (default oo: no cap)."),
        ),
        frameworks="Keras relu(x, negative_slope=0, max_value=None, threshold=0); layer keras.layers.ReLU",
        notes="Keras' None for max_value is represented by oo, which Param.check accepts for this parameter "
        "only. Negative thresholds are excluded: there Keras' output on (threshold, 0) depends on "
        "whether max_value is set. Keras' kink values depend on the backend and on the code path "
        "(leaky_relu, relu6 or the generic one), so no framework value is recorded.",
    ),
)
