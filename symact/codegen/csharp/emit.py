"""C# source of the verified kernels: ``csharp/SymactKernels.cs``, and the harness that checks them.

- an activation kernel ``NAME`` becomes ``public static double Name(double x, <params>)`` in the
  static class ``Symact.Kernels``, named in PascalCase (``NameGrad``, ``NameGradFromOutput(double a,
  ...)``), its parameters in catalogue order with their defaults as optional arguments;
- a loss kernel becomes ``public static double Name(double a, double y, <params>)``: nan when a or y
  is nan, as in C and NumPy.

Each is printed from the rewritten expression the NumPy kernel was verified with, lowered by the same
templates (:func:`symact.codegen.c.function.kernel_lines` with the C# printer).  Vector kernels and
vector losses are not printed (C# has them in no form yet).
"""

from __future__ import annotations

import sympy as sp

from symact.codegen.c.function import CFunction, guard_lines, kernel_lines
from symact.codegen.csharp.prelude import cs_prelude
from symact.codegen.csharp.printer import CSharpKernelPrinter, cs_literal, pascal
from symact.codegen.emit import HEADER
from symact.codegen.generate import Generation, KernelResult

__all__ = ["cs_function", "cs_functions", "cs_source", "harness_source"]

_USAGE = """    /// <summary>The verified kernels of symact (element-wise activations, their derivatives and
    /// derivatives from the output, element-wise losses and their gradients).</summary>
    /// <remarks>
    /// Activations: <c>double Name(double x, params)</c>, <c>NameGrad(double x, params)</c> and, where
    /// the derivative has an output form, <c>NameGradFromOutput(double a, params)</c> with a = Name(x).
    /// Losses: <c>double Name(double a, double y, params)</c> and <c>NameGrad(...)</c>, nan when a or y
    /// is nan.  Parameters come in the catalogue's order, their defaults (those of symact.kernels) as
    /// optional arguments.  Every kernel meets the accuracy target of its NumPy twin
    /// (symact/kernels/ACCURACY.md), checked against correctly rounded references before this file
    /// is written.
    /// </remarks>
"""


def _body(r: KernelResult, inputs: list[str], p: CSharpKernelPrinter) -> list[str]:
    assert r.chosen is not None
    return guard_lines(r, inputs, p) + kernel_lines(r.chosen.expr, r.plan.var, p, local="double")


def cs_function(r: KernelResult) -> CFunction:
    """The C# method of one verified element-wise or loss kernel (``declaration``: its signature)."""
    p = CSharpKernelPrinter()
    inputs = [r.plan.var.name, *[e.name for e in r.plan.extra]]
    params = [f"double {q.symbol.name} = {cs_literal(sp.sympify(q.default))}" for q in r.record.params]
    args = ", ".join([*[f"double {v}" for v in inputs], *params])
    signature = f"public static double {pascal(r.plan.name)}({args})"
    lines = [f"        {line}" for line in _body(r, inputs, p)]
    definition = f"        {signature}\n        {{\n" + "\n".join(lines) + "\n        }\n"
    return CFunction(r.plan.name, "loss" if r.plan.extra else "activation", signature, definition)


def cs_functions(gen: Generation) -> list[CFunction]:
    """The C# method of every verified element-wise and loss kernel of `gen`."""
    return [
        cs_function(r)
        for r in gen.results
        if r.ok
        and r.chosen is not None
        and r.plan.role in ("fwd", "grad", "grad_from_output")
        and r.record.kind in ("elementwise", "loss")
    ]


def cs_source(functions: list[CFunction]) -> str:
    """``SymactKernels.cs``: the class ``Symact.Kernels`` holding `functions`, and ``Symact.Rt``."""
    banner = "// " + HEADER.replace("# ", "").rstrip().replace("\n", "\n// ") + "\n"
    return (
        banner
        + "\nusing System;\n\nnamespace Symact\n{\n"
        + _USAGE
        + "    public static class Kernels\n    {\n"
        + "\n".join(f.definition for f in functions)
        + "    }\n"
        + cs_prelude()
        + "}\n"
    )


def _case(i: int, f: CFunction, nparams: int) -> str:
    args = ["x[i]", *(["y[i]"] if f.group == "loss" else []), *[f"p[{k}]" for k in range(nparams)]]
    call = f"Kernels.{pascal(f.name)}({', '.join(args)})"
    return f"                case {i}: for (int i = 0; i < n; i++) o[i] = {call}; break;\n"


def harness_source(functions: list[CFunction], nparams: dict[str, int]) -> str:
    """A program running kernel number k of `functions` on doubles read from stdin, one request after
    another: int32 k (negative: stop), int32 n, int32 np, np parameters, n inputs x, int32 ny and ny
    targets y; it answers n doubles (little-endian, as the machine's)."""
    cases = "".join(_case(i, f, nparams[f.name]) for i, f in enumerate(functions))
    return (
        "using System;\nusing System.IO;\n\nnamespace Symact\n{\n"
        "    internal static class Harness\n    {\n"
        "        private static double[] Read(BinaryReader r, int n)\n        {\n"
        "            byte[] b = r.ReadBytes(8 * n);\n"
        '            if (b.Length != 8 * n) throw new EndOfStreamException("short request");\n'
        "            double[] a = new double[n];\n"
        "            Buffer.BlockCopy(b, 0, a, 0, b.Length);\n            return a;\n        }\n\n"
        "        private static void Run(int k, double[] x, double[] y, double[] p, double[] o)\n        {\n"
        "            int n = x.Length;\n            switch (k)\n            {\n"
        + cases
        + '                default: throw new ArgumentException("no kernel " + k);\n'
        "            }\n        }\n\n"
        "        private static int Main()\n        {\n"
        "            BinaryReader input = new BinaryReader(Console.OpenStandardInput());\n"
        "            Stream output = Console.OpenStandardOutput();\n"
        "            while (true)\n            {\n"
        "                int k = input.ReadInt32();\n                if (k < 0) return 0;\n"
        "                int n = input.ReadInt32();\n"
        "                double[] p = Read(input, input.ReadInt32());\n"
        "                double[] x = Read(input, n);\n"
        "                double[] y = Read(input, input.ReadInt32());\n"
        "                double[] o = new double[n];\n"
        "                Run(k, x, y, p, o);\n"
        "                byte[] b = new byte[8 * n];\n"
        "                Buffer.BlockCopy(o, 0, b, 0, b.Length);\n"
        "                output.Write(b, 0, b.Length);\n                output.Flush();\n"
        "            }\n        }\n    }\n}\n"
    )
