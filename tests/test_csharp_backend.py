"""The C# backend: csharp/SymactKernels.cs compiled with mcs, run with mono, held to the NumPy targets.

Every committed C# kernel is held to its target on the generator's full-range sample.  An activation
whose C# kernels give the NumPy kernels' results bit for bit on that sample (output forms on
a = f(x)) carries the errors the generator verified there.  Every other activation, and every loss
(at each of its targets), is checked against correctly rounded references as the C kernels are
(:func:`symact.codegen.c.check.check_kernels`, with the candidate each kernel was printed from found
by the committed C text, whose statements the C# text must show too): a result equal to NumPy's
carries its verified error, every other result and every special input is measured here.  The
routines the C# prelude substitutes for C99 functions System.Math lacks are measured against
references on their own.
Without mcs/mono the tests skip, unless SYMACT_REQUIRE_CSHARP=1 (CI), which makes that a failure.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import struct
import subprocess
from dataclasses import replace
from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy as sp
from c_backend import C_KERNELS, NUMPY, chosen

from symact import catalogue
from symact.codegen.backend import KernelCheck
from symact.codegen.c.check import check_kernels
from symact.codegen.c.function import CFunction, kernel_lines
from symact.codegen.csharp.backend import CSharpBackend, cs_file, substitutions
from symact.codegen.csharp.check import CSharpLibrary, compile_harness, csharp_tools
from symact.codegen.csharp.emit import cs_functions, cs_source
from symact.codegen.csharp.printer import CSharpKernelPrinter, pascal
from symact.codegen.generate import DEFAULT_SIZE, SEED, Generation, KernelResult, generate
from symact.codegen.numpy_backend import NumpyBackend
from symact.codegen.plan import plan
from symact.codegen.report import backends_markdown
from symact.codegen.update import failures, update
from symact.numeric import full_range_sample, reference, ulp_error

pytestmark = pytest.mark.slow  # a sweep: run by CI and the full suite, not the fast tier

ROOT = Path(__file__).resolve().parents[1]
SOURCE = cs_file(ROOT)
TOOLS = csharp_tools()
ELEMENTWISE = {n: g for n, g in C_KERNELS.items() if g in ("activation", "loss")}


@pytest.fixture(autouse=True)
def _tools() -> None:
    if TOOLS is None:
        if os.environ.get("SYMACT_REQUIRE_CSHARP") == "1":
            pytest.fail("mcs/mono are not installed but SYMACT_REQUIRE_CSHARP=1")
        pytest.skip("mcs/mono are not installed (set SYMACT_REQUIRE_CSHARP=1 to make this a failure)")


def _functions() -> list[CFunction]:
    return [CFunction(n, g, "", "") for n, g in sorted(ELEMENTWISE.items())]


def _nparams() -> dict[str, int]:
    return {n: len(_owner(n).params) for n in ELEMENTWISE}


def _owner(name: str) -> catalogue.Record:
    from c_backend import owner

    return owner(name)


def _record_checks(name: str, exe: str) -> list[KernelCheck]:
    """Every C# kernel of one record checked (a unit of work for a worker); the C# statements of each
    must be those printed from the candidate the committed C kernel was printed from."""
    text = SOURCE.read_text()
    results = []
    for kp in plan(catalogue.get(name)).kernels:
        if kp.name in ELEMENTWISE:
            cand = chosen(kp)
            lines = kernel_lines(cand.expr, kp.var, CSharpKernelPrinter(), local="double")
            assert "\n".join(f"        {line}" for line in lines) in text, f"{kp.name}: csharp/ is stale"
            results.append(KernelResult(catalogue.get(name), kp, cand, None))
    with CSharpLibrary(Path(exe), _functions()) as lib:
        return list(check_kernels(results, lib, NUMPY, everywhere=False, documented=False))


@pytest.fixture(scope="module")
def exe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert TOOLS is not None
    folder = tmp_path_factory.mktemp("cs")
    return compile_harness(SOURCE.read_text(), _functions(), _nparams(), folder, TOOLS[0])  # -warnaserror


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


@pytest.fixture(scope="module")
def identical(exe: Path) -> set[str]:
    """The activation records whose C# kernels give NumPy's results bit for bit on the generator's
    sample (output forms on a = f(x)): their errors are the ones the generator verified there."""
    xs = full_range_sample(DEFAULT_SIZE, seed=SEED)
    by_record: dict[str, list[str]] = {}
    for n, g in ELEMENTWISE.items():
        if g == "activation":
            by_record.setdefault(_owner(n).name, []).append(n)
    found = set()
    with CSharpLibrary(exe, _functions()) as lib, np.errstate(all="ignore"):
        for record, names in by_record.items():
            same = True
            for n in names:
                args = tuple(float(p.default) for p in _owner(n).params)
                inputs = NUMPY[record](xs) if n.endswith("_grad_from_output") else xs
                same &= _same(
                    lib.elementwise(n, inputs, args), np.asarray(NUMPY[n](inputs), dtype=np.float64)
                )
            if same:
                found.add(record)
    return found


@pytest.fixture(scope="module")
def checks(exe: Path, identical: set[str]) -> dict[str, KernelCheck]:
    """Every C# kernel of the other records (and of every loss, at each of its targets) checked
    against references, by two worker processes."""

    def cost(name: str) -> int:  # the largest expressions (slowest to plan) first
        expr = getattr(catalogue.get(name), "expr", None)
        return -sp.count_ops(expr) if expr is not None else 0

    names = sorted({_owner(n).name for n in ELEMENTWISE} - identical, key=lambda n: (cost(n), n))
    with multiprocessing.get_context("fork").Pool(2) as pool:
        found = pool.starmap(_record_checks, [(n, str(exe)) for n in names], chunksize=1)
    return {c.name: c for part in found for c in part}


def test_source_is_generated() -> None:
    assert "Generated by `symact kernels`" in SOURCE.read_text().splitlines()[0]


_SIGNATURE = re.compile(r"^        public static double (\w+)\((.*)\)$", re.M)


def test_every_elementwise_and_loss_kernel_is_a_pascal_case_method_with_optional_defaults() -> None:
    kernels = SOURCE.read_text().split("internal static class Rt")[0]
    found = {m.group(1): m.group(2) for m in _SIGNATURE.finditer(kernels)}
    assert set(found) == {pascal(n) for n in ELEMENTWISE}
    assert found["BinaryStepGradFromOutput"] == "double a"
    assert found["Elu"] == "double x, double alpha = 1.0"
    assert found["LeakyReluGrad"] == "double x, double negative_slope = 0.01"
    assert found["SigmoidGradFromOutput"] == "double a"
    assert found["MseGrad"] == "double a, double y"
    assert found["Hardtanh"] == "double x, double min_val = -1.0, double max_val = 1.0"
    for name, args in found.items():
        assert re.fullmatch(r"double (x|a)(, double y)?(, double \w+ = [-+.\w]+)*", args), (name, args)
    assert pascal("binary_cross_entropy_with_logits_grad") == "BinaryCrossEntropyWithLogitsGrad"


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_csharp_kernel_meets_its_target_against_references(
    checks: dict[str, KernelCheck], identical: set[str], name: str
) -> None:
    if _owner(name).name in identical:
        assert name not in checks  # NumPy's results bit for bit: the generator verified them
        return
    c = checks[name]
    assert c.ok, (name, c.problems)


def test_the_substitutes_make_a_difference(identical: set[str]) -> None:
    """The screen is no blanket pass: the kernels built on the substituted functions differ from
    NumPy's somewhere and are measured against references."""
    assert not {"elu", "gelu", "softplus", "log1mexp"} & identical
    # exact kernels agree bit for bit everywhere; whether an exp-based one (sigmoid) does depends on
    # the SIMD path NumPy takes on this CPU, so it is not asserted
    assert {"relu", "hardtanh", "binary_step"} <= identical


def _run(exe: Path, name: str, x: list[float], params: tuple[float, ...] = ()) -> np.ndarray:
    with CSharpLibrary(exe, _functions()) as lib:
        return lib.elementwise(name, np.array(x), params)


def test_specials_and_parameters_as_numpy(exe: Path) -> None:
    xs = [-np.inf, -800.0, -1.0, -0.0, 0.0, 0.5, 40.0, np.inf, np.nan]
    for name in ("sigmoid", "softplus", "gelu", "elu", "mish", "log_sigmoid", "tanh_grad"):
        got, want = (
            _run(exe, name, xs, tuple(float(p.default) for p in _owner(name).params)),
            NUMPY[name](np.array(xs)),
        )
        assert np.array_equal(np.isnan(got), np.isnan(want)), name
        ok = ~np.isnan(want)
        np.testing.assert_allclose(got[ok], want[ok], rtol=4e-16, atol=0, err_msg=name)
    np.testing.assert_array_equal(_run(exe, "elu", [-1.0], (2.0,)), NUMPY["elu"](np.array([-1.0]), alpha=2.0))


_PROBE = """using System;
using System.IO;
namespace Symact { internal static class Probe { private static int Main() {
    BinaryReader r = new BinaryReader(Console.OpenStandardInput());
    int n = r.ReadInt32();
    byte[] b = r.ReadBytes(16 * n);
    double[] a = new double[2 * n];
    Buffer.BlockCopy(b, 0, a, 0, b.Length);
    double[] o = new double[4 * n];
    for (int i = 0; i < n; i++) {
        o[i] = Rt.Expm1(a[i]); o[n + i] = Rt.Log1p(a[i]); o[2 * n + i] = Rt.Erfc(a[i]);
        o[3 * n + i] = Rt.Hypot(a[i], a[n + i]);
    }
    byte[] w = new byte[8 * o.Length];
    Buffer.BlockCopy(o, 0, w, 0, w.Length);
    Console.OpenStandardOutput().Write(w, 0, w.Length);
    return 0; } } }
"""

# the bounds the prelude documents for its substitutes (max ULP of the correctly rounded value)
_BOUNDS = {"expm1": 3.0, "log1p": 2.0, "erfc": 3.0, "hypot": 1.0}


def test_substituted_c99_functions_meet_their_documented_bounds(tmp_path: Path) -> None:
    assert TOOLS is not None
    (tmp_path / "K.cs").write_text(cs_source([]))
    (tmp_path / "P.cs").write_text(_PROBE)
    exe = tmp_path / "p.exe"
    cmd = [
        TOOLS[0],
        "-nologo",
        "-warnaserror+",
        f"-out:{exe}",
        str(tmp_path / "K.cs"),
        str(tmp_path / "P.cs"),
    ]
    subprocess.run(cmd, check=True, capture_output=True)
    rng = np.random.default_rng(14)
    x = np.concatenate(
        [
            rng.uniform(-3, 3, 300),
            np.sign(rng.normal(size=300)) * 10 ** rng.uniform(-20, 2.8, 300),
            rng.uniform(-1, 27, 300),
            [-np.inf, -1.0, -0.0, 0.0, np.inf, np.nan, 709.7, -745.0, 26.5, 0.5, 2.0],
        ]
    )
    y = x * 10 ** rng.uniform(-8, 8, x.size)
    y[-11:] = [1.0, 2.0, -3.0, 0.0, 1.0, 2.0, 1e300, 1e-300, 3.0, 0.25, 2.0]
    done = subprocess.run(
        ["mono", str(exe)], input=struct.pack("<i", x.size) + x.tobytes() + y.tobytes(), capture_output=True
    )
    got = np.frombuffer(done.stdout, "<f8").reshape(4, x.size)
    t = sp.Symbol("t", real=True)
    truths = {"expm1": sp.exp(t) - 1, "log1p": sp.log(1 + t), "erfc": sp.erfc(t)}
    for row, (name, truth) in enumerate(truths.items()):
        want = reference(truth, t, x)
        err = ulp_error(got[row], want)
        ok = (~np.isnan(want) | ~np.isnan(got[row])) & ~((name == "log1p") & (x < -1))  # C99: nan below -1
        assert np.all(err[ok] <= _BOUNDS[name]), (name, float(np.max(err[ok])), x[ok][np.argmax(err[ok])])
    with mpmath.workprec(200):  # hypot is well conditioned: 200 bits round correctly
        want = np.array(
            [float(mpmath.hypot(mpmath.mpf(a), mpmath.mpf(b))) for a, b in zip(x, y, strict=True)]
        )
    err = ulp_error(got[3], want)
    assert np.all(err <= _BOUNDS["hypot"]), float(np.max(err))


def test_the_kernel_records_name_the_substitutions() -> None:
    assert substitutions("return Rt.Ndtr(x);") == ["erfc", "fma"]
    assert substitutions("return Rt.Log1p(Math.Exp(-x));") == ["log1p"]
    assert substitutions("return x;") == []


@pytest.fixture(scope="module")
def sigmoid_generation() -> Generation:
    return generate([catalogue.get("sigmoid")])


def test_a_failing_csharp_kernel_is_caught_and_nothing_is_written(
    tmp_path: Path, sigmoid_generation: Generation
) -> None:
    def sabotaged(gen: Generation) -> list[CFunction]:
        return [
            replace(f, definition=f.definition.replace("        return ", "        return 1.000001*", 1))
            if f.name == "sigmoid"
            else f
            for f in cs_functions(gen)
        ]

    outcome = update(
        tmp_path, generation=sigmoid_generation, backends=(NumpyBackend(), CSharpBackend(functions=sabotaged))
    )
    found = failures(outcome)
    assert found and all(f.startswith("sigmoid (C#): ") for f in found), found
    assert outcome.backends["csharp"].withheld
    assert not cs_file(tmp_path).exists()
    assert all(p.exists() for p in NumpyBackend().files(tmp_path))
    report = backends_markdown(sigmoid_generation, outcome.backends)
    assert any(line.startswith("| `sigmoid` |") and "FAILED" in line for line in report), report


def test_the_report_gives_every_backend_its_figures(tmp_path: Path, sigmoid_generation: Generation) -> None:
    outcome = update(tmp_path, generation=sigmoid_generation, backends=(NumpyBackend(), CSharpBackend()))
    assert not failures(outcome)
    assert cs_file(tmp_path).exists()
    records = {c.name: c for c in outcome.backends["csharp"].details}
    assert set(records) == {"sigmoid", "sigmoid_grad", "sigmoid_grad_from_output"}
    assert all(c.max_ulp["float64"] <= c.target for c in records.values())
    report = backends_markdown(sigmoid_generation, outcome.backends)
    assert "| kernel | form | target | numpy float64 | numpy float32 | csharp float64 |" in report


def test_without_mcs_the_source_is_written_unchecked(tmp_path: Path, sigmoid_generation: Generation) -> None:
    outcome = update(
        tmp_path, generation=sigmoid_generation, backends=(NumpyBackend(), CSharpBackend(tools=lambda: None))
    )
    assert not failures(outcome)
    assert outcome.backends["csharp"].note and "without being compiled" in outcome.backends["csharp"].note
    assert "public static double SigmoidGradFromOutput(double a)" in cs_file(tmp_path).read_text()


def test_the_file_compiles_alone_and_serves_another_assembly(tmp_path: Path) -> None:
    """What a C# project does with it: a library, called with and without the optional arguments."""
    assert TOOLS is not None
    mcs, mono = TOOLS
    dll = tmp_path / "SymactKernels.dll"
    subprocess.run(
        [mcs, "-nologo", "-warnaserror+", "-target:library", f"-out:{dll}", str(SOURCE)], check=True
    )
    (tmp_path / "Use.cs").write_text(
        "using System;\nusing Symact;\nclass Use { static void Main() {\n"
        '    Console.WriteLine(Kernels.Elu(-1.0).ToString("R"));\n'
        '    Console.WriteLine(Kernels.Elu(-1.0, 2.0).ToString("R"));\n'
        '    Console.WriteLine(Kernels.SigmoidGradFromOutput(Kernels.Sigmoid(0.5)).ToString("R"));\n} }\n'
    )
    exe = tmp_path / "Use.exe"
    subprocess.run([mcs, "-nologo", f"-r:{dll}", f"-out:{exe}", str(tmp_path / "Use.cs")], check=True)
    done = subprocess.run([mono, str(exe)], capture_output=True, text=True, check=True, cwd=tmp_path)
    got = [float(v) for v in done.stdout.split()]
    want = [
        NUMPY["elu"](-1.0),
        NUMPY["elu"](-1.0, alpha=2.0),
        NUMPY["sigmoid_grad_from_output"](NUMPY["sigmoid"](0.5)),
    ]
    assert got == [float(w) for w in want]
