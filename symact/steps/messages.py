"""Every sentence the derivations print, in one table per language, with placeholders for the maths.

``say(key, *maths)`` returns a :data:`Text` holding one :class:`Msg`: the key and its arguments, put
into words only when a document is rendered (``resolve(text, lang)``), so that one checked derivation
renders to every edition.  Placeholders are ``{0}``, ``{1}``, ... in the order of `maths`; an argument
is a SymPy object (inline maths), a ``str`` (filled in as it is: a name, a number), or a Text (filled
in resolved).  The English table is :data:`MESSAGES`; each other edition is a table with the same keys
(:data:`TABLES`, the Japanese one in :mod:`symact.steps.messages_ja`).

Rule names, check methods and function names are looked up through keys too (``rule:``, ``method:``;
:func:`rule`, :func:`methods`, :func:`fn`): a rule the table does not know prints as recorded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sympy as sp

from symact.steps.messages_ja import CATALOGUE_TEXT_JA, FUNCTION_NAMES_JA, GLOSSARY, MESSAGES_JA

__all__ = [
    "CATALOGUE_TEXT",
    "GLOSSARY",
    "LANGUAGES",
    "MESSAGES",
    "RULE_SOURCES",
    "TABLES",
    "Msg",
    "catalogue_text",
    "fn",
    "function_name",
    "methods",
    "plain",
    "resolve",
    "rule",
    "say",
    "table",
]


@dataclass(frozen=True)
class Msg:
    """A message of the table, `key` with its `args`, put into words by :func:`resolve`."""

    key: str
    args: tuple[Any, ...] = ()

    def __str__(self) -> str:
        return plain((self,))


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
    "name-inner": "Name the inner function {0}, so {1}.",
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
    "vector-loss-defined": "For logits {0} and targets {1}, the loss is",
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
    "otherwise": "otherwise",
    "title-after": "{0} after {1}",
    "vector-sizes": "{0}, …, {1}",
    # joining pieces of text
    "sep-list": ", ",
    "sep-sentence": ". ",
    "sep-colon": ": ",
    "sep-space": " ",
    "end-sentence": ".",
    "label-condition": " ({0})",
    "label-with": "{0}, {1}",
    # rules (as the rule table records them)
    "rule:constant rule": "constant rule",
    "rule:sum rule": "sum rule",
    "rule:product rule": "product rule",
    "rule:quotient rule": "quotient rule",
    "rule:chain rule": "chain rule",
    "rule:power rule": "power rule",
    "rule:constant multiple rule": "constant factor",
    "rule:sigmoid rule": "sigmoid rule",
    "rule:normal CDF rule": "derivative of the normal CDF",
    "rule:exponential rule": "exponential rule",
    "rule:logarithm rule": "logarithm rule",
    "rule:tanh rule": "tanh rule",
    "rule:sinh rule": "sinh rule",
    "rule:cosh rule": "cosh rule",
    "rule:sine rule": "sine rule",
    "rule:cosine rule": "cosine rule",
    "rule:arctangent rule": "arctangent rule",
    "rule:erf rule": "erf rule",
    "rule:erfc rule": "erfc rule",
    "rule:absolute value rule": "absolute value rule",
    "rule:sign rule": "sign rule",
    "rule:step rule": "step rule",
    "rule:max rule, by cases": "max rule, by cases",
    "rule:min rule, by cases": "min rule, by cases",
    "rule:differentiate each case": "differentiate each case",
    "rule:write as cases": "write as cases",
    "rule:substitute back": "substitute back",
    "rule:rewrite f^g = e^{g log f}": "rewrite f^g = e^{g log f}",
    "rule:d x / d x = 1": "dx/dx = 1",
    "rule-with-chain": "{0} with the chain rule",
    "rule-derivative-of": "derivative of {0}",
    "cond:off the kinks": "off the kinks",
    "cond:where the arguments differ": "where the arguments differ",
    "cond:where the argument is not 0": "where the argument is not 0",
    # moves
    "move-power": "rewrite as a power",
    "move-split": "split the fraction",
    "move-add-subtract-1": "add and subtract 1 in the numerator",
    "move-quotient-squares": "a quotient of squares is the square of the quotient",
    "move-divide-by": "divide numerator and denominator by {0}",
    "move-symmetry-sigmoid": "symmetry of the sigmoid, {0}",
    "move-factor-out": "factor out {0}",
    "move-in-output-for": "in the output: {0} for {1}",
    "move-sign-numerator": "move the sign into the numerator",
    "move-recognise": "recognise {0}",
    "move-recognise-softmax": "recognise the softmax {0}",
    "move-definition": "definition {0}",
    "move-identity": "{0}",
    "move-in-output": "in the output {0}",
    "move-in-outputs": "in the outputs {0}",
    "move-simplify-cases": "simplify each case",
    "move-common-factor": "take out the common factor",
    "move-common-denominator": "combine over a common denominator and cancel",
    "move-simplify": "simplify",
    "move-delta": "the delta keeps the term k = j",
    "label-rules-with": "{0}, {1}, {2}",
    # how a step was checked
    "check-describe": "symbolic ({0}); numeric: {1} points at {2} digits",
    "check-note": "{0}; {1}",
    "method:identical after evaluation": "identical after evaluation",
    "method:expand": "expand",
    "method:cancel": "cancel",
    "method:exp rewrite + cancel": "exp rewrite + cancel",
    "method:expand_log": "expand_log",
    "method:simplify": "simplify",
    "method:exp rewrite + simplify": "exp rewrite + simplify",
    "method-by-cases": "by cases: {0}",
    "method-by-cases-none": "by cases",
    "method-case-by-case": "case by case: {0}",
    "method-case-region-left": "the case's region contains the interval of width 10^-6 left of {0}, at the "
    "defaults",
    "method-case-region-right": "the case's region contains the interval of width 10^-6 right of {0}, at the "
    "defaults",
    "note-off-kinks": "off the kinks (measure-zero conditions ignored)",
    "note-approach-left": "points approaching {0} from the left",
    "note-approach-right": "points approaching {0} from the right",
    "note-indices": "at n = 2, 3, 4 and every value of the indices",
    "note-indices-target": "at n = 2, 3, 4 and every value of the indices, with the target summing to 1",
    "note-every-entry": "every entry at n = 3",
    "vector-entry": "entry {0}",
    "check-kink": "{0}: {1}",
    # the booklet
    "booklet-title": "Derivatives of activation functions and losses, step by step",
    "booklet-preface": "Preface",
    "booklet-preface-text": "These notes derive the derivatives used to train neural networks, one "
    "named move per line, from the definition to the form a textbook gives, which is boxed. Every line "
    "was checked by machine, symbolically and numerically at 50 digits; how is listed at the end of each "
    "section, so that the text reads as a derivation. The seed activations come first, in the order a "
    "course meets them; the neuron with its loss closes the booklet.",
    "booklet-notation": "Notation",
    "notation-1": "{0} is the input of an element-wise function {1}; {2} is its output. In the neuron, {3} "
    "is the input of the activation and {4} its output.",
    "notation-2": "{0} is the derivative of a function of one variable; {1} the partial derivative of a "
    "function of several.",
    "notation-3": "{0} is the logistic function, {1} and {2} the standard normal distribution function and "
    "density.",
    "notation-4": "Parameters are Greek letters ({0}); each derivation states their default values once, in "
    "its definition.",
    "notation-5": "{0} is 1 when {1} and 0 otherwise; {2} is a target, {3} a loss, {4} a mean loss.",
    "notation-6": "Each numbered line is one named move; its checks are listed at the end of its section. A "
    "boxed equation is a result, checked directly against the derivative.",
    "notation-7": "At a non-smooth point, each one-sided derivative is the limit of {0} from that side, "
    "because {1} is continuous there (mean value theorem); a table gives both, the subgradients and the "
    "values PyTorch and JAX return.",
    "booklet-results": "Table of results",
    "booklet-function": "function",
    "booklet-derivative": "derivative",
    "booklet-in-output": " (in the output)",
    "booklet-see": "see Section {0}",
    "booklet-glossary": "Glossary",
    "glossary-english": "English",
    "glossary-term": "Term",
    "part-seed": "The seed activations",
    "part-smooth": "Smooth activations",
    "part-piecewise": "Piecewise activations",
    "part-vector": "Vector functions",
    "part-loss": "Losses",
    "part-neuron": "The neuron: a loss after its activation",
    "part-other": "Other derivations",
    "generated": "Generated by `symact proofs`; do not edit by hand.",
    # glossary terms (English and Japanese side by side in the Japanese booklet)
    "term:derivative": "derivative",
    "term:gradient": "gradient",
    "term:activation": "activation function",
    "term:loss": "loss function",
    "term:backpropagation": "backpropagation",
    "term:forward": "forward pass",
    "term:backward": "backward pass",
    "term:jacobian": "Jacobian",
    "term:saturation": "saturation",
    "term:vanishing": "vanishing gradient",
    "term:logit": "logit",
    "term:label-smoothing": "label smoothing",
    "term:canonical-link": "canonical link",
    "term:one-sided": "one-sided derivative",
    "term:kink": "non-smooth point (kink)",
    "term:neuron": "neuron",
    "term:weight": "weight",
    "term:bias": "bias",
}
"""Message key -> English text with ``{n}`` placeholders for maths."""

TABLES: dict[str, dict[str, str]] = {"en": MESSAGES, "ja": MESSAGES_JA}
"""Language code -> its table (every table has the keys of :data:`MESSAGES`)."""

LANGUAGES: tuple[str, ...] = tuple(TABLES)
"""The editions, English first."""

FUNCTION_NAMES: dict[str, dict[str, str]] = {"en": {}, "ja": FUNCTION_NAMES_JA}
"""Language code -> catalogue name -> the function's name in that language (default: the name with
spaces for underscores)."""

CATALOGUE_TEXT: dict[str, dict[str, str]] = {"en": {}, "ja": CATALOGUE_TEXT_JA}
"""Language code -> text of the catalogue (a parameter's description) -> that text in the language
(default: as the catalogue writes it)."""

RULE_SOURCES: dict[str, str] = {"sigmoid rule": "sigmoid"}
"""Rules whose derivation is a document of its own: rule name -> that document's name."""

_PLACEHOLDER = re.compile(r"\{(\d+)\}")
_WITH_CHAIN = " with the chain rule"


def table(lang: str) -> dict[str, str]:
    """The message table of `lang` (KeyError for an unknown language)."""
    return TABLES[lang]


def say(key: str, *maths: Any) -> tuple[Any, ...]:
    """The message `key` with its placeholders to fill: a Text of one :class:`Msg`."""
    if key not in MESSAGES:
        raise KeyError(f"no message {key!r}")
    return (Msg(key, maths),)


def fn(name: str) -> Msg:
    """The name of catalogue function `name`, as each edition says it."""
    return Msg("fn", (name,))


def function_name(name: str, lang: str) -> str:
    """The name of catalogue function `name` in `lang`."""
    return FUNCTION_NAMES[lang].get(name, name.replace("_", " "))


def catalogue_text(text: str) -> Msg:
    """Text of the catalogue (a parameter's description, a framework note), as each edition says it."""
    return Msg("data", (text,))


def rule(name: str) -> Msg:
    """The name of a rule as the rule table records it, as each edition says it."""
    return Msg("rule", (name,))


def methods(names: str) -> Msg:
    """The normal forms of a symbolic check (``cancel``, ``by cases: expand, cancel``), in words."""
    return Msg("methods", (names,))


def _rule_text(name: str, words: dict[str, str]) -> str:
    if f"rule:{name}" in words:
        return words[f"rule:{name}"]
    if name.endswith(_WITH_CHAIN):
        return words["rule-with-chain"].format(_rule_text(name[: -len(_WITH_CHAIN)], words))
    if name.startswith("derivative of "):
        return words["rule-derivative-of"].format(name[len("derivative of ") :])
    return name


def _methods_text(names: str, words: dict[str, str]) -> str:
    for prefix, key in (("by cases: ", "method-by-cases"), ("case by case: ", "method-case-by-case")):
        if names.startswith(prefix):
            return words[key].format(_methods_text(names[len(prefix) :], words))
    if names == "by cases":
        return words["method-by-cases-none"]
    return words["sep-list"].join(words.get(f"method:{m}", m) for m in names.split(", "))


def _catalogue_text(text: str, lang: str) -> str:
    """The catalogue's `text` in `lang`: its translation, or the text itself (API names), its list
    separator ``; `` written as the edition writes a list."""
    if text in CATALOGUE_TEXT[lang]:
        return CATALOGUE_TEXT[lang][text]
    return text if lang == "en" else text.replace("; ", TABLES[lang]["sep-list"])


def _fill(template: str, args: tuple[Any, ...], lang: str) -> list[Any]:
    out: list[Any] = []
    pos = 0
    for m in _PLACEHOLDER.finditer(template):
        if m.start() > pos:
            out.append(template[pos : m.start()])
        arg = args[int(m.group(1))]
        if isinstance(arg, tuple):
            out.extend(resolve(arg, lang))
        elif isinstance(arg, Msg):
            out.extend(resolve((arg,), lang))
        else:
            out.append(sp.sympify(arg) if isinstance(arg, int | float) else arg)
        pos = m.end()
    if pos < len(template):
        out.append(template[pos:])
    return out


def resolve(text: tuple[Any, ...], lang: str) -> tuple[Any, ...]:
    """`text` with every :class:`Msg` put into the words of `lang` (plain str, SymPy and other parts
    kept; adjacent strings joined)."""
    words = TABLES[lang]
    out: list[Any] = []
    for part in text:
        if not isinstance(part, Msg):
            pieces = [part]
        elif part.key == "fn":
            pieces = [function_name(part.args[0], lang)]
        elif part.key == "data":
            pieces = [_catalogue_text(part.args[0], lang)]
        elif part.key == "rule":
            pieces = [_rule_text(part.args[0], words)]
        elif part.key == "methods":
            pieces = [_methods_text(part.args[0], words)]
        else:
            pieces = _fill(words[part.key], part.args, lang)
        for piece in pieces:
            if isinstance(piece, str) and out and isinstance(out[-1], str):
                out[-1] += piece
            elif not (isinstance(piece, str) and not piece):
                out.append(piece)
    return tuple(out)


def plain(text: tuple[Any, ...], lang: str = "en") -> str:
    """`text` resolved in `lang` as one string (maths in SymPy's plain notation; a cross-reference
    as its text)."""
    out = []
    for part in resolve(text, lang):
        shown = getattr(part, "text", None)  # a reference to another derivation
        if shown is not None:
            out.append(plain(shown if isinstance(shown, tuple) else (shown,), lang))
        else:
            out.append(part if isinstance(part, str) else sp.sstr(part))
    return "".join(out)
