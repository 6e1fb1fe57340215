"""The LaTeX printer and renderers; every committed proof compiles with pdflatex."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import sympy as sp

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
    for n in range(1, d.steps + 1):
        assert rf"\text{{({n}) " in tex
    assert r"\sigma(x)" in tex and r"\ifdefined\symactindex" in tex
    md = render_markdown(d)
    assert md.count("$$") == 2 * len(d.chains) and r"\begin{aligned}" in md
    math = d._repr_latex_()
    assert math.startswith(r"$$\begin{aligned}") and math.count("$$") == 2 * len(d.chains)


def _pdflatex() -> str:
    found = shutil.which("pdflatex")
    if found is None:
        if os.environ.get("SYMACT_REQUIRE_LATEX") == "1":
            pytest.fail("pdflatex is not installed but SYMACT_REQUIRE_LATEX=1")
        pytest.skip("pdflatex is not installed (set SYMACT_REQUIRE_LATEX=1 to make this a failure)")
    return found


def _compile(pdflatex: str, source: Path, workdir: Path) -> None:
    result = subprocess.run(
        [pdflatex, "-halt-on-error", "-interaction=nonstopmode", f"-output-directory={workdir}", source.name],
        cwd=source.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"{source.name} does not compile:\n{result.stdout[-2000:]}"


def test_every_proof_compiles(tmp_path: Path) -> None:
    pdflatex = _pdflatex()
    sources = sorted(p for p in PROOFS.glob("*.tex") if p.name != "index.tex")
    assert sources, "proofs/ holds no .tex files"
    start = time.perf_counter()
    _compile(pdflatex, PROOFS / "index.tex", tmp_path)
    for source in sources:
        _compile(pdflatex, source, tmp_path)
    elapsed = time.perf_counter() - start
    print(f"pdflatex: index + {len(sources)} documents in {elapsed:.1f} s")
