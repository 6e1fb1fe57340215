"""Checking users' own code: a forward and/or gradient function against a catalogue function."""

from __future__ import annotations

import functools
import inspect
import math
import time
from collections.abc import Callable, Mapping
from importlib.util import find_spec
from typing import Any

import numpy as np
import sympy as sp

from symact.catalogue import UnknownFunctionError, get
from symact.errors import ArgumentError, UserError
from symact.numeric import FloatFormat, float_format
from symact.verify._bands import either_values
from symact.verify._budget import default_ulp
from symact.verify._consistency import check_consistency
from symact.verify._fidelity import check_fidelity
from symact.verify._frameworks import ArrayFn, as_numpy, autodiff
from symact.verify._points import sample_groups
from symact.verify._report import FAIL, Finding, Report
from symact.verify._target import Target, make_target
from symact.verify._vector import VECTOR_KINDS, check_vector
from symact.verify._vector_reduce import check_reduced, split_options

__all__ = ["assert_matches", "assert_point", "check", "target_for"]


def target_for(
    against: str, *, params: Mapping[str, Any] | None = None, convention: str = "pytorch"
) -> Target:
    """The catalogue function `against` as a :class:`Target` (its derivative from ``symact.derive``).

    Parameters are taken at their float64 values, as code holds them.
    """
    try:
        record = get(against)
    except UnknownFunctionError as exc:
        raise UserError(str(exc)) from None
    try:
        return make_target(record, params=params, convention=convention, source="derive", float_params=True)
    except UserError:
        raise
    except Exception:
        return make_target(record, params=params, convention=convention, source="sympy", float_params=True)


def resolve_format(dtype: object) -> FloatFormat:
    """The float format of `dtype`; UserError when unknown, or bfloat16 with nothing to hold it."""
    try:
        fmt = float_format(dtype)
    except ArgumentError as exc:
        raise UserError(str(exc)) from None
    if fmt.name == "bfloat16" and not any(find_spec(m) for m in ("torch", "ml_dtypes", "jax")):
        raise UserError("bfloat16 needs PyTorch or ml_dtypes (pip install ml-dtypes); neither is installed")
    return fmt


def _record(name: str) -> Any:
    try:
        return get(name)
    except UnknownFunctionError as exc:
        raise UserError(str(exc)) from None


def _subgradient(target: Target, dtype: object) -> dict[float, tuple[float, float]]:
    if target.convention != "subgradient":
        return {}
    out = {}
    for k in target.kinks:
        if k.exact:
            lo, hi = sorted((float(k.left), float(k.right)))
            out[k.x] = (lo, hi)
    return out


def _candidates(x: float) -> list[float]:
    """Simpler floats near x, simplest first: x rounded to 1, 2, ... 17 significant digits."""
    if not math.isfinite(x) or x == 0:
        return [x]
    out = []
    for digits in range(1, 18):
        c = float(f"{x:.{digits - 1}e}")
        if c not in out:
            out.append(c)
    return [*out, x]


def _shrink(finding: Finding, recheck: Callable[[float], Finding | None]) -> Finding:
    """The simplest point near the failing one that still fails the same way."""
    for c in _candidates(finding.x):
        again = recheck(c)
        if again is not None and again.verdict == FAIL:
            return again
    return finding


def check(
    fn: Callable | None = None,
    *,
    grad: Callable | str | None = None,
    against: str,
    params: Mapping[str, Any] | None = None,
    dtype: object = np.float64,
    convention: str = "pytorch",
    examples: int = 2000,
    seed: int = 0,
    forward_expr: sp.Expr | None = None,
    grad_expr: sp.Expr | None = None,
    ulp: float | None = None,
    flush_subnormals: bool = False,
) -> Report:
    r"""Check a forward `fn` and/or a gradient `grad` against the catalogue function `against`.

    Layers run on about `examples` deterministic points (the full float range, kinks, roots of the
    derivative, domain ends): `fn` against the correctly rounded $f$, `grad` against $f'$ (under
    `convention` at kinks), and `grad` against central differences of `fn`.  NumPy functions always
    work; PyTorch and JAX functions when those are installed.  ``grad="autodiff"`` checks the
    framework's own derivative of `fn`.

    **Arguments:**
    - `params`: parameter values of the catalogue function (and a loss's target, e.g. ``{"y": 1}``:
      the functions then take the prediction alone, with the target bound).  Parameters are taken at
      their float64 values, as code holds them.
    - `convention`: "pytorch", "pytorch-legacy" (PyTorch before a recorded change of a kink value),
      "jax", "symmetric" or "subgradient" (any value between the one-sided derivatives is accepted at
      a kink).
    - `forward_expr`, `grad_expr`: the SymPy expressions the code evaluates, if known: a failure then
      says whether their rounding-error bound explains it (they never widen the tolerance).
    - `ulp`: the precision budget N: a value may differ from the correctly rounded truth by
      N ulp + 4 ulp(x f'(x)), about (N + 4 kappa) ULP, kappa the condition number of the function
      at the point (default :data:`~symact.verify._budget.DEFAULT_ULP`, 16; in float16 and
      bfloat16 :data:`~symact.verify._budget.HALF_DEFAULT_ULP`, 4).  Beyond 2^-10 relative (in
      float16 and bfloat16: 16 eps) a value is "wrong", below that "imprecise"; both fail.
    - `flush_subnormals`: the code runs where subnormal numbers are flushed to zero (XLA on CPU,
      GPUs in FTZ mode): no subnormal input is drawn, and an error counts in units of at least the
      smallest normal number of `dtype` (what a flushed intermediate value can cost), so a zero for
      a subnormal truth passes.  Off by default: IEEE arithmetic keeps subnormals, and a kernel that
      flushes them is wrong there.

    **Vector functions and losses** (softmax, log_softmax, softmin, logsumexp, glu; cross_entropy,
    nll_loss): `fn(x)` maps an array of shape (rows, n) along the last axis and `grad` is
    ``vjp(x, g)``, the gradient of sum(g * fn(x)) with respect to x; for a loss `fn(z, y)` returns
    one value per row (y: class probabilities or one-hot, shape (rows, n)) and `grad(z, y)` returns
    dL/dz; ``grad="autodiff"`` takes them from PyTorch or JAX.  With PyTorch's ``weight`` (one per
    class), ``ignore_index`` or ``reduction`` in `params`, a loss is called as
    ``F.cross_entropy(input, target, weight=..., ignore_index=..., reduction=..., label_smoothing=...)``
    with class-index targets, or with rows of class probabilities where ``targets="probabilities"``
    (cross_entropy: the mean is then over the rows; :mod:`symact.verify._vector_reduce`).  See
    :mod:`symact.verify._vector` for the rows drawn.

    **Returns:** a :class:`Report`; ``report.ok`` is False when any point fails.  Each failure is
    shrunk to the simplest nearby input that still fails.
    """
    if fn is None and grad is None:
        raise UserError("check needs fn, grad or both")
    if examples < 1:
        raise UserError(f"examples must be >= 1, got {examples}")
    dtype = resolve_format(dtype)
    ulp = default_ulp(dtype) if ulp is None else ulp
    if not (math.isfinite(ulp) and ulp >= 0.5):
        raise UserError(f"ulp must be a finite number >= 0.5, got {ulp!r}")
    record = _record(against)
    if record.kind in VECTOR_KINDS:
        if grad is not None and not callable(grad) and grad != "autodiff":
            raise UserError(
                "for vector functions and losses --grad must name a function (vjp(x, g) or grad(z, y)) "
                "or be 'autodiff'"
            )
        if grad == "autodiff" and fn is None:
            raise UserError('grad="autodiff" needs fn')
        if flush_subnormals:
            raise UserError(
                f"--flush-subnormals (flush_subnormals) is not supported for vector functions and losses "
                f"such as {record.name!r} yet: only element-wise functions are checked under flush-to-zero"
            )
        start = time.perf_counter()
        options, rest = split_options(record, params)
        if options is not None:
            report = check_reduced(
                record, fn, grad, options, params=rest, dtype=dtype, examples=examples, seed=seed, ulps=ulp
            )
        else:
            report = check_vector(
                record, fn, grad, params=params, dtype=dtype, examples=examples, seed=seed, ulps=ulp
            )
        report.seconds = time.perf_counter() - start
        return report
    target = target_for(against, params=params, convention=convention)
    start = time.perf_counter()
    notes: list[str] = []
    fwd: ArrayFn | None = None
    if fn is not None:
        fn = _with_params(fn, target.params, params or {}, dtype, notes)
        fwd, _ = _adapt(fn, dtype)
    grd: ArrayFn | None = None
    if grad == "autodiff":
        if fn is None:
            raise UserError('grad="autodiff" needs fn')
        grd, _ = _adapt(fn, dtype, autodiff=True)
    elif callable(grad):
        grad = _with_params(grad, target.params, params or {}, dtype, notes)
        grd, _ = _adapt(grad, dtype)
    elif grad is not None:
        raise UserError(f"grad must be a function or 'autodiff', got {grad!r}")
    # the points must be values of `dtype` (the reference is taken at exactly what the code receives)
    groups = sample_groups(target, examples, seed=seed, dtype=dtype)
    tiny = float_format(dtype).tiny
    if flush_subnormals:
        groups = {k: v[~((v != 0) & (np.abs(v) < tiny))] for k, v in groups.items()}
    xs = np.concatenate(list(groups.values()))
    report = Report(target.name, sampled={k: int(v.size) for k, v in groups.items() if v.size}, notes=notes)
    allowed = _subgradient(target, dtype)
    bands = {
        "forward": either_values(target, target.f, dtype),
        "gradient": either_values(target, target.df, dtype),
    }
    banded = {"forward": 0, "gradient": 0}

    def fidelity(
        layer: str, call: ArrayFn, expr: sp.Expr, tree: sp.Expr | None, pts: np.ndarray
    ) -> list[Finding]:
        with np.errstate(all="ignore"):
            got = call(pts)
        res = check_fidelity(
            target.name,
            layer,
            pts,
            got,
            expr,
            target.var,
            bound_expr=tree,
            dtype=dtype,
            allowed=allowed if layer == "gradient" else None,
            nan_propagates=layer == "forward",
            ulps=ulp,
            either=bands[layer],
            extra=target.input_terms.get(expr),
            flush_floor=tiny if flush_subnormals else 0.0,
        )
        report.checked[layer] = report.checked.get(layer, 0) + res.checked
        banded[layer] += res.banded
        return res.findings

    def recheck(
        layer: str, call: ArrayFn, expr: sp.Expr, tree: sp.Expr | None
    ) -> Callable[[float], Finding | None]:
        def one(x: float) -> Finding | None:
            if not target.in_domain(x):
                return None
            saved = dict(report.checked)
            found = fidelity(layer, call, expr, tree, np.array([x]))
            report.checked = saved
            return found[0] if found else None

        return one

    layers = []
    if fwd is not None:
        layers.append(("forward", fwd, target.f, forward_expr))
    if grd is not None:
        layers.append(("gradient", grd, target.df, grad_expr))
    for layer, call, expr, tree in layers:
        found = fidelity(layer, call, expr, tree, xs)
        n_band = banded[layer]
        report.add(layer, _shrunk(found, recheck(layer, call, expr, tree)), 0)
        if n_band:
            kinks = ", ".join(sorted({repr(float(k.at)) for k in target.kinks if not k.exact}))
            report.notes.append(
                f"{layer}: {n_band} points within rounding of a kink that is not a float ({kinks}) "
                "took the other branch's value, which is accepted there"
            )
    if flush_subnormals:
        report.notes.append(
            "subnormal numbers flushed to zero (--flush-subnormals): no subnormal input drawn, errors "
            f"counted in units of at least {tiny:.4g}"
        )
    if fwd is not None and grd is not None:
        with np.errstate(all="ignore"):
            found, n, _ = check_consistency(
                target, fwd, grd, xs, dtype=dtype, forward_expr=forward_expr, grad_expr=grad_expr, ulps=ulp
            )
        report.add("consistency", found, n)
    report.seconds = time.perf_counter() - start
    return report


def _shrunk(findings: list[Finding], recheck: Callable[[float], Finding | None]) -> list[Finding]:
    """Shrink the first failure of the layer (the report leads with it); keep the rest as found."""
    fails = [f for f in findings if f.verdict == FAIL]
    if not fails:
        return findings
    first = min(fails, key=lambda f: abs(f.x) if math.isfinite(f.x) else math.inf)
    small = _shrink(first, recheck)
    return [small, *[f for f in findings if f is not first]]


def _with_params(
    fn: Callable, values: Mapping[str, Any], given: Mapping[str, Any], dtype: object, notes: list[str]
) -> Callable:
    """`fn` with the record's parameter `values` that it takes passed as keywords (as floats):
    ``torch.nn.functional.elu`` checked with alpha = -0.5 is called with ``alpha=-0.5``.  Where the
    signature cannot be read (a builtin such as ``torch.nn.functional.softplus``) one call on a
    small array decides whether it takes them.  A parameter `given` that it does not take is the
    code's to hold; a note says so."""
    keys = [str(k) for k in values]
    try:
        accepted = set(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        accepted = set(keys) if _takes(fn, {k: float(v) for k, v in values.items()}, dtype) else set()
    named = {str(k): float(v) for k, v in values.items() if str(k) in accepted}
    left = sorted(str(k) for k in given if str(k) not in named)
    if left:
        name = getattr(fn, "__name__", "the code")
        note = (
            f"{', '.join(left)}: not passed to {name} (it does not take them); the code must hold the value"
        )
        if note not in notes:
            notes.append(note)
    return functools.partial(fn, **named) if named else fn


def _takes(fn: Callable, kw: dict[str, float], dtype: object) -> bool:
    if not kw:
        return False
    try:
        call, _ = _adapt(functools.partial(fn, **kw), dtype)
        with np.errstate(all="ignore"):
            call(np.array([0.5], dtype=np.float64))
    except Exception:
        return False
    return True


def _adapt(fn: Callable, dtype: object, *, autodiff: bool = False) -> tuple[ArrayFn, str]:
    try:
        return (autodiff_fn if autodiff else as_numpy)(fn, dtype=dtype)
    except TypeError as exc:
        raise UserError(str(exc)) from None


autodiff_fn = autodiff


def assert_matches(
    fn: Callable | None = None,
    *,
    grad: Callable | str | None = None,
    against: str,
    **options: Any,
) -> Report:
    """:func:`check`, raising AssertionError with the simplest counterexample when anything fails.

    For pytest: ``symact.verify.assert_matches(my_gelu, grad=my_gelu_grad, against="gelu")``.
    """
    report = check(fn, grad=grad, against=against, **options)
    if not report.ok:
        first = report.counterexample()
        lines = [report.summary(), f"counterexample: {first}"]
        lines += [f"  {f}" for f in report.failures[:5] if f is not first]
        raise AssertionError("\n".join(lines))
    return report


def assert_point(
    fn: Callable,
    x: float,
    *,
    against: str,
    which: str = "forward",
    params: Mapping[str, Any] | None = None,
    dtype: object = np.float64,
    convention: str = "pytorch",
    ulp: float | None = None,
) -> None:
    """Fail (AssertionError) if `fn(x)` is wrong at one point, with the reference value and the ULP error.

    `which` is "forward" (against f) or "gradient" (against f' under `convention`).  Meant for
    Hypothesis tests with :mod:`symact.strategies`, which shrink a failure to a minimal input.
    `ulp` is the precision budget N, as for :func:`check`.
    """
    if which not in ("forward", "gradient"):
        raise UserError(f"which must be 'forward' or 'gradient', got {which!r}")
    fmt = resolve_format(dtype)
    ulp = default_ulp(fmt) if ulp is None else ulp
    target = target_for(against, params=params, convention=convention)
    if not (math.isnan(x) or target.in_domain(x)):
        return
    call, _ = _adapt(fn, fmt)
    pts = fmt.round([x])  # the value of the format the code receives
    with np.errstate(all="ignore"):
        got = call(pts)
    expr = target.f if which == "forward" else target.df
    res = check_fidelity(
        target.name,
        which,
        pts,
        got,
        expr,
        target.var,
        dtype=dtype,
        allowed=_subgradient(target, dtype) if which == "gradient" else None,
        nan_propagates=which == "forward",
        ulps=ulp,
        extra=target.input_terms.get(expr),
    )
    fails = [f for f in res.findings if f.verdict == FAIL]
    if fails:
        raise AssertionError(str(fails[0]))
