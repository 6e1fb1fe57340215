"""The C# kernels compiled with ``mcs``, run with ``mono`` and checked against references.

:func:`compile_harness` compiles ``SymactKernels.cs`` with the harness of
:func:`symact.codegen.csharp.emit.harness_source` into one program; :class:`CSharpLibrary` keeps that
program running and sends it every request over a pipe (binary doubles), so all kernels run in one
process; it is a :class:`~symact.codegen.c.check.KernelLibrary`, so :func:`symact.codegen.c.check.check_c`
measures the C# kernels exactly as it measures the C ones (same sample, truth, unit and targets).
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import numpy as np

from symact.codegen.c.check import CompileError
from symact.codegen.c.function import CFunction
from symact.codegen.csharp.emit import harness_source

__all__ = ["MCS_FLAGS", "CSharpLibrary", "compile_harness", "csharp_tools"]

MCS_FLAGS: tuple[str, ...] = ("-optimize+", "-warnaserror+", "-nologo")


def csharp_tools() -> tuple[str, str] | None:
    """(``mcs``, ``mono``) when both are on this machine, else None."""
    mcs, mono = shutil.which("mcs"), shutil.which("mono")
    return (mcs, mono) if mcs and mono else None


def compile_harness(
    source: str, functions: list[CFunction], nparams: dict[str, int], folder: Path, mcs: str
) -> Path:
    """Write ``SymactKernels.cs`` and the harness into `folder` and compile both into one program."""
    (folder / "SymactKernels.cs").write_text(source, encoding="utf-8")
    (folder / "Harness.cs").write_text(harness_source(functions, nparams), encoding="utf-8")
    exe = folder / "harness.exe"
    cmd = [mcs, *MCS_FLAGS, f"-out:{exe}", str(folder / "SymactKernels.cs"), str(folder / "Harness.cs")]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise CompileError("\n".join((done.stdout + done.stderr).splitlines()[:6]))
    return exe


class CSharpLibrary:
    """The compiled C# kernels, called on float64 arrays through one running harness process."""

    def __init__(self, exe: Path, functions: list[CFunction], mono: str = "mono") -> None:
        self._index = {f.name: i for i, f in enumerate(functions)}
        self._proc = subprocess.Popen([mono, str(exe)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def __enter__(self) -> CSharpLibrary:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Tell the harness to stop, wait for it and close both pipes."""
        stdin, stdout = self._proc.stdin, self._proc.stdout
        assert stdin is not None and stdout is not None
        try:
            if self._proc.poll() is None:
                stdin.write(struct.pack("<i", -1))
            stdin.close()
        except BrokenPipeError:
            pass
        self._proc.wait(timeout=30)
        stdout.close()

    def has(self, name: str) -> bool:
        return name in self._index

    def _run(self, name: str, x: np.ndarray, y: np.ndarray | None, params: tuple[float, ...]) -> np.ndarray:
        stdin: IO[bytes] | None = self._proc.stdin
        stdout: IO[bytes] | None = self._proc.stdout
        assert stdin is not None and stdout is not None
        ys = y if y is not None else np.empty(0)
        head = struct.pack("<iii", self._index[name], x.size, len(params))
        stdin.write(head + np.asarray(params, "<f8").tobytes() + x.astype("<f8").tobytes())
        stdin.write(struct.pack("<i", ys.size) + ys.astype("<f8").tobytes())
        stdin.flush()
        data = stdout.read(8 * x.size)
        if len(data) != 8 * x.size:
            raise CompileError(f"the C# harness stopped while running {name}")
        return np.frombuffer(data, "<f8").astype(np.float64)

    def elementwise(self, name: str, x: Any, params: tuple[float, ...] = ()) -> np.ndarray:
        """``Kernels.Name`` on `x` (any shape)."""
        xs = np.asarray(x, dtype=np.float64)
        return self._run(name, xs.reshape(-1), None, params).reshape(xs.shape)

    def loss(self, name: str, a: Any, y: Any, params: tuple[float, ...] = ()) -> np.ndarray:
        """``Kernels.Name`` of a loss on `a` and `y` (broadcast to a's size)."""
        av = np.asarray(a, dtype=np.float64)
        yv = np.broadcast_to(np.asarray(y, dtype=np.float64), av.shape)
        return self._run(name, av.reshape(-1), yv.reshape(-1), params).reshape(av.shape)
