"""Kernels known to miss their accuracy target, each with the reason (a reviewed table).

A kernel named in :data:`KNOWN_GAPS` that misses its target is reported as ``no kernel (known
gap: reason)`` instead of failing ``symact kernels`` and the build.  The table is kept honest like
a strict expected failure: a listed kernel that *meets* its target, or a name that is not a kernel
of a catalogue record, is itself a failure.  Targets are never loosened here.
"""

from __future__ import annotations

from collections.abc import Iterable

from symact.catalogue import UnknownFunctionError, get

__all__ = ["KNOWN_GAPS", "ROLE_SUFFIXES", "gap_table_problems", "record_of"]

KNOWN_GAPS: dict[str, str] = {}
"""Kernel name -> why it cannot meet its target now."""

ROLE_SUFFIXES: tuple[str, ...] = ("_grad_from_output", "_grad", "_vjp", "")


def record_of(kernel: str) -> str | None:
    """The catalogue record a kernel name belongs to (``NAME``, ``NAME_grad``, ...), or None."""
    for suffix in ROLE_SUFFIXES:
        if suffix and not kernel.endswith(suffix):
            continue
        base = kernel[: len(kernel) - len(suffix)] if suffix else kernel
        try:
            record = get(base)
        except UnknownFunctionError:
            continue
        if record.name == base:
            return base
    return None


def gap_table_problems(planned: Iterable[str] | None = None) -> list[str]:
    """One line per entry of :data:`KNOWN_GAPS` that names no kernel (of a catalogue record, and,
    when `planned` is given, none that was planned)."""
    names = set(planned) if planned is not None else None
    out = []
    for kernel in KNOWN_GAPS:
        if record_of(kernel) is None:
            out.append(f"{kernel}: listed in KNOWN_GAPS but no catalogue record has this kernel")
        elif names is not None and kernel not in names:
            out.append(f"{kernel}: listed in KNOWN_GAPS but no such kernel was planned")
    return out
