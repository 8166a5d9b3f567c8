"""Extraction in worker processes, results back to one writer.

Each worker process builds the spaCy pipeline, the cue matchers, the gazetteer
and the date reader once (the pool's initializer), then reads articles; the
parent alone writes to SQLite. Results come back in input order, and storing is
order-independent anyway (ids are hashes of the content, stories take the
smallest id), so one worker and many store the same rows.

Workers start from a fork server, not by forking the caller: the caller may run
threads (the crawl's fetchers), and forking a threaded process is unsafe.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .pipeline import InputItem, Outcome, process_for_store

Task = TypeVar("Task")
Result = TypeVar("Result")

# Below this many articles per worker, starting processes (each builds the
# rules, about a second) costs more than it saves.
MIN_ARTICLES_PER_WORKER = 16
# Tasks handed to a worker at a time: small, so a slow article does not hold up others.
CHUNKSIZE = 4


def default_workers() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _warm() -> None:
    from .facts import get_fact_finder

    get_fact_finder()


def _peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed_call(function: Callable[[Any], Any], task: Any) -> tuple[Any, int, float]:
    return function(task), os.getpid(), _peak_rss_mb()


@dataclass
class WorkerStats:
    """Peak memory (MB) of each process that did the work, by process id."""

    peak_mb: dict[int, float] = field(default_factory=dict)

    def record(self, pid: int, peak: float) -> None:
        self.peak_mb[pid] = max(peak, self.peak_mb.get(pid, 0.0))


class WorkerPool:
    """``map`` a module-level function over tasks in ``workers`` processes (1: in this one)."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers or default_workers())
        self.stats = WorkerStats()
        self._pool: Any = None

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None

    def _start(self) -> Any:
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            # The fork server imports the library once; each worker still builds its own rules.
            context.set_forkserver_preload(["extractor.facts", "extractor.pipeline"])
            self._pool = context.Pool(self.workers, initializer=_warm)
        return self._pool

    def map(self, function: Callable[[Task], Result], tasks: Iterable[Task],
            expected: int | None = None) -> Iterator[Result]:
        """Results in the order of ``tasks``. ``expected`` (the number of tasks, when
        known) lets a small batch run in this process instead of starting workers."""
        workers = self.workers if expected is None else workers_for(expected, self.workers)
        if workers == 1:
            for task in tasks:
                result, pid, peak = _timed_call(function, task)
                self.stats.record(pid, peak)
                yield result
            return
        pool = self._start()
        calls = pool.imap(_Call(function), tasks, chunksize=CHUNKSIZE)
        for result, pid, peak in calls:
            self.stats.record(pid, peak)
            yield result


    def submit(self, function: Callable[[Task], Result], task: Task,
               done: Callable[[Result | None, BaseException | None], None]) -> None:
        """Run ``function(task)`` in a worker; ``done(result, error)`` is called when it ends.

        ``done`` runs in the pool's result thread (here, at once, with one
        worker): it should only hand the result on, e.g. to a queue.
        """
        if self.workers == 1:
            try:
                result, pid, peak = _timed_call(function, task)
            except Exception as error:  # handed to the caller, who reports it
                done(None, error)
                return
            self.stats.record(pid, peak)
            done(result, None)
            return

        def finished(value: tuple[Any, int, float]) -> None:
            result, pid, peak = value
            self.stats.record(pid, peak)
            done(result, None)

        self._start().apply_async(_Call(function), (task,), callback=finished,
                                  error_callback=lambda error: done(None, error))


class _Call:
    """A picklable ``_timed_call`` bound to its function."""

    def __init__(self, function: Callable[[Any], Any]) -> None:
        self.function = function

    def __call__(self, task: Any) -> tuple[Any, int, float]:
        return _timed_call(self.function, task)


def workers_for(articles: int, workers: int | None = None) -> int:
    """How many processes ``articles`` articles are worth (at most ``workers``, default the cores)."""
    return max(1, min(workers or default_workers(), articles // MIN_ARTICLES_PER_WORKER))


def process_parallel(items: list[InputItem], pool: WorkerPool) -> Iterator[Outcome]:
    """``pipeline.process_for_store`` over ``items`` in the pool's workers, in order: each
    outcome carries the rows to store (``prepared``) or the reason (``error``)."""
    return pool.map(process_for_store, items, expected=len(items))
