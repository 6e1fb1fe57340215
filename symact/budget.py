"""Bounded time for SymPy work: run a call under a budget, fall back when it runs out.

Simplification and proof search can run for minutes on an unlucky expression.  Wrap such a call::

    value, timed_out = with_budget(sp.simplify, expr, seconds=10, fallback=expr)

On the main thread (where SymPy work normally runs, including build worker processes) the budget
is a ``SIGALRM`` interval timer: the call is interrupted where it is and ``fallback`` is returned.
Budgets nest: an inner budget never outlives the one around it.  Off the main thread the call runs
in a daemon thread that is abandoned on expiry (it cannot be interrupted; its result is ignored).

The default budget is 10 seconds per call; ``SYMACT_TIME_BUDGET`` (seconds, in the environment) or
:func:`set_default_budget` (``symact build --time-budget``) changes it.
"""

from __future__ import annotations

import math
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from symact.errors import UserError

__all__ = [
    "DEFAULT_SECONDS",
    "ENV_VAR",
    "BudgetExceeded",
    "default_budget",
    "parse_seconds",
    "set_default_budget",
    "with_budget",
]

T = TypeVar("T")
F = TypeVar("F")

DEFAULT_SECONDS = 10.0
ENV_VAR = "SYMACT_TIME_BUDGET"


class BudgetExceeded(BaseException):
    """Raised inside the budgeted call when its time is up (a BaseException: ``except Exception``
    blocks inside SymPy do not swallow it)."""


def parse_seconds(text: str, *, what: str = "time budget") -> float:
    """A positive number of seconds from `text`; UserError naming `what` otherwise."""
    try:
        value = float(text)
    except ValueError:
        raise UserError(f"{what} must be a number of seconds, not {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise UserError(f"{what} must be a positive number of seconds, not {text!r}")
    return value


def default_budget() -> float:
    """The budget in seconds: ``SYMACT_TIME_BUDGET`` if set, else :data:`DEFAULT_SECONDS`."""
    text = os.environ.get(ENV_VAR)
    return DEFAULT_SECONDS if not text else parse_seconds(text, what=ENV_VAR)


def set_default_budget(seconds: float) -> None:
    """Make `seconds` the default for this process and the processes it starts."""
    os.environ[ENV_VAR] = repr(float(seconds))


def with_budget(
    fn: Callable[..., T], *args: Any, seconds: float | None = None, fallback: F, **kwargs: Any
) -> tuple[T | F, bool]:
    """Call ``fn(*args, **kwargs)`` within `seconds`; return ``(value, timed_out)``.

    **Arguments:**
    - `fn`, `args`, `kwargs`: the call.
    - `seconds`: the budget (default :func:`default_budget`).
    - `fallback`: returned, with ``timed_out=True``, when the budget runs out.

    **Returns:** ``(fn(...), False)`` or ``(fallback, True)``.  Exceptions of `fn` propagate.
    """
    budget = default_budget() if seconds is None else float(seconds)
    if budget <= 0:
        return fallback, True
    on_main = threading.current_thread() is threading.main_thread()
    if on_main and hasattr(signal, "setitimer"):
        return _with_alarm(fn, args, kwargs, budget, fallback)
    return _with_thread(fn, args, kwargs, budget, fallback)


class _Token:
    """Identifies one budget, so an expiry is caught by the budget that set it."""


def _with_alarm(
    fn: Callable[..., T], args: Any, kwargs: Any, budget: float, fallback: F
) -> tuple[T | F, bool]:
    outer_left, _ = signal.getitimer(signal.ITIMER_REAL)
    outer_handler = signal.getsignal(signal.SIGALRM)
    limited_by_outer = 0 < outer_left < budget
    token = _Token()

    def expire(signum: int, frame: object) -> None:
        raise BudgetExceeded(token)

    start = time.monotonic()
    signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, outer_left if limited_by_outer else budget)
    try:
        return fn(*args, **kwargs), False
    except BudgetExceeded as exc:
        if exc.args and exc.args[0] is token:
            return fallback, True
        raise
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, outer_handler)
        if outer_left > 0:
            left = outer_left - (time.monotonic() - start)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-4))


def _with_thread(
    fn: Callable[..., T], args: Any, kwargs: Any, budget: float, fallback: F
) -> tuple[T | F, bool]:
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn(*args, **kwargs)
        except BaseException as exc:
            box["error"] = exc

    worker = threading.Thread(target=target, daemon=True, name="symact-budget")
    worker.start()
    worker.join(budget)
    if worker.is_alive():
        return fallback, True
    if "error" in box:
        raise box["error"]
    return box["value"], False
