"""Lint many files: cheap files in this process, cached results reused, the rest over a process pool.

The order of work is free (largest files first, for balance) but the order of results is not: they
come back in the order of the input, so output never depends on scheduling or on `--jobs`.

A signal (`stop.py`) ends the run at once: it is checked between files, and the pool's workers are
ended where they are, not after the chunks they are linting.
"""
from __future__ import annotations

import gc
import os
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from skewlint.run import stop
from skewlint.run.engine import FileResult, _needs_parse, lint_bytes, lint_file
from skewlint.run.source import SourceError, read_bytes


@dataclass(frozen=True)
class Job:
    path: str
    enabled: frozenset
    display: str
    settings: object = None  # the file's Settings, part of the cache key
    edits: bool = True  # render fixes' text edits (`--fix`, `--diff`, the machine formats need them)


@dataclass
class Outcome:
    job: Job
    result: Optional[FileResult] = None
    error: Optional[str] = None  # an internal error: "Type: message"
    details: Optional[str] = None  # its traceback


def usable_cpus() -> int:
    """The CPUs this process may run on (affinity and cgroup-pinned containers), not the machine's."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def run(jobs: Sequence[Job], workers: int, cache=None, log: Optional[Callable[[str], None]] = None) -> List[Outcome]:
    """Lint every job; one Outcome per job, in the order of `jobs`."""
    outcomes: List[Optional[Outcome]] = [None] * len(jobs)
    pending: List[Tuple[int, int]] = []  # (index, size) of files that need a parse
    imports: Dict[int, List[str]] = {}  # index -> the project files it imports
    for index, job in enumerate(jobs):
        stop.check()
        if log:
            log(job.path)
        outcome, size, imports[index] = _triage(job, cache)
        if outcome is not None:
            outcomes[index] = outcome
        else:
            pending.append((index, size))
    # Largest first: a big file picked up last would leave the other workers idle at the end. But
    # the project files a file imports go before it: their summaries (the project index) are then
    # kept from their own lint, not parsed a second time for the importer.
    pending.sort(key=lambda item: -item[1])
    order, imported = _dependencies_first(jobs, [index for index, _ in pending], imports)
    size_of = dict(pending)
    sizes = [size_of[i] for i in order]
    work = [(jobs[i], i in imported) for i in order]
    for index, (outcome, digest) in zip(order, _lint_all(work, workers, sizes, hashed=cache is not None)):
        outcomes[index] = outcome
        if cache is not None and outcome.result is not None and digest is not None and not outcome.result.timed_out:
            cache.store(jobs[index], digest, outcome.result)
    return outcomes  # type: ignore[return-value]


def _dependencies_first(jobs: Sequence[Job], order: List[int], files: Dict[int, List[str]]
                        ) -> Tuple[List[int], set]:
    """`order` with every file after the files of this run that it imports (`files`: index -> the
    project files it imports; import cycles: in the given order), and the set of those imported."""
    by_path = {os.path.abspath(jobs[i].path): i for i in order}
    imports = {i: [by_path[p] for p in files[i] if p in by_path and by_path[p] != i] for i in order}
    imported = {d for deps in imports.values() for d in deps}
    result: List[int] = []
    placed: set = set()
    for root in order:
        if root in placed:
            continue  # placed already, as a dependency of an earlier file
        stack = [(root, iter(imports[root]))]
        placed.add(root)
        while stack:
            node, deps = stack[-1]
            dependency = next((d for d in deps if d not in placed), None)
            if dependency is None:
                stack.pop()
                result.append(node)
            else:
                placed.add(dependency)
                stack.append((dependency, iter(imports[dependency])))
    return result, imported


def _triage(job: Job, cache) -> Tuple[Optional[Outcome], int, List[str]]:
    """Settle a file here when that is cheap: unreadable, rejected by the prefilter, or cached.
    Otherwise return (None, its size, the project files it imports) and it goes to the pool."""
    try:
        data = read_bytes(job.path)
    except SourceError:
        return _guarded(job, lambda: lint_file(job.path, job.enabled, job.display, job.edits)), 0, []
    # The test lint_bytes makes first, and its result for such a file: it is never parsed, so it
    # is not worth a worker round trip or a cache entry. Notebooks are JSON: they take the long way.
    if not job.display.endswith(".ipynb") and not _needs_parse(data, job.enabled):
        return Outcome(job, FileResult(job.display)), len(data), []
    if cache is not None:
        cached = cache.load(job, data)
        if cached is not None:
            return Outcome(job, cached), len(data), []
    from skewlint.run.index import imported_files

    return None, len(data), imported_files(job.path, data) if job.path.endswith(".py") else []


def _guarded(job: Job, lint: Callable[[], FileResult]) -> Outcome:
    """One file's internal error is reported for that file; the others are still linted."""
    try:
        return Outcome(job, lint())
    except Exception as error:  # noqa: BLE001 - reported per file by the caller
        stop.check()  # the signal's exception, turned into another one: not this file's error
        return Outcome(job, error=f"{type(error).__name__}: {error}", details=traceback.format_exc())


def lint_one(job: Job, imported: bool = True, hashed: bool = True) -> Tuple[Outcome, Optional[str]]:
    """The job a worker runs: read, lint, and hash exactly the bytes that were linted (the file may
    have changed since it was triaged), so a cache entry never pairs a result with other content.
    `imported`: another file of the run imports it, so its summary is kept for that file. `hashed`:
    the run has a cache to store the result in (else no hash)."""
    from skewlint.run.cache import digest

    with _collected_once():
        try:
            data = read_bytes(job.path)
        except SourceError:
            return _guarded(job, lambda: lint_file(job.path, job.enabled, job.display, job.edits)), None
        return (_guarded(job, lambda: lint_bytes(data, job.display, job.enabled, job.path, imported, job.edits)),
                digest(data) if hashed else None)


@contextmanager
def _collected_once():
    """Python's cyclic collector runs every few hundred allocations and, as objects survive, walks
    older generations again and again; one file's syntax tree is millions of objects, alive until
    the file is done, so on real code those walks were a tenth of the whole run. They are paused
    for the file (the model then lets the tree go at once: `SemanticModel.release`), and what
    reference cycles remain are collected once at the end."""
    if not gc.isenabled():  # a caller that manages the collector itself
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)


def _lint_chunk(chunk: List[Tuple[Job, bool]], hashed: bool = True) -> List[Tuple[Outcome, Optional[str]]]:
    from skewlint.run.index import INDEX

    INDEX.expect(job.path for job, _ in chunk)
    results = []
    for job, imported in chunk:
        stop.check()
        results.append(lint_one(job, imported, hashed))
    return results


def _chunks(jobs: list, sizes: List[int], workers: int) -> List[list]:
    """Consecutive chunks of about equal bytes (the work is roughly linear in size): a big file
    goes alone, small ones travel together to amortize the round trip; about 8 chunks per
    worker keep the tail short. Consecutive, so results concatenate back in order."""
    budget = max(1, sum(sizes) // (workers * 8))
    chunks: List[list] = []
    current: list = []
    load = 0
    for job, size in zip(jobs, sizes):
        current.append(job)
        load += size
        if load >= budget or len(current) >= 32:
            chunks.append(current)
            current, load = [], 0
    if current:
        chunks.append(current)
    return chunks


def _lint_all(jobs: List[Tuple[Job, bool]], workers: int, sizes: Optional[List[int]] = None,
              hashed: bool = True) -> List[Tuple[Outcome, Optional[str]]]:
    workers = min(workers, len(jobs))
    if workers <= 1:
        return _lint_chunk(jobs, hashed)
    from concurrent.futures import ProcessPoolExecutor  # imported only when a pool is used
    from concurrent.futures.process import BrokenProcessPool

    chunks = _chunks(jobs, sizes if sizes is not None else [1] * len(jobs), workers)
    results: List[Tuple[Outcome, Optional[str]]] = []
    pool = None
    try:
        with stop.deferred():  # the workers start in the first submit
            pool = ProcessPoolExecutor(max_workers=workers, initializer=stop.in_worker)
            # Not pool.map: interrupted, it cancels its futures behind the pool's back, and the
            # pool's thread then fails on them (InvalidStateError) as _end_now ends the workers.
            futures = [pool.submit(_lint_chunk, chunk, hashed) for chunk in chunks]
        for future in futures:
            results.extend(future.result())
        pool.shutdown()
    except (BrokenProcessPool, OSError, ImportError, NotImplementedError):
        # No usable multiprocessing here (no /dev/shm, a sandbox), or a worker died (out of
        # memory, a crash in a native extension): finish the remaining files in this process.
        if pool is not None:
            _end_now(pool)  # what is left of it
        results.extend(_lint_chunk(jobs[len(results):], hashed))
    except BaseException:  # a signal: shutdown() would wait for the chunks in progress
        if pool is not None:
            _end_now(pool)
        raise
    return results


def _end_now(pool) -> None:
    """Drop the chunks not started and kill the workers where they are (`_processes` is private, the
    only handle on them before Python 3.14's `kill_workers()`). SIGKILL, not SIGTERM: a worker that
    a signal reaches while it is being forked loses it (Python clears a child's pending signals), and
    the pool's exit would wait for that worker forever."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.kill()
