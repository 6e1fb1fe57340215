"""Verifying the catalogue itself: derive's symbolic derivatives and the generated kernels.

Element-wise records (and losses, at a few target values) get the symbolic layer under every
convention their kinks need, then, when ``symact.kernels`` has the record's kernels, fidelity of the
forward and gradient kernels and their consistency.  Vector records are checked through one-variable
slices of their Jacobian (gradient, for vector losses) at random points.
"""

from __future__ import annotations

import importlib
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from symact.catalogue import Record
from symact.verify._consistency import check_consistency
from symact.verify._fidelity import check_fidelity
from symact.verify._points import sample_points
from symact.verify._report import FAIL, Finding, Report
from symact.verify._symbolic import check_symbolic
from symact.verify._target import Target, make_target

__all__ = ["kernels_for", "verify_record"]

_TARGET_VALUES = (sp.S.Zero, sp.S.One, sp.Rational(1, 4), sp.Integer(3))


def _fail(name: str, layer: str, note: str) -> Finding:
    return Finding(name, layer, FAIL, math.nan, math.nan, math.nan, math.inf, 0.0, note)


def _target_values(record: Record) -> list[dict[str, sp.Expr]]:
    """Parameter sets to check: the defaults, plus (losses) two values of the target in its domain."""
    if record.kind != "loss":
        return [{}]
    domain = getattr(record, "target_domain", sp.S.Reals)
    name = record.target.name  # type: ignore[union-attr]
    return [{name: v} for v in _TARGET_VALUES if v in domain][:2]


def kernels_for(record: Record) -> tuple[Callable[..., Any], Callable[..., Any]] | None:
    """The generated forward and gradient kernels of `record`, or None where there are none."""
    try:
        module = importlib.import_module("symact.kernels")
    except ImportError:
        return None
    fwd, grad = getattr(module, record.name, None), getattr(module, f"{record.name}_grad", None)
    return (fwd, grad) if callable(fwd) and callable(grad) else None


def _bind(kernel: Callable[..., Any], target: Target, record: Record) -> Callable[[np.ndarray], np.ndarray]:
    own = {p.name: float(target.params[p.name]) for p in record.params if p.name in target.params}
    extra = [float(v) for k, v in target.params.items() if k not in own]  # a loss's target, positional

    def call(xs: np.ndarray) -> np.ndarray:
        return np.asarray(kernel(xs, *[np.full_like(xs, v) for v in extra], **own), dtype=np.float64)

    return call


def _elementwise(record: Record, report: Report, examples: int, seed: int, kernels: bool) -> list[str]:
    notes: list[str] = []
    conventions = ("pytorch", "jax", "symmetric") if record.kinks else ("pytorch",)
    for params in _target_values(record):
        for convention in conventions:
            try:
                target = make_target(record, params=params, convention=convention, source="derive")
            except Exception as exc:
                report.add("symbolic", [_fail(record.name, "symbolic", f"derive failed: {exc}")], 0)
                return notes
            xs = sample_points(target, examples, seed=seed)
            if convention != "pytorch":
                xs = np.array([k.x for k in target.kinks if k.exact])  # only the kinks depend on it
            found, n = check_symbolic(target, [float(x) for x in xs])
            report.add("symbolic", found, n)
        pair = kernels_for(record) if kernels else None
        if pair is None:
            notes.append("no kernel")
            continue
        target = make_target(record, params=params, convention="pytorch", source="derive", float_params=True)
        fwd, grad = (_bind(k, target, record) for k in pair)
        xs = sample_points(target, examples, seed=seed)
        for layer, call, expr in (("forward", fwd, target.f), ("gradient", grad, target.df)):
            with np.errstate(all="ignore"):
                res = check_fidelity(
                    record.name, layer, xs, call(xs), expr, target.var, extra=target.input_terms.get(expr)
                )
            report.add(layer, res.findings, res.checked)
        with np.errstate(all="ignore"):
            found, n, _ = check_consistency(target, fwd, grad, xs)
        report.add("consistency", found, n)
    return notes


def _vector(record: Record, report: Report, examples: int, seed: int) -> list[str]:
    from symact.derive import derive

    try:
        d = derive(record)
    except Exception as exc:
        report.add("symbolic", [_fail(record.name, "symbolic", f"derive failed: {exc}")], 0)
        return []
    rng = np.random.default_rng(seed)
    outputs = d.expression  # type: ignore[union-attr]
    jac = d.jacobian  # type: ignore[union-attr]
    inputs, targets = d.inputs, d.targets  # type: ignore[union-attr]
    params = {p.symbol: p.default for p in record.params}
    rounds = max(1, examples // (jac.rows * jac.cols * 4))
    for r in range(rounds):
        z = rng.normal(0.0, 3.0 if r % 2 == 0 else 30.0, len(inputs))
        ys = np.eye(len(targets))[rng.integers(len(targets))] if targets else []
        point = {s: sp.Rational(float(v)) for s, v in zip(inputs, z, strict=True)}
        point.update({s: sp.Rational(float(v)) for s, v in zip(targets, ys, strict=False)})
        for i in range(jac.rows):
            for j, xj in enumerate(inputs):
                fixed = {s: v for s, v in point.items() if s != xj} | params
                f = (outputs[i] if outputs.cols == 1 or outputs.rows > 1 else outputs[0, i]).xreplace(fixed)
                t = Target(f"{record.name}[{i},{j}]", xj, f, jac[i, j].xreplace(fixed), "pytorch")
                found, n = check_symbolic(t, [float(z[j]), float(z[j]) * 2 + 1])
                report.add("symbolic", found, n)
    return []


def verify_record(record: Record, *, examples: int = 200, seed: int = 0, kernels: bool = True) -> Report:
    """Verify one record: symbolic derivatives, and its kernels when ``symact.kernels`` has them.

    The report's `notes` attribute says "no kernel" where the record has no generated kernels.
    """
    start = time.perf_counter()
    report = Report(record.name)
    if record.kind in ("elementwise", "loss"):
        notes = _elementwise(record, report, examples, seed, kernels)
    else:
        notes = _vector(record, report, examples, seed)
    report.notes = sorted(set(notes))
    report.seconds = time.perf_counter() - start
    return report
