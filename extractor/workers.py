"""Extraction in worker processes, results back to one writer.

Each worker process builds the spaCy pipeline, the cue matchers, the gazetteer
and the date reader once (the pool's initializer), then reads articles; the
parent alone writes to SQLite. Results come back in input order, and storing is
order-independent anyway (ids are hashes of the content, stories take the
smallest id), so one worker and many store the same rows.

Workers start from a fork server, not by forking the caller: the caller may run
threads (the crawl's fetchers), and forking a threaded process is unsafe.

A worker process can die under a task (the kernel's out-of-memory killer, a
crash inside a C library on a strange page). The pool then starts new workers
and runs the unfinished tasks again one at a time, so that only the task that
kills its worker is given up, with a reason; the rest of the batch goes on.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, TypeVar

from .pipeline import InputItem, Outcome, process_for_store

log = logging.getLogger(__name__)

Task = TypeVar("Task")
Result = TypeVar("Result")

# Below this many articles per worker, starting processes (each builds the
# rules, about a second) costs more than it saves.
MIN_ARTICLES_PER_WORKER = 16
# Tasks in flight per worker: enough to keep it busy while the writer stores a
# batch (16 let the workers run dry: two workers gave 1.72x one, 64 give 1.78-1.83x),
# few enough that a worker's death costs little to run again.
IN_FLIGHT_PER_WORKER = 64
# Tasks sent to a worker in one trip: fewer trips, while a slow article holds up few others.
CHUNK = 4
WORKER_DIED = ("the worker process reading it died (out of memory, or a crash in a library); "
               "the other articles went on")


def default_workers() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def workers_for(articles: int, workers: int | None = None) -> int:
    """How many processes ``articles`` articles are worth (at most ``workers``, default the cores)."""
    return max(1, min(workers or default_workers(), articles // MIN_ARTICLES_PER_WORKER))


def _warm() -> None:
    from .facts import get_fact_finder

    get_fact_finder()


def peak_rss_mb() -> float:
    """The peak resident memory of this process so far, in MB (ru_maxrss is in kilobytes on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _pid_after(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def _timed_call(function: Callable[[Any], Any], task: Any) -> tuple[Any, int, float]:
    return function(task), os.getpid(), peak_rss_mb()


class _Call:
    """A picklable ``_timed_call`` bound to its function."""

    def __init__(self, function: Callable[[Any], Any]) -> None:
        self.function = function

    def __call__(self, task: Any) -> tuple[Any, int, float]:
        return _timed_call(self.function, task)


class _ChunkCall(_Call):
    """The function over a list of tasks: one trip to a worker and back for several."""

    def __call__(self, tasks: list[Any]) -> tuple[list[Any], int, float]:
        return _timed_call(self._each, tasks)

    def _each(self, tasks: list[Any]) -> list[Any]:
        return [self.function(task) for task in tasks]


@dataclass(frozen=True)
class _Running:
    """A task (or chunk of tasks) sent to a worker, and the pool to restart if that worker dies."""

    task: Any
    future: Future
    executor: ProcessPoolExecutor


@dataclass
class WorkerStats:
    """Peak memory (MB) of each process that did the work, by process id."""

    peak_mb: dict[int, float] = field(default_factory=dict)
    deaths: int = 0  # worker processes that died under a task

    def record(self, pid: int, peak: float) -> None:
        self.peak_mb[pid] = max(peak, self.peak_mb.get(pid, 0.0))


class WorkerPool:
    """Run a module-level function over tasks in ``workers`` processes (1: in this one)."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers or default_workers())
        self.stats = WorkerStats()
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    # -- the processes
    def _started(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                context = multiprocessing.get_context("forkserver")
                # The fork server imports the library once; each worker still builds its own rules.
                context.set_forkserver_preload(["extractor.facts", "extractor.pipeline"])
                self._executor = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_warm)
            return self._executor

    def _restart(self, broken: ProcessPoolExecutor) -> None:
        """Replace a pool whose worker died (every other caller then gets the new one)."""
        with self._lock:
            if self._executor is not broken:
                return  # another thread did it already
            self._executor = None
            self.stats.deaths += 1
        log.warning("a worker process died; starting the workers again")
        broken.shutdown(wait=False, cancel_futures=True)

    def _submit(self, call: _Call, task: Any) -> _Running:
        """``call(task)`` in a worker, starting new workers if the pool is broken."""
        executor = self._started()
        try:
            future = executor.submit(call, task)
        except BrokenProcessPool:
            self._restart(executor)
            executor = self._started()
            future = executor.submit(call, task)
        return _Running(task, future, executor)

    def _run_here(self, function: Callable[[Any], Any], task: Any) -> Any:
        """``function(task)`` in this process (one worker), its memory recorded like a worker's."""
        result, pid, peak = _timed_call(function, task)
        self.stats.record(pid, peak)
        return result

    def _result(self, future: Future) -> Any:
        result, pid, peak = future.result()
        self.stats.record(pid, peak)
        return result

    # -- what callers use
    def start_all(self, timeout: float = 120.0) -> None:
        """Start every worker and wait until each has built its rules.

        Workers start on demand, and the first one ready takes tasks while the
        others still build their rules; a measurement wants them all ready first.
        """
        if self.workers == 1:
            return
        ready: set[int] = set()
        deadline = time.monotonic() + timeout
        while len(ready) < self.workers and time.monotonic() < deadline:
            executor = self._started()
            # Busy for a moment each, so that one worker cannot answer them all.
            ready |= {f.result() for f in [executor.submit(_pid_after, 0.2) for _ in range(self.workers)]}

    def map(self, function: Callable[[Task], Result], tasks: Iterable[Task],
            expected: int | None = None,
            on_death: Callable[[Task], Result] | None = None) -> Iterator[Result]:
        """Results in the order of ``tasks``.

        ``expected`` (the number of tasks, when known) lets a small batch run in
        this process instead of starting workers. ``on_death(task)`` stands in
        for the result of a task whose worker process died under it twice
        (without it, that raises BrokenProcessPool).
        """
        workers = self.workers if expected is None else workers_for(expected, self.workers)
        if workers == 1:
            for task in tasks:
                yield self._run_here(function, task)
            return
        call = _ChunkCall(function)
        pending = iter(tasks)
        window: deque[_Running] = deque()  # chunks in flight, in input order
        while True:
            while len(window) * CHUNK < self.workers * IN_FLIGHT_PER_WORKER:
                chunk = list(islice(pending, CHUNK))
                if not chunk:
                    break
                window.append(self._submit(call, chunk))
            if not window:
                return
            try:
                results = self._result(window[0].future)
            except BrokenProcessPool:
                self._restart(window[0].executor)
                yield from self._one_at_a_time(call, window, on_death)
                continue
            window.popleft()
            yield from results

    def _one_at_a_time(self, call: _ChunkCall, window: deque[_Running],
                       on_death: Callable[[Any], Any] | None) -> Iterator[Any]:
        """After a death: the window's finished results, and its other tasks run again one by one."""
        while window:
            running = window.popleft()
            if running.future.done() and not isinstance(running.future.exception(), BrokenProcessPool):
                yield from self._result(running.future)
                continue
            for task in running.task:
                retry = self._submit(call, [task])
                try:
                    yield from self._result(retry.future)
                except BrokenProcessPool:
                    self._restart(retry.executor)
                    log.error("a worker process died twice on %r: given up", task)
                    if on_death is None:
                        raise
                    yield on_death(task)

    def submit(self, function: Callable[[Task], Result], task: Task,
               done: Callable[[Result | None, BaseException | None], None]) -> None:
        """Run ``function(task)`` in a worker; ``done(result, error)`` is called when it ends.

        ``done`` runs in the pool's own thread (here, at once, with one worker):
        it should only hand the result on, e.g. to a queue. A task whose worker
        died ends with a BrokenProcessPool error; the next ``submit`` starts new
        workers, so the caller may submit it again.
        """
        if self.workers == 1:
            try:
                result = self._run_here(function, task)
            except Exception as error:  # handed to the caller, who reports it
                done(None, error)
                return
            done(result, None)
            return

        def finished(future: Future) -> None:
            try:
                result = self._result(future)
            except BaseException as error:  # handed to the caller, who reports it
                done(None, error)
                return
            done(result, None)

        self._submit(_Call(function), task).future.add_done_callback(finished)


def _died(item: InputItem) -> Outcome:
    return Outcome(item, None, f"{item.source}: {WORKER_DIED}")


def process_parallel(items: list[InputItem], pool: WorkerPool) -> Iterator[Outcome]:
    """``pipeline.process_for_store`` over ``items`` in the pool's workers, in order: each
    outcome carries the rows to store (``prepared``) or the reason (``error``)."""
    return pool.map(process_for_store, items, expected=len(items), on_death=_died)
