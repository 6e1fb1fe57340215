"""``symact check`` on class losses as PyTorch defines them: class weights, ignore_index, the
reduction and label smoothing; PyTorch's own and a NumPy implementation pass, planted defects of the
reduction fail; ``--grad autodiff`` for vector functions and losses."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from symact.cli import main
from symact.errors import UserError
from symact.verify import check

W = Path(__file__).resolve().parent / "corpus" / "weighted_losses.py"
OPTIONS = {"label_smoothing": 0.1, "weight": [0.5, 2.0, 1.0, 3.0], "ignore_index": 1}
torch = pytest.importorskip("torch")
F = torch.nn.functional


def _corpus() -> Any:
    spec = importlib.util.spec_from_file_location("weighted_losses", W)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PROBABILITIES = {"label_smoothing": 0.1, "weight": [0.5, 2.0, 1.0, 3.0], "targets": "probabilities"}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(
    ("options", "drawn", "least"),
    [(OPTIONS, "ignored rows", 6), (PROBABILITIES, "probability-target rows", 40)],
    ids=["class indices with ignore_index", "class probabilities"],
)
def test_torch_cross_entropy_with_weights_and_smoothing_passes(
    reduction: str, options: dict[str, Any], drawn: str, least: int
) -> None:
    params = {**options, "reduction": reduction}
    report = check(F.cross_entropy, grad="autodiff", against="cross_entropy", params=params, examples=200)
    assert report.ok, report.failures[:2]
    assert report.checked["gradient"] >= 40 and report.sampled[drawn] >= least


def test_numpy_implementation_passes_and_float32_torch_too() -> None:
    wl = _corpus()
    report = check(
        wl.cross_entropy, grad=wl.cross_entropy_grad, against="cross_entropy", params=OPTIONS, examples=200
    )
    assert report.ok and report.checked["forward"] >= 4, report.failures[:2]
    nll = {"weight": [0.5, 2.0, 1.0], "ignore_index": -100, "reduction": "mean"}
    assert check(
        F.nll_loss, grad="autodiff", against="nll_loss", params=nll, dtype="float32", examples=200
    ).ok


@pytest.mark.parametrize("defect", ["weights_after_mean", "ignored_in_denominator"])
def test_planted_reduction_defects_fail(defect: str) -> None:
    report = check(getattr(_corpus(), defect), against="cross_entropy", params=OPTIONS, examples=200)
    assert not report.ok and all(f.layer == "forward" for f in report.failures)
    assert report.failures[0].kind == "wrong", report.failures[0]


def test_the_reduction_is_checked_not_assumed() -> None:
    # a per-row loss where the mean is claimed, and a sum where the mean is claimed
    rows = lambda z, t, **kw: F.cross_entropy(z, t, **{**kw, "reduction": "none"})  # noqa: E731
    total = lambda z, t, **kw: F.cross_entropy(z, t, **{**kw, "reduction": "sum"})  # noqa: E731
    assert not check(rows, against="cross_entropy", params=OPTIONS, examples=100).ok
    assert not check(total, against="cross_entropy", params=OPTIONS, examples=100).ok


def test_cli_weight_ignore_index_and_reduction(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["check", "torch.nn.functional.cross_entropy", "--grad", "autodiff", "--against", "cross_entropy"]
    argv += ["--param", "label_smoothing=0.1", "--weight", "0.5,2,1,3", "--ignore-index", "1"]
    assert main([*argv, "--examples", "120"]) == 0
    assert "cross_entropy: ok" in capsys.readouterr().out
    bad = ["check", f"{W}:ignored_in_denominator", "--against", "cross_entropy", "--weight", "1,2,3"]
    assert main([*bad, "--ignore-index", "0", "--examples", "120"]) == 1
    assert "counterexample" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--weight", "1,two"], "malformed --weight"),
        (["--weight", "1"], "2 to 8"),
        (["--reduction", "avg"], "invalid choice"),
        (["--ignore-index", "x"], "invalid int"),
    ],
)
def test_bad_options_are_one_line(capsys: pytest.CaptureFixture[str], extra: list[str], needle: str) -> None:
    argv = ["check", "torch.nn.functional.cross_entropy", "--against", "cross_entropy", *extra]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1


def test_options_only_for_class_losses() -> None:
    with pytest.raises(UserError, match="only for the class losses"):
        check(F.softmax, against="softmax", params={"reduction": "mean"})
    with pytest.raises(UserError, match="reduction must be one of"):
        check(F.cross_entropy, against="cross_entropy", params={"reduction": "avg"})


def test_autodiff_for_vector_functions() -> None:
    good = check(lambda x: F.log_softmax(x, dim=-1), grad="autodiff", against="log_softmax", examples=120)
    assert good.ok and good.checked["gradient"] > 20, good.failures[:2]
    # a log_softmax with a wrong backward (detached normaliser): the VJP misses -softmax * sum(g)
    wrong = lambda x: x - torch.logsumexp(x, dim=-1, keepdim=True).detach()  # noqa: E731
    bad = check(wrong, grad="autodiff", against="log_softmax", examples=120)
    assert not bad.ok and {f.layer for f in bad.failures} == {"gradient"}
    with pytest.raises(UserError, match="no autodiff"):
        check(lambda x: np.exp(x), grad="autodiff", against="softmax", examples=40)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_numpy_probability_targets_implementation_passes(reduction: str) -> None:
    params = {**PROBABILITIES, "reduction": reduction}
    report = check(
        _corpus().cross_entropy_probabilities, against="cross_entropy", params=params, examples=200
    )
    assert report.ok, report.failures[:2]


def test_probability_targets_are_not_reduced_as_class_indices() -> None:
    """PyTorch's mean over probability targets is over the rows; the class-index mean (over the summed
    weights) is a defect there, and so are weights dropped."""
    wl = _corpus()
    report = check(
        wl.probabilities_mean_over_weights, against="cross_entropy", params=PROBABILITIES, examples=200
    )
    assert not report.ok and report.failures[0].kind == "wrong", report.failures[:1]
    unweighted = lambda z, t, **kw: F.cross_entropy(z, t, **{**kw, "weight": None})  # noqa: E731
    assert not check(unweighted, against="cross_entropy", params=PROBABILITIES, examples=200).ok


def test_probability_targets_options_are_checked(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(UserError, match="class-index targets only"):
        check(F.cross_entropy, against="cross_entropy", params={**PROBABILITIES, "ignore_index": 1})
    with pytest.raises(UserError, match="cross_entropy only"):
        check(F.nll_loss, against="nll_loss", params={"targets": "probabilities"})
    argv = ["check", "torch.nn.functional.cross_entropy", "--grad", "autodiff", "--against", "cross_entropy"]
    argv += ["--weight", "0.5,2,1,3", "--targets", "probabilities", "--examples", "120"]
    assert main(argv) == 0
    assert "probability-target rows" in capsys.readouterr().out
    assert main([*argv[:-2], "--targets", "probs"]) == 2
    assert "invalid choice" in capsys.readouterr().err
