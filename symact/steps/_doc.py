"""The derivation document: sections of paragraphs, bullet lists and checked chains of equalities.

Text is a tuple of parts, each either plain text or a SymPy expression shown as inline maths, so
one document renders to LaTeX and to Markdown alike (``symact.latex``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias

import sympy as sp

from symact.steps._verify import Check
from symact.steps.messages import Msg

__all__ = [
    "Chain",
    "Display",
    "Document",
    "Items",
    "KinkTable",
    "Line",
    "Paragraph",
    "Part",
    "Ref",
    "Result",
    "Section",
    "Text",
]


@dataclass(frozen=True)
class Ref:
    """A cross-reference to another derivation (by file stem), shown as `text` where no link exists."""

    name: str
    text: str | Msg | tuple[Any, ...]


Part: TypeAlias = "str | sp.Basic | Ref | Msg"
"""Plain text, a SymPy object shown as inline maths, a reference to another derivation, or a message of
the table (put into words when rendered: ``symact.steps.messages.resolve``)."""

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


@dataclass(frozen=True)
class Result:
    """A boxed result ``lhs = rhs``, checked against the derivative itself, and stated in words.

    `output` is the expression the letter a stands for in `rhs` (the function's own output, such as
    sigma(x)), if the boxed form is written in it; the machine-readable summary writes it as ``a``.
    """

    lhs: sp.Expr
    rhs: sp.Expr
    words: Text
    check: Check
    output: sp.Expr | None = None
    also: sp.Expr | None = None
    """A further form equal to `rhs`, shown in the box after it."""


@dataclass(frozen=True)
class Display:
    """A displayed equation ``lhs = rhs`` (a matrix, cases): checked like a chain line, or a
    definition (`check` None)."""

    lhs: sp.Expr
    rhs: sp.Expr
    check: Check | None = None


@dataclass(frozen=True)
class KinkTable:
    """One non-smooth point: the sentence that teaches it and its table of values.

    `rows` are (label, value) pairs; `checks` say how the one-sided derivatives were checked.
    """

    sentence: Text
    rows: tuple[tuple[Text, Text], ...]
    checks: tuple[tuple[Text, Check], ...]


Block = Paragraph | Items | Chain | Result | Display | KinkTable


@dataclass(frozen=True)
class Section:
    """A titled part of a derivation."""

    title: Text
    blocks: tuple[Block, ...]
    label: str = ""


@dataclass(frozen=True)
class Document:
    """A whole derivation: `name` is the file stem under proofs/, `result` the derivative reached."""

    name: str
    title: Text
    sections: tuple[Section, ...]
    result: sp.Expr | None = None
    meta: dict[str, str] = field(default_factory=dict)
    symbols: dict[sp.Symbol, str] = field(default_factory=dict)
    """LaTeX names of the parameter symbols (negative_slope printed as alpha)."""
    partial: bool = False
    """True for a function of several variables (derivatives printed with a partial sign)."""
    definition: sp.Basic | None = None
    """The definition shown in the table of results (an equation)."""
    part: str = ""
    """The part of the booklet this derivation belongs to (see ``symact.latex``)."""
    extra_checks: tuple[tuple[Text, Check], ...] = ()
    """Checks that belong to no displayed step (agreement with an independent differentiation)."""

    @property
    def results(self) -> list[Result]:
        """The boxed results, in document order."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, Result)]

    @property
    def checked(self) -> bool:
        """Every displayed equality and every boxed result carries a passed check (always True once
        built: a failing check raises while the derivation is built)."""
        blocks = [b for s in self.sections for b in s.blocks]
        return all(isinstance(b.check, Check) for b in blocks if isinstance(b, Result))

    @property
    def chains(self) -> list[Chain]:
        """Every chain of equalities, in document order."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, Chain)]

    @property
    def steps(self) -> int:
        """The number of checked equalities displayed."""
        displays = [
            b
            for s in self.sections
            for b in s.blocks
            if isinstance(b, Result | Display) and b.check is not None
        ]
        return sum(len(c.lines) for c in self.chains) + len(displays)

    def _repr_latex_(self) -> str:
        """The chains as display maths, for notebooks (the whole document: ``symact.latex``)."""
        from symact.latex import render_math

        return render_math(self)
