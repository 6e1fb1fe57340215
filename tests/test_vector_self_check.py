"""symact's own generated vector kernels under ``symact check``: the checker's verdicts, no separate
tolerance.

Each vector kernel of ``symact.kernels`` (softmax, softmin, log_softmax, logsumexp, glu; the losses
cross_entropy, with and without label smoothing, and nll_loss) is checked through the public API,
its forward and its VJP / gradient separately, on the checker's rows (moderate, huge logits, ties,
masked, exp thresholds) at a fixed seed, and so is each kernel's C twin (the row routines of the
committed ``csrc``).  Every case passes; the checker's counterexamples of the former defects
(VJPs cancelling where the maximum's probability rounds to 1, softmin at -inf) are rows of the
generator's sample (``symact.codegen.vector_gen.EDGE_ROWS``), so that a kernel failing them is not
written.
One kernel is also checked through the ``symact check`` command line, and two deliberately broken
kernels (logsumexp without the max shift, a softmax VJP with the wrong sign) are caught by the same
check, through the API and the command line (exit 1).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from c_backend import CC, HEADER, SOURCE

import symact.kernels as K
from symact import catalogue
from symact.cli import main
from symact.codegen.c.check import CLibrary, compile_library
from symact.verify import check

pytestmark = pytest.mark.slow  # a sweep: run by CI and the full suite, not the fast tier

EXAMPLES = 300  # 62 rows of 4 columns: 248 points per layer
HERE = Path(__file__).resolve()

_SMOOTH = {"label_smoothing": 0.1}

# name, forward, gradient (vjp(x, g) or grad(z, y)), params
KERNELS: dict[str, tuple[str, Callable[..., Any], Callable[..., Any], dict[str, Any] | None]] = {
    "softmax": ("softmax", K.softmax, K.softmax_vjp, None),
    "softmin": ("softmin", K.softmin, K.softmin_vjp, None),
    "log_softmax": ("log_softmax", K.log_softmax, K.log_softmax_vjp, None),
    "logsumexp": ("logsumexp", K.logsumexp, K.logsumexp_vjp, None),
    "glu": ("glu", K.glu, K.glu_vjp, None),
    "cross_entropy": ("cross_entropy", K.cross_entropy, K.cross_entropy_grad, None),
    "cross_entropy[label_smoothing=0.1]": (
        "cross_entropy",
        functools.partial(K.cross_entropy, **_SMOOTH),
        functools.partial(K.cross_entropy_grad, **_SMOOTH),
        _SMOOTH,
    ),
    "nll_loss": ("nll_loss", K.nll_loss, K.nll_loss_grad, None),
}


def _cases() -> list[Any]:
    return [
        pytest.param(key, layer, id=f"{key}-{layer}") for key in KERNELS for layer in ("forward", "gradient")
    ]


def _check_layer(key: str, layer: str, examples: int) -> Any:
    against, fn, grad, params = KERNELS[key]
    if layer == "forward":
        return check(fn, against=against, params=params, examples=examples)
    return check(None, grad=grad, against=against, params=params, examples=examples)


@pytest.mark.parametrize(("key", "layer"), _cases())
def test_own_vector_kernel_passes_the_checker(key: str, layer: str) -> None:
    report = _check_layer(key, layer, EXAMPLES)
    assert report.checked[layer] > 50
    assert report.ok, report.counterexample()


# --- the C twins, through the same check --------------------------------------------------------

needs_cc = pytest.mark.skipif(CC is None, reason="no C compiler on this machine")


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> CLibrary:
    return CLibrary(compile_library(HEADER.read_text(), SOURCE.read_text(), tmp_path_factory.mktemp("c"), CC))


def _c_kernel(lib: CLibrary, key: str, layer: str) -> Callable[..., Any]:
    """The C row routine of `key`'s forward kernel or gradient, called as the checker calls a kernel."""
    against, _, _, params = KERNELS[key]
    args = tuple(float(v) for v in (params or {}).values())
    loss = catalogue.get(against).kind == "vector_loss"
    name = against if layer == "forward" else against + ("_grad" if loss else "_vjp")
    if loss:
        return lambda z, y: lib.loss_rows(name, z, y, 1 if layer == "forward" else z.shape[1], args)
    if layer == "forward":
        width = np.asarray(getattr(K, against)(np.zeros((1, 4)))).reshape(1, -1).shape[1]
        return lambda x: lib.rows(name, x, width)
    return lambda x, g: lib.rows(name, x, x.shape[1], g)


@needs_cc
@pytest.mark.parametrize(("key", "layer"), _cases())
def test_c_vector_kernel_passes_the_checker(lib: CLibrary, key: str, layer: str) -> None:
    against, _, _, params = KERNELS[key]
    fn = _c_kernel(lib, key, layer)
    if layer == "forward":
        report = check(fn, against=against, params=params, examples=EXAMPLES)
    else:
        report = check(None, grad=fn, against=against, params=params, examples=EXAMPLES)
    assert report.checked[layer] > 50
    assert report.ok, report.counterexample()


# --- deliberately broken kernels: the same check must catch them ---------------------------------


def broken_logsumexp(x: np.ndarray) -> np.ndarray:
    """logsumexp without the max shift: exp overflows for logits above ~709.8."""
    with np.errstate(over="ignore", divide="ignore"):
        return np.asarray(np.log(np.sum(np.exp(x), axis=-1)))


def broken_softmax_vjp(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """softmax's VJP with the sign flipped: s * (sum(g s) - g) instead of s * (g - sum(g s))."""
    s = K.softmax(x)
    return np.asarray(s * (np.sum(g * s, axis=-1, keepdims=True) - g))


def textbook_softmax_vjp(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """s * (g - sum(g s)): g_k - sum(g s) cancels where s_k rounds to 1 (symact's former VJP did)."""
    s = K.softmax(x)
    return np.asarray(s * (g - np.sum(g * s, axis=-1, keepdims=True)))


def test_cancelling_softmax_vjp_is_caught() -> None:
    report = check(None, grad=textbook_softmax_vjp, against="softmax", examples=EXAMPLES)
    assert not report.ok
    assert any(f.kind == "wrong" and f.got == 0.0 and f.expected != 0.0 for f in report.failures)


def test_broken_logsumexp_is_caught() -> None:
    report = check(broken_logsumexp, against="logsumexp", examples=EXAMPLES)
    assert not report.ok
    assert any(f.kind == "wrong" and f.got == np.inf for f in report.failures)


def test_broken_softmax_vjp_is_caught() -> None:
    report = check(None, grad=broken_softmax_vjp, against="softmax", examples=EXAMPLES)
    assert not report.ok
    assert {f.layer for f in report.failures} == {"gradient"}
    assert any(f.kind == "wrong" for f in report.failures)


# --- the command line ----------------------------------------------------------------------------


def test_command_line_passes_an_own_kernel(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["check", "symact.kernels:logsumexp", "--grad", "symact.kernels:logsumexp_vjp"]
    assert main([*argv, "--against", "logsumexp", "--examples", str(EXAMPLES)]) == 0
    out = capsys.readouterr().out
    assert "counterexample" not in out and "masked rows" in out


@pytest.mark.parametrize(
    ("forward", "grad", "against"),
    [
        (f"{HERE}:broken_logsumexp", "symact.kernels:logsumexp_vjp", "logsumexp"),
        ("symact.kernels:softmax", f"{HERE}:broken_softmax_vjp", "softmax"),
    ],
    ids=["logsumexp-without-shift", "softmax-vjp-wrong-sign"],
)
def test_command_line_catches_a_broken_kernel(
    forward: str, grad: str, against: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", forward, "--grad", grad, "--against", against, "--examples", str(EXAMPLES)]) == 1
    out = capsys.readouterr().out
    assert "counterexample:" in out and "wrong" in out


# --- a longer sweep -------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(("key", "layer"), _cases())
def test_own_vector_kernel_passes_the_checker_at_2000_examples(key: str, layer: str) -> None:
    report = _check_layer(key, layer, 2000)
    assert report.ok, report.counterexample()
