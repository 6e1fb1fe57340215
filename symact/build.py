"""``symact build``: the main job, a pipeline of stages over the catalogue.

Each stage is a :class:`~symact.pipeline.Stage` (the contract, in :mod:`symact.pipeline`): a
function ``run(records, *, root, progress) -> StageResult`` and how it may be scheduled. The default
stages are named in :data:`STAGES` as ``"module:function"``; a name is turned into a
:class:`~symact.pipeline.Stage` by :func:`as_stage` (per-record if listed in :data:`PER_RECORD`, and
so on). A caller may pass :class:`~symact.pipeline.Stage` objects instead, with their dependencies
bound (:func:`symact.codegen.stage.kernels` takes the kernel backends). A stage derives, writes
(proofs, kernels) or verifies; it reports one short cell per function for the summary table and a
line per failure. The build fails if any stage reports a failure.

**Per-record stages.** A stage whose result for a function depends on that function alone, and whose
files are that function's alone, says so (``Stage.per_record``; for a name: listed in
:data:`PER_RECORD`, or its function has an attribute ``per_record = True``). The build runs such
stages one function at a time, in parallel worker processes (consecutive per-record stages run
together in the same process, so in-process caches are shared), longest first. Any other stage runs
once over all records.

**Incremental.**  A content hash of each record (the ``srepr`` of its expressions, its parameters
and kinks), of symact's own source and of the time budget keys a cache in ``.symact-cache/`` under
the root (a folder that ignores itself in git).  A stage
is skipped for a function whose key is unchanged (an all-records stage: when no key changed) and
its cells are replayed into the summary.  The files a stage writes are recorded with their hashes;
if one is later missing or edited, that stage runs again.  A failure a stage reports is cached like
a success (same inputs, same result) and replayed, so the build still fails; a crash or a time-out
is not cached; ``--no-cache`` reruns everything.  Files a stage writes inside the package do not
count as a change of symact's source.

**Shared derivations.**  The build's processes share one folder of derivations
(``.symact-cache/derive/``, :mod:`symact.derive.store`, keyed by symact's source and the budget):
the derive stage derives each record once, and the proofs, kernels and verification stages load
what it stored instead of deriving again.  A loaded derivation prints exactly as a fresh one
(``tests/test_derive_store.py`` regenerates every proof from derivations made in other processes, in
another order, and compares them with the committed files byte for byte).

**Concurrent.**  Per-record stages listed in :data:`CHECK_ONLY` write no file, so the stages after
them start at once while they run in the worker processes; consecutive stages listed in
:data:`SIBLINGS` (parallel branches, such as proofs and kernels) run side by side.

**Bounded.**  A stage that runs longer than :func:`stage_limit` (``STAGE_LIMIT_FACTOR`` times the
time budget of :mod:`symact.budget` per function, at least a minute) is stopped and reported as a
failure, so the build always ends.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import importlib
import json
import multiprocessing
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from queue import Empty
from typing import Any

from symact.budget import default_budget, with_budget
from symact.catalogue import Record
from symact.derive import store as derivations
from symact.errors import ArgumentError
from symact.fingerprint import record_fingerprint
from symact.pipeline import Progress, Stage, StageResult, fork_is_safe

__all__ = [
    "CACHE_DIR",
    "PER_RECORD",
    "STAGES",
    "BuildReport",
    "Stage",
    "StageResult",
    "as_stage",
    "record_fingerprint",
    "run_build",
    "source_fingerprint",
    "stage_limit",
]

STAGES: tuple[str, ...] = (
    "symact.derive.stage:run",
    "symact.latex.stage:run",
    "symact.codegen.stage:run",
    "symact.verify.stage:run",
    "symact.commands.list:build_stage",
)

PER_RECORD: frozenset[str] = frozenset({"symact.derive.stage:run"})
"""Stages whose result and files for a function depend on that function alone (see above)."""

CHECK_ONLY: frozenset[str] = frozenset()
"""Per-record stages that write no file: later stages may run while they do.  The derive stage is
not one of them although it writes no file: the later stages read the derivations it stores
(:mod:`symact.derive.store`) instead of deriving every record again."""

SIBLINGS: frozenset[str] = frozenset({"symact.latex.stage:run", "symact.codegen.stage:run"})
"""All-records stages on parallel branches of the pipeline (proofs | kernels): they read nothing the
other writes and write separate files, so consecutive ones run at the same time."""

READS: Mapping[str, tuple[str, ...]] = {"symact.commands.list:build_stage": ("symact.derive.stage:run",)}
"""Stages that read earlier stages' results (the catalogue page reads the derive stage's cells)."""

CACHE_DIR = ".symact-cache"
STAGE_LIMIT_FACTOR = 12
_CACHE_FILE = "build.json"
_CACHE_FORMAT = 2
_SKIP_DIRS = {"__pycache__", "node_modules"}


@dataclass
class BuildReport:
    """The stages' results over the functions built, in order."""

    names: list[str]
    stages: list[StageResult]

    @property
    def ok(self) -> bool:
        return not any(s.failures for s in self.stages)

    def table(self) -> str:
        """The summary: one row per function, one column per stage."""
        header = ["function", *[s.column for s in self.stages]]
        rows = [[n, *[s.cells.get(n, "-") for s in self.stages]] for n in self.names]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        lines = [fmt.format(*header).rstrip(), fmt.format(*["-" * w for w in widths])]
        lines += [fmt.format(*r).rstrip() for r in rows]
        return "\n".join(lines)


# -- fingerprints ------------------------------------------------------------------------------


def source_fingerprint(exclude: Iterable[Path] = ()) -> str:
    """sha256 over symact's version and every file of the package (so any change to symact counts),
    except the files in `exclude` (files the build itself generates inside the package)."""
    package = Path(__file__).resolve().parent
    skip = {Path(p).resolve() for p in exclude}
    digest = hashlib.sha256()
    try:
        from importlib.metadata import version

        digest.update(version("symact").encode())
    except Exception:  # not installed: the source alone decides
        digest.update(b"source")
    for path in sorted(package.rglob("*")):
        if path.suffix in {".pyc", ".pyo"} or "__pycache__" in path.parts or path in skip:
            continue
        if path.is_file():
            digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """(mtime_ns, size) of every file in the folders under root (hidden and cache folders left out;
    files directly in root, such as a redirected log, are not outputs)."""
    found: dict[str, tuple[int, int]] = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS]
        if Path(folder) == root:
            continue
        for name in files:
            path = Path(folder, name)
            try:
                st = path.stat()
            except OSError:
                continue
            found[str(path.relative_to(root))] = (st.st_mtime_ns, st.st_size)
    return found


def _written(before: Mapping[str, tuple[int, int]], root: Path) -> dict[str, str]:
    after = _snapshot(root)
    return {p: _file_hash(root / p) for p, stamp in after.items() if before.get(p) != stamp}


# -- the cache ---------------------------------------------------------------------------------


class _Cache:
    """``.symact-cache/build.json``: cells per (stage, record key), files per stage, durations."""

    def __init__(self, root: Path, *, read: bool) -> None:
        self.root = root
        self.dir = root / CACHE_DIR
        self.read = read
        try:
            data: dict[str, Any] = json.loads((self.dir / _CACHE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        if not read:  # results are not reused; durations still order the work
            data = {"durations": data.get("durations", {})}
        self.outputs: dict[str, dict[str, str]] = data.get("outputs", {})
        self.source = self.identity()
        if data.get("format") != _CACHE_FORMAT or data.get("source") != self.source:
            data = {"entries": {}, "outputs": {}, "durations": data.get("durations", {})}
        self.entries: dict[str, dict[str, Any]] = data.get("entries", {})
        self.outputs = data.get("outputs", {})
        self.durations: dict[str, float] = data.get("durations", {})
        self._drop_stale_outputs(root)

    def identity(self) -> str:
        """What every cached result depends on: symact's source and the time budget."""
        return f"{source_fingerprint(self.generated())}|budget={default_budget()!r}"

    def generated(self) -> list[Path]:
        """Every file a stage has written (so the ones inside the package leave its hash alone)."""
        return [self.root / rel for files in self.outputs.values() for rel in files]

    def _drop_stale_outputs(self, root: Path) -> None:
        for spec, files in list(self.outputs.items()):
            for rel, digest in files.items():
                path = root / rel
                if not path.is_file() or _file_hash(path) != digest:
                    self.entries = {k: v for k, v in self.entries.items() if not k.startswith(spec + "|")}
                    del self.outputs[spec]
                    break

    def get(self, key: str) -> dict[str, Any] | None:
        return self.entries.get(key) if self.read else None

    def put(self, key: str, entry: dict[str, Any]) -> None:
        self.entries[key] = entry

    def wrote(self, specs: Iterable[str], files: Mapping[str, str]) -> None:
        for spec in specs:
            self.outputs.setdefault(spec, {}).update(files)

    def refresh(self, root: Path) -> None:
        """Record the final content of every output (a later stage may rewrite an earlier one's)."""
        for files in self.outputs.values():
            for rel in list(files):
                path = root / rel
                if path.is_file():
                    files[rel] = _file_hash(path)
                else:
                    del files[rel]

    def save(self) -> None:
        self.dir.mkdir(exist_ok=True)
        (self.dir / ".gitignore").write_text("# generated by symact build\n*\n", encoding="utf-8")
        data = {
            "format": _CACHE_FORMAT,
            "source": self.identity(),
            "entries": self.entries,
            "outputs": self.outputs,
            "durations": self.durations,
        }
        tmp = self.dir / f".{_CACHE_FILE}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.dir / _CACHE_FILE)


# -- running stages ----------------------------------------------------------------------------


class _Named:
    """The function of a stage named ``"module:function"``, imported when first called."""

    def __init__(self, spec: str) -> None:
        self.spec = spec

    def load(self) -> Callable[..., StageResult]:
        module, func = self.spec.split(":")
        return getattr(importlib.import_module(module), func)  # type: ignore[no-any-return]

    def __call__(
        self, records: Sequence[Record], *, root: Path, progress: Progress, **inputs: Any
    ) -> StageResult:
        return self.load()(records, root=root, progress=progress, **inputs)


def as_stage(spec: str | Stage) -> Stage:
    """`spec` itself, or the stage named ``"module:function"`` scheduled as :data:`PER_RECORD`,
    :data:`CHECK_ONLY` and :data:`SIBLINGS` say (read when called)."""
    if isinstance(spec, Stage):
        return spec
    run = _Named(spec)
    per_record = spec in PER_RECORD or bool(getattr(run.load(), "per_record", False))
    return Stage(
        spec,
        run,
        per_record=per_record,
        check_only=spec in CHECK_ONLY,
        sibling=spec in SIBLINGS,
        reads=READS.get(spec, ()),
    )


def _label(name: str) -> str:
    """A short name for a stage: ``symact.derive.stage:run`` is ``derive``."""
    module, _, func = name.partition(":")
    short = ".".join(p for p in module.split(".") if p not in ("symact", "stage")) or module
    return short if func in ("run", "") else f"{short}:{func}"


def _column(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def stage_limit(count: int = 1) -> float:
    """Wall-clock seconds a stage may take for `count` functions before the build gives up on it:
    :data:`STAGE_LIMIT_FACTOR` times the time budget per function, at least a minute."""
    return max(60.0, STAGE_LIMIT_FACTOR * default_budget()) * count


def _call(
    stage: Stage,
    records: Sequence[Record],
    root: Path,
    progress: Progress,
    inputs: Mapping[str, StageResult] | None = None,
) -> StageResult:
    """Run one stage within :func:`stage_limit`; a crash or a time-out becomes a failure line.
    `inputs` (the results of the stages it reads) are passed when the stage reads any."""
    extra = {"inputs": dict(inputs or {})} if stage.reads else {}
    names = ", ".join(r.name for r in records) if len(records) <= 3 else f"{len(records)} functions"
    limit = stage.limit * len(records) if stage.limit is not None else stage_limit(len(records))
    timed_out = StageResult(column=_column(stage.name))
    try:
        result, expired = with_budget(
            stage.run, records, root=root, progress=progress, seconds=limit, fallback=timed_out, **extra
        )
        if expired:
            result.failures.append(f"stage {stage.name} gave up on {names} after {limit:.0f} s")
            result.cells.update({r.name: "TIMED OUT" for r in records})
            result.cacheable = False
        return result
    except Exception as exc:  # a stage's bug is reported, the build goes on
        result = StageResult(column=_column(stage.name))
        first = str(exc).splitlines()[0] if str(exc) else ""
        result.failures.append(f"stage {stage.name} crashed on {names}: {type(exc).__name__}: {first}")
        result.cells.update({r.name: "CRASHED" for r in records})
        result.cacheable = False
        return result


_WORK: dict[str, Record] = {}
"""Records for worker processes (inherited through fork, never pickled)."""

_STAGES: dict[str, Stage] = {}
"""Stages for worker processes, by name (inherited through fork, never pickled)."""


@dataclass
class _Part:
    """One stage's result for one record, from a worker."""

    spec: str
    result: StageResult


def _record_task(name: str, specs: Sequence[str], root: str) -> list[_Part]:
    """Worker: run the stages named `specs` for one record, in order."""
    record = _WORK[name]
    out = []
    for spec in specs:
        start = time.perf_counter()
        result = _call(_STAGES[spec], [record], Path(root), lambda message: None)
        result.seconds = time.perf_counter() - start
        out.append(_Part(spec, result))
    return out


def _died(spec: str, records: Sequence[Record], exc: BaseException) -> StageResult:
    """The result of a stage whose worker process died (killed, out of memory)."""
    names = ", ".join(r.name for r in records) if len(records) <= 3 else f"{len(records)} functions"
    result = StageResult(column=_column(spec), cacheable=False)
    result.failures.append(f"stage {spec}: the worker process for {names} died ({type(exc).__name__})")
    result.cells.update({r.name: "CRASHED" for r in records})
    return result


def _parts(future: cf.Future[list[_Part]], specs: Sequence[str], name: str) -> list[_Part]:
    try:
        return future.result()
    except Exception as exc:  # BrokenProcessPool and the like: that record failed, the build goes on
        return [_Part(spec, _died(spec, [_WORK[name]], exc)) for spec in specs]


def _outcome(future: cf.Future[StageResult], spec: str, records: Sequence[Record]) -> StageResult:
    try:
        return future.result()
    except Exception as exc:  # as above
        return _died(spec, records, exc)


def _pool(jobs: int, fork: bool | None = None) -> cf.Executor | None:
    """A pool of `jobs` forked worker processes, or None (one job; or `fork` is False, or None and
    :func:`~symact.pipeline.fork_is_safe` says no)."""
    if jobs <= 1 or not (fork_is_safe() if fork is None else fork):
        return None
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:
        return None
    return cf.ProcessPoolExecutor(max_workers=jobs, mp_context=context)


def _segments(stages: Sequence[Stage]) -> list[tuple[str, list[str]]]:
    """Consecutive stages grouped, by name: ("record", names) per-record, ("siblings", names)
    concurrent all-records stages, ("whole", [name]) any other."""
    groups: list[tuple[str, list[str]]] = []
    for stage in stages:
        kind = "record" if stage.per_record else "siblings" if stage.sibling else "whole"
        if groups and groups[-1][0] == kind and kind != "whole":
            groups[-1][1].append(stage.name)
        else:
            groups.append((kind, [stage.name]))
    return groups


_MESSAGES: list[Any] = []
"""The queue the workers of sibling stages send their progress lines to (inherited through fork)."""


def _forward(message: str) -> None:
    """A worker's progress line, to the main process (dropped where there is no queue)."""
    if _MESSAGES:
        _MESSAGES[0].put(message)


def _whole_task(spec: str, names: Sequence[str], root: str) -> StageResult:
    """Worker: one all-records stage (its progress lines go to the main process)."""
    start = time.perf_counter()
    result = _call(_STAGES[spec], [_WORK[n] for n in names], Path(root), _forward)
    result.seconds = time.perf_counter() - start
    return result


class _Run:
    """One build: the cache, the results per stage, the display."""

    def __init__(
        self,
        records: Sequence[Record],
        root: Path,
        progress: Progress,
        milestone: Progress,
        cache: _Cache,
        jobs: int,
        fork: bool | None = None,
    ) -> None:
        self.records = list(records)
        self.root = root
        self._lock = threading.Lock()
        self._progress, self._milestone = progress, milestone
        self.cache = cache
        self.jobs = jobs
        self.fork = fork
        self.keys = {r.name: record_fingerprint(r) for r in records}
        self.results: dict[str, StageResult] = {}
        self.pending: list[Callable[[], None]] = []

    def progress(self, message: str) -> None:
        with self._lock:
            self._progress(message)

    def milestone(self, message: str) -> None:
        with self._lock:
            self._milestone(message)

    def result(self, spec: str, column: str | None = None) -> StageResult:
        if spec not in self.results:
            self.results[spec] = StageResult(column=column or _column(spec))
        elif column and self.results[spec].column != column:
            self.results[spec].column = column
        return self.results[spec]

    def replay(self, spec: str, hit: Mapping[str, Any], count: int) -> None:
        res = self.result(spec, hit.get("column"))
        res.cells.update(hit.get("cells", {}))
        res.failures.extend(hit.get("failures", []))
        res.cached += count

    def store(self, key: str, result: StageResult) -> None:
        if result.cacheable:
            self.cache.put(key, {"column": result.column, "cells": result.cells, "failures": result.failures})

    def per_record(self, specs: list[str], *, background: bool = False) -> None:
        """Run `specs` function by function (cache misses only), in worker processes if jobs > 1.

        In the `background`, the main process goes on with the next stages meanwhile (for stages
        that write nothing a later stage reads); :meth:`finish` collects the results.
        """
        todo: dict[str, list[str]] = {}
        for record in self.records:
            for spec in specs:
                hit = self.cache.get(f"{spec}|{self.keys[record.name]}")
                if hit is None:
                    todo.setdefault(record.name, []).append(spec)
                else:
                    self.replay(spec, hit, 1)
        for spec in specs:
            self.result(spec)
        label = " + ".join(_label(s) for s in specs)
        if not todo:
            self.milestone(f"{label}: {len(self.records)} functions unchanged (cached)")
            return
        start = time.perf_counter()
        order = sorted(todo, key=lambda n: -self.cache.durations.get(f"{label}|{n}", 0.0))
        before = None if background else _snapshot(self.root)
        _WORK.update({r.name: r for r in self.records})
        workers = min(self.jobs, len(order))
        pool = _pool(workers, self.fork)
        outcomes: list[tuple[str, list[_Part]]] = []
        done = [0]

        def report(name: str, parts: list[_Part]) -> None:
            done[0] += 1
            state = "FAILED" if any(p.result.failures for p in parts) else "ok"
            total = sum(p.result.seconds for p in parts)
            self.progress(f"{label} [{done[0]}/{len(order)}] {name}: {state} ({total:.1f} s)")

        def on_done(future: cf.Future[list[_Part]]) -> None:
            if not future.cancelled() and future.exception() is None:
                report(futures[future], future.result())

        def finish() -> None:
            if pool is not None:
                cf.wait(futures)
                outcomes.extend((futures[f], _parts(f, todo[futures[f]], futures[f])) for f in futures)
                pool.shutdown()
            failed = 0
            for name, parts in outcomes:
                self.cache.durations[f"{label}|{name}"] = round(sum(p.result.seconds for p in parts), 3)
                failed += any(p.result.failures for p in parts)
                for part in parts:
                    res = self.result(part.spec, part.result.column)
                    res.cells.update(part.result.cells)
                    res.failures.extend(part.result.failures)
                    res.seconds += part.result.seconds
                    self.store(f"{part.spec}|{self.keys[name]}", part.result)
            if before is not None:
                self.cache.wrote(specs, _written(before, self.root))
            self.milestone(
                f"{label}: {len(order)} built, {len(self.records) - len(order)} cached, {failed} failed "
                f"({time.perf_counter() - start:.1f} s on {workers} process(es))"
            )

        futures: dict[cf.Future[list[_Part]], str] = {}
        if pool is None:
            for name in order:
                outcomes.append((name, _record_task(name, todo[name], str(self.root))))
                report(name, outcomes[-1][1])
            finish()
            return
        for name in order:
            try:
                future = pool.submit(_record_task, name, todo[name], str(self.root))
            except cf.process.BrokenProcessPool as exc:  # a worker died before this was handed out
                future = cf.Future()
                future.set_exception(exc)
            futures[future] = name
            future.add_done_callback(on_done)
        if background:
            self.milestone(
                f"{label}: {len(order)} functions running in the background on {workers} process(es)"
            )
            self.pending.append(finish)
        else:
            finish()

    def _whole_key(self, spec: str) -> str:
        digest = hashlib.sha256("".join(self.keys[r.name] for r in self.records).encode()).hexdigest()
        return f"{spec}|{digest}"

    def _cached_whole(self, spec: str) -> bool:
        hit = self.cache.get(self._whole_key(spec))
        if hit is not None:
            self.replay(spec, hit, len(self.records))
            self.milestone(f"{_label(spec)}: unchanged (cached)")
        return hit is not None

    def siblings(self, specs: list[str]) -> None:
        """All-records stages on parallel branches: each in its own worker process, at once."""
        todo = [spec for spec in specs if not self._cached_whole(spec)]
        pool = _pool(len(todo), self.fork) if len(todo) >= 2 and self.jobs >= 2 else None
        if pool is None:
            for spec in todo:
                self.whole(spec)
            return
        before = _snapshot(self.root)
        _WORK.update({r.name: r for r in self.records})
        names = [r.name for r in self.records]
        self.milestone(f"{' | '.join(_label(s) for s in todo)}: running side by side")
        queue = multiprocessing.get_context("fork").Queue()
        _MESSAGES[:] = [queue]  # before the pool forks its workers, which inherit it
        done = threading.Event()
        relay = threading.Thread(target=self._relay, args=(queue, done), daemon=True)
        relay.start()
        try:
            with pool:
                futures = {pool.submit(_whole_task, spec, names, str(self.root)): spec for spec in todo}
                for future in cf.as_completed(futures):
                    spec = futures[future]
                    got = _outcome(future, spec, self.records)
                    self.results[spec] = got
                    self.milestone(
                        f"{_label(spec)}: {'FAILED' if got.failures else 'ok'} ({got.seconds:.1f} s)"
                    )
                    self.store(self._whole_key(spec), got)
        finally:
            done.set()
            relay.join()
            _MESSAGES.clear()
        self.cache.wrote(todo, _written(before, self.root))

    def _relay(self, queue: Any, done: threading.Event) -> None:
        """Show the progress lines of the sibling stages' workers until `done` and nothing is left
        (the main process never writes to the queue: a worker killed while writing cannot block it)."""
        while True:
            try:
                self.progress(queue.get(timeout=0.2))
            except Empty:
                if done.is_set():
                    return

    def whole(self, spec: str) -> None:
        if self._cached_whole(spec):
            return
        key = self._whole_key(spec)
        before = _snapshot(self.root)
        start = time.perf_counter()
        stage = _STAGES[spec]
        if stage.reads:
            self.finish()  # the stages it reads may still run in the background
        inputs = {name: self.results[name] for name in stage.reads if name in self.results}
        got = _call(stage, self.records, self.root, self.progress, inputs)
        got.seconds = time.perf_counter() - start
        self.results[spec] = got
        self.milestone(f"{_label(spec)}: {'FAILED' if got.failures else 'ok'} ({got.seconds:.1f} s)")
        self.cache.wrote([spec], _written(before, self.root))
        self.store(key, got)

    def finish(self) -> None:
        for pending in self.pending:
            pending()
        self.pending.clear()


def _derivation_store(root: Path, identity: str, *, fresh: bool) -> Path:
    """The folder of derivations shared by this build's processes (:mod:`symact.derive.store`):
    one per source and budget (other ones are removed); emptied first when `fresh` (no cache)."""
    base = root / CACHE_DIR / "derive"
    folder = base / hashlib.sha256(identity.encode()).hexdigest()[:16]
    if base.is_dir():
        for other in base.iterdir():
            if other != folder or fresh:
                shutil.rmtree(other, ignore_errors=True)
    return folder


def run_build(
    records: Sequence[Record],
    *,
    root: Path,
    progress: Progress,
    stages: Sequence[str | Stage] | None = None,
    cache: bool = True,
    jobs: int = 1,
    milestone: Progress | None = None,
    fork: bool | None = None,
) -> BuildReport:
    """Run `stages` over `records` and return the report (see the module docstring).

    **Arguments:**
    - `records`: the functions to build; `root`: the project folder outputs are written under.
    - `progress`: called with one short line per event (a function done, a stage's own messages);
      `milestone`: called when a stage or group of stages ends (default: `progress`).
    - `stages`: :class:`~symact.pipeline.Stage` objects or ``"module:function"`` names, in order
      (default :data:`STAGES`); names must be unique.
    - `cache`: reuse ``.symact-cache/`` (it is written either way).
    - `jobs`: worker processes for per-record stages (1: in this process).
    - `fork`: whether worker processes may be forked (default: when
      :func:`~symact.pipeline.fork_is_safe`; True for stages that import nothing unsafe to fork).
    """
    root = Path(root)
    chosen = [as_stage(s) for s in (STAGES if stages is None else stages)]
    if len({s.name for s in chosen}) != len(chosen):
        raise ArgumentError("run_build: two stages have the same name")
    _STAGES.update({s.name: s for s in chosen})
    cached = _Cache(root, read=cache)
    run = _Run(records, root, progress, milestone or progress, cached, max(1, jobs), fork)
    previous = derivations.use(_derivation_store(root, cached.source, fresh=not cache))
    try:
        for kind, specs in _segments(chosen):
            if kind == "record":
                run.per_record(specs, background=all(_STAGES[s].check_only for s in specs))
            elif kind == "siblings":
                run.siblings(specs)
            else:
                run.whole(specs[0])
        run.finish()
    finally:
        derivations.use(previous)
    run.cache.refresh(root)
    try:
        run.cache.save()
    except OSError as exc:  # a read-only project still builds; it just is not incremental
        run.milestone(f"cache not written ({exc.strerror}): the next build starts from scratch")
    return BuildReport(names=[r.name for r in records], stages=[run.results[s.name] for s in chosen])
