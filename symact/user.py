"""Your own activation functions: build a record from text or SymPy, find its kinks, register it.

Two ways to add a function; both give an :class:`symact.catalogue.Activation` in the catalogue, so
``symact list``, ``symact derive``, ``symact plot`` and ``symact build`` (proofs, kernels,
verification) cover it like any other::

    # mymodels/acts.py
    import symact.user as su

    su.activation("scaled_swish", "x*sigmoid(beta*x)", params={"beta": "1.5"},
                  description="x * sigmoid(beta x)")

    @su.define(params={"k": 2})
    def soft_clip(x, k):
        "tanh(k x) / k: a smooth clip to (-1/k, 1/k)."
        return sympy.tanh(k * x) / k

Text is parsed by :func:`symact.parse.parse_expression` (a whitelist, never ``eval``); SymPy input
must be written in ``x`` and the parameter names.  Kinks are found from the expression (every point
where a ``where``/``piecewise`` condition, ``max``/``min``, ``abs``, ``sign`` or ``heaviside``
switches and f or f' is not continuous): the one-sided derivatives are limits, and the value the
frameworks return there is the derivative of the expression as written (the active ``where``
branch; ``max``/``min`` ties split 1/2, ``abs'(0) = 0``).  Pass ``kinks=[...]`` to state them
yourself.

``symact build`` imports the modules listed in ``[tool.symact] modules = [...]`` of the project's
``pyproject.toml`` and those given with ``--module`` (a dotted name or a ``.py`` path); ``symact
derive NAME`` and ``symact plot NAME`` import the configured ones when NAME is not yet known.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import math
import sys
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeAlias

import sympy as sp
from sympy.calculus.util import continuous_domain

from symact.budget import with_budget
from symact.catalogue import Activation, Kink, Param, X, register
from symact.derive import to_piecewise
from symact.errors import UserError
from symact.parse import check_param_name, parse_expression

__all__ = [
    "activation",
    "as_piecewise",
    "configured_modules",
    "define",
    "find_kinks",
    "load_configured",
    "load_modules",
    "make_activation",
]

ParamSpec: TypeAlias = Param | sp.Expr | int | float | str | None


def _exact(value: object, name: str) -> sp.Expr:
    """An exact SymPy number from an int, a decimal string, a float (by its shortest repr) or an Expr."""
    if isinstance(value, sp.Expr):
        if not value.is_real or value.has(sp.Float):
            raise UserError(f"parameter {name}: default {value} must be an exact real number")
        return value
    if isinstance(value, bool):
        raise UserError(f"parameter {name}: default must be a number, not {value!r}")
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, float | str):
        text = repr(value) if isinstance(value, float) else value.strip()
        return parse_expression(text)
    raise UserError(f"parameter {name}: default must be a number, not {type(value).__name__}")


def _params(params: Mapping[str, ParamSpec] | Iterable[str]) -> tuple[Param, ...]:
    items = params.items() if isinstance(params, Mapping) else ((p, None) for p in params)
    result = []
    for name, spec in items:
        check_param_name(name)
        if isinstance(spec, Param):
            result.append(spec)
            continue
        default = sp.S.One if spec is None else _exact(spec, name)
        if default.free_symbols:
            raise UserError(f"parameter {name}: default {default} must be a number")
        note = "user parameter" if spec is not None else "user parameter (no default given: 1)"
        result.append(Param(name=name, default=default, valid=sp.S.Reals, description=note))
    return tuple(result)


def _expression(expr: str | sp.Expr, params: Sequence[Param]) -> sp.Expr:
    if isinstance(expr, str):
        return parse_expression(expr, params=[p.name for p in params])
    if not isinstance(expr, sp.Expr):
        raise UserError(f"an activation is text or a SymPy expression, not {type(expr).__name__}")
    by_name = {"x": X, **{p.name: p.symbol for p in params}}
    renamed = expr.xreplace({s: by_name[s.name] for s in expr.free_symbols if s.name in by_name})
    stray = sorted(str(s) for s in renamed.free_symbols - set(by_name.values()))
    if stray:
        raise UserError(
            f"unknown symbols {', '.join(stray)}: write the expression in x and declared parameters"
        )
    return renamed


def as_piecewise(expr: sp.Expr) -> sp.Expr:
    """`expr` with max, min, abs, heaviside and sign written as Piecewise (then folded)."""
    return to_piecewise(expr)


def _candidates(pw: sp.Expr, x: sp.Symbol) -> list[sp.Expr]:
    found: set[sp.Expr] = set()
    for node in sp.preorder_traversal(pw):
        if isinstance(node, sp.Piecewise):
            for _, cond in node.args:
                for rel in sp.sympify(cond).atoms(sp.Rel):
                    if rel.has(x):
                        roots = _bounded(sp.solve, rel.lhs - rel.rhs, x, what=f"where {rel} switches")
                        found.update(s for s in roots if s.is_real is not False)
    return list(found)


def _side_limit(expr: sp.Expr, x: sp.Symbol, c: sp.Expr, side: str) -> sp.Expr:
    return sp.simplify(sp.limit(expr, x, c, side))


def _bounded(fn: Callable[..., Any], *args: Any, what: str) -> Any:
    """``fn(*args)`` within the time budget; a UserError asking for explicit kinks otherwise."""
    try:
        value, timed_out = with_budget(fn, *args, fallback=None)
    except (NotImplementedError, ValueError, TypeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UserError(
            f"could not find {what} ({reason}); in Python, give kinks=[...] to symact.user.activation"
        ) from None
    if timed_out:
        raise UserError(
            f"could not find {what} within the time budget; "
            "in Python, give kinks=[...] to symact.user.activation"
        )
    return value


def find_kinks(expr: sp.Expr, params: Sequence[Param] = (), *, x: sp.Symbol = X) -> tuple[Kink, ...]:
    """The points where `expr` or its derivative is not continuous, with one-sided derivatives.

    Candidates are the points where a condition switches (after writing max, min, abs, sign and
    heaviside as Piecewise); they are ordered at the parameters' defaults, and one that is infinite
    there is left out.  A candidate where f and f' join continuously is not a kink.
    """
    defaults = {p.symbol: p.default for p in params}
    pw = as_piecewise(expr)
    finite = [c for c in _candidates(pw, x) if math.isfinite(float(c.subs(defaults)))]
    points = sorted(finite, key=lambda c: float(c.subs(defaults)))
    values = [float(c.subs(defaults)) for c in points]
    derivative = sp.diff(expr, x)
    kinks = []
    for i, (c, v) in enumerate(zip(points, values, strict=True)):
        h = min([abs(v - w) for j, w in enumerate(values) if j != i] + [1.0]) / 4
        left_f, right_f = (_branch(pw, x, sp.Float(at, 30), defaults) for at in (v - h, v + h))
        what = f"the one-sided limits at x = {c}"
        left = _bounded(_side_limit, sp.diff(left_f, x), x, c, "-", what=what)
        right = _bounded(_side_limit, sp.diff(right_f, x), x, c, "+", what=what)
        f_left = _bounded(_side_limit, left_f, x, c, "-", what=what)
        f_right = _bounded(_side_limit, right_f, x, c, "+", what=what)
        jump = sp.simplify(f_left - f_right) != 0
        if not jump and sp.simplify(left - right) == 0:
            continue
        at_point = sp.simplify(derivative.subs(x, c))
        value: sp.Expr | None = at_point if at_point.is_finite else None
        kinks.append(
            Kink(
                at=c,
                left=left,
                right=right,
                conventions={"pytorch": value, "jax": value},
                jump=bool(jump),
                note="value of the derivative of the expression as written (active where-branch; "
                "max/min ties split 1/2)",
            )
        )
    return tuple(kinks)


def _branch(pw: sp.Expr, x: sp.Symbol, at: sp.Expr, defaults: Mapping[sp.Symbol, sp.Expr]) -> sp.Expr:
    """`pw` with each Piecewise replaced by its branch active at the number `at` (conditions decided
    at the parameters' defaults; the branches keep the parameters symbolic)."""

    def choose(node: sp.Piecewise) -> sp.Expr:
        for value, cond in node.args:
            if sp.sympify(cond).subs(defaults).subs(x, at) == sp.true:
                return _branch(value, x, at, defaults)
        raise UserError(f"no branch of {node} holds at x = {sp.N(at, 6)}; give a final 'otherwise' value")

    return pw.replace(lambda e: isinstance(e, sp.Piecewise), choose)


def _domain(expr: sp.Expr, params: Sequence[Param]) -> sp.Set:
    """Where `expr` is real and continuous, if that is one interval; else the reals."""
    smooth = as_piecewise(expr).replace(lambda e: isinstance(e, sp.Piecewise), lambda e: e.args[-1][0])
    smooth = smooth.subs({p.symbol: p.default for p in params})
    try:
        found, timed_out = with_budget(
            continuous_domain, smooth, X, sp.S.Reals, seconds=2.0, fallback=sp.S.Reals
        )
    except (NotImplementedError, ValueError, TypeError):
        return sp.S.Reals
    return (
        found if isinstance(found, sp.Interval) and not timed_out and not found.free_symbols else sp.S.Reals
    )


def make_activation(
    name: str,
    expr: str | sp.Expr,
    *,
    params: Mapping[str, ParamSpec] | Iterable[str] = (),
    kinks: Sequence[Kink] | None = None,
    description: str = "",
    aliases: Sequence[str] = (),
) -> Activation:
    """An :class:`Activation` record (not registered); see :func:`activation` for the arguments."""
    if not isinstance(name, str) or not name or not name.replace("_", "a").isalnum() or not name.isascii():
        raise UserError(f"activation name {name!r} must be letters, digits and '_' (plain ASCII)")
    declared = _params(params)
    expression = _expression(expr, declared)
    found = tuple(kinks) if kinks is not None else find_kinks(expression, declared)
    text = expr if isinstance(expr, str) else sp.sstr(expression)
    return Activation(
        name=name.lower(),
        expr=expression,
        description=description or f"user function {text}",
        params=declared,
        kinks=found,
        aliases=tuple(aliases),
        family="user",
        domain=_domain(expression, declared),
        frameworks="user-defined",
    )


def activation(
    name: str,
    expr: str | sp.Expr,
    *,
    params: Mapping[str, ParamSpec] | Iterable[str] = (),
    kinks: Sequence[Kink] | None = None,
    description: str = "",
    aliases: Sequence[str] = (),
    replace: bool = False,
) -> Activation:
    """Add your activation to the catalogue and return its record.

    **Arguments:**
    - `name`: a new name (letters, digits, ``_``).
    - `expr`: text such as ``"x*sigmoid(beta*x)"`` (parsed safely) or a SymPy expression in ``x``.
    - `params`: ``{name: default}`` (defaults exact: ints, decimal strings, SymPy numbers, or a full
      :class:`Param`), or just names (default 1).
    - `kinks`: the non-smooth points as :class:`Kink` records; found from the expression if omitted.
    - `description`, `aliases`: as in the catalogue; `replace`: allow re-registering the name.

    **Raises:** :class:`symact.errors.UserError` for bad text, names or parameters.
    """
    record = make_activation(name, expr, params=params, kinks=kinks, description=description, aliases=aliases)
    try:
        return register(record, replace=replace)  # type: ignore[return-value]
    except ValueError as exc:
        raise UserError(str(exc)) from None


def define(
    name: str | None = None,
    *,
    params: Mapping[str, ParamSpec] | Iterable[str] = (),
    kinks: Sequence[Kink] | None = None,
) -> Callable[[Callable[..., sp.Expr]], Activation]:
    """Decorator: ``fn(x, *params) -> sympy.Expr`` becomes a registered activation.

    The name defaults to the function's name and the description to its docstring's first line.
    """

    def wrap(fn: Callable[..., sp.Expr]) -> Activation:
        declared = _params(params)
        expr = fn(X, *[p.symbol for p in declared])
        doc = (inspect.getdoc(fn) or "").strip().splitlines()
        return activation(
            name or fn.__name__,
            expr,
            params={p.name: p for p in declared},
            kinks=kinks,
            description=doc[0] if doc else "",
        )

    return wrap


def _settings(root: Path) -> tuple[Path, dict[str, Any]]:
    """``root/pyproject.toml`` and its ``[tool.symact]`` table (empty if there is neither)."""
    path = root / "pyproject.toml"
    if not path.is_file():
        return path, {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read [tool.symact]: {exc}") from None
    table = data.get("tool", {}).get("symact", {})
    return path, table if isinstance(table, dict) else {}


def configured_modules(root: Path) -> list[str]:
    """The modules named in ``[tool.symact] modules`` of ``root/pyproject.toml`` (none if absent)."""
    path, settings = _settings(root)
    modules = settings.get("modules", [])
    if not isinstance(modules, list) or not all(isinstance(m, str) for m in modules):
        raise UserError(f"{path}: [tool.symact] modules must be a list of module names or .py paths")
    return modules


def configured_stages(root: Path) -> list[str] | None:
    """The build's stages named in ``[tool.symact] stages`` of ``root/pyproject.toml``
    (``"module:function"`` each, in order), or None where none are named (symact's pipeline)."""
    path, settings = _settings(root)
    stages = settings.get("stages")
    if stages is None:
        return None
    if (
        not isinstance(stages, list)
        or not stages
        or not all(isinstance(s, str) and s.count(":") == 1 and all(s.split(":")) for s in stages)
    ):
        raise UserError(f'{path}: [tool.symact] stages must be a non-empty list of "module:function" names')
    return stages


_CONFIGURED_LOADED: set[Path] = set()


def load_configured(root: Path | None = None) -> list[str]:
    """Import the ``[tool.symact] modules`` of ``root/pyproject.toml`` (default: the current
    folder) once per folder; the module names (none the second time)."""
    folder = (root or Path.cwd()).resolve()
    if folder in _CONFIGURED_LOADED:
        return []
    _CONFIGURED_LOADED.add(folder)
    return load_modules(configured_modules(folder), root=folder)


def load_modules(specs: Iterable[str], *, root: Path) -> list[str]:
    """Import each module (dotted name, found from `root` first, or a ``.py`` path); their names."""
    loaded = []
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    for spec in specs:
        if spec.endswith(".py"):
            path = (root / spec).resolve()
            if not path.is_file():
                raise UserError(f"user module {spec!r}: no such file")
            digest = hashlib.sha256(str(path).encode()).hexdigest()[:10]
            mod_name = f"symact_user_{path.stem}_{digest}"
            if mod_name not in sys.modules:
                loader = importlib.util.spec_from_file_location(mod_name, path)
                if loader is None or loader.loader is None:
                    raise UserError(f"user module {spec!r}: cannot be imported")
                module = importlib.util.module_from_spec(loader)
                sys.modules[mod_name] = module
                loader.loader.exec_module(module)
            loaded.append(mod_name)
            continue
        try:
            importlib.import_module(spec)
        except ModuleNotFoundError as exc:
            raise UserError(f"user module {spec!r} not found ({exc})") from None
        loaded.append(spec)
    return loaded
