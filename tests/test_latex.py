"""The LaTeX printer and renderers; every committed proof compiles with pdflatex, with no overfull box."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import sympy as sp
from latex_run import compile_tex, engine

from symact.catalogue import X, get
from symact.latex import latex, render_markdown, render_tex
from symact.steps import MOVES, derivation

PROOFS = Path(__file__).resolve().parent.parent / "proofs"
x = X


def test_printer_names_sigma_and_keeps_sympy_elsewhere() -> None:
    sigma = sp.Function("sigma")
    assert latex(sigma(x) * (1 - sigma(x))) == r"\left(1 - \sigma(x)\right) \sigma(x)"
    assert latex(sp.sqrt(sp.pi)) == sp.latex(sp.sqrt(sp.pi))
    assert latex(sp.exp(-x) / (1 + x)) == sp.latex(sp.exp(-x) / (1 + x))


def test_exact_decimal_constants_print_as_decimals() -> None:
    assert latex(sp.Rational(8943, 200000) * x**3) == "0.044715 x^{3}"
    assert latex(sp.Rational(-3, 1024)) == "-0.0029296875"
    assert latex(sp.Rational(1, 3000)) == r"\frac{1}{3000}"
    assert latex(sp.Rational(1, 4)) == r"\frac{1}{4}"


def test_printer_keeps_the_shape_of_held_moves() -> None:
    split = MOVES["split the fraction"](sp.exp(-x) / (1 + sp.exp(-x)) ** 2)
    assert latex(split) == r"\frac{e^{- x}}{1 + e^{- x}} \cdot \frac{1}{1 + e^{- x}}"
    both = MOVES["add and subtract"](split)
    assert latex(both).startswith(r"\frac{1 + e^{- x} - 1}{1 + e^{- x}}")
    assert latex(MOVES["rewrite as a power"](1 / (1 + sp.exp(-x)))) == r"\left(1 + e^{- x}\right)^{-1}"


def test_rendered_documents_label_every_step() -> None:
    d = derivation(get("sigmoid"))
    tex = render_tex(d)
    assert tex.count(r"\begin{align*}") == len(d.chains)
    lines = sum(len(c.lines) for c in d.chains)
    for n in range(1, lines + 1):
        assert rf"\text{{({n}) " in tex
    assert r"\sigma(x)" in tex and r"\ifdefined\symactindex" in tex
    assert tex.count(r"\boxed{") == len(d.results) == 1
    assert r"\usepackage[T1]{fontenc}" in tex
    md = render_markdown(d)
    assert md.count("```math") == len(d.chains) + len(d.results) + 1  # and the definition
    assert "$$" not in md and "$`" in md
    math = d._repr_latex_()
    assert math.startswith(r"$$\begin{aligned}") and math.count("$$") == 2 * len(d.chains)


def test_teaching_text_names_no_module_and_checks_close_the_document() -> None:
    tex = render_tex(derivation(get("silu")))
    body, _, appendix = tex.partition("How each step was checked")
    assert appendix and "symbolic" in appendix and "symbolic" not in body
    assert "symact." not in tex and "sympy" not in tex.lower().replace("sympy's own", "")


def test_parameters_print_as_their_symbols() -> None:
    tex = render_tex(derivation(get("leaky_relu")))
    assert (
        r"\alpha" in tex
        and "negative" + r"\_slope" not in tex.split(r"\begin{document}")[1].split("frameworks")[0]
    )


def test_a_wide_sum_is_cut_across_lines() -> None:
    from symact.latex._render import _pieces, _Style, _visible

    style = _Style({}, False)
    wide = sp.Add(*[sp.exp(k * x) / (k + x**2) for k in range(1, 12)])
    pieces = _pieces(wide, style, 40)
    assert len(pieces) > 1 and all(_visible(p) <= 60 for p in pieces)
    assert sp.srepr(wide) and pieces[1].startswith(("+", "-"))


def _pdflatex() -> str:
    return engine("pdflatex")


def test_overfull_boxes_are_found(tmp_path: Path) -> None:
    """The log reader sees an overfull box when there is one (so the test below can fail)."""
    pdflatex = _pdflatex()
    source = tmp_path / "wide.tex"
    source.write_text(
        "\\documentclass{article}\\begin{document}\n$" + "x+" * 200 + "x$\n\\[" + "y+" * 150 + "y\\]\n"
        "\\end{document}\n"
    )
    assert compile_tex(pdflatex, source, tmp_path)


@pytest.mark.slow
def test_every_proof_compiles_without_overfull_boxes(tmp_path: Path) -> None:
    pdflatex = _pdflatex()
    sources = sorted(p for p in PROOFS.glob("*.tex") if p.name != "index.tex")
    assert sources, "proofs/ holds no .tex files"
    start = time.perf_counter()
    overfull = compile_tex(pdflatex, PROOFS / "index.tex", tmp_path)
    compile_tex(pdflatex, PROOFS / "index.tex", tmp_path)  # second run: the table of contents and references
    for source in sources:
        overfull += compile_tex(pdflatex, source, tmp_path)
    elapsed = time.perf_counter() - start
    print(f"pdflatex: index + {len(sources)} documents in {elapsed:.1f} s")
    assert not overfull, "\n".join(overfull)


_DECIMAL = re.compile(r"\d*\.\d+|\d+\.\d*")


def _significant(number: str) -> int:
    return len(number.replace(".", "").lstrip("0"))


def test_no_decimal_longer_than_twelve_significant_digits() -> None:
    long = [
        f"{p.name}: {m.group()}"
        for p in PROOFS.glob("*.tex")
        for m in _DECIMAL.finditer(p.read_text(encoding="utf-8"))
        if _significant(m.group()) > 12
    ]
    assert not long, long[:10]


def _maths(md: str) -> list[str]:
    blocks = re.findall(r"```math\n(.*?)```", md, flags=re.S)
    inline = re.findall(r"\$`(.*?)`\$", md)
    return blocks + inline


def test_markdown_maths_renders() -> None:
    """```math blocks and $`...`$ inline, with no escaped underscore and no 2,000-character formula."""
    files = sorted(PROOFS.glob("*.md"))
    assert files
    for path in files:
        md = path.read_text(encoding="utf-8")
        assert "$$" not in md, path.name
        for formula in _maths(md):
            assert r"\_" not in formula, f"{path.name}: {formula[:80]}"
        assert all(len(f) < 2000 for f in re.findall(r"\$`(.*?)`\$", md)), path.name


def test_conditions_print_simply() -> None:
    lam = sp.Symbol("lambda", positive=True)
    assert latex(sp.Or(x > 3, x < -3, evaluate=False)) == r"\left|{x}\right| > 3"
    assert latex(sp.Or(x > 0, x < 0)) == r"x \neq 0"
    assert latex(sp.Or(lam < -x, lam < x)) == r"\left|{x}\right| > \lambda"
    assert latex(sp.And(x >= -1, x < 3)) == r"-1 \le x < 3"
    assert latex(sp.Or(x > 1, x < -2)) == sp.latex(sp.Or(x > 1, x < -2))


def test_d_for_one_variable_and_partial_for_several() -> None:
    d = sp.Derivative(sp.Symbol("beta", real=True) * x**2, x, evaluate=False)
    assert latex(d, partial=False).startswith(r"\frac{d}{d x}")
    assert latex(d, partial=True).startswith(r"\frac{\partial}{\partial x}")
