"""Render a :class:`symact.steps.Document` as a LaTeX document and as GitHub Markdown.

Every chain becomes an amsmath ``align*`` (a ```` ```math ```` block of ``aligned`` in Markdown)
whose lines are numbered and labelled by their move; boxed results are displayed with ``\\boxed``;
kinks get a table each; the checks every line passed are listed in a closing section "How each step
was checked".  A standalone document skips its own preamble when ``\\symactindex`` is defined, so the
booklet (``index.tex``) includes every derivation with ``\\input``.  All prose comes from
:mod:`symact.steps.messages`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import sympy as sp

from symact.latex._printer import latex
from symact.steps import Chain, Display, Document, Items, KinkTable, Paragraph, Ref, Result, Text
from symact.steps._elementwise import SEED_ORDER
from symact.steps._verify import Check
from symact.steps.messages import GLOSSARY, fn, function_name, plain, resolve, say

__all__ = [
    "HEADER",
    "Row",
    "header",
    "localise_maths",
    "render_body",
    "render_index",
    "render_index_markdown",
    "render_markdown",
    "render_math",
    "render_tex",
    "summary_row",
]

HEADER = plain(say("generated"))


def header(lang: str) -> str:
    """The first line of every generated file (as a comment), in `lang`."""
    return plain(say("generated"), lang)


_COMMON = (
    r"\usepackage{amsmath,amssymb}",
    r"\usepackage[margin=2cm]{geometry}",
    r"\allowdisplaybreaks",
    r"\setlength{\emergencystretch}{3em}",
)
_PREAMBLES: dict[str, tuple[str, ...]] = {
    "en": (
        r"\documentclass[10pt]{article}",
        r"\usepackage[T1]{fontenc}",
        r"\usepackage{lmodern}",
        *_COMMON,
    ),
    "ja": (
        r"\documentclass[10pt]{ltjsarticle}",
        r"\usepackage{luatexja}",
        *_COMMON,
    ),
}
"""The preamble of a standalone document per edition: pdfLaTeX for English, LuaLaTeX with luatexja
(ltjsarticle, the HaranoAji fonts it loads by default) for Japanese."""
_PREAMBLE = _PREAMBLES["en"]
_STANDALONE_REF = r"\providecommand{\symactref}[2]{#2}"
_INDEX_REFS = {
    "en": r"\newcommand{\symactref}[2]{#2 (Section~\ref{sec:#1})}",
    "ja": r"\newcommand{\symactref}[2]{#2（第\ref{sec:#1}節）}",
}

_TEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\^{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\~{}",
}
_UNICODE_MATH = {
    "σ": r"\sigma",
    "α": r"\alpha",
    "β": r"\beta",
    "λ": r"\lambda",
    "δ": r"\delta",
    "ε": r"\varepsilon",
    "θ": r"\theta",
    "μ": r"\mu",
    "π": r"\pi",
    "φ": r"\varphi",
    "Φ": r"\Phi",
    "∞": r"\infty",
    "≤": r"\le",
    "≥": r"\ge",
    "≠": r"\ne",
    "∂": r"\partial",
}
_UNICODE_TEXT = {"−": "-", "–": "--", "—": "---", "’": "'", "‘": "`", "“": "``", "”": "''", "…": "..."}

_TABLE_WIDTH = 48
"""Characters of a formula that fit the results table's column; longer ones are referred to."""

_WIDTHS = {"en": 92, "ja": 86}
"""Characters of a display row (expression and label) that fit the text width, per edition; wider
rows get the label on a line of its own."""


def _tex_text(text: str, lang: str = "en") -> str:
    out = []
    for ch in text:
        if ch in _TEX_SPECIAL:
            out.append(_TEX_SPECIAL[ch])
        elif lang != "en" and ch == "−":
            out.append("$-$")
        elif lang != "en" and ch not in _UNICODE_MATH:
            out.append(ch)
        elif ch in _UNICODE_TEXT:
            out.append(_UNICODE_TEXT[ch])
        elif ch in _UNICODE_MATH:
            out.append(f"${_UNICODE_MATH[ch]}$")
        elif ord(ch) < 128:
            out.append(ch)
        else:
            ascii_ = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
            out.append(ascii_ or "?")
    return "".join(out)


def _md_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_").replace("$", "\\$")


_CASE_FOR = re.compile(r"\\text\{for\}\\: (.*?)(?= \\\\| \\end\{cases\})")


def localise_maths(tex: str, lang: str) -> str:
    """The words SymPy prints inside cases (``for x < 0``, ``otherwise``) as edition `lang` writes
    them: English as printed, otherwise the condition in parentheses as the Japanese tutorials do,
    ``0 & (x < 0)``, and the word for otherwise from the table."""
    if lang == "en":
        return tex
    tex = _CASE_FOR.sub(lambda m: rf"\left({m.group(1)}\right)", tex)
    return tex.replace(r"\text{otherwise}", rf"\text{{{_tex_text(plain(say('otherwise'), lang), lang)}}}")


@dataclass(frozen=True)
class _Style:
    """How one derivation prints its maths (parameter names, d or partial)."""

    symbols: dict[sp.Symbol, str]
    partial: bool
    lang: str = "en"

    @classmethod
    def of(cls, derivation: Document, lang: str = "en") -> _Style:
        return cls(derivation.symbols, derivation.partial, lang)

    def text(self, text: Text) -> str:
        """`text` as plain words of this edition (titles: no maths in them)."""
        return plain(text, self.lang)

    def math(self, expr: sp.Basic, *, lead: bool = False) -> str:
        return localise_maths(latex(expr, symbols=self.symbols, partial=self.partial, lead=lead), self.lang)


def _breakable(text: str, lang: str = "en") -> str:
    """Running text with break points after the characters that join code names (PyTorch's
    ``BCEWithLogitsLoss(pos_weight=None)``), so that no line runs off the page (in Japanese text,
    where a line has few spaces to stretch, after an opening parenthesis too)."""
    for ch in ("=", r"\_", ";", *(("(",) if lang != "en" else ())):
        text = text.replace(ch, ch + r"\allowbreak{}")
    return text


def _ref_text(ref: Ref, style: _Style) -> str:
    text = ref.text if isinstance(ref.text, tuple) else (ref.text,)
    return plain(text, style.lang)


def _inline_tex(text: Text, style: _Style) -> str:
    out = []
    for p in resolve(text, style.lang):
        if isinstance(p, str):
            out.append(_breakable(_tex_text(p, style.lang), style.lang))
        elif isinstance(p, Ref):
            out.append(rf"\symactref{{{p.name}}}{{{_tex_text(_ref_text(p, style), style.lang)}}}")
        else:
            out.append(f"${style.math(p)}$")
    return "".join(out)


def _inline_md(text: Text, style: _Style) -> str:
    out = []
    for p in resolve(text, style.lang):
        if isinstance(p, str):
            out.append(_md_text(p))
        elif isinstance(p, Ref):
            out.append(f"[{_md_text(_ref_text(p, style))}]({p.name}.md)")
        elif style.lang == "en":
            out.append(f"$`{style.math(p)}`$")
        else:
            out.append(f"${style.math(p)}$")
    return "".join(out)


def _label(number: int, text: Text, style: _Style) -> str:
    parts = [rf"\text{{({number}) "]
    for p in resolve(text, style.lang):
        if isinstance(p, str):
            parts.append(_tex_text(p, style.lang).replace("$", ""))
        elif isinstance(p, Ref):
            parts.append(rf"\symactref{{{p.name}}}{{{_tex_text(_ref_text(p, style), style.lang)}}}")
        else:
            parts.append(f"}}{style.math(p)}\\text{{")
    parts.append("}")
    return "".join(parts).replace(r"\text{}", "")


def _visible(tex: str) -> int:
    """A rough count of the characters `tex` prints (commands and braces not counted; a wide
    character, such as a Japanese one, counts twice)."""
    stripped = re.sub(r"\\(left|right|frac|text|operatorname|mathit|quad|qquad|,|:)(?![a-zA-Z])", "", tex)
    stripped = re.sub(r"\\(tanh|sinh|cosh|log|exp|erf|max|min|sign|sqrt|cdot)(?![a-zA-Z])", r"\1", stripped)
    stripped = re.sub(r"\\[a-zA-Z]+", "x", stripped)
    stripped = re.sub(r"[{}^_ ]", "", stripped)
    return len(stripped) + sum(1 for ch in stripped if unicodedata.east_asian_width(ch) in "WF")


def _pieces(expr: sp.Expr, style: _Style, room: int, *, lead: bool = False) -> list[str]:
    """`expr` as one piece, or a sum cut into pieces of at most `room` printed characters each
    (every piece after the first starting with its sign); `lead`: a quoted result, its simplest terms
    first as in its box."""
    whole = style.math(expr, lead=lead)
    if _visible(whole) <= room or not isinstance(expr, sp.Add) or expr.has(sp.UnevaluatedExpr):
        return [whole]
    pieces: list[str] = []
    current = ""
    for term in expr.as_ordered_terms():
        text = style.math(term)
        if text.startswith("-"):
            part = f" - {text[1:].lstrip()}"
        else:
            part = f" + {text}"
        if not current:
            current = text
        elif _visible(current) + _visible(part) > room:
            pieces.append(current)
            current = part.strip()
        else:
            current += part
    pieces.append(current)
    return pieces


def _chain_rows(chain: Chain, start: int, style: _Style) -> list[str]:
    rows = []
    lhs_tex = style.math(chain.lhs)
    for i, line in enumerate(chain.lines):
        lhs = lhs_tex if i == 0 else ""
        label = _label(start + i, line.label, style)
        room = _WIDTHS["en"] - (_visible(lhs_tex) if i == 0 else 0)  # the same maths in every edition
        pieces = _pieces(line.expr, style, room, lead=len(chain.lines) == 1)
        expr = pieces[0]
        more = "".join(f" \\\\\n & \\qquad {p}" for p in pieces[1:])
        width = _visible(pieces[-1]) + _visible(label) + (_visible(lhs_tex) if i == 0 and not more else 0)
        if width > _WIDTHS[style.lang]:
            rows.append(f"{lhs} &= {expr}{more} \\\\\n & && {label}")
        else:
            rows.append(f"{lhs} &= {expr}{more} && {label}")
    return rows


def _check_text(check: Check) -> Text:
    return check.describe()


def _appendix(derivation: Document) -> list[Text]:
    """The lines of "How each step was checked": numbered lines grouped, then the other checks."""
    groups: list[tuple[int, int, Text]] = []
    number = 1
    extra: list[Text] = []
    for section in derivation.sections:
        for block in section.blocks:
            if isinstance(block, Chain):
                for line in block.lines:
                    text = _check_text(line.check)
                    if groups and groups[-1][2] == text and groups[-1][1] == number - 1:
                        groups[-1] = (groups[-1][0], number, text)
                    else:
                        groups.append((number, number, text))
                    number += 1
            elif isinstance(block, Result):
                extra.append(say("check-result", _check_text(block.check)))
            elif isinstance(block, Display) and block.check is not None:
                extra.append(say("check-display", block.lhs, _check_text(block.check)))
            elif isinstance(block, KinkTable):
                for what, check in block.checks:
                    extra.append(say("check-kink", what, _check_text(check)))
    lines: list[Text] = [
        say("check-line", str(a), t) if a == b else say("check-lines", str(a), str(b), t)
        for a, b, t in groups
    ]
    lines += extra
    lines += [say("check-kink", what, _check_text(check)) for what, check in derivation.extra_checks]
    return lines


def _boxed(result: Result, style: _Style) -> str:
    also = f" = {style.math(result.also, lead=True)}" if result.also is not None else ""
    return f"{style.math(result.lhs)} = {style.math(result.rhs, lead=True)}{also}"


def render_body(derivation: Document, lang: str = "en") -> str:
    """The LaTeX body of one derivation (a section, no preamble; see :func:`render_tex`)."""
    style = _Style.of(derivation, lang)
    title = _tex_text(style.text(derivation.title), lang)
    out = [rf"\section{{{title}}}\label{{sec:{derivation.name}}}", ""]
    number = 1
    for section in derivation.sections:
        out += [rf"\subsection*{{{_tex_text(style.text(section.title), lang)}}}", ""]
        for block in section.blocks:
            if isinstance(block, Paragraph):
                out += [_inline_tex(block.text, style), ""]
            elif isinstance(block, Items):
                out.append(r"\begin{itemize}")
                out += [rf"\item {_inline_tex(item, style)}" for item in block.items]
                out += [r"\end{itemize}", ""]
            elif isinstance(block, Chain):
                out.append(r"\begin{align*}")
                out.append(" \\\\\n".join(_chain_rows(block, number, style)))
                out += [r"\end{align*}", ""]
                number += len(block.lines)
            elif isinstance(block, Result):
                words = _inline_tex(block.words, style)  # a result with no words leaves no blank line
                out += [
                    r"\[",
                    rf"\boxed{{{_boxed(block, style)}}}",
                    r"\]",
                    *([words] if words.strip() else []),
                    "",
                ]
            elif isinstance(block, Display):
                out += [r"\[", f"{style.math(block.lhs)} = {style.math(block.rhs)}", r"\]", ""]
            elif isinstance(block, KinkTable):
                out += [_inline_tex(block.sentence, style), "", r"\begin{center}", r"\begin{tabular}{ll}"]
                out += [rf"{_inline_tex(a, style)} & {_inline_tex(b, style)} \\" for a, b in block.rows]
                out += [r"\end{tabular}", r"\end{center}", ""]
    out += [rf"\subsection*{{{_tex_text(style.text(say('section-appendix')), lang)}}}", ""]
    out += [_inline_tex(say("appendix-intro"), style), ""]
    out.append(r"{\small")
    out.append(r"\begin{itemize}")
    out += [rf"\item {_inline_tex(line, style)}" for line in _appendix(derivation)]
    out += [r"\end{itemize}", "}", ""]
    return "\n".join(out)


def render_math(derivation: Document) -> str:
    """Only the chains, as ``$$\\begin{aligned}...$$`` blocks (for notebooks: ``_repr_latex_``)."""
    style = _Style.of(derivation)
    blocks, number = [], 1
    for chain in derivation.chains:
        rows = " \\\\\n".join(_chain_rows(chain, number, style))
        blocks.append(f"$$\\begin{{aligned}}\n{rows}\n\\end{{aligned}}$$")
        number += len(chain.lines)
    return "\n".join(blocks)


def summary_row(derivation: Document, lang: str = "en") -> str:
    """The derivation's row of the table of results, as a LaTeX comment line the index reads back."""
    style = _Style.of(derivation, lang)
    first = derivation.results[0] if derivation.results else None
    f = style.math(derivation.definition) if derivation.definition is not None else ""
    fprime = f"{style.math(first.lhs)} = {style.math(first.rhs)}" if first is not None else ""
    output = "yes" if first is not None and first.output is not None else ""
    cells = [derivation.part, derivation.name, f, fprime, output]
    return "% symact-row: " + " ;; ".join(c.replace("\n", " ") for c in cells)


def render_tex(derivation: Document, lang: str = "en") -> str:
    """A standalone LaTeX document (its preamble is skipped when included by the index)."""
    return "\n".join(
        [
            f"% {header(lang)}",
            summary_row(derivation, lang),
            r"\ifdefined\symactindex\else",
            *_PREAMBLES[lang],
            _STANDALONE_REF,
            r"\begin{document}",
            r"\fi",
            render_body(derivation, lang),
            r"\ifdefined\symactindex\else",
            r"\end{document}",
            r"\fi",
            "",
        ]
    )


_SYMACTREF = re.compile(r"\\symactref\{([^{}]*)\}\{([^{}]*)\}")
"""A cross-reference inside a label: Markdown maths shows its text only."""


def _md_math_block(rows: str, lang: str) -> list[str]:
    if lang == "en":
        return ["```math", r"\begin{aligned}", rows, r"\end{aligned}", "```"]
    return ["$$", r"\begin{aligned}", rows, r"\end{aligned}", "$$"]


def _md_display(tex: str, lang: str) -> list[str]:
    return ["```math", tex, "```"] if lang == "en" else ["$$", tex, "$$"]


def render_markdown(derivation: Document, lang: str = "en") -> str:
    """The derivation in Markdown: GitHub's (```math blocks, $`...`$ inline) for English, the
    tutorials' own ($...$ inline, $$...$$ displayed) for the other editions."""
    style = _Style.of(derivation, lang)
    out = [f"<!-- {header(lang)} -->", "", f"# {_md_text(style.text(derivation.title))}", ""]
    number = 1
    for section in derivation.sections:
        out += [f"## {_md_text(style.text(section.title))}", ""]
        for block in section.blocks:
            if isinstance(block, Paragraph):
                out += [_inline_md(block.text, style), ""]
            elif isinstance(block, Items):
                out += [f"- {_inline_md(item, style)}" for item in block.items]
                out.append("")
            elif isinstance(block, Chain):
                rows = " \\\\\n".join(
                    _SYMACTREF.sub(r"\2", r.replace(" \\\\\n & &&", " &&"))
                    for r in _chain_rows(block, number, style)
                )
                out += [*_md_math_block(rows, lang), ""]
                number += len(block.lines)
            elif isinstance(block, Result):
                box = rf"\boxed{{{_boxed(block, style)}}}"
                words = _inline_md(block.words, style)
                out += [*_md_display(box, lang), "", *([words, ""] if words.strip() else [])]
            elif isinstance(block, Display):
                out += [*_md_display(f"{style.math(block.lhs)} = {style.math(block.rhs)}", lang), ""]
            elif isinstance(block, KinkTable):
                out += [_inline_md(block.sentence, style), "", "| | |", "|---|---|"]
                out += [f"| {_inline_md(a, style)} | {_inline_md(b, style)} |" for a, b in block.rows]
                out.append("")
    out += [
        f"## {_md_text(style.text(say('section-appendix')))}",
        "",
        _inline_md(say("appendix-intro"), style),
        "",
    ]
    out += [f"- {_inline_md(line, style)}" for line in _appendix(derivation)]
    return "\n".join(out).rstrip("\n") + "\n"


@dataclass(frozen=True)
class Row:
    """One derivation in the booklet: its part, file stem, and the cells of the table of results."""

    part: str
    name: str
    f: str
    fprime: str
    output: str

    @classmethod
    def parse(cls, tex: str) -> Row | None:
        """The row written by :func:`summary_row` into a derivation's .tex, if any."""
        for line in tex.splitlines()[:3]:
            if line.startswith("% symact-row: "):
                cells = line[len("% symact-row: ") :].split(" ;; ")
                if len(cells) == 5:
                    return cls(*cells)
        return None


PARTS: tuple[str, ...] = ("seed", "smooth", "piecewise", "vector", "loss", "neuron")
"""The parts of the booklet, in teaching order (their titles are the messages ``part-<key>``)."""


def _m(tex: str) -> sp.Symbol:
    """A piece of maths written in LaTeX (braced, so that the printer keeps it as it is)."""
    return sp.Symbol("{" + tex + "}")


_NOTATION: tuple[Text, ...] = (
    say("notation-1", _m("x"), _m("f"), _m("a = f(x)"), _m("z = w_1 x_1 + w_2 x_2 + b"), _m("a")),
    say("notation-2", _m(r"\frac{d}{dx}"), _m(r"\frac{\partial}{\partial z_j}")),
    say("notation-3", _m(r"\sigma(x) = 1/(1 + e^{-x})"), _m(r"\Phi"), _m(r"\varphi")),
    say("notation-4", _m(r"\alpha, \beta, \lambda, \varepsilon, \delta")),
    say("notation-5", _m(r"\delta_{ij}"), _m("i = j"), _m("y"), _m("L"), _m("J")),
    say("notation-6"),
    say("notation-7", _m("f'"), _m("f")),
)
"""The items of the booklet's notation section."""


def _order(rows: Sequence[Row]) -> list[tuple[Text, list[Row]]]:
    parts: list[tuple[Text, list[Row]]] = []
    for key in PARTS:
        members = [r for r in rows if r.part == key]
        if key == "seed":
            members.sort(key=lambda r: SEED_ORDER.index(r.name) if r.name in SEED_ORDER else len(SEED_ORDER))
        else:
            members.sort(key=lambda r: r.name)
        if members:
            parts.append((say(f"part-{key}"), members))
    rest = sorted((r for r in rows if r.part not in PARTS), key=lambda r: r.name)
    if rest:
        parts.append((say("part-other"), rest))
    return parts


def _row_title(name: str, lang: str) -> str:
    """The title of the derivation in file `name` (a loss after its link: ``<loss>_with_<link>``)."""
    loss, sep, link = name.rpartition("_with_")
    if sep and function_name(name, "ja") == name.replace("_", " "):
        return plain(say("title-after", fn(loss), fn(link)), lang)
    return function_name(name, lang)


def _glossary(lang: str, style: _Style) -> list[str]:
    """The glossary section (English term, term of `lang`)."""

    def term(key: str, in_lang: str) -> str:
        kind, _, name = key.partition(":")
        text = function_name(name, in_lang) if kind == "fn" else plain(say(key), in_lang)
        return _tex_text(text, in_lang)

    lines = [
        rf"\section*{{{_tex_text(style.text(say('booklet-glossary')), lang)}}}",
        r"\begin{longtable}{ll}",
        rf"{_tex_text(style.text(say('glossary-english')), lang)} & "
        rf"{_tex_text(style.text(say('glossary-term')), lang)} \tabularnewline \hline",
        r"\endhead",
    ]
    lines += [rf"{term(key, 'en')} & {term(key, lang)} \tabularnewline" for key in GLOSSARY]
    return [*lines, r"\end{longtable}"]


def render_index(rows: Sequence[Row], lang: str = "en") -> str:
    """The booklet: title, preface, notation (a glossary in a translated edition), table of results,
    then every derivation by part."""
    style = _Style({}, False, lang)

    def words(key: str) -> str:
        return _tex_text(style.text(say(key)), lang)

    lines = [
        f"% {header(lang)}",
        r"\def\symactindex{}",
        *_PREAMBLES[lang],
        r"\usepackage{longtable,array}",
        r"\usepackage[hidelinks]{hyperref}",
        _INDEX_REFS[lang],
        rf"\title{{{words('booklet-title')}}}",
        r"\author{symact}",
        r"\date{}",
        r"\begin{document}",
        r"\maketitle",
        rf"\section*{{{words('booklet-preface')}}}",
        words("booklet-preface-text"),
        r"\tableofcontents",
        r"\clearpage",
        rf"\section*{{{words('booklet-notation')}}}",
        r"\begin{itemize}",
        *[rf"\item {_inline_tex(item, style)}" for item in _NOTATION],
        r"\end{itemize}",
        *(_glossary(lang, style) if lang != "en" else []),
        rf"\section*{{{words('booklet-results')}}}",
        r"{\small",
        r"\begin{longtable}{>{\raggedright}p{0.3\textwidth}p{0.62\textwidth}}",
        rf"{words('booklet-function')} & {words('booklet-derivative')} \tabularnewline \hline",
        r"\endhead",
    ]
    for _, members in _order(rows):
        for r in members:
            if r.fprime:
                out = words("booklet-in-output") if r.output else ""
                name = _tex_text(_row_title(r.name, lang), lang)
                cell = (
                    f"${r.fprime}$"
                    if _visible(r.fprime) <= _TABLE_WIDTH
                    else _inline_tex(say("booklet-see", _m(rf"\text{{\ref{{sec:{r.name}}}}}")), style)
                )
                lines.append(rf"\hyperref[sec:{r.name}]{{{name}}}{out} & {cell} \tabularnewline")
    lines += [r"\end{longtable}", "}", r"\clearpage"]
    for title, members in _order(rows):
        lines.append(rf"\part{{{_tex_text(style.text(title), lang)}}}")
        lines += [rf"\input{{{r.name}}}" for r in members]
    lines += [r"\end{document}", ""]
    return "\n".join(lines)


def render_index_markdown(rows: Sequence[Row], lang: str = "en") -> str:
    """The Markdown index: a link per derivation, by part."""
    style = _Style({}, False, lang)
    out = [f"<!-- {header(lang)} -->", "", f"# {_md_text(style.text(say('booklet-title')))}", ""]
    for title, members in _order(rows):
        out += [f"## {_md_text(style.text(title))}", ""]
        out += [f"- [{_md_text(_row_title(r.name, lang))}]({r.name}.md)" for r in members]
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
