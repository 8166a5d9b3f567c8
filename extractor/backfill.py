"""Backfill from web archives on Dask: WARC/ARC files → shards → SQLite.

The heavy part (reading archives, extracting facts) runs on Dask distributed:
a local cluster by default, or any existing scheduler. One task reads one
archive file and writes everything it found to a *shard*, a gzipped JSON-lines
file that appears under its final name only when complete (written aside, then
renamed). The driver alone writes SQLite: it merges each shard, with a row in
``backfill_inputs`` recording the file as loaded, in one transaction, then
deletes the shard.

So nothing is lost or stored twice: a task retried after its worker died
rewrites the same shard; a rerun skips every loaded file and merges a shard a
killed driver left behind without reading its archive again; and storing an
article already stored changes nothing (ids are content hashes).

Each worker builds the spaCy pipeline and the rules once (a worker plugin), as
the worker processes of ``ingest`` do, and runs the same per-page function as
``crawl`` (``pipeline.prepare_page``).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import urllib.request
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils

from .archives import (
    ARCHIVE_SUFFIXES,
    ArchiveCounts,
    ArchiveError,
    ArchiveFilter,
    HostFilter,
    is_archive,
    read_archive,
)
from .errors import ExtractorError
from .patternfiles import PATTERNS_DIR
from .pipeline import is_url, prepare_page
from .store import PreparedArticle, forget_story_index, save_many

log = logging.getLogger(__name__)

DEFAULT_HOSTS_FILE = PATTERNS_DIR / "news_hosts.txt"
# A task lost with its worker is run again this many times before the file is given up.
TASK_RETRIES = 3
# Archives given as URLs are fetched whole by the worker before reading (CC-NEWS files are ~1 GB).
MAX_ARCHIVE_BYTES = 10_000_000_000
DOWNLOAD_TIMEOUT = 120  # seconds without a byte
DOWNLOAD_USER_AGENT = "adminduk-facts-backfill/0.1 (archive reader)"
# Reasons kept per file for pages that held no article (the rest are counted).
REFUSED_EXAMPLES = 20


class BackfillError(ExtractorError):
    """The backfill cannot start: no archives given, no cluster reachable."""


@dataclass(frozen=True)
class BackfillOptions:
    """What every task needs to know, sent with it to the worker."""

    domains: tuple[str, ...]
    since: str | None = None  # YYYY-MM-DD, capture dates
    until: str | None = None

    def archive_filter(self) -> ArchiveFilter:
        return ArchiveFilter(
            HostFilter(self.domains),
            date.fromisoformat(self.since) if self.since else None,
            date.fromisoformat(self.until) if self.until else None,
        )


@dataclass
class BackfillReport:
    """What a run did, over all its files."""

    files: int = 0
    skipped: int = 0  # loaded by an earlier run
    loaded: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # file -> reason
    records: int = 0
    pages: int = 0
    new: int = 0
    unchanged: int = 0
    facts_added: int = 0
    refused: int = 0  # pages with no article in them
    bad: Counter[str] = field(default_factory=Counter)  # reason -> records
    passed: Counter[str] = field(default_factory=Counter)


# -- inputs -----------------------------------------------------------------------


def archive_inputs(sources: Iterable[str]) -> list[str]:
    """Archives from paths, http(s) URLs, folders (the archives in them) and list files (a path or
    URL per line; relative paths are relative to the list). Local paths come back absolute."""
    found: list[str] = []
    for source in sources:
        if is_url(source):
            found.append(source)
            continue
        path = Path(source)
        if path.is_dir():
            found += [str(p) for p in sorted(path.iterdir()) if p.is_file() and is_archive(p)]
        elif is_archive(path) or not path.is_file():
            found.append(str(path))  # a missing archive is reported by the run, not dropped
        else:
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except UnicodeDecodeError as error:
                raise BackfillError(f"{path}: neither an archive (.warc, .warc.gz, .arc, .arc.gz) "
                                    "nor a text list of them") from error
            for line in lines:
                line = line.split("#", 1)[0].strip()
                if line:
                    entry = Path(line)
                    found.append(line if is_url(line) or entry.is_absolute() else str(path.parent / entry))
    unique = dict.fromkeys(source if is_url(source) else str(Path(source).resolve()) for source in found)
    return list(unique)


def input_key(source: str | Path) -> str:
    """An archive's name for its shard and its Dask task: a hash of its URL or absolute path."""
    name = str(source) if is_url(str(source)) else str(Path(source).resolve())
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]


def shard_path(shard_dir: str | Path, source: str | Path) -> Path:
    """Where the shard of an archive appears when its task is done."""
    return Path(shard_dir) / f"{input_key(source)}.jsonl.gz"


def _download(url: str, folder: Path) -> Path:
    """Fetch an archive into ``folder`` (a file of this process's own); ArchiveError if it cannot."""
    suffix = next((s for s in sorted(ARCHIVE_SUFFIXES, key=len, reverse=True)
                   if urlsplit(url).path.lower().endswith(s)), ".warc.gz")
    target = folder / f"{input_key(url)}.{os.getpid()}.download{suffix}"
    request = urllib.request.Request(url, headers={"User-Agent": DOWNLOAD_USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT) as response, target.open("wb") as out:
            copied = 0
            while chunk := response.read(1 << 20):
                copied += len(chunk)
                if copied > MAX_ARCHIVE_BYTES:
                    raise ArchiveError(f"{url}: over {MAX_ARCHIVE_BYTES // 1_000_000_000} GB, not read")
                out.write(chunk)
    except (OSError, ValueError) as error:  # URLError, HTTPError and timeouts are OSErrors
        target.unlink(missing_ok=True)
        raise ArchiveError(f"{url}: cannot download ({error})") from error
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


# -- the task (runs on a Dask worker) -----------------------------------------------


def extract_archive(source: str, shard_dir: str, options: BackfillOptions) -> dict[str, Any]:
    """Every page of one archive (a path, or a URL fetched first), extracted, into a shard;
    returns the archive's counts.

    The shard is written under a name of this process's own and renamed when
    complete, so a reader never sees half a shard, and two attempts of one task
    (a retry after a lost worker) cannot mix their lines.
    """
    if not is_url(source):
        return _extract_file(source, source, shard_dir, options)
    try:
        local = _download(source, Path(shard_dir))
    except ArchiveError as error:
        return {"input": source, "error": str(error)}
    try:
        return _extract_file(source, str(local), shard_dir, options)
    finally:
        local.unlink(missing_ok=True)


def _extract_file(source: str, path: str, shard_dir: str, options: BackfillOptions) -> dict[str, Any]:
    counts = ArchiveCounts()
    shard = shard_path(shard_dir, source)
    partial = shard.with_name(f"{shard.name}.{os.getpid()}.part")
    refused: list[str] = []
    refused_count = 0
    try:
        with gzip.open(partial, "wt", encoding="utf-8") as out:
            for page in read_archive(path, options.archive_filter(), counts):
                rows, reason = prepare_page(page.content, input=f"{source}#{page.offset}", url=page.url)
                if rows is None:
                    refused_count += 1
                    if len(refused) < REFUSED_EXAMPLES:
                        refused.append(str(reason))
                    continue
                out.write(json.dumps(asdict(rows), ensure_ascii=False) + "\n")
            summary = {**counts.as_dict(), "refused": refused_count, "refused_examples": refused,
                       "archive_size": os.path.getsize(path)}  # a rerun reads a changed file again
            out.write(json.dumps({"summary": summary}, ensure_ascii=False) + "\n")
    except ArchiveError as error:
        partial.unlink(missing_ok=True)
        return {"input": source, "error": str(error)}
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, shard)
    return {"input": source, "shard": str(shard), **summary}


# What reading a shard that is not a whole one raises (zlib.error is no OSError).
_UNREADABLE_SHARD = (OSError, EOFError, ValueError, zlib.error, BackfillError)


class ShardReader:
    """A shard's rows, read once, and its summary (its last line), known when they are read."""

    def __init__(self, shard: Path) -> None:
        self.shard = shard
        self.summary: dict[str, Any] = {}

    def rows(self) -> Iterator[PreparedArticle]:
        """The rows, lazily; raises BackfillError at the end when the summary line is missing."""
        with gzip.open(self.shard, "rt", encoding="utf-8") as lines:
            for line in lines:
                row = json.loads(line)
                if "summary" in row:
                    self.summary = row["summary"]
                else:
                    yield PreparedArticle(**row)
        if not self.summary:
            raise BackfillError(f"{self.shard}: a shard without its summary line (not written by this tool?)")

    def read_summary(self) -> dict[str, Any]:
        """The summary alone (the rows are read and dropped)."""
        for _ in self.rows():
            pass
        return self.summary


def pipeline_plugin() -> Any:
    from distributed.diagnostics.plugin import WorkerPlugin

    class BuildPipeline(WorkerPlugin):
        """Builds the spaCy pipeline and the rules once, when a worker starts."""

        name = "adminduk-build-pipeline"

        def setup(self, worker: Any) -> None:
            from .facts import get_fact_finder

            get_fact_finder()

    return BuildPipeline()


# -- the driver -------------------------------------------------------------------


def ensure_backfill_schema(db: sqlite_utils.Database) -> None:
    db["backfill_inputs"].create({
        "input": str, "size": int, "loaded_at": str, "records": int, "pages": int,
        "articles_new": int, "articles_unchanged": int, "facts_added": int, "refused": int,
        "bad": str, "passed": str,
    }, pk="input", if_not_exists=True)


def _loaded(db: sqlite_utils.Database) -> dict[str, int]:
    return {row[0]: row[1] for row in db.execute("SELECT input, size FROM backfill_inputs")}


@contextmanager
def dask_client(scheduler: str | None, workers: int | None) -> Iterator[Any]:
    """A client of the scheduler at ``scheduler``, or of a new local cluster of ``workers`` processes."""
    from dask.distributed import Client, LocalCluster

    from .workers import default_workers

    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as error:
            raise BackfillError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from error
        with client:
            yield client
        return
    # One thread per worker process: the extraction holds the GIL. Everything,
    # the dashboard included, listens on loopback only, on ports the system picks.
    quiet = logging.getLogger("distributed")
    level = quiet.level
    if not log.isEnabledFor(logging.DEBUG):
        quiet.setLevel(logging.WARNING)  # its start-up chatter is not the user's business
    try:
        with LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1, processes=True,
                          host="127.0.0.1", dashboard_address="127.0.0.1:0",
                          silence_logs=logging.WARNING) as cluster, Client(cluster) as client:
            log.info("local Dask cluster of %d workers, dashboard at %s",
                     len(cluster.workers), cluster.dashboard_link)
            yield client
    finally:
        quiet.setLevel(level)


def merge_shard(db: sqlite_utils.Database, archive: str, shard: Path, report: BackfillReport) -> None:
    """Store a shard's articles and mark its archive loaded, in one transaction; then delete it."""
    # One pass: the summary comes last, so it is known once save_many has read the rows;
    # a shard without it raises there, and the transaction stores nothing of it.
    reader = ShardReader(shard)
    try:
        with db.atomic():
            results = save_many(db, reader.rows(), link_stories=True)
            summary = reader.summary
            statuses = Counter(r.status for r in results)
            stored = statuses["new"] + statuses["updated"]
            refused = summary["refused"] + statuses["failed"]  # no article in it, or not storable
            facts_added = sum(r.facts_added for r in results)
            db["backfill_inputs"].upsert({
                "input": archive, "size": summary.get("archive_size"),
                "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "records": summary["records"], "pages": summary["pages"],
                "articles_new": stored,
                "articles_unchanged": statuses["unchanged"], "facts_added": facts_added,
                "refused": refused,
                "bad": json.dumps(summary["bad"], sort_keys=True),
                "passed": json.dumps(summary["passed"], sort_keys=True),
            }, pk="input")
    except BaseException:
        forget_story_index(db)  # it learnt the articles just rolled back
        raise
    shard.unlink(missing_ok=True)
    for result in results:
        if result.status == "failed":
            log.warning("%s: %s", archive, result.error)
    report.loaded += 1
    report.records += summary["records"]
    report.pages += summary["pages"]
    report.new += stored
    report.unchanged += statuses["unchanged"]
    report.facts_added += facts_added
    report.refused += refused
    report.bad.update(summary["bad"])
    report.passed.update(summary["passed"])


def run_backfill(
    db: sqlite_utils.Database, sources: Iterable[str], shard_dir: Path, options: BackfillOptions,
    *, scheduler: str | None = None, workers: int | None = None, progress: bool = True,
) -> BackfillReport:
    """Extract every archive of ``sources`` on Dask and merge the results into ``db``."""
    from tqdm import tqdm

    ensure_backfill_schema(db)
    archives = archive_inputs(sources)
    if not archives:
        raise BackfillError("no archive files given (.warc, .warc.gz, .arc, .arc.gz, or a list of them)")
    report = BackfillReport(files=len(archives))
    shard_dir.mkdir(parents=True, exist_ok=True)
    loaded = _loaded(db)
    todo: list[str] = []
    for archive in archives:
        if not is_url(archive) and not Path(archive).is_file():
            report.failed[archive] = "no such file"
        elif archive in loaded and _unchanged(archive, loaded[archive]):
            report.skipped += 1
            shard_path(shard_dir, archive).unlink(missing_ok=True)
        else:
            todo.append(archive)
    with tqdm(total=len(archives), initial=report.skipped + len(report.failed), unit="file",
              desc="backfill", disable=not progress, dynamic_ncols=True) as bar:

        def fail(archive: str, reason: str) -> None:
            report.failed[archive] = reason
            log.warning("%s: %s", archive, reason)
            bar.update(1)

        def done(archive: str, shard: Path) -> None:
            try:
                merge_shard(db, archive, shard, report)
            except (*_UNREADABLE_SHARD, KeyError, TypeError) as error:
                # Not a shard this tool finished (or its disk failed): the next run reads the archive again.
                shard.unlink(missing_ok=True)
                fail(archive, f"its shard {shard} could not be read ({error}); deleted")
                return
            bar.update(1)
            bar.set_postfix(records=report.records, pages=report.pages, facts=report.facts_added)

        # Shards a killed run finished but did not merge: merged without reading their archives again.
        remaining = []
        for archive in todo:
            shard = shard_path(shard_dir, archive)
            made_from = _shard_size(shard) if shard.is_file() else None
            if made_from is not None and _unchanged(archive, made_from):
                done(archive, shard)
            else:
                shard.unlink(missing_ok=True)  # none, or made from an earlier version of the file
                remaining.append(archive)
        if remaining:
            _extract_on_dask(remaining, shard_dir, options, scheduler, workers, done, fail)
    return report


def _extract_on_dask(archives: list[str], shard_dir: Path, options: BackfillOptions,
                     scheduler: str | None, workers: int | None,
                     done: Callable[[str, Path], None], fail: Callable[[str, str], None]) -> None:
    """One task per archive; ``done`` or ``fail`` for each as it finishes."""
    from dask.distributed import as_completed

    with dask_client(scheduler, workers) as client:
        client.register_plugin(pipeline_plugin())
        futures = {
            client.submit(extract_archive, archive, str(shard_dir), options,
                          key=f"archive-{input_key(archive)}", retries=TASK_RETRIES): archive
            for archive in archives
        }
        for future in as_completed(futures):
            archive = futures[future]
            try:
                result = future.result()
            except Exception as error:  # the task failed on every attempt: this file only
                result = {"error": f"{type(error).__name__}: {error}"}
            if "error" in result:
                fail(archive, result["error"])
            else:
                done(archive, Path(result["shard"]))
            future.release()


def _unchanged(archive: str, size: int | None) -> bool:
    """Whether an archive that had ``size`` bytes when it was read is still the same.

    An archive at a URL does not change (CC-NEWS files never do); a file is
    read again if its size changed.
    """
    return is_url(archive) or size == Path(archive).stat().st_size


def _shard_size(shard: Path) -> int | None:
    """The size of the archive a shard was made from (None: unreadable)."""
    try:
        return ShardReader(shard).read_summary().get("archive_size")
    except _UNREADABLE_SHARD:
        return None
