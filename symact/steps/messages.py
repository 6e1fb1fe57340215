"""Every sentence the derivations print, in one table: English text with placeholders for the maths.

``say(key, *maths)`` returns the message as a :data:`Text` (plain parts and SymPy objects shown as
inline maths); placeholders are ``{0}``, ``{1}``, ... in the order of `maths`.  A placeholder whose
argument is a ``str`` is filled in as text (a name, a section reference).  A second edition (another
language) is a second table with the same keys.
"""

from __future__ import annotations

import re
from typing import Any

import sympy as sp

__all__ = ["MESSAGES", "RULE_NAMES", "RULE_SOURCES", "rule_name", "say"]

MESSAGES: dict[str, str] = {
    # definitions
    "defined": "Definition:",
    "defined-loss": "The loss of a prediction {0} against a target {1}:",
    "parameters": "Parameters, with their default values:",
    "parameter": "{0}: {1}; default {2}.",
    "constant": "{0}: {1}, {2} to 12 significant digits.",
    "frameworks": "In the frameworks: {0}.",
    "section-derivative": "The derivative",
    "section-rewriting": "Rewriting",
    "section-kink": "The point {0}",
    "section-kinks": "The non-smooth points",
    "section-appendix": "How each step was checked",
    "section-definition": "Definition",
    "name-inner": "Name the inner function {0}, so that {1}.",
    "first-line": "definition",
    "rewritten": "rewritten as above",
    "substitute-back": "substitute back {0}",
    # results
    "result-elementwise": "The derivative is {0}.",
    "result-output": "Written in the output {0}, the derivative is {1}: the backward pass needs only the "
    "value the forward pass already computed.",
    "result-shortest": "No shorter textbook form is known; this is the shortest form proved.",
    "result-by-cases": "Away from the non-smooth points the derivative is, case by case, as boxed.",
    "values": "Sizes of the derivative (at the default parameters, evaluated to 50 digits, shown to 6):",
    "saturates": "At {0} the derivative is only {1}: the function saturates there and the gradient "
    "through it all but vanishes.",
    "saturates-one": "At {0} the derivative is only {1}: on that side the function saturates and the "
    "gradient through it all but vanishes.",
    "no-saturation": "The derivative does not tend to 0 on both sides, so this function does not saturate "
    "the way sigmoid and tanh do.",
    "words": "In words: {0}.",
    "words-sigmoid": "the slope of the sigmoid is its value times one minus its value; it is largest, "
    "1/4, at 0",
    "words-tanh": "the slope of tanh is one minus its square",
    "words-softplus": "the slope of softplus is a sigmoid of the same argument: softplus is a smoothed ReLU "
    "whose derivative is a smoothed step",
    "words-log_sigmoid": "the slope of the log-sigmoid is the sigmoid of the negated input",
    "words-silu": "the slope of SiLU is the sigmoid times one plus x times one minus the sigmoid (product "
    "rule, with the sigmoid's own derivative)",
    "words-gelu": "the slope of GELU is the normal distribution function plus x times the normal density",
    "words-elu": "above 0 the slope is 1; below 0 it is the output plus alpha, so the backward pass can "
    "reuse the forward output",
    "words-softsign": "the slope of softsign is one over the square of one plus |x|: it decays like "
    "1/x^2, far more slowly than tanh's",
    "words-binary_cross_entropy": "the loss falls as the prediction approaches the target; its slope is "
    "-y/a + (1 - y)/(1 - a), as tutorial texts write it",
    "words-mse_half": "the slope of half the squared error is the prediction minus the target",
    "named-normal": "Here {0} is the standard normal density and {1} its distribution function.",
    "after-link": "With its link activation it gives the neuron's gradient: see {0}.",
    "output-none": "No form in the output {0} alone exists: f takes equal values at points where f' differs.",
    # kinks
    "kink-jump": "{0} jumps at {1}: it has no derivative there, and no subgradient; the value a "
    "framework returns at the point is a convention.",
    "kink-smooth": "The one-sided derivatives at {0} agree, so {1} is differentiable there, with {2}.",
    "kink-convex": "{0} is not differentiable at {1}: its one-sided derivatives differ, and every value "
    "between them is a subgradient.",
    "kink-concave": "{0} is not differentiable at {1}: its one-sided derivatives differ and the kink is "
    "concave, so no subgradient exists; the interval between them is the Clarke generalized gradient.",
    "kink-mixed": "{0} is not differentiable at {1}: its one-sided derivatives differ; the interval between "
    "them is the Clarke generalized gradient.",
    "kink-why": "Each one-sided derivative is the limit of f' from that side, because f is continuous at "
    "the point (mean value theorem).",
    "kink-infinite": "At the default parameters this point lies at infinity, so f has no kink there.",
    "row-left": "left derivative",
    "row-right": "right derivative",
    "row-subgradient": "subgradients",
    "row-clarke": "Clarke interval",
    "row-pytorch": "PyTorch",
    "row-jax": "JAX",
    "row-none": "no such op",
    "kink-left-check": "left derivative at {0}",
    "kink-right-check": "right derivative at {0}",
    # checks appendix
    "appendix-intro": "Every numbered equality was checked twice: symbolically (the difference of its two "
    "sides reduces to 0 under the normal form named) and numerically (both sides agree to 40 digits at "
    "random points, evaluated with 50 digits).",
    "check-line": "({0}) {1}",
    "check-lines": "({0})-({1}) {2}",
    "check-result": "boxed result, against the derivative itself: {0}",
    "check-display": "displayed {0}: {1}",
    "check-independent": "the derivative built rule by rule agrees with SymPy's own differentiation",
    "check-final": "the last line agrees with SymPy's own differentiation",
    "check-instances": "at n = {0}, every (i, j): {1}",
    # the neuron
    "neuron-title": "{0} after {1}: the neuron",
    "neuron-intro": "A neuron computes {0}, then {1}, and is scored by the loss {2}.",
    "neuron-step1": "Step 1: the derivative of the loss in the output.",
    "neuron-step2": "Step 2: the derivative of the activation in its input ({0}).",
    "neuron-step3": "Step 3: the chain rule gives the derivative in z.",
    "neuron-weights": "With {0}, the chain rule gives",
    "neuron-mean": "Over m samples the cost is the mean {0}; the derivative passes through the sum:",
    "neuron-section-z": "The derivative in z, in three steps",
    "neuron-section-w": "The weights, the bias, and the mean over m samples",
    "neuron-general": "Likewise for every weight: the input times the error signal.",
    "derived-in": "derived in {0}",
    "steps-1-2": "steps 1 and 2",
    "distribute": "distribute and cancel",
    "expand": "expand",
    "cancel": "cancel common factors",
    "canonical-line": "prediction minus target",
    "from-above": "from above",
    "linearity": "the derivative of a sum is the sum of the derivatives",
    "per-sample": "each term from above, {0} the k-th output",
    "canonical": "This is the canonical link: the gradient in z is the prediction minus the target, {0}, "
    "so the error signal is read off directly, with no derivative of the activation left in it.",
    "canonical-scaled": "The gradient is {0} times the prediction minus the target, {1}.",
    "not-canonical": "This pair is not canonical: the gradient in z is not of the form prediction minus "
    "target.",
    # vector functions
    "vector-defined": "For inputs {0}, the outputs are",
    "vector-notation": "with {0}; {1} is 1 when i = j and 0 otherwise.",
    "vector-matrix": "At n = 3 the whole Jacobian reads",
    "softmax-words": "The Jacobian of softmax is {0}: diagonal entries {1}, off-diagonal {2}.",
    "log-softmax-words": "The Jacobian of log-softmax is {0}, where {1} is the softmax of the same inputs.",
    "ce-words": "The gradient of the softmax cross-entropy in the logits is the prediction minus the "
    "target, {0}, whenever the target sums to 1.",
    "ce-smoothing": "Label smoothing replaces the target by {0}, which also sums to 1; the same steps "
    "then give {1}:",
    "softmax-interpret": "The diagonal entries are positive and the others negative: raising one input "
    "raises its own output and lowers the others, since the outputs always sum to 1. Like the sigmoid's, the "
    "Jacobian is written in the outputs alone, so the backward pass reuses the forward pass's a.",
    "softmax-ref": "The softmax and its Jacobian are derived in {0}.",
    "normalised-line": "the target sums to 1, {0}",
    "canonical-ce": "As for the sigmoid with binary cross-entropy, the softmax is the canonical link of the "
    "cross-entropy: the gradient in the logits is prediction minus target, with no Jacobian left in it.",
    "ce-p": "with the softmax {0} of the logits.",
    "ce-default": "Default: {0} (no label smoothing).",
    "vector-defined-n": "At n = {0} inputs:",
    "vector-whole": "The whole Jacobian, in the outputs:",
    "vector-first-row": "The first row of the Jacobian at n = {0}, entry by entry.",
    "vector-loss-first": "The first component of the gradient at n = {0}.",
    "normalised": "the target sums to 1",
    "at-default": "at the default {0}",
}
"""Message key -> English text with ``{n}`` placeholders for maths."""

RULE_NAMES: dict[str, str] = {
    "constant rule": "constant rule",
    "sum rule": "sum rule",
    "product rule": "product rule",
    "quotient rule": "quotient rule",
    "chain rule": "chain rule",
    "power rule": "power rule",
    "constant multiple rule": "constant factor",
    "sigmoid rule": "sigmoid rule",
    "normal CDF rule": "derivative of the normal CDF",
}
"""Rule name (as the rule table records it) -> the name printed; others print as recorded."""

RULE_SOURCES: dict[str, str] = {"sigmoid rule": "sigmoid"}
"""Rules whose derivation is a document of its own: rule name -> that document's name."""

_PLACEHOLDER = re.compile(r"\{(\d+)\}")


def say(key: str, *maths: Any, table: dict[str, str] | None = None) -> tuple[Any, ...]:
    """The message `key` with its placeholders filled: a tuple of text parts and SymPy objects."""
    template = (table or MESSAGES)[key]
    out: list[Any] = []
    pos = 0
    for m in _PLACEHOLDER.finditer(template):
        if m.start() > pos:
            out.append(template[pos : m.start()])
        arg = maths[int(m.group(1))]
        if isinstance(arg, tuple):
            out.extend(arg)
        else:
            out.append(sp.sympify(arg) if isinstance(arg, int | float) else arg)
        pos = m.end()
    if pos < len(template):
        out.append(template[pos:])
    return tuple(out)


def rule_name(name: str) -> str:
    """The printed name of a rule."""
    return RULE_NAMES.get(name, name)
