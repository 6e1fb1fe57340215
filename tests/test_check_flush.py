"""``symact check --flush-subnormals`` (``check(..., flush_subnormals=True)``): the model of a platform
that flushes subnormal numbers to zero (XLA on CPU, GPUs in FTZ mode).  It accepts exactly what a
flush can cost and nothing more: a NumPy sigmoid whose subnormal results are flushed fails the IEEE
check and passes this one; the same sigmoid off by 1e-10 in the normal range fails both.
"""

from __future__ import annotations

import numpy as np

from symact.verify import check

TINY = float(np.finfo(np.float64).tiny)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _flushed(x: np.ndarray) -> np.ndarray:
    x = np.where(np.abs(x) < TINY, 0.0 * x, x)  # subnormal inputs read as zero
    r = _sigmoid(x)
    return np.where(np.abs(r) < TINY, 0.0, r)  # subnormal results flushed


def test_a_flushing_sigmoid_fails_the_ieee_check_and_passes_the_flush_model() -> None:
    ieee = check(_flushed, against="sigmoid", examples=400)
    assert not ieee.ok
    assert all(f.got == 0 and 0 < abs(f.expected) < TINY for f in ieee.failures), ieee.failures[:2]
    flushed = check(_flushed, against="sigmoid", examples=400, flush_subnormals=True)
    assert flushed.ok, flushed.summary()
    assert "subnormal" not in flushed.sampled and any("flushed to zero" in n for n in flushed.notes)


def test_the_flush_model_excuses_no_error_in_the_normal_range() -> None:
    def off(x: np.ndarray) -> np.ndarray:
        return _flushed(x) * (1 + 1e-10)

    report = check(off, against="sigmoid", examples=400, flush_subnormals=True)
    assert not report.ok
    assert all(abs(f.expected) >= TINY for f in report.failures)


def test_class_loss_options_on_another_function_are_a_one_line_error(capsys) -> None:  # type: ignore[no-untyped-def]
    from symact.cli import main

    assert main(["check", "numpy:tanh", "--against", "tanh", "--reduction", "mean"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "symact: error: --reduction applies to the class losses cross_entropy and nll_loss, not 'tanh'"
    ]


def test_flush_subnormals_on_a_vector_function_is_a_one_line_error_not_ignored(capsys) -> None:  # type: ignore[no-untyped-def]
    from symact.cli import main

    code = main(["check", "symact.kernels:softmax", "--against", "softmax", "--flush-subnormals"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and "--flush-subnormals" in err[0] and "'softmax'" in err[0], err
