"""Step-by-step differentiation: rule records, checked chains of equalities, derivation documents.

``differentiate(expr, x)`` builds the rule tree (each :class:`Step` records the rule, the expression
before and after, its substeps and, for the chain rule, the named substitution); ``derivation(record)``
builds the checked document for a catalogue record, dispatching on ``record.kind``.
"""

from symact.steps._build import BUILDERS, derivation, derivations
from symact.steps._doc import (
    Chain,
    Display,
    Document,
    Items,
    KinkTable,
    Line,
    Paragraph,
    Ref,
    Result,
    Section,
    Text,
)
from symact.steps._engine import differentiate, rule_chain
from symact.steps._moves import MOVES, Move, MoveError
from symact.steps._rules import PREDICATE_RULES, STEP_RULES, StepRule
from symact.steps._step import Step
from symact.steps._verify import Check, check_equal, prove_zero

__all__ = [
    "BUILDERS",
    "MOVES",
    "PREDICATE_RULES",
    "STEP_RULES",
    "Chain",
    "Check",
    "Display",
    "Document",
    "Items",
    "KinkTable",
    "Line",
    "Move",
    "MoveError",
    "Paragraph",
    "Ref",
    "Result",
    "Section",
    "Step",
    "StepRule",
    "Text",
    "check_equal",
    "derivation",
    "derivations",
    "differentiate",
    "prove_zero",
    "rule_chain",
]
