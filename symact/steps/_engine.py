"""The engine: differentiate with the rule table, then lay the rule tree out as a chain of equalities.

:func:`differentiate` builds the :class:`Step` tree bottom-up; every result is produced by the rules.
:func:`rule_chain` turns the tree into the displayed chain d/dx f = ... = f'(x): each line replaces
the placeholders of one rule (all its occurrences at once), trivial leaves (constants, dx/dx) are
folded into the line that produced them, and named substitutions are undone in a final line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from symact.errors import VerificationError
from symact.steps._rules import PREDICATE_RULES, STEP_RULES, StepRule
from symact.steps._step import NameSupply, Step

__all__ = ["ChainLine", "differentiate", "rule_chain", "substitute_back"]


class NoRuleError(VerificationError):
    """No rule in the table applies to an expression."""


def _lookup(expr: sp.Expr, var: sp.Symbol, rules: Mapping[type, StepRule]) -> StepRule:
    for predicate, rule in PREDICATE_RULES:
        if predicate(expr, var):
            return rule
    for cls in type(expr).__mro__:
        if cls in rules:
            return rules[cls]
    raise NoRuleError(f"no differentiation rule for {type(expr).__name__}: {sp.sstr(expr)}")


def differentiate(
    expr: sp.Expr,
    var: sp.Symbol,
    *,
    rules: Mapping[type, StepRule] = STEP_RULES,
    names: NameSupply | None = None,
) -> Step:
    """The rule tree of d(expr)/d(var); `rules` may layer additions over :data:`STEP_RULES` (a ChainMap)."""
    if names is None:
        names = NameSupply({s.name for s in expr.free_symbols})
    try:
        expansion = _lookup(expr, var, rules).expand(expr, var, names)
    except NotImplementedError as exc:
        raise NoRuleError(f"{sp.sstr(expr)}: {exc}") from None
    children = tuple(differentiate(e, v, rules=rules, names=names) for e, v in expansion.children)
    after = expansion.form.xreplace({c.placeholder: c.after for c in children})
    if expansion.substitution is not None:
        u, inner = expansion.substitution
        after = after.subs(u, inner)
    return Step(
        rule=expansion.rule,
        before=expr,
        after=after,
        variable=var,
        form=expansion.form,
        substeps=children,
        substitution=expansion.substitution,
        condition=expansion.condition,
    )


@dataclass(frozen=True)
class ChainLine:
    """One displayed line ``= expr`` of a rule chain, labelled by the rules applied in it."""

    expr: sp.Expr
    rules: tuple[str, ...]
    substitutions: tuple[tuple[sp.Symbol, sp.Expr], ...] = ()
    steps: tuple[Step, ...] = ()


_LEAVES = ("constant rule",)


def _is_leaf(step: Step) -> bool:
    """A trivial step, folded into the line that produced it: a constant, dx/dx = 1, or a constant
    times x (its derivative the constant)."""
    if not step.substeps:
        return step.rule in _LEAVES or step.rule.endswith("= 1")
    return step.rule == "constant multiple rule" and all(
        _is_leaf(s) and not s.substeps for s in step.substeps
    )


def substitute_back(expr: sp.Expr, subs: tuple[tuple[sp.Symbol, sp.Expr], ...]) -> sp.Expr:
    """`expr` with every named inner function replaced by its definition (innermost last)."""
    for u, inner in reversed(subs):
        expr = expr.subs(u, inner)
    return expr


def rule_chain(root: Step) -> tuple[sp.Expr, list[ChainLine]]:
    """The first displayed expression (d/dx f) and the lines that work it out, one rule per line."""
    start = root.placeholder
    current: sp.Expr = start
    owners: dict[sp.Expr, Step] = {start: root}
    subs: list[tuple[sp.Symbol, sp.Expr]] = []
    lines: list[ChainLine] = []

    def replace(group: list[sp.Expr]) -> list[Step]:
        nonlocal current
        done = []
        mapping = {}
        for p in group:
            step = owners[p]
            mapping[p] = step.form
            for child in step.substeps:
                owners.setdefault(child.placeholder, child)
            if step.substitution is not None and step.substitution not in subs:
                subs.append(step.substitution)
            done.append(step)
        current = current.xreplace(mapping)
        return done

    while True:
        present = current.atoms(sp.Derivative)
        pending = [p for p in owners if p in present]
        if not pending:
            break
        rule = owners[pending[0]].rule
        group_subs_before = len(subs)
        done = replace([p for p in pending if owners[p].rule == rule])
        names = [rule]
        while True:
            present = current.atoms(sp.Derivative)
            leaves = [p for p in owners if p in present and _is_leaf(owners[p])]
            if not leaves:
                break
            done += replace(leaves)
            names += [owners[p].rule for p in leaves]
        lines.append(
            ChainLine(
                expr=current,
                rules=tuple(dict.fromkeys(names)),
                substitutions=tuple(subs[group_subs_before:]),
                steps=tuple(done),
            )
        )
    if subs:
        current = substitute_back(current, tuple(subs))
        lines.append(ChainLine(expr=current, rules=("substitute back",), substitutions=tuple(subs)))
    return start, lines
