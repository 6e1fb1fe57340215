"""``symact check MODULE:FUNC --grad MODULE:FUNC --against NAME``: check your own code.

A framework's own function can be named directly, with its autodiff as the gradient:
``symact check torch.nn.functional.gelu --grad autodiff --against gelu [--dtype float32]``
(also float16 and bfloat16).  Class losses take PyTorch's options: ``symact check
torch.nn.functional.cross_entropy --grad autodiff --against cross_entropy --weight 0.5,2,1
--ignore-index 1 --reduction mean``.

Imports the functions, then checks the forward against the catalogue function, the gradient against
its derivative (under ``--convention`` at kinks) and the two against each other.  Exit 0 when all
pass, 1 when a defect is found (printed with the simplest counterexample), 2 on bad input.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from symact import catalogue
from symact.commands._params import parse_params
from symact.errors import UserError
from symact.verify import CHECK_CONVENTIONS, check
from symact.verify._budget import DEFAULT_ULP, HALF_DEFAULT_ULP, default_ulp, wrong_relative
from symact.verify._vector_reduce import REDUCTIONS

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?")
_DTYPES = ("float64", "float32", "float16", "bfloat16")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("check", help="check your own forward/gradient code against a catalogue function")
    p.add_argument(
        "forward",
        nargs="?",
        help="MODULE:FUNC (MODULE a module name or a path to a .py file), or a framework function by "
        "its dotted name (torch.nn.functional.gelu, jax.nn.gelu)",
    )
    p.add_argument("--grad", metavar="MODULE:FUNC", help="the gradient function, or 'autodiff'")
    p.add_argument("--against", required=True, metavar="NAME", help="the catalogue function to match")
    p.add_argument("--param", action="append", metavar="NAME=VALUE", help="a parameter value (repeatable)")
    p.add_argument(
        "--convention", choices=CHECK_CONVENTIONS, default="pytorch", help="the derivative claimed at kinks"
    )
    p.add_argument(
        "--ulp",
        type=float,
        default=None,
        metavar="N",
        help="precision budget: N + 4 (condition number) ULP of the correctly rounded truth in the "
        f"--dtype format (default {DEFAULT_ULP:g}; {HALF_DEFAULT_ULP:g} for float16 and bfloat16)",
    )
    p.add_argument(
        "--flush-subnormals",
        action="store_true",
        help="the code runs where subnormal numbers are flushed to zero (JAX/XLA on CPU): subnormal "
        "inputs are not drawn, and errors count in units of at least the smallest normal number",
    )
    p.add_argument(
        "--weight",
        metavar="W1,W2,...",
        help="class losses (cross_entropy, nll_loss): PyTorch's per-class weights; with --weight, "
        "--ignore-index or --reduction the code is called as F.cross_entropy(input, target, weight=, "
        "ignore_index=, reduction=, label_smoothing=) with class-index targets",
    )
    p.add_argument(
        "--targets",
        choices=("index", "probabilities"),
        help="class losses: the targets PyTorch's F.cross_entropy is given with the options above: class "
        "indices (default) or rows of class probabilities (then the mean is over rows, not weights)",
    )
    p.add_argument("--ignore-index", type=int, metavar="I", help="class losses: PyTorch's ignore_index")
    p.add_argument("--reduction", choices=REDUCTIONS, help="class losses: PyTorch's reduction (default mean)")
    p.add_argument("--examples", type=int, default=2000, help="number of test points (default 2000)")
    p.add_argument(
        "--dtype",
        choices=_DTYPES,
        default="float64",
        help="the format the code receives and returns (default float64); bfloat16 arrays are PyTorch "
        "or JAX ones, or NumPy arrays of ml_dtypes.bfloat16 (needs ml_dtypes)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=run)


def _module(spec: str) -> Any:
    if spec.endswith(".py") or os.sep in spec:
        path = Path(spec)
        if not path.is_file():
            raise UserError(f"no such file: {spec}")
        name = f"_symact_check_{path.stem}"
        loader = importlib.util.spec_from_file_location(name, path)
        if loader is None or loader.loader is None:
            raise UserError(f"cannot import {spec}")
        module = importlib.util.module_from_spec(loader)
        sys.modules[name] = module
        loader.loader.exec_module(module)
        return module
    if str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    return importlib.import_module(spec)


def load_function(text: str, *, option: str) -> Callable[..., Any]:
    """The function that ``MODULE:FUNC`` names; UserError (one line) for anything wrong."""
    module_spec, sep, attr = text.rpartition(":")
    if not sep and "." in text and all(p.isidentifier() for p in text.split(".")):
        module_spec, sep, attr = text.rpartition(".")  # a framework function: torch.nn.functional.gelu
    if not sep or not module_spec or not attr.isidentifier():
        raise UserError(f"{option} must look like MODULE:FUNC or package.module.func, got {text!r}")
    try:
        module = _module(module_spec)
    except UserError:
        raise
    except Exception as exc:
        detail = str(exc).splitlines()[0] if str(exc) else ""
        raise UserError(f"cannot import {module_spec!r} ({type(exc).__name__}: {detail})") from None
    fn = getattr(module, attr, None)
    if fn is None:
        raise UserError(f"{module_spec!r} has no attribute {attr!r}")
    if not callable(fn):
        raise UserError(f"{text!r} is not a function")
    return fn  # type: ignore[no-any-return]


def _record_name(name: str) -> str:
    try:
        return catalogue.get(name).name
    except catalogue.UnknownFunctionError as exc:
        raise UserError(str(exc).strip("'\"")) from None


def _weights(text: str) -> list[float]:
    """``"0.5,2,1"`` -> [0.5, 2.0, 1.0]; UserError (one line) for anything but plain numbers."""
    parts = [t.strip() for t in text.split(",")]
    if len(text) > 400 or not all(_NUMBER.fullmatch(t) for t in parts):
        raise UserError(f"malformed --weight {text!r}: expected numbers separated by commas, e.g. 0.5,2,1")
    return [float(t) for t in parts]


def run(args: argparse.Namespace) -> int:
    if args.forward is None and args.grad is None:
        raise UserError("give a forward function MODULE:FUNC, --grad MODULE:FUNC, or both")
    if args.examples < 1:
        raise UserError(f"--examples must be >= 1, got {args.examples}")
    fn = load_function(args.forward, option="forward") if args.forward else None
    grad: Any = None
    if args.grad == "autodiff":
        grad = "autodiff"
    elif args.grad:
        grad = load_function(args.grad, option="--grad")
    params: dict[str, Any] = dict(parse_params(args.param))
    class_options = [
        o
        for o, v in (
            ("--weight", args.weight),
            ("--ignore-index", args.ignore_index),
            ("--reduction", args.reduction),
            ("--targets", args.targets),
        )
        if v is not None
    ]
    if class_options and _record_name(args.against) not in ("cross_entropy", "nll_loss"):
        raise UserError(
            f"{class_options[0]} applies to the class losses cross_entropy and nll_loss, not {args.against!r}"
        )
    if args.weight is not None:
        params["weight"] = _weights(args.weight)
    if args.ignore_index is not None:
        params["ignore_index"] = args.ignore_index
    if args.reduction is not None:
        params["reduction"] = args.reduction
    if args.targets is not None:
        params["targets"] = args.targets
    report = check(
        fn,
        grad=grad,
        against=args.against,
        params=params,
        dtype=args.dtype,
        convention=args.convention,
        examples=args.examples,
        seed=args.seed,
        ulp=args.ulp,
        flush_subnormals=args.flush_subnormals,
    )
    print(report.summary())
    print("points drawn: " + ", ".join(f"{kind} {n}" for kind, n in report.sampled.items()))
    for note in report.notes:
        print(f"note: {note}")
    if report.ok:
        return 0
    first = report.counterexample()
    print(f"counterexample: {first}")
    budget = default_ulp(args.dtype) if args.ulp is None else args.ulp
    wrong = sum(f.kind == "wrong" for f in report.failures)
    imprecise = sum(f.kind == "imprecise" for f in report.failures)
    if wrong or imprecise:
        print(
            f"{wrong} wrong values (off by more than {wrong_relative(args.dtype):.3g} relative, "
            "or not finite), "
            f"{imprecise} imprecise (beyond {budget:g} + 4 (condition number) ULP only)"
        )
    layers = sorted({f.layer for f in report.failures})
    for layer in layers:
        fails = [f for f in report.failures if f.layer == layer]
        print(f"{layer}: {len(fails)} failing points, for example:")
        for f in fails[:3]:
            print(f"  {f}")
    return 1
