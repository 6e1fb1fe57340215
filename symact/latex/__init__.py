"""LaTeX (and Markdown) rendering of step-by-step derivations, and the proofs/ directory."""

from symact.latex._printer import SymactLatexPrinter, latex
from symact.latex._render import (
    localise_maths,
    render_body,
    render_index,
    render_index_markdown,
    render_markdown,
    render_math,
    render_tex,
)

__all__ = [
    "SymactLatexPrinter",
    "latex",
    "localise_maths",
    "render_body",
    "render_index",
    "render_index_markdown",
    "render_markdown",
    "render_math",
    "render_tex",
]
