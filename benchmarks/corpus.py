"""The corpus of real defects and independent controls (``tests/corpus/``) through ``symact check``,
as a Markdown table: source, what is checked, verdict, exit code and the first counterexample.

The cases are those of ``tests/test_corpus.py`` (which asserts them); this prints what the checker
says about each, for the record.

    python benchmarks/corpus.py [--examples 600]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_corpus import CONTROLS, DEFECTS  # noqa: E402

from symact.cli import main as cli  # noqa: E402


def _run(argv: list[str], examples: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = cli(["check", *argv, "--examples", examples])
    return code, out.getvalue()


def _counterexample(text: str) -> str:
    for line in text.splitlines():
        if line.strip().startswith("counterexample:"):
            shown = line.split("counterexample:", 1)[1].strip()
            return shown if len(shown) <= 150 else shown[:147] + "..."
    return "-"


def _showing(text: str, shows: str) -> str:
    """The first line of the report that shows the defect's own signature (the counterexample is the
    simplest failing input, which may be another symptom of the same code)."""
    for line in text.splitlines():
        if shows in line and "FAIL at" in line:
            shown = line.strip()
            return shown if len(shown) <= 150 else shown[:147] + "..."
    return "-"


def _what(argv: list[str]) -> str:
    parts = [Path(a.split(":")[0]).stem + ":" + a.split(":")[-1] if ".py:" in a else a for a in argv]
    return " ".join(parts).replace("|", "\\|")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", default="600")
    args = ap.parse_args(argv)
    print(
        "| case | kind | checked (`symact check ...`) | exit | counterexample | the defect's own signature |"
    )
    print("|---|---|---|---|---|---|")
    caught = clean = 0
    for case, cmd, shows in DEFECTS:
        print(f"{case} ...", file=sys.stderr, flush=True)
        code, out = _run(cmd, args.examples)
        caught += code == 1
        row = f"| {case} | defect | {_what(cmd)} | {code} | {_counterexample(out)} | {_showing(out, shows)} |"
        print(row, flush=True)
    for case, cmd in CONTROLS:
        print(f"{case} ...", file=sys.stderr, flush=True)
        code, out = _run(cmd, args.examples)
        clean += code == 0
        print(f"| {case} | control | {_what(cmd)} | {code} | {_counterexample(out)} | - |", flush=True)
    print(
        f"\n{caught} of {len(DEFECTS)} defects caught (exit 1); "
        f"{clean} of {len(CONTROLS)} controls clean (exit 0)"
    )
    return 0 if caught == len(DEFECTS) and clean == len(CONTROLS) else 1


if __name__ == "__main__":
    sys.exit(main())
