"""User activations: registered from text, SymPy or a decorated function; listed, derived, built."""

from __future__ import annotations

import json
import re
import textwrap
import uuid
from pathlib import Path

import pytest
import sympy as sp

import symact.build as build
import symact.catalogue as catalogue
import symact.user as su
from symact.catalogue import Activation, Param, X, get
from symact.cli import main
from symact.commands._target import resolve
from symact.derive import derive
from symact.errors import UserError

s = sp.Symbol("s", real=True)


pytestmark = pytest.mark.usefixtures("own_catalogue")  # conftest.py


def test_registered_function_is_listed_and_derived(capsys: pytest.CaptureFixture[str]) -> None:
    record = su.activation("bent_linear", "where(x < 0, s*x, x)", params={"s": "0.25"}, description="bent")
    assert get("bent_linear") is record
    assert main(["list", "--no-derive"]) == 0
    assert any(line.split()[:1] == ["bent_linear"] for line in capsys.readouterr().out.splitlines())
    assert main(["list", "--json", "--no-derive"]) == 0
    row = next(r for r in json.loads(capsys.readouterr().out) if r["name"] == "bent_linear")
    assert row["parameters"]["s"]["default"] == "1/4" and row["kinks"] == ["0"]

    d = derive(record)
    assert d.derivative_simplified.subs(X, -2) == s and d.derivative_simplified.subs(X, 3) == 1
    assert d.kinks[0].left == s and d.kinks[0].right == 1
    assert d.derivative.subs(X, 0) == 1  # torch.where / jnp.where pick the x branch at 0


def test_derive_command_on_a_registered_function(capsys: pytest.CaptureFixture[str]) -> None:
    su.activation("my_softsign", "x/(1 + abs(x))")
    assert main(["derive", "my_softsign", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["name"] == "my_softsign"
    assert "Piecewise" in report["derivative_simplified"]  # one branch on each side of 0
    got = derive(get("my_softsign")).derivative_simplified
    for at in (-3, -sp.Rational(1, 2), 0, 2):
        assert sp.simplify(got.subs(X, at) - 1 / (1 + abs(at)) ** 2) == 0


def test_decorator_and_sympy_input() -> None:
    @su.define(params={"k": 2})
    def soft_clip(x: sp.Symbol, k: sp.Symbol) -> sp.Expr:
        """tanh(k x) / k: a smooth clip."""
        return sp.tanh(k * x) / k

    assert isinstance(soft_clip, Activation)
    assert get("soft_clip").description == "tanh(k x) / k: a smooth clip."
    k = sp.Symbol("k", real=True)
    assert soft_clip.expr == sp.tanh(k * X) / k and soft_clip.params[0].default == 2 and soft_clip.kinks == ()
    plain = sp.Symbol("x")  # without real=True: still the catalogue's x
    record = su.activation("cube_plus", plain**3 + plain)
    assert record.expr == X**3 + X


def test_parameters() -> None:
    record = su.make_activation("p", "a*x + b*x + c*x", params={"a": 0.1, "b": "1/3", "c": sp.Rational(2, 7)})
    assert [p.default for p in record.params] == [sp.Rational(1, 10), sp.Rational(1, 3), sp.Rational(2, 7)]
    full = Param(name="a", default=sp.S.Half, valid=sp.Interval(0, 1), description="slope")
    assert su.make_activation("q", "a*x", params={"a": full}).params == (full,)
    assert su.make_activation("r", "a*x", params=["a"]).params[0].default == 1


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"name": "bad name", "expr": "x"}, "activation name"),
        ({"name": "ok", "expr": "x + y"}, "unknown name 'y'"),
        ({"name": "ok", "expr": sp.Symbol("y") * X}, "unknown symbols y"),
        ({"name": "ok", "expr": "a*x", "params": {"a": "x"}}, "must be a number"),
        ({"name": "ok", "expr": "a*x", "params": {"a": 0.5 + 0j}}, "must be a number"),
        ({"name": "ok", "expr": "a*x", "params": {"exp": 1}}, "taken"),
        ({"name": "ok", "expr": 42}, "text or a SymPy expression"),
        ({"name": "relu", "expr": "x"}, "already in the catalogue"),
    ],
)
def test_bad_definitions_are_user_errors(kwargs: dict, words: str) -> None:
    with pytest.raises(UserError, match=words):
        su.activation(**kwargs)


def test_replace_allows_redefinition() -> None:
    su.activation("again", "x")
    su.activation("again", "2*x", replace=True)
    assert get("again").expr == 2 * X


def _significant(kinks: tuple) -> list[tuple]:
    return sorted(((k.at, k.left, k.right, k.jump) for k in kinks), key=str)


KINKED = [r for r in catalogue.records() if r.kind == "elementwise" and r.kinks]


@pytest.mark.parametrize("record", KINKED, ids=[r.name for r in KINKED])
def test_found_kinks_agree_with_the_catalogue(record: Activation) -> None:
    """Every declared point where f or f' is discontinuous (at a finite default) is found, with the
    same one-sided derivatives; C¹ joins (only f'' jumps) need not be kinks."""
    defaults = {p.symbol: p.default for p in record.params}
    declared = [
        k
        for k in record.kinks
        if (k.jump or sp.simplify(k.left - k.right) != 0) and sp.sympify(k.at).subs(defaults).is_finite
    ]
    found = su.find_kinks(record.expr, record.params, x=record.variable)
    assert len(found) == len(declared)
    for k in declared:
        match = [f for f in found if sp.simplify(f.at - k.at) == 0]
        assert match, f"kink at {k.at} not found"
        f = match[0]
        assert sp.simplify(f.left - k.left) == 0 and sp.simplify(f.right - k.right) == 0
        assert f.jump == k.jump


def test_kink_values_follow_the_expression_as_written() -> None:
    (relu,) = su.find_kinks(sp.Max(X, 0))
    assert relu.conventions["pytorch"] == sp.S.Half  # torch.maximum splits ties
    (ab,) = su.find_kinks(sp.Abs(X))
    assert (ab.left, ab.right, ab.conventions["jax"]) == (-1, 1, 0)
    assert su.find_kinks(sp.Piecewise((X**2, X < 0), (0, True))) == ()  # C¹: not a kink
    (step,) = su.find_kinks(resolve("heaviside(x - 1)").expr)
    assert step.at == 1 and step.jump


def test_domain_is_found() -> None:
    assert resolve("log(x)").domain == sp.Interval.open(0, sp.oo)
    assert resolve("x*tanh(softplus(x))").domain == sp.S.Reals


# the build forks worker processes; where an earlier test imported JAX, JAX warns at fork time
@pytest.mark.filterwarnings("ignore:Exception ignored in.*_at_fork:pytest.PytestUnraisableExceptionWarning")
def test_user_module_gets_every_build_stage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A user function goes through every registered stage (derivation, and proofs, kernels and
    verification once those stages are in STAGES) without a failure."""
    name = f"bent_{uuid.uuid4().hex[:6]}"
    module = tmp_path / "my_acts.py"
    module.write_text(
        textwrap.dedent(
            f"""
            import symact.user as su
            su.activation("{name}", "where(x < 0, x/4, x)", description="a bent line")
            """
        )
    )
    status = main(["build", "--root", str(tmp_path), "--module", str(module), name])
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith(name))
    assert status == 0, out
    assert "FAILED" not in row and "CRASHED" not in row
    assert len(row.split()) > len(build.STAGES)
    if "symact.latex.stage:run" in build.STAGES:
        assert any(name in p.name for p in (tmp_path / "proofs").rglob("*.tex"))
    header = next(line for line in out.splitlines() if line.startswith("function"))
    columns = [c for c in re.split(r"\s{2,}", header.strip())][1:]
    cells = re.split(r"\s{2,}", row.strip())[1:]
    for column, cell in zip(columns, cells, strict=True):
        if column.startswith("kernels"):  # kernels generated and measured against references
            assert re.fullmatch(r"fwd \d+ / grad \d+ ULP", cell), cell


def test_resolve_tells_names_from_expressions() -> None:
    assert resolve("leaky-relu") is get("leaky_relu")
    assert resolve("x-1").expr == X - 1
    assert resolve("x - 1", name="shifted").name == "shifted"
    with pytest.raises(UserError, match="did you mean leaky_relu"):
        resolve("leaky-reul")
    with pytest.raises(UserError, match="did you mean relu"):
        resolve("relx")
    with pytest.raises(UserError, match="name that long"):
        resolve("a" * 5000)
    record = resolve("where(x < 0, s*x, x)", params=["s=0.2"])
    assert record.params[0].default == sp.Rational(1, 5) and record.kinks[0].left == s


def test_configured_modules_are_found_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    name = f"proj_{uuid.uuid4().hex[:6]}"
    (tmp_path / "acts.py").write_text(f'import symact.user as su\nsu.activation("{name}", "x*sigmoid(x)")\n')
    (tmp_path / "pyproject.toml").write_text('[tool.symact]\nmodules = ["acts.py"]\n')
    monkeypatch.chdir(tmp_path)
    assert resolve(name).name == name
    with pytest.raises(UserError, match="unknown function"):
        resolve("still_unknown_name")
    assert main(["plot", name, "-o", str(tmp_path / "p.png")]) == 0 or "matplotlib" in capsys.readouterr().err


def test_undecidable_kinks_are_a_user_error_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    text = "where(tanh(x)**3 + erf(x)*x**5 - sinh(x) < 1/3, x, 0)"
    with pytest.raises(UserError, match="could not find where"):
        resolve(text)
    assert main(["derive", text]) == 2
    err = capsys.readouterr().err
    assert err.startswith("symact: error: could not find") and "kinks=[...]" in err
    stated = su.make_activation("stated", text, kinks=())
    assert stated.kinks == ()
