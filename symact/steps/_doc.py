"""The derivation document: sections of paragraphs, bullet lists and checked chains of equalities.

Text is a tuple of parts, each either plain text or a SymPy expression shown as inline maths, so
one document renders to LaTeX and to Markdown alike (``symact.latex``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

import sympy as sp

from symact.steps._verify import Check

__all__ = ["Chain", "Derivation", "Items", "Line", "Paragraph", "Part", "Section", "Text"]

Part: TypeAlias = "str | sp.Basic"
"""Plain text, or a SymPy object shown as inline maths."""

Text: TypeAlias = "tuple[Part, ...]"


@dataclass(frozen=True)
class Paragraph:
    """Running text with inline maths."""

    text: Text


@dataclass(frozen=True)
class Items:
    """A bullet list."""

    items: tuple[Text, ...]


@dataclass(frozen=True)
class Line:
    """One displayed equality ``= expr``, labelled by the rule or identity used and how it was checked."""

    expr: sp.Expr
    label: Text
    check: Check


@dataclass(frozen=True)
class Chain:
    """An aligned chain ``lhs = lines[0] = lines[1] = ...``; every ``=`` is a checked :class:`Line`."""

    lhs: sp.Expr
    lines: tuple[Line, ...]


Block = Paragraph | Items | Chain


@dataclass(frozen=True)
class Section:
    """A titled part of a derivation."""

    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Derivation:
    """A whole derivation: `name` is the file stem under proofs/, `result` the derivative reached."""

    name: str
    title: str
    sections: tuple[Section, ...]
    result: sp.Expr | None = None
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def chains(self) -> list[Chain]:
        """Every chain of equalities, in document order."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, Chain)]

    @property
    def steps(self) -> int:
        """The number of checked equalities displayed."""
        return sum(len(c.lines) for c in self.chains)

    def _repr_latex_(self) -> str:
        """The chains as display maths, for notebooks (the whole document: ``symact.latex``)."""
        from symact.latex import render_math

        return render_math(self)
