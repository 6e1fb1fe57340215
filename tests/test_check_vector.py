"""``symact check`` on vector functions and losses: the calling convention, masked rows, huge logits,
a logsumexp without the max shift, a label-smoothing gradient that ignores the smoothing."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from symact.catalogue import get
from symact.cli import main
from symact.errors import UserError
from symact.verify import check
from symact.verify._vector import vector_rows

V = Path(__file__).resolve().parent / "corpus" / "vector_controls.py"


def _controls():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("vector_controls", V)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _naive_logsumexp(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", divide="ignore"):
        return np.log(np.sum(np.exp(x), axis=-1))


def test_rows_include_masked_ties_and_huge_logits() -> None:
    rows = vector_rows(60, 4, np.random.default_rng(0))
    assert np.isneginf(rows["masked"]).any() and np.isfinite(rows["masked"]).any(axis=1).all()
    assert (rows["ties"][:, 0] == rows["ties"][:, 1]).any()
    assert np.abs(rows["huge logits"]).max() > 1e100


def test_logsumexp_without_the_max_shift_is_caught_and_the_shifted_one_passes() -> None:
    vc = _controls()

    bad = check(_naive_logsumexp, against="logsumexp", examples=200)
    assert not bad.ok and any(f.got == np.inf for f in bad.failures)
    good = check(vc.logsumexp, grad=vc.logsumexp_vjp, against="logsumexp", examples=200)
    assert good.ok and good.checked["gradient"] > 30, good.failures[:2]


def test_vjp_convention_uses_g() -> None:
    vc = _controls()

    # a VJP that ignores g (returns the Jacobian's row sums) is wrong for softmax
    bad = check(vc.softmax, grad=lambda x, g: np.zeros_like(x) + 1.0, against="softmax", examples=120)
    assert not bad.ok and {f.layer for f in bad.failures} == {"gradient"}


def test_label_smoothing_gradient_must_include_the_smoothing(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["check", "--against", "cross_entropy", "--param", "label_smoothing=0.1", "--examples", "200"]
    assert main([*argv, "--grad", f"{V}:cross_entropy_smooth_grad_wrong"]) == 1
    assert "wrong" in capsys.readouterr().out
    assert main([*argv, "--grad", f"{V}:cross_entropy_smooth_grad"]) == 0


def test_vector_records_are_accepted_and_bad_grad_is_one_line() -> None:
    assert get("cross_entropy").kind == "vector_loss"
    with pytest.raises(UserError, match="must name a function"):
        check(_naive_logsumexp, grad="jacobian", against="logsumexp")  # type: ignore[arg-type]
    with pytest.raises(UserError, match="numpy functions have no autodiff"):
        check(_naive_logsumexp, grad="autodiff", against="logsumexp")
