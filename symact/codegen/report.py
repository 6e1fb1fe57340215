"""Texts derived from a :class:`~symact.codegen.generate.Generation`: ACCURACY.md, the package
``__init__``, the per-function cells of the build summary."""

from __future__ import annotations

from collections.abc import Mapping

from symact.codegen.backend import BackendOutcome
from symact.codegen.emit import HEADER
from symact.codegen.gaps import KNOWN_GAPS
from symact.codegen.generate import CAREFUL_TARGETS, TARGETS, Generation, KernelResult
from symact.codegen.vector_gen import EDGE_ROWS, SPECIAL_ROWS
from symact.codegen.vector_loss import SPECIAL_LOSS_ROWS

__all__ = ["accuracy_markdown", "backends_markdown", "cells", "init_source", "measured_markdown"]


def _g(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:.3g}"


def _range(r: KernelResult) -> str:
    if r.accurate_range is None:
        return "nowhere on the sample"
    lo, hi = r.accurate_range
    return f"[{lo:.4g}, {hi:.4g}]"


def _target(r: KernelResult) -> str:
    return _g((CAREFUL_TARGETS if r.plan.careful else TARGETS)[r.plan.role])


_INTRO = [
    "Every kernel of `symact.kernels` (and its C twin in `csrc/`) is checked by `symact kernels`",
    "before it is written, on {size} float64 inputs and {size32} float32 inputs",
    "(`symact.numeric.full_range_sample`, seed {seed}: log-uniform magnitudes 1e-300 .. 1.8e308 of",
    "both signs, a dense part on [-50, 50], +-0, +-inf, nan) against correctly rounded references",
    "(`symact.numeric.reference`), parameters at their defaults.  Errors are ULPs of the correctly",
    "rounded value over results that are normal floats; for a derivative the unit is the ULP of",
    "max(|f'(x)|, sum of the magnitudes of its terms).  Targets: function 4, derivative 8",
    "(kernels built on the normal distribution, GELU: 8 and 16); float32 1.  Against a correctly",
    "rounded reference the error of a float is a whole number of ULPs.  Every kernel ran with",
    "`numpy.errstate(divide, over, invalid = 'raise')`; overflow and division by zero are accepted",
    "only where the correctly rounded result is infinite (underflow is ignored, as NumPy does).",
    "Losses are measured at a few targets y in their range, over finite predictions.",
]


def accuracy_markdown(gen: Generation, *, size: int, size32: int, seed: int) -> str:
    """ACCURACY.md, the committed accuracy report: for each kernel its form, rewrite rules and the
    target it is checked against.  Nothing measured is in it (measured ULPs depend on the CPU's libm
    and SIMD paths); :func:`measured_markdown` is the table of the machine at hand."""
    lines = [
        "<!-- " + HEADER.replace("\n", " ").replace("# ", "").strip() + " -->",
        "# Accuracy of `symact.kernels`",
        "",
        *[line.format(size=size, size32=size32, seed=seed) for line in _INTRO],
        "",
        "This file lists the bound each kernel is held to; a kernel that misses it on the machine that",
        "builds it is not written and the build fails.  The errors measured on your machine are printed",
        "by `symact kernels --report` (they differ between CPUs in the last ULP, so they are not",
        "committed).",
        "",
        "What the *form* column rests on: rewrite rules are identities proved symbolically (listed",
        "at the end); a *truncated series* (tanhshrink near 0) carries a truncation bound proved in",
        "exact rational arithmetic (`symact.codegen.series`); a *saturated tail* is a claim about",
        "float64 rounding (past the threshold the correctly rounded value is the asymptote), checked",
        "against references at the listed number of points up to the largest float, not proved",
        "(`symact.codegen.saturation`).  Routines marked double-double (`_rt.log_dd`,",
        "`_rt.exp_neg_abs_poly`, `_rt.sigmoid_poly_scaled`) carry about 100 bits where a double would",
        "cancel or lose |u| ULP.",
        "",
        "| kernel | form | rewrite rules | target (max ULP) | float32 target |",
        "|---|---|---|---|---|",
    ]
    for r in gen.results:
        if not r.ok or r.plan.role == "grad_from_output":
            continue
        rules = ", ".join(dict.fromkeys(r.chosen.rules)) if r.chosen else ""
        origin = r.chosen.origin if r.chosen else "-"
        f32 = "1" if r.plan.role != "vjp" and r.record.kind in ("elementwise", "loss") else "-"
        lines.append(f"| `{r.plan.name}` | {origin} | {rules or '-'} | {_target(r)} | {f32} |")
    if any(r.ok and r.plan.role == "vjp" for r in gen.results):
        lines += edge_notes()
    lines += [
        "",
        "## Derivatives from the output",
        "",
        "`NAME_grad_from_output(a)` computes f'(x) from a = f(x).  The identity is exact; the float64",
        "kernel is not accurate where a saturates.  It is checked on the range of x around 0 where",
        "`NAME_grad_from_output(NAME(x))` stays within the target below (the range measured on your",
        "machine is printed by `symact kernels --report`):",
        "",
        "| kernel | target (max ULP) on its accurate range |",
        "|---|---|",
    ]
    for r in gen.results:
        if r.ok and r.plan.role == "grad_from_output":
            lines.append(f"| `{r.plan.name}` | {_target(r)} |")
    lines += _gaps_and_missing(gen, measured=False)
    lines += ["", "## Rewrite rules and series (each proved at generation time)", ""]
    for name, how in gen.proofs.items():
        lines.append(f"- `{name}`: {how}")
    return "\n".join(lines) + "\n"


def _gaps_and_missing(gen: Generation, *, measured: bool) -> list[str]:
    lines: list[str] = []
    gaps = gen.known_gaps()
    if gaps:
        lines += [
            "",
            "## Known gaps",
            "",
            "Kernels that miss their target and are listed, with the reason, in",
            "`symact.codegen.gaps.KNOWN_GAPS` (no kernel is written; a listed kernel that meets its",
            "target fails the build, so the table stays honest):",
            "",
        ]
        for r in gaps:
            found = f" (measured: {'; '.join(r.problems)})" if measured else ""
            lines.append(f"- `{r.plan.name}`: {KNOWN_GAPS[r.plan.name]}{found}")
    failed = [r for r in gen.results if not r.ok and r.plan.name not in KNOWN_GAPS]
    if failed or gen.skipped:
        lines += ["", "## Not generated", ""]
        for r in failed:
            why = "; ".join(r.problems) if measured else "misses its target"
            lines.append(f"- `{r.plan.name}`: {why}")
        for name, why in gen.skipped:
            lines.append(f"- `{name}`: {why}")
    return lines


_DTYPES = ("float64", "float32")


def backends_markdown(gen: Generation, outcomes: Mapping[str, BackendOutcome]) -> list[str]:
    """Markdown lines: per kernel and backend, the measured max ULP in each dtype the backend measures
    (``-``: not measured there), next to the kernel's form and float64 target; then, per backend, the
    kernels it does not serve (and why) and its notes (substitutions, alternative forms)."""
    backends = list(outcomes)
    records = {b: {c.name: c for c in outcomes[b].details} for b in backends}
    dtypes = {b: [d for d in _DTYPES if any(d in c.max_ulp for c in records[b].values())] for b in backends}
    head = [f"{b} {d}" for b in backends for d in dtypes[b] or ["float64"]]
    lines = [
        "## Per backend",
        "",
        "Max ULP per kernel, backend and dtype (`-`: not measured there; C and C# are float64 only).",
        "Output forms: NumPy's over the whole sample (their accurate ranges are above), the other",
        "backends' on that range.",
        "",
        "| kernel | form | target | " + " | ".join(head) + " |",
        "|---|---|---|" + "---|" * len(head),
    ]
    verified = [r for r in gen.results if r.ok]
    for r in verified:
        cells = []
        for b in backends:
            c = records[b].get(r.plan.name)
            for d in dtypes[b] or ["float64"]:
                if c is None:
                    cells.append("not served")
                else:
                    v = c.max_ulp.get(d)
                    cells.append(("left out " if c.left_out else "FAILED " if c.problems else "") + _g(v))
        origin = r.chosen.origin if r.chosen else "-"
        lines.append(f"| `{r.plan.name}` | {origin} | {_target(r)} | " + " | ".join(cells) + " |")
    for b in backends:
        outcome = outcomes[b]
        missing = [r.plan.name for r in verified if r.plan.name not in records[b]]
        notes = [c for c in records[b].values() if c.note or c.problems]
        if not (missing or notes or outcome.note or outcome.failures):
            continue
        lines += ["", f"### {b}", ""]
        if outcome.note:
            lines.append(f"- {outcome.note}")
        if missing:
            why = "no kernel printed for this backend" if records[b] or not outcome.note else "not checked"
            lines.append(f"- not served ({why}): " + ", ".join(f"`{n}`" for n in missing))
        shared: dict[str, list[str]] = {}  # kernels with the same note, on one line
        for c in notes:
            if c.note:
                shared.setdefault(c.note, []).append(c.name)
        for note, names in shared.items():
            lines.append(f"- {note}: " + ", ".join(f"`{n}`" for n in names))
        lines += [
            f"- `{c.name}` FAILED: {'; '.join(c.problems)}" for c in notes if c.problems and not c.left_out
        ]
        named = tuple(c.name + " " for c in notes)
        lines += [f"- FAILED {f}" for f in outcome.failures if not f.startswith(named)]
    return lines


def measured_markdown(gen: Generation, outcomes: Mapping[str, BackendOutcome] | None = None) -> str:
    """The errors measured on this machine: max, p99.9 and float32 max ULP of each kernel, the
    accurate range of each output form, and what the known gaps and failures measured; with
    `outcomes` (each backend's), the per-backend table of :func:`backends_markdown` too."""
    lines = [
        "# Accuracy of `symact.kernels` measured on this machine",
        "",
        "| kernel | target | max ULP | p99.9 ULP | float32 max ULP |",
        "|---|---|---|---|---|",
    ]
    for r in gen.results:
        if not r.ok or r.plan.role == "grad_from_output" or r.measurement is None:
            continue
        m = r.measurement
        lines.append(
            f"| `{r.plan.name}` | {_target(r)} | {_g(m.max_ulp)} | {_g(m.p999_ulp)} | {_g(m.f32_max_ulp)} |"
        )
    lines += ["", "| output form | accurate for x in | max ULP over the whole sample |", "|---|---|---|"]
    for r in gen.results:
        if r.ok and r.plan.role == "grad_from_output" and r.measurement is not None:
            lines.append(f"| `{r.plan.name}` | {_range(r)} | {_g(r.measurement.max_ulp)} |")
    lines += _gaps_and_missing(gen, measured=True)
    if outcomes:
        lines += ["", *backends_markdown(gen, outcomes)]
    return "\n".join(lines) + "\n"


def init_source(gen: Generation) -> str:
    """``symact/kernels/__init__.py``: the generated functions re-exported by name."""
    names = sorted(r.plan.name for r in gen.results if r.ok)
    body = "".join(f"    {n},\n" for n in names)
    listing = "".join(f'    "{n}",\n' for n in names)
    return (
        HEADER
        + '"""Verified NumPy kernels of the symact catalogue (see ACCURACY.md); no SymPy is imported."""\n\n'
        + f"from symact.kernels._generated import (\n{body})\n\n"
        + f"__all__ = [\n{listing}]\n"
    )


def cells(gen: Generation) -> dict[str, str]:
    """One short cell per function: ``fwd 1 / grad 3 ULP`` (or what failed, or ``known gap``)."""
    by_record: dict[str, dict[str, KernelResult]] = {}
    for r in gen.results:
        by_record.setdefault(r.record.name, {})[r.plan.role] = r
    out: dict[str, str] = {}
    for name, roles in by_record.items():
        parts = []
        for role, label in (("fwd", "fwd"), ("grad", "grad"), ("vjp", "vjp")):
            found = roles.get(role)
            if found is None:
                continue
            r = found
            if r.ok and r.measurement:
                parts.append(f"{label} {_g(r.measurement.max_ulp)}")
            else:
                parts.append(f"{label} known gap" if r.plan.name in KNOWN_GAPS else f"{label} FAILED")
        gaps = [p for p in parts if p.endswith("known gap")]
        if parts and len(gaps) == len(parts):
            out[name] = "no kernel (known gap)"
        else:
            out[name] = " / ".join(parts) + " ULP"
    for name, _ in gen.skipped:
        out[name] = "no kernel"
    return out


def edge_notes() -> list[str]:
    """Markdown lines for ACCURACY.md: the edge and special rows every vector kernel was verified on."""

    def row(values: tuple[float, ...]) -> str:
        return "[" + ", ".join(repr(float(v)) for v in values) + "]"

    lines = [
        "",
        "## Vector kernels at the edges",
        "",
        "Besides their random rows, the vector kernels (and VJPs, gradients) above were measured on these",
        "rows (cut or filled to the row length; cotangents 1e30 times a normal draw on rows of spread",
        "500 .. 2000, so that a tiny probability flushed to 0 would show, and one-hot at the class of",
        "the maximum on every third row), in the same table: finite rows against correctly rounded",
        "references (at a working precision above the row's spread in bits), a VJP's error in ULPs of",
        "the sum of its terms |g_i J_ik| (so that 1 - p_k lost where p_k rounds to 1 shows), and a",
        "kernel that misses its target on any of them is not written.",
        "",
    ]
    lines += [f"- {name}: `{row(v)}`" for name, v in EDGE_ROWS]
    lines += [
        "",
        "Rows with infinite or nan entries, held to the documented values (a mismatch is a failure): a",
        "masked entry (-inf) has weight 0 (the limit, bound as -2^1100 in the reference); in softmax,",
        "softmin and log_softmax a +inf entry (softmin: -inf) takes all the mass, its limit (PyTorch",
        "and JAX give nan), and the +inf entries of a row holding several are nan (no limit there);",
        "a VJP's or a loss's row holding +inf, and an all -inf row, give nan (PyTorch's and JAX's",
        "value), except logsumexp: +inf and -inf, its limits; nan gives nan wherever the value",
        "depends on it (nll_loss's gradient is -y at a nan of weight 0, as in PyTorch).",
        "GLU is measured on the rows whose pairs (u_i, v_i) are not both infinite and hold no nan.",
        "",
    ]
    lines += [f"- {name}: `{row(v)}`" for name, v in SPECIAL_ROWS]
    lines += ["", "Vector losses, also on (logits or log-probabilities; targets):", ""]
    lines += [f"- {name}: `{row(z)}`; `{row(y)}`" for name, z, y in SPECIAL_LOSS_ROWS]
    return lines
