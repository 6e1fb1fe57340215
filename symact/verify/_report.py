"""Findings and reports: what a check found, point by point, and the verdict."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = ["FAIL", "UNVERIFIABLE", "WARN", "Finding", "Report"]

FAIL = "FAIL"
WARN = "WARN"
UNVERIFIABLE = "unverifiable"


def _num(v: float) -> str:
    return repr(float(v)) if math.isfinite(v) or math.isnan(v) else ("inf" if v > 0 else "-inf")


@dataclass(frozen=True)
class Finding:
    """One point where a check did not simply pass.

    `layer` is "symbolic" (the SymPy derivative against a numerical derivative of f), "forward" or
    "gradient" (a float kernel against the correctly rounded reference), or "consistency" (the
    gradient against central differences of the forward).  `error` and `tolerance` are in ULPs of
    `expected` for float layers and relative for the symbolic layer.  `kind` says whether a failing
    float value is "wrong" (off by more than 2^-10 relative, or not finite) or "imprecise" (beyond
    the precision budget only).
    """

    name: str
    layer: str
    verdict: str
    x: float
    got: float
    expected: float
    error: float
    tolerance: float
    note: str = ""
    kind: str = ""  # for a FAIL of a float layer: "wrong" or "imprecise"

    def __str__(self) -> str:
        unit = "relative" if self.layer == "symbolic" else "ULP"
        what = f"{self.name} {self.layer} {self.verdict} at x = {_num(self.x)}: got {_num(self.got)}, "
        what += (
            f"expected {_num(self.expected)}, error {self.error:.3g} {unit} (tolerance {self.tolerance:.3g})"
        )
        return what + (f"; {self.note}" if self.note else "")


@dataclass
class Report:
    """The result of a check: counts per layer, failures, warnings and unverifiable points."""

    name: str
    checked: dict[str, int] = field(default_factory=dict)
    failures: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    unverifiable: list[Finding] = field(default_factory=list)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    sampled: dict[str, int] = field(default_factory=dict)  # points drawn, by kind (see sample_groups)

    @property
    def ok(self) -> bool:
        return not self.failures

    def add(self, layer: str, findings: list[Finding], n: int) -> None:
        self.checked[layer] = self.checked.get(layer, 0) + n
        for f in findings:
            {FAIL: self.failures, WARN: self.warnings, UNVERIFIABLE: self.unverifiable}[f.verdict].append(f)

    def merge(self, other: Report) -> None:
        for layer, n in other.checked.items():
            self.checked[layer] = self.checked.get(layer, 0) + n
        self.failures += other.failures
        self.warnings += other.warnings
        self.unverifiable += other.unverifiable
        self.seconds += other.seconds
        self.notes += [n for n in other.notes if n not in self.notes]

    def counterexample(self) -> Finding | None:
        """The simplest failure: fewest significant digits, then smallest magnitude."""
        if not self.failures:
            return None
        return min(self.failures, key=lambda f: (_digits(f.x), abs(f.x) if math.isfinite(f.x) else math.inf))

    def summary(self) -> str:
        checked = ", ".join(f"{layer} {n}" for layer, n in self.checked.items()) or "nothing"
        verdict = "ok" if self.ok else f"{len(self.failures)} FAIL"
        extra = []
        if self.warnings:
            extra.append(f"{len(self.warnings)} WARN")
        if self.unverifiable:
            extra.append(f"{len(self.unverifiable)} unverifiable")
        tail = f" ({', '.join(extra)})" if extra else ""
        return f"{self.name}: {verdict}{tail}; points checked: {checked}"


def _digits(x: float) -> int:
    if not math.isfinite(x):
        return 0
    return len(repr(abs(x)).replace(".", "").split("e")[0].strip("0"))
