"""``symact check --dtype float16 / bfloat16``: ULPs of the half format, its hazards and subnormals,
PyTorch's half-precision functions against a planted overflow, and the findings in PyTorch's own."""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest

from symact.catalogue import get
from symact.cli import main
from symact.errors import UserError
from symact.numeric import float_format
from symact.verify import assert_point, check
from symact.verify._hazards import hazard_positions
from symact.verify._points import sample_groups
from symact.verify._target import make_target

torch = pytest.importorskip("torch")
F = torch.nn.functional
HALF = ("float16", "bfloat16")


def test_bfloat16_rounding_and_neighbours_agree_with_torch() -> None:
    fmt = float_format("bfloat16")
    assert float_format(torch.bfloat16) is fmt and (fmt.precision, fmt.max) == (8, 3.3895313892515355e38)
    rng = np.random.default_rng(1)
    xs = rng.normal(size=20000) * 10.0 ** rng.uniform(-44, 39, 20000)
    xs = np.concatenate([xs, [3.3895e38, 3.4e38, 1e-41, -1e-41, 0.0, np.inf, -np.inf]])
    want = torch.from_numpy(xs).to(torch.bfloat16).double().numpy()
    assert np.array_equal(fmt.round(xs), want)
    for v in [float(x) for x in want[::500] if math.isfinite(x)] + [0.0, 1.0, -fmt.tiny, fmt.max]:
        for up in (True, False):
            t = torch.tensor([v], dtype=torch.bfloat16)
            step = torch.nextafter(t, torch.tensor([math.inf if up else -math.inf], dtype=torch.bfloat16))
            assert fmt.next(v, up) == float(step[0]), (v, up)


@pytest.mark.parametrize(
    ("dtype", "overflow", "saturation"),
    [("float16", math.log(65504.0), math.log(2048.0)), ("bfloat16", 88.72, 5.55)],
)
def test_hazards_and_subnormals_are_the_formats(dtype: str, overflow: float, saturation: float) -> None:
    target = make_target(get("softplus"))
    spots = hazard_positions((target.f, target.df), target.var, dtype)
    assert any(abs(s - overflow) < 0.01 for s in spots), spots  # exp(x) overflows the format
    assert any(abs(s - saturation) < 0.01 for s in spots), spots  # 1 + exp(-x) rounds to 1
    groups = sample_groups(target, 400, dtype=dtype)
    fmt = float_format(dtype)
    sub = groups["subnormal"]
    assert sub.size and np.all((np.abs(sub) < fmt.tiny) & (np.abs(sub) >= fmt.smallest_subnormal))
    every = np.concatenate(list(groups.values()))
    assert np.array_equal(fmt.round(every), every, equal_nan=True)  # all are values of the format


@pytest.mark.parametrize("dtype", HALF)
@pytest.mark.parametrize(("name", "fn"), [("sigmoid", "sigmoid"), ("softplus", "softplus")])
def test_torch_half_functions_pass_with_the_default_budget(dtype: str, name: str, fn: str) -> None:
    report = check(getattr(F, fn), against=name, dtype=dtype, examples=400)
    assert report.ok and report.checked["forward"] == 400, report.failures[:2]


@pytest.mark.parametrize("dtype", HALF)
def test_naive_softplus_overflows_in_half(dtype: str) -> None:
    report = check(lambda x: torch.log(1 + torch.exp(x)), against="softplus", dtype=dtype, examples=400)
    limit = math.log(float_format(dtype).max)
    assert any(f.got == math.inf and limit < f.x < 2 * limit for f in report.failures), report.failures[:3]


def test_the_budget_is_in_ulps_of_the_half_format() -> None:
    # sigmoid to float32 accuracy, then 12 float16 ULP off: beyond the half budget of 4 ULP
    def off(scale: float):  # type: ignore[no-untyped-def]
        return lambda x: (torch.sigmoid(x.float()) * scale).to(x.dtype)

    assert check(off(1.0), against="sigmoid", dtype="float16", examples=300).ok
    bad = check(off(1 + 12 * 2.0**-11), against="sigmoid", dtype="float16", examples=300)
    assert not bad.ok and all(f.kind == "imprecise" for f in bad.failures)
    # 12 float16 ULP are 3e4 float32 ULP: checked in float32 the same defect is caught too
    assert not check(off(1 + 12 * 2.0**-11), against="sigmoid", dtype="float32", examples=300).ok


def test_findings_in_torch_half_functions() -> None:
    # tanh's backward forms 1 - y^2 from the rounded half output: 0 once tanh(x) rounds to 1
    tanh = check(torch.tanh, grad="autodiff", against="tanh", dtype="float16", examples=300)
    assert not any(f.layer == "forward" for f in tanh.failures)
    zero = [f for f in tanh.failures if f.layer == "gradient" and f.got == 0 and f.expected > 6.1e-5]
    assert zero and all(abs(f.x) > 4.5 for f in zero), tanh.failures[:3]
    # gelu in bfloat16 flushes its tail to zero from x = -5.7 (evaluated in float32, which cancels)
    with pytest.raises(AssertionError, match=r"got -0\.0, expected -5\.9"):
        assert_point(F.gelu, -6.0, against="gelu", dtype="bfloat16")
    assert_point(F.gelu, -6.0, against="gelu", dtype="float16")  # the truth is below float16's range
    assert_point(F.gelu, -5.5, against="gelu", dtype="bfloat16")


def test_cli_half_dtypes_and_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["check", "torch.sigmoid", "--against", "sigmoid", "--examples", "200"]
    assert main([*argv, "--dtype", "bfloat16"]) == 0
    assert "sigmoid: ok" in capsys.readouterr().out
    assert main([*argv, "--dtype", "float8"]) == 2
    err = capsys.readouterr().err
    assert "invalid choice" in err and len(err.strip().splitlines()) == 1


def test_bfloat16_without_a_backend_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import symact.verify._check as check_module

    monkeypatch.setattr(check_module, "find_spec", lambda name: None)
    with pytest.raises(UserError, match="bfloat16 needs PyTorch or ml_dtypes"):
        check(torch.sigmoid, against="sigmoid", dtype="bfloat16")
    with pytest.raises(UserError, match="not a supported binary float format"):
        check(torch.sigmoid, against="sigmoid", dtype="int8")


@pytest.mark.skipif(importlib.util.find_spec("ml_dtypes") is None, reason="ml_dtypes is not installed")
def test_numpy_bfloat16_through_ml_dtypes() -> None:
    import ml_dtypes

    seen = []

    def softplus(x):  # type: ignore[no-untyped-def]
        seen.append(x.dtype)
        return np.logaddexp(x.astype(np.float32), 0).astype(x.dtype)

    assert check(softplus, against="softplus", dtype="bfloat16", examples=200).ok
    assert seen and all(d == np.dtype(ml_dtypes.bfloat16) for d in seen)
