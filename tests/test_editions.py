"""The Japanese edition: one message table per language, proofs/ja/ written from the same checked
derivations, every numbered step carrying the checks of its English twin, no English prose left."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from latex_run import compile_tex, engine

from symact.catalogue import records
from symact.cli import main
from symact.latex import localise_maths
from symact.steps.messages import CATALOGUE_TEXT, FUNCTION_NAMES, GLOSSARY, MESSAGES, TABLES, plain, say

PROOFS = Path(__file__).resolve().parent.parent / "proofs"
JA = PROOFS / "ja"
_PLACEHOLDER = re.compile(r"\{\d+\}")
_PHRASE = re.compile(r"[A-Za-z][A-Za-z'-]*(?: [A-Za-z][A-Za-z'-]*)+|[A-Za-z]{5,}")
REQUIRED = ("sigmoid", "relu", "softmax", "binary_cross_entropy_with_sigmoid")
"""The documents that must compile on their own as well as in the booklet."""


def test_every_table_has_the_keys_and_placeholders_of_the_english_one() -> None:
    for lang, table in TABLES.items():
        assert set(table) == set(MESSAGES), (lang, sorted(set(table) ^ set(MESSAGES)))
        wrong = [
            key
            for key, text in MESSAGES.items()
            if sorted(_PLACEHOLDER.findall(text)) != sorted(_PLACEHOLDER.findall(table[key]))
        ]
        assert not wrong, (lang, wrong)


def _english_phrases() -> set[str]:
    """The English words of the English table (and of the catalogue's translated text) that the
    Japanese text of the same entry does not share: phrases of two or more words, or single words of
    five letters or more."""
    ja = TABLES["ja"]
    pairs = [(MESSAGES[key], ja[key]) for key in MESSAGES]
    pairs += [(text, CATALOGUE_TEXT["ja"][text]) for text in CATALOGUE_TEXT["ja"]]
    phrases = set()
    for english, japanese in pairs:
        for fragment in _PLACEHOLDER.split(english):
            phrases |= {p for p in _PHRASE.findall(fragment) if p not in japanese}
    shared = " ".join(ja.values())
    return {p for p in phrases if p not in shared}


_NAMES = re.compile(
    r"^% symact-row: .*$"  # the booklet's row: file names and LaTeX
    r"|\\(?:label|input|ref|symactref|hyperref)(?:\{[^}]*\}|\[[^\]]*\])"  # cross-references by file name
    r"|\]\([^)]*\)"  # Markdown link targets
    r"|[A-Za-z0-9.]*(?:\\?_(?:\\allowbreak\{\})?[A-Za-z0-9]+)+",  # identifiers: API names (pos_weight)
    re.M,
)


def _english_in(text: str, phrases: set[str]) -> list[str]:
    """The phrases found in `text` as whole words, outside names (file names, API names, LaTeX
    commands such as \\frac)."""
    words = _NAMES.sub(" ", text)
    return sorted(p for p in phrases if re.search(rf"(?<![A-Za-z\\]){re.escape(p)}(?![A-Za-z])", words))


def test_every_function_has_a_japanese_name() -> None:
    missing = [r.name for r in records() if r.name not in FUNCTION_NAMES["ja"]]
    assert not missing, missing


def test_the_english_phrase_finder_finds_english() -> None:
    """The check below can fail: the English sigmoid document is full of the table's phrases."""
    found = _english_in((PROOFS / "sigmoid.md").read_text(encoding="utf-8"), _english_phrases())
    assert {"chain rule", "split the fraction", "Definition"} <= set(found)


def test_no_japanese_document_contains_an_english_sentence_of_the_table() -> None:
    phrases = _english_phrases()
    files = sorted(JA.glob("*.tex")) + sorted(JA.glob("*.md"))
    assert len(files) >= 2 * len(list(PROOFS.glob("*.tex"))), "proofs/ja/ is incomplete"
    heading = plain(say("booklet-glossary"), "ja")
    glossary = re.compile(r"\\section\*\{" + heading + r"\}.*?\\end\{longtable\}", re.S)
    found = {}
    for path in files:
        text = glossary.sub("", path.read_text(encoding="utf-8"))  # English terms beside their translation
        if hits := _english_in(text, phrases):
            found[path.name] = hits
    assert not found, found


_TEXT = re.compile(r"\\text\{")


def _strip_text(maths: str) -> str:
    """`maths` with every ``\\text{...}`` group replaced by its step number (or nothing)."""
    out, pos = [], 0
    while (m := _TEXT.search(maths, pos)) is not None:
        out.append(maths[pos : m.start()])
        depth, i = 1, m.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(maths[i], 0)
            i += 1
        number = re.match(r"\((\d+)\)", maths[m.end() : i])
        out.append(f"<{number.group(1)}>\0" if number else "\0")
        pos = i
    return "".join([*out, maths[pos:]])


def _rows(maths: str) -> str:
    """`maths` with its text groups stripped; in a step's label, the maths it quotes in sorted order
    (word order puts them differently in each language)."""
    rows = []
    for row in _strip_text(maths).split("\n"):
        body, sep, label = row.partition("&& ")
        end = " \\\\" if label.endswith(" \\\\") else ""
        quoted = sorted(p.strip() for p in label[: len(label) - len(end)].split("\0") if p.strip())
        rows.append(body.replace("\0", "") + sep + " ".join(quoted) + end)
    return "\n".join(rows)


def _maths(md: str, lang: str, *, as_in: str = "ja") -> list[str]:
    """The maths of a Markdown document, displayed and inline, labels reduced to their numbers, the
    words of cases as edition `as_in` writes them."""
    if lang == "en":
        found = re.findall(r"```math\n(.*?)```|\$`(.*?)`\$", md, flags=re.S)
    else:
        found = re.findall(r"\$\$\n(.*?)\$\$|\$([^$\n]+)\$", md, flags=re.S)
    return [_rows(localise_maths(block or inline, as_in)).strip() for block, inline in found]


def _checks(md: str) -> list[tuple[str, list[int]]]:
    """The closing list of checks: per item, the step range it covers and the numbers it states."""
    appendix = md.rsplit("\n## ", 1)[1]
    items = [line[2:] for line in appendix.splitlines() if line.startswith("- ")]
    out = []
    for item in items:
        steps = re.match(r"\((\d+)\)(?:\S\((\d+)\))?", item)
        words = re.sub(r"\$`?[^$]*`?\$", "", item)
        out.append((steps.group(0) if steps else "", sorted(int(n) for n in re.findall(r"\d+", words))))
    return [(re.sub(r"\)\S\(", ")-(", s), n) for s, n in out]


@pytest.mark.parametrize("name", sorted(p.stem for p in PROOFS.glob("*.md") if p.stem != "index"))
def test_every_japanese_step_carries_the_checks_of_its_english_twin(name: str) -> None:
    english = (PROOFS / f"{name}.md").read_text(encoding="utf-8")
    japanese = (JA / f"{name}.md").read_text(encoding="utf-8")
    assert _maths(japanese, "ja") == _maths(english, "en")
    assert _checks(japanese) == _checks(english)
    assert _checks(english), f"{name}: no checks listed"


def test_the_step_comparison_sees_a_missing_step() -> None:
    english = (PROOFS / "sigmoid.md").read_text(encoding="utf-8")
    japanese = (JA / "sigmoid.md").read_text(encoding="utf-8")
    dropped = re.sub(r" \\\\\n[^\n]*\\text\{\(5\) [^\n]*", "", japanese, count=1)
    assert dropped != japanese and _maths(dropped, "ja") != _maths(english, "en")


def test_the_japanese_booklet_has_a_glossary() -> None:
    index = (JA / "index.tex").read_text(encoding="utf-8")
    assert plain(say("booklet-glossary"), "ja") in index
    for key in GLOSSARY:
        english = plain(say(key), "en") if not key.startswith("fn:") else key[3:].replace("_", " ")
        assert english in index, key


def test_lang_writes_its_edition_only(tmp_path: Path) -> None:
    out = tmp_path / "proofs"
    assert main(["proofs", "sigmoid", "--out", str(out), "--lang", "ja"]) == 0
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.*")) == [
        "ja/index.md",
        "ja/index.tex",
        "ja/sigmoid.md",
        "ja/sigmoid.tex",
    ]
    assert main(["proofs", "sigmoid", "--out", str(out), "--lang", "ja", "--check"]) == 0
    assert main(["proofs", "sigmoid", "--out", str(out), "--check"]) == 1  # the English edition is missing


def test_unknown_language_is_one_line_error_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "proofs"
    assert main(["proofs", "--out", str(out), "--lang", "xx"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--lang xx" in err and len(err.splitlines()) == 1
    assert not out.exists()


def _lualatex() -> str:
    return engine("lualatex", "luatexja.sty")


@pytest.mark.slow
def test_every_japanese_document_compiles_without_overfull_boxes(tmp_path: Path) -> None:
    """The booklet (it inputs every document: one LuaLaTeX run covers them all, the second settles the
    table of contents) and the required documents on their own."""
    lualatex = _lualatex()
    inputs = set(re.findall(r"\\input\{(\w+)\}", (JA / "index.tex").read_text(encoding="utf-8")))
    assert {r.name for r in records()} <= inputs, "a derivation is missing from the Japanese booklet"
    assert len(inputs) == len(list(JA.glob("*.tex"))) - 1, "a Japanese document is not in the booklet"
    start = time.perf_counter()
    compile_tex(lualatex, JA / "index.tex", tmp_path)
    overfull = compile_tex(lualatex, JA / "index.tex", tmp_path)
    for name in REQUIRED:
        overfull += compile_tex(lualatex, JA / f"{name}.tex", tmp_path)
    print(
        f"lualatex: Japanese booklet twice + {len(REQUIRED)} documents in {time.perf_counter() - start:.1f} s"
    )
    assert not overfull, "\n".join(overfull)
