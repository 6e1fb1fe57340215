"""Generation of ``symact.kernels``: plan, rewrite, print, verify, and only then write.

:func:`generate` turns every record into kernels (:mod:`symact.codegen.plan`), prints each
candidate (:mod:`symact.codegen.emit`), runs it on the verification sample and keeps the first
candidate that meets its target (float64: 4 ULP for a function, 8 for a derivative; kernels built
on Φ/φ 8 and 16; float32: 1 ULP).  A kernel that meets no target is left out of the module and
reported with the input where it failed.  :func:`atomic_write` writes a file atomically, and only
when its text changes.
"""

from __future__ import annotations

import functools
import multiprocessing
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import scipy.special
import sympy as sp

from symact._atomic import atomic_write
from symact.catalogue import Record
from symact.codegen.emit import Emitted, kernel_source, limits_source, module_source, role_doc, wrapper_source
from symact.codegen.functions import to_reference
from symact.codegen.gaps import KNOWN_GAPS, gap_table_problems, record_of
from symact.codegen.limits import term_limit
from symact.codegen.measure import CAREFUL_TARGETS, TARGETS, domain_sample, magnitude
from symact.codegen.plan import (
    ROLES,
    Candidate,
    KernelPlan,
    RecordPlan,
    Role,
    UnsupportedRecord,
    limits_of,
    plan,
)
from symact.codegen.rules import REWRITE_RULES, prove_rule
from symact.codegen.saturation import saturated
from symact.codegen.series import SERIES
from symact.codegen.verify import ERRSTATE, Measurement, measure, output_form_range, overflow_only, ulp_errors
from symact.errors import ArgumentError
from symact.kernels import runtime as _runtime
from symact.numeric import RoundedMemo, full_range_sample, reference, remember_rounded, rounded_memo
from symact.pipeline import fork_is_safe

__all__ = [
    "CAREFUL_TARGETS",
    "TARGETS",
    "Generation",
    "KernelResult",
    "atomic_write",
    "compile_source",
    "generate",
    "loss_limit_problems",
    "module_path",
]

VECTOR_ROWS = 40
SEED = 20261122
DEFAULT_SIZE = 2000
DEFAULT_SIZE32 = 500
FULL_SIZE = 20000
FULL_SIZE32 = 12000

_DOC = (
    "Verified NumPy kernels of the symact catalogue.\n\n"
    "Every function takes scalars or arrays (float64 or float32; the result has the input's dtype),\n"
    "keyword-only parameters with the catalogue's defaults, and `out=`.  Each kernel is the\n"
    "derivation's expression after proved stable rewrites; its measured accuracy is in ACCURACY.md.\n"
)


def module_path(root: Path) -> Path:
    return root / "symact" / "kernels" / "_generated.py"


@dataclass
class KernelResult:
    """The outcome for one kernel: the record it belongs to, the chosen candidate, its measurement,
    or why none was kept."""

    record: Record
    plan: KernelPlan
    chosen: Candidate | None
    measurement: Measurement | None
    problems: list[str] = field(default_factory=list)
    emitted: Emitted | None = None
    accurate_range: tuple[float, float] | None = None
    guarded: bool = False
    limits: tuple[sp.Expr | None, sp.Expr | None] = (None, None)  # what a guarded kernel returns at -+inf

    @property
    def ok(self) -> bool:
        return self.emitted is not None and not self.problems


@dataclass
class Generation:
    results: list[KernelResult]
    skipped: list[tuple[str, str]]
    source: str
    proofs: dict[str, str]

    def known_gaps(self) -> list[KernelResult]:
        """The kernels that miss their target and are listed in :data:`~symact.codegen.gaps.KNOWN_GAPS`."""
        return [r for r in self.results if not r.ok and r.plan.name in KNOWN_GAPS]

    def failures(self) -> list[str]:
        """One line per kernel that misses its target (known gaps excepted) and per dishonest entry
        of the known-gap table: a listed kernel that meets its target, or a name that is no kernel."""
        out = [
            f"{r.plan.name}: {p}" for r in self.results if r.plan.name not in KNOWN_GAPS for p in r.problems
        ]
        out += [
            f"{r.plan.name}: meets its target but is listed in KNOWN_GAPS (remove it from the table)"
            for r in self.results
            if r.ok and r.plan.name in KNOWN_GAPS
        ]
        present = {r.record.name for r in self.results}
        planned = {r.plan.name for r in self.results}
        out += [line for line in gap_table_problems() if line.split(":", 1)[0] not in planned]
        out += [
            f"{name}: listed in KNOWN_GAPS but {record_of(name)} has no such kernel"
            for name in KNOWN_GAPS
            if record_of(name) in present and name not in planned
        ]
        return out


def compile_source(source: str) -> dict[str, Any]:
    """Run kernel source text in a namespace holding ``numpy``, ``_rt`` (the runtime) and ``scipy``."""
    namespace: dict[str, Any] = {"numpy": np, "_rt": _runtime, "scipy": scipy}
    exec(compile(source, "<symact kernel>", "exec"), namespace)
    return namespace


def _num(v: sp.Expr | None, defaults: dict[sp.Symbol, sp.Expr]) -> float:
    if v is None:
        return float("nan")
    return float(sp.N(sp.sympify(v).subs(defaults), 30))


def _same(a: float, b: float) -> bool:
    return (np.isnan(a) and np.isnan(b)) or a == b


def _needs_guard(kernel: Callable[..., Any], args: tuple[float, ...], want: tuple[float, float]) -> bool:
    xs = np.array([-np.inf, np.inf, np.nan])
    try:
        with np.errstate(**ERRSTATE):  # type: ignore[arg-type]
            got = np.broadcast_to(np.asarray(kernel(xs, *args), dtype=np.float64), (3,))
    except FloatingPointError:
        return True
    return not all(_same(float(g), w) for g, w in zip(got, (*want, np.nan), strict=True))


@dataclass
class _Context:
    xs: np.ndarray
    xs32: np.ndarray | None
    fwd: dict[str, Callable[[np.ndarray], Any]] = field(default_factory=dict)
    scale: dict[str, Callable[[np.ndarray], Any] | None] = field(default_factory=dict)


_ONE_UFUNC = re.compile(r"def \w+\((\w+)\):\n    return numpy\.(\w+)\((\w+)\)\n$")


def _try_candidate(rp: RecordPlan, kp: KernelPlan, cand: Candidate, ctx: _Context) -> KernelResult:
    record = rp.record
    pnames = [s.name for s, _ in rp.params]
    args = tuple(_num(v, {}) for _, v in rp.params)
    inputs = [kp.var.name, *[e.name for e in kp.extra]]
    kname = f"_k_{kp.name}"
    ksrc = kernel_source(kname, [*inputs, *pnames], cand.expr)
    ns = compile_source(ksrc)
    kernel = ns[kname]
    guarded = False
    lsrc = None
    lim_name = "None"
    limits: tuple[sp.Expr | None, sp.Expr | None] = (None, None)
    if not kp.extra and kp.role != "grad_from_output" and kp.domain == sp.S.Reals:
        ref = reference(to_reference(cand.expr), kp.var, [-np.inf, np.inf], params=rp.defaults)
        want = (float(ref[0]), float(ref[1]))
        guarded = _needs_guard(kernel, args, want)
    if guarded:
        lim_name = f"_lim_{kp.name}"
        # without parameters the limits are the (correctly rounded) numbers; otherwise symbolic
        exact = (sp.Float(want[0]), sp.Float(want[1]))
        limits = _exact_limits(kp, cand, limits_of(kp)) if rp.params else exact
        lsrc = limits_source(lim_name, pnames, limits)
        ns.update(compile_source(lsrc))
    elif kp.extra:
        limits, lsrc = _loss_limits(rp, kp, cand, kernel, args)
        if lsrc is not None:
            guarded, lim_name = True, f"_lim_{kp.name}"
            ns.update(compile_source(lsrc))
    limits_fn = ns.get(lim_name) if guarded else None
    title = record.description
    plist = "".join(n + ", " for n in pnames)
    one = _ONE_UFUNC.match(ksrc)
    ufunc = getattr(np, one.group(2), None) if one and one.group(1) == one.group(3) == kp.var.name else None
    ufunc = ufunc if isinstance(ufunc, np.ufunc) and not guarded and not pnames and not kp.extra else None
    if kp.extra:
        call = f"_rt.elementwise2({kname}, {', '.join(inputs)}, out, ({plist}), {lim_name})"
    elif ufunc is not None:
        call = f"_rt.direct(numpy.{ufunc.__name__}, {kname}, {kp.var.name}, out)"
    else:
        call = f"_rt.elementwise({kname}, {kp.var.name}, out, ({plist}), {lim_name})"
    doc = role_doc("loss_grad" if kp.extra and kp.role == "grad" else kp.role, title, record.name)
    wrapper = wrapper_source(kp.name, inputs, [(s.name, v) for s, v in rp.params], call, doc)
    emitted = Emitted(kp.name, ksrc, lsrc, wrapper)
    target = (CAREFUL_TARGETS if kp.careful else TARGETS)[kp.role]
    truth = to_reference(cand.expr)

    def runner(y: float | None) -> Callable[[np.ndarray], Any]:
        if y is None and ufunc is not None:
            return lambda x: _runtime.direct(ufunc, kernel, x, None)
        if y is None:
            return lambda x: _runtime.elementwise(kernel, x, None, args, limits_fn)
        return lambda x: _runtime.elementwise2(kernel, x, y, None, args, limits_fn)

    if kp.role == "grad_from_output":
        return _measure_output_form(rp, kp, cand, runner(None), emitted, ctx, target)
    mag = magnitude(cand.expr) if kp.role == "grad" else None
    sns = compile_source(kernel_source("_s", [*inputs, *pnames], mag)) if mag is not None else {}
    xs = domain_sample(kp.domain, ctx.xs)
    xs32 = (
        domain_sample(kp.domain, ctx.xs32.astype(np.float64)).astype(np.float32)
        if ctx.xs32 is not None
        else None
    )
    if kp.extra and xs32 is not None:  # losses: +-inf predictions are outside what they promise
        xs, xs32 = xs[~np.isinf(xs)], xs32[~np.isinf(xs32)]
    measured: list[Measurement] = []
    for i, y in enumerate(kp.targets or (None,)):
        scale = None
        if "_s" in sns:

            def scale(x: np.ndarray, _k: Callable[..., Any] = sns["_s"], _y: float | None = y) -> Any:
                if _y is None:
                    return _runtime.elementwise(_k, x, None, args, None)
                return _runtime.elementwise2(_k, x, _y, None, args)

        params = dict(rp.defaults)
        if y is not None:
            params[kp.extra[0].name] = y
        measured.append(
            measure(runner(y), truth, kp.var, xs, params=params, scale=scale, xs32=xs32 if i == 0 else None)
        )
        if kp.role == "grad" and y is None:
            ctx.scale[record.name] = scale
    if kp.extra:
        measured[0].specials_wrong += loss_limit_problems(rp, kp, cand, runner)
    failing = [m for m in measured if m.problems(target)]
    worst = failing[0] if failing else max(measured, key=lambda m: m.max_ulp)
    if worst.f32_max_ulp is None:  # float32 is checked at the first target only
        worst.f32_max_ulp, worst.f32_worst_x = measured[0].f32_max_ulp, measured[0].f32_worst_x
    if kp.role == "fwd":
        ctx.fwd[record.name] = runner(None)
    problems = worst.problems(target)
    return KernelResult(record, kp, cand, worst, problems, emitted, guarded=guarded, limits=limits)


def _exact_limits(
    kp: KernelPlan, cand: Candidate, given: tuple[sp.Expr | None, sp.Expr | None]
) -> tuple[sp.Expr | None, sp.Expr | None]:
    """`given`, except that a limit infinite in a parameter's sign (``-oo sign(c)``, wrong at c = 0)
    is replaced by the term-wise limit (:func:`~symact.codegen.limits.term_limit`)."""
    out = []
    for v, at in zip(given, (-sp.oo, sp.oo), strict=True):
        if v is None or (v.has(sp.oo, -sp.oo) and v.free_symbols):
            v = term_limit(cand.expr, kp.var, at) or v
        out.append(v)
    return out[0], out[1]


def _sides(kp: KernelPlan) -> tuple[bool, bool]:
    """Whether -inf and +inf are limits of the kernel's domain."""
    return kp.domain.inf == -sp.oo, kp.domain.sup == sp.oo


def _loss_limits(
    rp: RecordPlan, kp: KernelPlan, cand: Candidate, kernel: Callable[..., Any], args: tuple[float, ...]
) -> tuple[tuple[sp.Expr | None, sp.Expr | None], str | None]:
    """Limits of a loss kernel at a = -+inf (functions of the target), and their source when the
    kernel needs them (it raises or differs from them at a target value); (None, None), None otherwise."""
    sides = _sides(kp)
    limits = tuple(
        term_limit(cand.expr, kp.var, at) if side else sp.nan
        for side, at in zip(sides, (-sp.oo, sp.oo), strict=True)
    )
    if any(v is None for v in limits) or not any(sides):
        return (None, None), None
    names = [kp.extra[0].name, *[s.name for s, _ in rp.params]]
    lsrc = limits_source("_lim", names, (limits[0], limits[1]))
    lim = compile_source(lsrc)["_lim"]
    for y in kp.targets:
        ys = np.full(2, y)
        try:
            with np.errstate(**ERRSTATE):  # type: ignore[arg-type]
                got = np.asarray(kernel(np.array([-np.inf, np.inf]), ys, *args), dtype=np.float64)
        except FloatingPointError:
            break
        want = [float(np.asarray(v)) for v in lim(y, *args)]
        if not all(_same(float(g), w) for g, w, s in zip(got, want, sides, strict=True) if s):
            break
    else:
        return (None, None), None
    return (limits[0], limits[1]), lsrc.replace("def _lim(", f"def _lim_{kp.name}(", 1)


def loss_limit_problems(
    rp: RecordPlan, kp: KernelPlan, cand: Candidate, runner: Callable[[float | None], Callable[..., Any]]
) -> list[str]:
    """The loss kernel at a = -+inf against the reference's limits, at every target value."""
    problems = []
    truth = to_reference(cand.expr)
    for y in kp.targets:
        xs = np.array([v for v, s in zip((-np.inf, np.inf), _sides(kp), strict=True) if s])
        want = reference(truth, kp.var, xs, params={**rp.defaults, kp.extra[0].name: y})
        try:
            with np.errstate(**ERRSTATE):  # type: ignore[arg-type]
                got = np.asarray(runner(y)(xs), dtype=np.float64)
        except FloatingPointError as exc:
            problems.append(f"at y = {y}, a = +-inf: {exc}")
            continue
        for x, g, w in zip(xs, got, want, strict=True):
            if not _same(float(g), float(w)):
                problems.append(f"at y = {y}: f({x}) = {g}, want {w}")
    return problems


def _measure_output_form(
    rp: RecordPlan,
    kp: KernelPlan,
    cand: Candidate,
    run: Callable[[np.ndarray], Any],
    emitted: Emitted,
    ctx: _Context,
    target: float,
) -> KernelResult:
    fwd = ctx.fwd.get(rp.record.name)
    if fwd is None:
        return KernelResult(rp.record, kp, cand, None, ["no forward kernel to measure it with"])
    x = rp.record.variable  # type: ignore[union-attr]
    xs = domain_sample(kp.domain, ctx.xs[np.isfinite(ctx.xs)])
    with np.errstate(all="ignore"):
        a = np.asarray(fwd(xs), dtype=np.float64)
    try:
        with np.errstate(**ERRSTATE):  # type: ignore[arg-type]
            got = np.asarray(run(a), dtype=np.float64)
    except FloatingPointError as exc:
        # an overflow to a result that is truly infinite (f' beyond the largest float) is correct
        relaxed = overflow_only(run, a)
        if relaxed is None:
            return KernelResult(
                rp.record, kp, cand, None, [f"floating-point exception on f's outputs: {exc}"]
            )
        got = relaxed
    truth = to_reference(next(k for k in rp.kernels if k.role == "grad").candidates[0].expr)
    ref = reference(truth, x, xs, params=rp.defaults)
    scale_fn = ctx.scale.get(rp.record.name)
    s = np.asarray(scale_fn(xs), dtype=np.float64) if scale_fn is not None else None
    with np.errstate(all="ignore"):  # where a saturates the error is infinite: measured, not raised
        err = ulp_errors(got, ref, s)
        err = np.where(np.isnan(ref), 0.0, err)
        m = Measurement(points=int(xs.size))
        m.max_ulp = float(np.max(err)) if err.size else 0.0
        m.p999_ulp = float(np.quantile(err, 0.999)) if err.size else 0.0
    rng = output_form_range(err, xs, target)
    return KernelResult(rp.record, kp, cand, m, [], emitted, accurate_range=rng)


def _kernel(rp: RecordPlan, kp: KernelPlan, ctx: _Context) -> KernelResult:
    best: KernelResult | None = None
    for cand in kp.candidates:
        try:
            result = _try_candidate(rp, kp, cand, ctx)
        except Exception as exc:
            result = KernelResult(
                rp.record, kp, cand, None, [f"{cand.origin} form: {type(exc).__name__}: {exc}"]
            )
        if result.ok:
            return result
        if best is None or (result.measurement and best.measurement is None):
            best = result
    # a saturation is checked at the default parameters, so kernels with parameters are not offered one
    plain = kp.role != "grad_from_output" and not rp.params
    for cand in kp.candidates[:1] if plain else ():
        found = saturated(cand.expr, kp.truth, kp.var)  # a checked rounding claim: the last resort
        if found is None:
            continue
        expr, tails = found
        rules = (*cand.rules, *[f"saturated tail {t.describe()}" for t in tails])
        result = _try_candidate(rp, kp, Candidate(expr, rules, f"{cand.origin}, saturated tails"), ctx)
        if result.ok:
            return result
    assert best is not None
    best.emitted = None
    return best


def prove_rules() -> dict[str, str]:
    """Every rewrite rule and vector shift proved (raises if one is not)."""
    from symact.codegen.vector import VECTOR_RULES, prove_vector_rule

    proofs = {rule.name: prove_rule(rule) for rule in REWRITE_RULES}
    proofs.update({series.name: series.prove() for series in SERIES})
    proofs.update({rule.name: prove_vector_rule(rule) for rule in VECTOR_RULES})
    return proofs


def _record_results(
    record: Record, size: int, size32: int, seed: int, extra: np.ndarray | None = None
) -> tuple[list[KernelResult], list[tuple[str, str]]]:
    """Plan and verify the kernels of one record (a unit of work for a worker process)."""
    if record.kind in ("vector", "vector_loss"):
        return _vector_results(record, seed)
    xs = full_range_sample(size, seed=seed)
    if extra is not None:
        xs = np.concatenate([xs, np.asarray(extra, dtype=np.float64)])
    ctx = _Context(xs, full_range_sample(size32, seed=seed + 1, dtype=np.float32))
    try:
        rp = plan(record)
    except UnsupportedRecord as exc:
        return [], [(record.name, str(exc))]
    except Exception as exc:
        return [], [(record.name, f"derivation failed: {type(exc).__name__}: {exc}")]
    return [_kernel(rp, kp, ctx) for kp in rp.kernels], []


def _vector_results(record: Record, seed: int) -> tuple[list[KernelResult], list[tuple[str, str]]]:
    from symact.codegen.vector_gen import vector_kernels
    from symact.codegen.vector_loss import vector_loss_kernels

    make = vector_loss_kernels if record.kind == "vector_loss" else vector_kernels
    try:
        found = make(record, rows=VECTOR_ROWS, seed=seed)
    except Exception as exc:
        return [], [(record.name, f"no vector kernel: {type(exc).__name__}: {exc}")]
    results = []
    for public, role, emitted, measurement, problems, rule in found:
        if role not in ROLES:
            raise ArgumentError(f"{public}: unknown kernel role {role!r}")
        kp = KernelPlan(public, cast(Role, role), sp.Symbol("x", real=True), [], sp.S.Zero)
        origin = {"fwd": "stable routine", "vjp": "Jacobian split", "grad": "proved gradient"}[role]
        cand = Candidate(sp.Symbol(public), (rule,), origin)
        results.append(KernelResult(record, kp, cand, measurement, problems, emitted))
    return results, []


def _record_results_and_memo(
    record: Record, size: int, size32: int, seed: int, extra: np.ndarray | None = None
) -> tuple[list[KernelResult], list[tuple[str, str]], RoundedMemo]:
    """:func:`_record_results` in a worker process, with the correctly rounded values it computed
    (the parent remembers them, so the backends' checks of the same kernels reuse them)."""
    rounded_memo(clear=True)
    res, skip = _record_results(record, size, size32, seed, extra)
    return res, skip, rounded_memo(clear=True)


def generate(
    records: Sequence[Record],
    *,
    size: int = DEFAULT_SIZE,
    size32: int = DEFAULT_SIZE32,
    seed: int = SEED,
    jobs: int = 1,
    progress: Callable[[str], None] = lambda s: None,
    extra: np.ndarray | None = None,
) -> Generation:
    """Plan, print and verify the kernels of `records`; the module text holds only verified kernels.

    `jobs` > 1 verifies records in that many worker processes; the result does not depend on it.
    `extra` float64 inputs are added to the sample of every element-wise kernel (the tests add
    Hypothesis-drawn points).
    """
    results: list[KernelResult] = []
    skipped: list[tuple[str, str]] = []
    work = functools.partial(_record_results, size=size, size32=size32, seed=seed, extra=extra)
    if multiprocessing.current_process().daemon or not fork_is_safe():
        jobs = 1  # a worker of a process pool cannot start its own workers; nor may JAX's process fork
    if jobs > 1 and len(records) > 1:
        pooled = functools.partial(_record_results_and_memo, size=size, size32=size32, seed=seed, extra=extra)
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            outcomes = pool.imap(pooled, records)
            proofs = prove_rules()  # while the workers verify
            for record, (res, skip, memo) in zip(records, outcomes, strict=True):
                progress(record.name)
                results += res
                skipped += skip
                remember_rounded(memo)
    else:
        proofs = prove_rules()
        for record in records:
            progress(record.name)
            res, skip = work(record)
            results += res
            skipped += skip
    emitted = [r.emitted for r in results if r.ok and r.emitted is not None]
    uses_scipy = any("scipy." in e.kernel for e in emitted)
    imports = ["import numpy", *(["import scipy.special"] if uses_scipy else [])]
    return Generation(results, skipped, module_source(_DOC, emitted, imports), proofs)
