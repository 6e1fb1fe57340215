"""Losses: element-wise losses l(a, y) and losses over n classes, the records.

An element-wise loss is written in the prediction ``a`` (:data:`A`) and the target ``y`` (:data:`Y`);
a class loss's ``build(zs, ys)`` returns the scalar loss of one sample.  `link` names the activation
f such that the composed loss l(f(z), y) has the canonical-link gradient dl/dz = mu - y: ``"sigmoid"``
for binary cross-entropy on probabilities, ``"identity"`` for losses that already take the natural
parameter (logits, log-rates) and ``"log_softmax"`` for losses on log-probabilities.  Every formula
is the per-element (reduction='none') loss; the reductions only scale the gradient (see the notes).
"""

import sympy as sp

from symact.catalogue._kink import kink, param
from symact.catalogue._record import Loss, Param, VectorLoss
from symact.catalogue._symbols import A, Y

__all__ = ["ELEMENTWISE_LOSSES", "VECTOR_LOSSES"]

_MEAN = (
    "Reduction: 'mean' (PyTorch's default) divides the summed loss by the number N of elements, so each "
    "element's gradient is the one given here times 1/N; 'sum' leaves it unscaled."
)
_pos_weight, _delta, _beta, _smoothing = (
    param("pos_weight"),
    param("delta"),
    param("beta"),
    param("label_smoothing"),
)
_d = A - Y
_probability = sp.Interval(0, 1)
_nonnegative = sp.Interval(0, sp.oo)
_positive = sp.Interval.open(0, sp.oo)


def _cross_entropy(zs: tuple[sp.Symbol, ...], ys: tuple[sp.Symbol, ...]) -> sp.Expr:
    """-sum_i t_i log softmax(z)_i with smoothed targets t = (1 - eps) y + eps / C."""
    classes = len(zs)
    lse = sp.log(sp.Add(*[sp.exp(z) for z in zs]))
    targets = [(1 - _smoothing) * y + _smoothing / classes for y in ys]
    return -sp.Add(*[t * (z - lse) for t, z in zip(targets, zs, strict=True)])


def _nll(zs: tuple[sp.Symbol, ...], ys: tuple[sp.Symbol, ...]) -> sp.Expr:
    """-sum_i y_i z_i for log-probabilities z and one-hot (or probability) targets y."""
    return -sp.Add(*[y * z for y, z in zip(ys, zs, strict=True)])


ELEMENTWISE_LOSSES: tuple[Loss, ...] = (
    Loss(
        name="binary_cross_entropy",
        expr=-(Y * sp.log(A) + (1 - Y) * sp.log(1 - A)),
        description="Binary cross-entropy of a probability a in (0, 1) against a target y in [0, 1].",
        aliases=("bce",),
        input_domain=sp.Interval.open(0, 1),
        target_domain=_probability,
        link="sigmoid",
        frameworks="PyTorch BCELoss; Keras binary_crossentropy (from_logits=False)",
        notes="Gradient (a - y)/(a (1 - a)); composed with a = sigmoid(z) it is sigmoid(z) - y. PyTorch "
        "clamps each log at -100 in the forward and the backward's denominator at 1e-12; Keras clips a to "
        "[1e-7, 1 - 1e-7]. A weight w multiplies loss and gradient. " + _MEAN,
    ),
    Loss(
        name="binary_cross_entropy_with_logits",
        expr=_pos_weight * Y * sp.log(1 + sp.exp(-A)) + (1 - Y) * sp.log(1 + sp.exp(A)),
        description="Binary cross-entropy of a logit a: -[p y log sigmoid(a) + (1 - y) log(1 - sigmoid(a))].",
        params=(
            Param("pos_weight", sp.S.One, _nonnegative, "weight p of the positive term (default 1)", tex="p"),
        ),
        aliases=("bce_with_logits",),
        target_domain=_probability,
        link="identity",
        frameworks="PyTorch BCEWithLogitsLoss(pos_weight=None); Keras binary_crossentropy(from_logits=True)",
        notes="The input is the logit z; the sigmoid is inside the loss. Gradient "
        "(1 + (p - 1) y) sigmoid(z) - p y, which is sigmoid(z) - y for p = 1 (canonical). PyTorch "
        "evaluates (1 - y) z - (1 + (p - 1) y) log sigmoid(z). " + _MEAN,
    ),
    Loss(
        name="mse",
        expr=_d**2,
        description="Squared error (a - y)^2, PyTorch's convention without a factor 1/2.",
        aliases=("mse_loss", "mean_squared_error"),
        frameworks="PyTorch MSELoss; Keras mean_squared_error",
        notes="Gradient 2 (a - y): there is no 1/2, so with the identity link the gradient is 2 (z - y), not "
        "the canonical z - y (that is mse_half). " + _MEAN,
    ),
    Loss(
        name="mse_half",
        expr=_d**2 / 2,
        description="Half squared error (a - y)^2 / 2: the Gaussian NLL up to a constant.",
        aliases=("half_mse",),
        link="identity",
        frameworks="PyTorch MSELoss / 2; the textbook convention",
        notes="Gradient a - y (canonical with the identity link). " + _MEAN,
    ),
    Loss(
        name="l1",
        expr=sp.Abs(_d),
        description="Absolute error |a - y|.",
        kinks=(
            kink(
                Y,
                -1,
                1,
                0,
                1,
                note="PyTorch's abs backward uses sgn(0) = 0; jax.grad of jnp.abs(a - y) gives 1 there.",
            ),
        ),
        aliases=("l1_loss", "mae", "mean_absolute_error"),
        frameworks="PyTorch L1Loss; Keras mean_absolute_error",
        notes="Gradient sign(a - y), 0 at a = y. " + _MEAN,
    ),
    Loss(
        name="huber",
        expr=sp.Piecewise(
            (_delta * (-_d) - _delta**2 / 2, _d <= -_delta),
            (_delta * _d - _delta**2 / 2, _d >= _delta),
            (_d**2 / 2, True),
        ),
        description="Huber loss: (a - y)^2 / 2 for |a - y| < delta, delta (|a - y| - delta/2) beyond.",
        params=(Param("delta", sp.S.One, _positive, "where the quadratic turns linear (default 1; > 0)"),),
        kinks=(
            kink(Y - _delta, -_delta, -_delta, -_delta, None, note="C1 here; the second derivative jumps."),
            kink(Y + _delta, _delta, _delta, _delta, None, note="C1 here; the second derivative jumps."),
        ),
        aliases=("huber_loss",),
        frameworks="PyTorch HuberLoss(delta=1); Keras Huber(delta=1)",
        notes="Gradient a - y inside, delta sign(a - y) outside; Huber_delta = delta SmoothL1_(beta=delta). "
        + _MEAN,
    ),
    Loss(
        name="smooth_l1",
        expr=sp.Piecewise(
            (-_d - _beta / 2, _d <= -_beta),
            (_d - _beta / 2, _d >= _beta),
            (_d**2 / (2 * _beta), True),
        ),
        description="Smooth L1: (a - y)^2 / (2 beta) for |a - y| < beta, |a - y| - beta/2 beyond.",
        params=(Param("beta", sp.S.One, _positive, "width of the quadratic zone (default 1)"),),
        kinks=(
            kink(Y - _beta, -1, -1, -1, None, note="C1 here; the second derivative jumps."),
            kink(Y + _beta, 1, 1, 1, None, note="C1 here; the second derivative jumps."),
        ),
        aliases=("smooth_l1_loss",),
        frameworks="PyTorch SmoothL1Loss(beta=1)",
        notes="PyTorch also allows beta = 0, which is L1 (use l1); symact requires beta > 0. " + _MEAN,
    ),
    Loss(
        name="poisson_nll",
        expr=sp.exp(A) - Y * A,
        description="Poisson negative log-likelihood of a log-rate a: e^a - y a (constant in y dropped).",
        aliases=("poisson_nll_loss",),
        target_domain=_nonnegative,
        link="identity",
        frameworks="PyTorch PoissonNLLLoss(log_input=True)",
        notes="Gradient e^a - y (canonical log link: the exponential is inside the loss). full=True adds the "
        "Stirling term y log y - y + log(2 pi y)/2 (for y > 1), which has no input gradient. " + _MEAN,
    ),
    Loss(
        name="poisson_nll_rate",
        expr=A - Y * sp.log(A),
        description="Poisson negative log-likelihood of a rate a > 0: a - y log a.",
        input_domain=_positive,
        target_domain=_nonnegative,
        link="exponential",
        frameworks="PyTorch PoissonNLLLoss(log_input=False); Keras poisson",
        notes="Gradient 1 - y/a; with a = e^z it is e^z - y (canonical), with a = z (identity link) it stays "
        "1 - y/z. PyTorch computes a - y log(a + eps) with eps = 1e-8 (Keras: epsilon 1e-7), "
        "gradient 1 - y/(a + eps); symact records the exact likelihood (eps = 0). " + _MEAN,
    ),
    Loss(
        name="kl_div",
        expr=sp.Piecewise((0, sp.Eq(Y, 0)), (Y * sp.log(Y), True)) - Y * A,
        description="Kullback-Leibler term y log y - y a of a log-probability a (log-space input).",
        aliases=("kl_div_loss", "kldiv"),
        input_domain=sp.Interval(-sp.oo, 0),
        target_domain=_probability,
        link="log_softmax",
        frameworks="PyTorch KLDivLoss(log_target=False)",
        notes="Gradient -y. y log y is 0 at y = 0 (PyTorch's xlogy). With a = log_softmax(z) and a "
        "normalised target, the gradient in z is softmax(z) - y. log_target=True takes log y "
        "instead: e^t (t - a), gradient -e^t. 'mean' averages over all elements and is not the KL "
        "divergence; 'batchmean' (sum / batch size) is.",
    ),
)

VECTOR_LOSSES: tuple[VectorLoss, ...] = (
    VectorLoss(
        name="cross_entropy",
        build=_cross_entropy,
        description="Cross-entropy of logits z against targets y: -sum_i t_i log softmax(z)_i, "
        "t = (1 - eps) y + eps / C.",
        params=(
            Param(
                "label_smoothing",
                sp.S.Zero,
                _probability,
                "eps: weight of the uniform target (default 0)",
                tex=r"\varepsilon",
            ),
        ),
        link="identity",
        frameworks="PyTorch CrossEntropyLoss(label_smoothing=0); "
        "Keras categorical_crossentropy(from_logits=True)",
        notes="The input is logits (log_softmax is inside). Class-index targets are one-hot y. Gradient "
        "softmax(z) sum(t) - t, which for a normalised target is p - ((1 - eps) y + eps/C) and p - y "
        "without smoothing. Reduction 'mean' divides by the summed weights of the target classes "
        "(class-index targets) or by the number of samples (probability targets); ignore_index rows "
        "give 0.",
    ),
    VectorLoss(
        name="nll_loss",
        build=_nll,
        description="Negative log-likelihood -sum_i y_i z_i of log-probabilities z and one-hot targets y.",
        aliases=("nll",),
        link="log_softmax",
        frameworks="PyTorch NLLLoss",
        notes="Gradient -y (with class weights: -w_y at the target class). Composed with z = log_softmax(x) "
        "it is cross_entropy, gradient softmax(x) - y. 'mean' divides by the summed weights of the "
        "target classes.",
    ),
)
