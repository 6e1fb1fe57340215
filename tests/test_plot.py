"""``symact plot``: files written with content, jumps not joined, kinks marked, clear refusals."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from symact.catalogue import get
from symact.cli import main

matplotlib = pytest.importorskip("matplotlib")

from symact.plot import curve_for, draw_figure  # noqa: E402 - after the skip


def test_png_written_with_content(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "relu.png"
    assert main(["plot", "relu", "leaky_relu", "--param", "negative_slope=0.1", "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    from matplotlib.image import imread

    pixels = imread(out)[:, :, :3]
    assert pixels.shape[0] > 400 and pixels.shape[1] > 600
    blue = np.array([0x1F, 0x77, 0xB4]) / 255  # the first curve's colour is drawn
    assert (np.abs(pixels - blue).max(axis=2) < 0.05).sum() > 500
    assert [p.name for p in tmp_path.iterdir()] == ["relu.png"]  # no temporary file left


def test_svg_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    assert main(["plot", "sigmoid", "-o", str(first)]) == 0
    assert main(["plot", "sigmoid", "-o", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()
    assert b"<svg" in first.read_bytes()


def _lines(fig: object) -> list[tuple[np.ndarray, np.ndarray, str]]:
    found = []
    for ax in fig.axes:  # type: ignore[attr-defined]
        for line in ax.get_lines():
            xs, ys = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
            found.append((xs, ys, line.get_marker()))
    return found


def test_jumps_are_not_joined_and_kinks_are_marked() -> None:
    curve = curve_for(get("binary_step"))
    fig = draw_figure([curve], xrange=(-2, 2))
    lines = [xs for xs, _, _ in _lines(fig) if len(xs) > 2]
    assert lines, "no curve drawn"
    for xs in lines:
        assert (xs < 0).all() or (xs > 0).all(), "a line crosses the jump at 0"
    dots = [(xs[0], ys[0], marker) for xs, ys, marker in _lines(fig) if len(xs) == 1]
    # f panel: filled dot at f(0) = 1, hollow at the left limit 0
    assert (0.0, 1.0, "o") in dots and (0.0, 0.0, "o") in dots


def test_derivative_marks_the_convention_value() -> None:
    curve = curve_for(get("leaky_relu"), convention="jax")
    marks = {(m.at, m.value, m.left, m.right) for m in curve.df_marks}
    assert marks == {(0.0, 1.0, 0.01, 1.0)}
    fig = draw_figure([curve], panels=("df",))
    assert len(fig.axes) == 1 and fig.axes[0].get_ylabel() == "f'(x)"


def test_expression_and_parameters(tmp_path: Path) -> None:
    out = tmp_path / "custom.png"
    assert main(["plot", "x*sigmoid(b*x)", "--param", "b=1.702", "-o", str(out), "--range", "-3", "3"]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from matplotlib.image import imread

    pixels = imread(out)[:, :, :3]
    blue = np.array([0x1F, 0x77, 0xB4]) / 255  # the curve is drawn, in the first curve's colour
    assert (np.abs(pixels - blue).max(axis=2) < 0.05).sum() > 500
    other = tmp_path / "other.png"  # the parameter reaches the curve: another b, another picture
    assert main(["plot", "x*sigmoid(b*x)", "--param", "b=0", "-o", str(other), "--range", "-3", "3"]) == 0
    assert imread(other).shape == imread(out).shape and (imread(other) != imread(out)).any()


def test_curve_values_match_the_function() -> None:
    curve = curve_for(get("sigmoid"))
    fig = draw_figure([curve], xrange=(-4, 4))
    xs, ys, _ = _lines(fig)[0]
    assert np.allclose(ys, 1 / (1 + np.exp(-xs)), rtol=1e-12)
    dxs, dys, _ = next(line for line in _lines(fig)[1:] if len(line[0]) > 2 and line[0][0] < -3.9)
    s = 1 / (1 + np.exp(-dxs))
    assert np.allclose(dys, s * (1 - s), rtol=1e-9)
    assert sp.simplify(curve.df - sp.diff(curve.f, curve.x)) == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["plot", "relu", "-o", "out.gif"],
        ["plot", "relu", "--range", "3", "1"],
        ["plot", "relu", "--range", "0", "nan"],
        ["plot", "relu", "--param", "k=1"],
        ["plot", "softmax"],
        ["plot", "nosuchfunction"],
        ["plot", "x + y"],
    ],
)
def test_bad_requests_exit_2_and_write_nothing(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("symact: error: ") and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_without_matplotlib_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert main(["plot", "relu"]) == 2
    err = capsys.readouterr().err
    assert "pip install" in err and "symact[plot]" in err
    assert list(tmp_path.iterdir()) == []


def test_losses_are_drawn_in_their_domain_and_poles_do_not_flatten_the_plot() -> None:
    curve = curve_for(get("binary_cross_entropy"))
    fig = draw_figure([curve], xrange=(0.001, 2))
    f_lines = [xs for xs, _, _ in _lines(fig) if len(xs) > 2]
    assert all(((xs > 0) & (xs < 1)).all() for xs in f_lines)
    assert fig.axes[-1].get_xlabel() == curve.x.name
    low, _ = fig.axes[1].get_ylim()  # f' = -1/a at y = 1 reaches -1000 near 0; the axis does not
    assert -200 < low < -5
