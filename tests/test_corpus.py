"""The corpus of real defects (tests/corpus/): ``symact check`` catches every one (exit 1) and passes
every independently written control (exit 0).

Each defect is a faithful NumPy reproduction of a reported bug (the module cites it); the expected
counterexample region is asserted too, so that a defect caught for an unrelated reason would fail.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from symact.cli import main

pytestmark = pytest.mark.slow  # a sweep of ~40 checks: run by CI and the full suite, not the fast tier

CORPUS = Path(__file__).resolve().parent / "corpus"
EXAMPLES = "600"


def _fn(module: str, name: str) -> str:
    return f"{CORPUS / module}.py:{name}"


# (id, argv after "check", a substring every failing report must show)
DEFECTS: list[tuple[str, list[str], str]] = [
    ("pytorch#1835", [_fn("pytorch_1835_logsigmoid", "logsigmoid"), "--against", "log_sigmoid"], "-inf"),
    (
        "mindspore#390",
        [_fn("mindspore_390_logsigmoid", "logsigmoid"), "--against", "log_sigmoid", "--dtype", "float32"],
        "-inf",
    ),
    ("FATE#65", [_fn("fate_65_log_logistic", "log_logistic"), "--against", "log_sigmoid"], "wrong"),
    (
        "burn#5373 forward",
        [_fn("burn_5373_softplus", "softplus"), "--against", "softplus", "--dtype", "float32"],
        "inf",
    ),
    (
        "burn#5373 backward",
        ["--grad", _fn("burn_5373_softplus", "softplus_grad"), "--against", "softplus", "--dtype", "float32"],
        "nan",
    ),
    (
        "MLAlgorithms#30 before",
        [_fn("mlalgorithms_30_softplus", "softplus_before"), "--against", "softplus"],
        "inf",
    ),
    (
        "MLAlgorithms#30 after",
        [_fn("mlalgorithms_30_softplus", "softplus_after"), "--against", "softplus"],
        "inf",
    ),
    (
        "candle#1722",
        [
            "--grad",
            _fn("candle_1722_sigmoid_grad", "sigmoid_grad"),
            "--against",
            "sigmoid",
            "--dtype",
            "float32",
        ],
        "nan",
    ),
    (
        "dynet#1525",
        [_fn("dynet_1525_sigmoid", "logistic"), "--against", "sigmoid", "--dtype", "float32"],
        "nan",
    ),
    ("hail#10606", [_fn("hail_10606_sigmoid", "sigmoid"), "--against", "sigmoid"], "nan"),
    (
        "lalamo#328",
        [_fn("lalamo_328_silu", "silu"), "--grad", _fn("lalamo_328_silu", "silu_grad"), "--against", "silu"],
        "nan",
    ),
    ("dlib#1938", ["--grad", _fn("dlib_1938_mish_grad", "mish_grad"), "--against", "mish"], "nan"),
    (
        "tt-metal#56397",
        [
            "--grad",
            _fn("ttmetal_56397_softplus_grad", "softplus_grad"),
            "--against",
            "softplus_torch",
            "--param",
            "threshold=100",
            "--dtype",
            "float32",
        ],
        "got 0.0, expected 1.0",
    ),
    (
        "torch hardsigmoid backward",
        ["--grad", _fn("torch_hardsigmoid_grad", "hardsigmoid_grad"), "--against", "hard_sigmoid"],
        "0.1666666716337204",
    ),
    (
        "pytorch#148049",
        ["--grad", _fn("torch_148049_hardswish_grad", "hardswish_grad"), "--against", "hardswish"],
        "x = -3.0: got -0.5",
    ),
    (
        "torch/JAX sigmoid backward",
        ["--grad", _fn("torch_sigmoid_grad_saturation", "sigmoid_grad"), "--against", "sigmoid"],
        "wrong",
    ),
    ("torch gelu tail", [_fn("torch_gelu_tail", "gelu"), "--against", "gelu"], "wrong"),
    ("tsdate#171", [_fn("tsdate_171_logsumexp", "logsumexp"), "--against", "logsumexp"], "inf"),
    ("PytorchSSD#22", [_fn("ssd_22_log_sum_exp", "log_sum_exp"), "--against", "logsumexp"], "-inf"),
]

C = "controls"
V = "vector_controls"
CONTROLS: list[tuple[str, list[str]]] = [
    ("log_sigmoid", [_fn(C, "log_sigmoid"), "--against", "log_sigmoid"]),
    ("log_sigmoid f32", [_fn(C, "log_sigmoid32"), "--against", "log_sigmoid", "--dtype", "float32"]),
    (
        "softplus f32",
        [
            _fn(C, "softplus32"),
            "--grad",
            _fn(C, "softplus_grad32"),
            "--against",
            "softplus",
            "--dtype",
            "float32",
        ],
    ),
    ("softplus", [_fn(C, "softplus"), "--against", "softplus"]),
    ("sigmoid", [_fn(C, "sigmoid"), "--grad", _fn(C, "sigmoid_grad"), "--against", "sigmoid"]),
    (
        "sigmoid f32",
        [
            _fn(C, "sigmoid32"),
            "--grad",
            _fn(C, "sigmoid_grad32"),
            "--against",
            "sigmoid",
            "--dtype",
            "float32",
        ],
    ),
    ("silu", [_fn(C, "silu"), "--grad", _fn(C, "silu_grad"), "--against", "silu"]),
    ("mish", ["--grad", _fn(C, "mish_grad"), "--against", "mish"]),
    (
        "softplus_torch f32",
        [
            "--grad",
            _fn(C, "softplus_torch_grad_100_32"),
            "--against",
            "softplus_torch",
            "--param",
            "threshold=100",
            "--dtype",
            "float32",
        ],
    ),
    ("hard_sigmoid", ["--grad", _fn(C, "hardsigmoid_grad"), "--against", "hard_sigmoid"]),
    ("hardswish", ["--grad", _fn(C, "hardswish_grad"), "--against", "hardswish"]),
    (
        "hardswish legacy",
        [
            "--grad",
            _fn("torch_148049_hardswish_grad", "hardswish_grad"),
            "--against",
            "hardswish",
            "--convention",
            "pytorch-legacy",
        ],
    ),
    ("gelu", [_fn(C, "gelu"), "--against", "gelu"]),
    ("logsumexp", [_fn(V, "logsumexp"), "--grad", _fn(V, "logsumexp_vjp"), "--against", "logsumexp"]),
    ("softmax", [_fn(V, "softmax"), "--against", "softmax"]),
    ("log_softmax", [_fn(V, "log_softmax"), "--against", "log_softmax"]),
    (
        "cross_entropy",
        [_fn(V, "cross_entropy"), "--grad", _fn(V, "cross_entropy_grad"), "--against", "cross_entropy"],
    ),
    (
        "cross_entropy smoothing",
        [
            _fn(V, "cross_entropy_smooth"),
            "--grad",
            _fn(V, "cross_entropy_smooth_grad"),
            "--against",
            "cross_entropy",
            "--param",
            "label_smoothing=0.1",
        ],
    ),
]


@pytest.mark.parametrize(("case", "argv", "shows"), DEFECTS, ids=[d[0] for d in DEFECTS])
def test_every_reported_defect_is_caught(
    capsys: pytest.CaptureFixture[str], case: str, argv: list[str], shows: str
) -> None:
    code = main(["check", *argv, "--examples", EXAMPLES])
    out = capsys.readouterr().out
    assert code == 1, f"{case} not caught:\n{out}"
    assert re.search(r"FAIL", out) and shows in out, out


@pytest.mark.parametrize(("case", "argv"), CONTROLS, ids=[c[0] for c in CONTROLS])
def test_every_control_passes(capsys: pytest.CaptureFixture[str], case: str, argv: list[str]) -> None:
    code = main(["check", *argv, "--examples", EXAMPLES])
    out = capsys.readouterr().out
    assert code == 0, f"control {case} flagged:\n{out}"
