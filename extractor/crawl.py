"""The nightly crawl: feeds and sitemaps → new article URLs → facts in SQLite.

A crawl is a loop over durable state, so that it can be killed at any moment
(even ``kill -9``) and started again with nothing lost and nothing stored twice:

1. *Discovery*: each feed and sitemap is fetched with a conditional GET; every
   article URL it lists is recorded in ``fetches`` (state ``pending``), with the
   feed item's title and date as evidence, in the same transaction that records
   the feed's new ETag. A listing that did not change costs one 304.
2. *Fetching*: pending URLs are fetched politely (``fetch.Fetcher``: robots.txt,
   a delay per host, one request at a time per host, hosts in parallel), then
   extracted in worker processes (``workers.WorkerPool``) and stored by this
   thread alone (one writer). An article, its facts
   and its URL's ``fetches`` row change in one transaction: a URL is ``done``
   exactly when its article is stored.
3. A ``runs`` row records what each run did; a run that never finished is
   marked ``interrupted`` by the next one.

Nothing here is about a particular site: sites are listed in a sources file.
"""

from __future__ import annotations

import json
import logging
import queue
import sys
import threading
import time
import tomllib
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils

from .discover import DiscoveredUrl, DiscoveryError, filter_since, parse_feed, parse_sitemap
from .errors import ExtractorError
from .fetch import Fetcher, FetchResult
from .pipeline import bug_reason, prepare_page
from .store import PreparedArticle, StoreError, save_extraction
from .urls import canonical_from_html, canonical_url
from .workers import WORKER_DIED, WorkerPool, workers_for

log = logging.getLogger(__name__)

# Failures worth another try in a later run: the site may be back by then.
TRANSIENT_STATUSES = {None, 408, 425, 429, 500, 502, 503, 504}
MAX_ATTEMPTS = 3
# How many sitemaps deep an index may lead (index → index → urlset).
MAX_SITEMAP_DEPTH = 3
# Pages fetched and not yet stored, at most (each up to the fetcher's size limit).
MAX_PAGES_WAITING = 64


class CrawlError(ExtractorError):
    """The crawl cannot start: a bad sources file or no source at all."""


@dataclass(frozen=True)
class Site:
    """One news site of a sources file."""

    name: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()


@dataclass
class RunCounts:
    discovered: int = 0
    fetched: int = 0
    not_modified: int = 0
    skipped: int = 0
    failed: int = 0
    facts_added: int = 0
    failures: dict[str, str] = field(default_factory=dict)

    def as_row(self) -> dict[str, Any]:
        return {
            "discovered": self.discovered, "fetched": self.fetched,
            "not_modified": self.not_modified, "skipped": self.skipped, "failed": self.failed,
            "facts_added": self.facts_added,
            "failures": json.dumps(self.failures, ensure_ascii=False, sort_keys=True),
        }


# -- sources ------------------------------------------------------------------


def load_sources(path: str) -> list[Site]:
    """Read a TOML sources file: ``[[site]]`` tables with ``name``, ``feeds``, ``sitemaps``."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise CrawlError(f"{path}: cannot read the sources file ({error})") from error
    sites = []
    for number, entry in enumerate(data.get("site", []), 1):
        if not isinstance(entry, dict) or not (entry.get("feeds") or entry.get("sitemaps")):
            raise CrawlError(f"{path}: site {number} needs a list of feeds or sitemaps")
        sites.append(Site(str(entry.get("name", f"site {number}")),
                          tuple(entry.get("feeds", ())), tuple(entry.get("sitemaps", ()))))
    if not sites:
        raise CrawlError(f"{path}: no [[site]] entries")
    return sites


# -- state ----------------------------------------------------------------------


def ensure_crawl_schema(db: sqlite_utils.Database) -> None:
    """The crawl's own tables; created when missing, never dropped."""
    with db.atomic():
        db["runs"].create({
            "id": int, "started_at": str, "ended_at": str, "status": str, "sources": str,
            "discovered": int, "fetched": int, "not_modified": int, "skipped": int,
            "failed": int, "facts_added": int, "failures": str,
        }, pk="id", if_not_exists=True)
        db["fetches"].create({
            "url": str, "kind": str, "state": str, "source": str, "listed_title": str,
            "listed_published": str, "status": int, "etag": str, "last_modified": str,
            "last_fetched": str, "attempts": int, "error": str, "article_id": str,
            "final_url": str,
        }, pk="url", not_null=["kind", "state"], if_not_exists=True)
        db["fetches"].create_index(["state", "kind"], if_not_exists=True)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _start_run(db: sqlite_utils.Database, sources: list[str]) -> int:
    with db.atomic():
        db.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")
        table = db["runs"]
        table.insert({"started_at": _now(), "status": "running",
                      "sources": json.dumps(sources, ensure_ascii=False)})
        return int(table.last_pk)


def _finish_run(db: sqlite_utils.Database, run_id: int, counts: RunCounts) -> None:
    with db.atomic():
        db["runs"].update(run_id, {**counts.as_row(), "ended_at": _now(), "status": "finished"})


# -- configuration ----------------------------------------------------------------


@dataclass(frozen=True)
class CrawlConfig:
    since: date | None = None
    max_articles: int | None = None
    parallel_hosts: int = 16
    # Processes that extract fetched pages (None: the cores; few pages use one).
    workers: int | None = None


Progress = Callable[[str, int], None]  # (event, amount): "total", "done"


def _no_progress(event: str, amount: int) -> None:
    return None


@dataclass(frozen=True)
class FetchedPage:
    """A fetched article page on its way to a worker process and back."""

    item: dict[str, Any]  # its fetches row: url, listed date, ...
    result: FetchResult
    canonical: str | None  # the page's rel=canonical, resolved


def extract_page(page: FetchedPage) -> tuple[PreparedArticle | None, str | None]:
    """``pipeline.prepare_page`` on a fetched page (runs in a worker process)."""
    url = page.item["url"]
    listed = page.item.get("listed")
    return prepare_page(page.result.content, input=url, url=page.canonical or url,
                        listed_date=str(listed) if listed else None)


# -- the crawl --------------------------------------------------------------------


class Crawler:
    """One crawl run over a database, with one polite fetcher for all hosts."""

    def __init__(self, db: sqlite_utils.Database, fetcher: Fetcher, config: CrawlConfig,
                 progress: Progress = _no_progress) -> None:
        ensure_crawl_schema(db)
        self.db = db
        self.fetcher = fetcher
        self.config = config
        self.progress = progress
        self.counts = RunCounts()
        # Peak memory (MB) of each process that extracted pages, by process id.
        self.extraction_peak_mb: dict[int, float] = {}

    # -- the two phases
    def crawl(self, feeds: Iterable[str] = (), sitemaps: Iterable[str] = ()) -> RunCounts:
        feeds, sitemaps = list(feeds), list(sitemaps)
        if not feeds and not sitemaps:
            raise CrawlError("nothing to crawl: give --feed, --sitemap or --sources")
        run_id = _start_run(self.db, feeds + sitemaps)
        self._discover_all([(url, "feed") for url in feeds] + [(url, "sitemap") for url in sitemaps])
        self._fetch_pending()
        _finish_run(self.db, run_id, self.counts)
        return self.counts

    def ingest_urls(self, urls: Iterable[str]) -> RunCounts:
        """Fetch and store URLs a researcher gives, with the crawl's politeness."""
        urls = list(urls)
        run_id = _start_run(self.db, ["urls"])
        items = [DiscoveredUrl(url=canonical_url(u), source="urls", title=None, published=None,
                               lastmod=None) for u in urls]
        with self.db.atomic():
            self._record_discovered(items, refetch=True)
        self._fetch_pending(only={item.url for item in items})
        _finish_run(self.db, run_id, self.counts)
        return self.counts

    # -- discovery
    def _discover_all(self, listings: list[tuple[str, str]]) -> None:
        """Fetch and parse every feed and sitemap, one thread per host; record here.

        Parsing is pure and happens in the host's thread; the database is
        written by this thread alone, one transaction per listing.
        """
        by_host: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for url, kind in listings:
            by_host[urlsplit(url).netloc].append((url, kind))
        records = {url: self._record(url) for url, _ in listings}
        parsed: queue.Queue[tuple[str, str, FetchResult, Any] | None] = queue.Queue()

        def read_host(items: list[tuple[str, str]]) -> None:
            todo = [(url, kind, 0) for url, kind in items]
            while todo:
                url, kind, depth = todo.pop(0)
                record = records.get(url) or {}
                result = self.fetcher.fetch(url, kind=kind, etag=record.get("etag"),
                                            last_modified=record.get("last_modified"))
                outcome: Any = None
                if result.ok and not result.not_modified:
                    try:
                        outcome = (parse_feed(result.content, url) if kind == "feed"
                                   else parse_sitemap(result.content, url))
                    except DiscoveryError as error:
                        outcome = error
                    if kind == "sitemap" and not isinstance(outcome, DiscoveryError) \
                            and depth < MAX_SITEMAP_DEPTH:
                        todo += [(child, "sitemap", depth + 1) for child in outcome.sitemaps]
                parsed.put((url, kind, result, outcome))

        workers = max(1, min(self.config.parallel_hosts, len(by_host)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="list") as pool:
            futures = [pool.submit(read_host, items) for items in by_host.values()]
            watcher = threading.Thread(target=lambda: ([f.exception() for f in futures],
                                                       parsed.put(None)), daemon=True)
            watcher.start()
            while (got := parsed.get()) is not None:
                self._record_listing(*got)

    def _record_listing(self, url: str, kind: str, result: FetchResult, outcome: Any) -> None:
        if result.not_modified:
            self.counts.not_modified += 1
            log.info("%s: not modified", url)
            return
        if result.error or isinstance(outcome, DiscoveryError):
            self._fail_listing(url, kind, result, str(outcome) if outcome else None)
            return
        items = outcome if kind == "feed" else outcome.urls
        items = [replace(item, url=canonical_url(item.url)) for item in items]
        items = filter_since(items, self.config.since)
        with self.db.atomic():
            added = self._record_discovered(items)
            self.db["fetches"].upsert(self._listing_row(url, kind, result), pk="url")
        self.counts.discovered += added
        log.info("%s: %d listed, %d new", url, len(items), added)

    def _listing_row(self, url: str, kind: str, result: FetchResult) -> dict[str, Any]:
        return {"url": url, "kind": kind, "state": "done", "status": result.status,
                "etag": result.etag, "last_modified": result.last_modified,
                "last_fetched": result.fetched_at, "error": None, "attempts": 0}

    def _fail_listing(self, url: str, kind: str, result: FetchResult,
                      reason: str | None = None) -> None:
        reason = reason or result.error or "unknown error"
        self.counts.failed += 1
        self.counts.failures[url] = reason
        log.warning("%s: %s", url, reason)
        with self.db.atomic():
            # Keep the old validators: the listing will be asked for in full next time.
            self.db["fetches"].upsert({"url": url, "kind": kind, "state": "failed",
                                       "status": result.status, "error": reason,
                                       "last_fetched": result.fetched_at}, pk="url")

    def _record(self, url: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT * FROM fetches WHERE url = ?", [url]).fetchone()
        if row is None:
            return None
        columns = [c[0] for c in self.db.execute("SELECT * FROM fetches LIMIT 0").description]
        return dict(zip(columns, row, strict=True))

    def _record_discovered(self, items: list[DiscoveredUrl], refetch: bool = False) -> int:
        """Add listed URLs as pending; a stored one comes back only when listed as newer."""
        added = 0
        for item in items:
            existing = self.db.execute(
                "SELECT state, listed_published, last_fetched FROM fetches WHERE url = ?",
                [item.url]).fetchone()
            listed = item.published or item.lastmod
            if existing is None:
                self.db["fetches"].insert({
                    "url": item.url, "kind": "article", "state": "pending",
                    "source": item.source, "listed_title": item.title,
                    "listed_published": listed, "attempts": 0,
                })
                added += 1
                continue
            state, old_listed, last_fetched = existing
            changed = listed and old_listed and listed > old_listed
            if refetch or (state == "done" and changed):
                self.db.execute("UPDATE fetches SET state = 'pending', listed_published = ?, "
                                "listed_title = coalesce(?, listed_title) WHERE url = ?",
                                [listed or old_listed, item.title, item.url])
        return added

    # -- fetching
    def _pending(self, only: set[str] | None) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT url, listed_published, etag, last_modified, attempts, state, status "
            "FROM fetches WHERE kind = 'article' AND (state = 'pending' OR "
            "(state = 'failed' AND attempts < ?)) ORDER BY rowid", [MAX_ATTEMPTS]).fetchall()
        pending = []
        for url, listed, etag, last_modified, attempts, state, status in rows:
            if only is not None and url not in only:
                continue
            if state == "failed" and status not in TRANSIENT_STATUSES:
                continue
            pending.append({"url": url, "listed": listed, "etag": etag,
                            "last_modified": last_modified, "attempts": attempts or 0})
        if self.config.max_articles is not None:
            pending = pending[: self.config.max_articles]
        return pending

    def _fetch_pending(self, only: set[str] | None = None) -> None:
        pending = self._pending(only)
        self.progress("total", len(pending))
        by_host: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for item in pending:
            by_host[urlsplit(item["url"]).netloc].append(item)
        # Fetch threads put ("fetched", item, result); extraction in the worker
        # processes puts ("extracted", page, (rows, error)); None: fetching is over.
        # Unbounded, so that no producer ever blocks on it (a blocked worker-pool
        # thread could not be shut down); ``room`` bounds the pages held instead.
        messages: queue.Queue[tuple[str, Any, Any] | None] = queue.Queue()
        room = threading.Semaphore(MAX_PAGES_WAITING)
        stop = threading.Event()

        def fetch_host(items: list[dict[str, Any]]) -> None:
            for item in items:
                while not room.acquire(timeout=0.2):
                    if stop.is_set():
                        return
                if stop.is_set():
                    return
                result = self.fetcher.fetch(item["url"], kind="page", etag=item["etag"],
                                            last_modified=item["last_modified"])
                messages.put(("fetched", item, result))

        threads = max(1, min(self.config.parallel_hosts, len(by_host)))
        in_flight = 0
        fetching = True
        retried: set[str] = set()
        with WorkerPool(workers_for(len(pending), self.config.workers)) as extractors, \
                ThreadPoolExecutor(max_workers=threads, thread_name_prefix="fetch") as pool:

            def extract(page: FetchedPage) -> None:
                extractors.submit(extract_page, page, lambda got, error:
                                  messages.put(("extracted", page, got or (None, error))))

            futures = [pool.submit(fetch_host, items) for items in by_host.values()]
            watcher = threading.Thread(target=lambda: ([f.exception() for f in futures],
                                                       messages.put(None)), daemon=True)
            watcher.start()
            try:
                while fetching or in_flight:
                    message = messages.get()
                    if message is None:
                        fetching = False
                    elif message[0] == "fetched":
                        page = self._accept(*message[1:])
                        if page is None:
                            room.release()
                            self.progress("done", 1)
                            continue
                        in_flight += 1
                        extract(page)
                    else:
                        page, (rows, error) = message[1:]
                        if isinstance(error, BrokenProcessPool) and page.item["url"] not in retried:
                            # Its worker died, maybe under another page: once more, in new workers.
                            retried.add(page.item["url"])
                            extract(page)
                            continue
                        in_flight -= 1
                        room.release()
                        self._store(page, (rows, error))
                        self.progress("done", 1)
            finally:
                self.extraction_peak_mb.update(extractors.stats.peak_mb)
                stop.set()

    def _accept(self, item: dict[str, Any], result: FetchResult) -> FetchedPage | None:
        """Record a fetch that needs no extraction (unchanged, failed, a duplicate URL);
        else the page to extract."""
        url = item["url"]
        if result.not_modified:
            self.counts.not_modified += 1
            with self.db.atomic():
                self.db.execute("UPDATE fetches SET state = 'done' WHERE url = ?", [url])
            return None
        if result.error:
            self._fail(url, item, result, result.error)
            return None
        canonical = canonical_from_html(result.content, result.final_url or url)
        if canonical and canonical != url:
            owner = self.db.execute("SELECT article_id FROM fetches WHERE url = ? AND "
                                    "state = 'done' AND article_id IS NOT NULL",
                                    [canonical]).fetchone()
            if owner is not None:
                # One article reached by two URLs is stored once.
                self.counts.skipped += 1
                with self.db.atomic():
                    self._done(url, result, owner[0], state="duplicate")
                return None
        return FetchedPage(item, result, canonical)

    def _store(self, page: FetchedPage, extracted: tuple[PreparedArticle | None, Any]) -> None:
        """Store an extracted page with its URL's state, in one transaction (or record why not).

        ``extracted`` is ``extract_page``'s answer, or (None, the exception it raised).
        """
        item, result, canonical = page.item, page.result, page.canonical
        url = item["url"]
        rows, reason = extracted
        if rows is None:
            if isinstance(reason, BrokenProcessPool):
                reason = f"{url}: {WORKER_DIED}"
            elif isinstance(reason, BaseException):  # a bug, not a bad page: say what it was
                reason = bug_reason(url, reason)
            self._fail(url, item, result, str(reason), permanent=True)
            return
        try:
            with self.db.atomic():
                saved = save_extraction(self.db, rows, link_stories=True)
                self._done(url, result, saved.article_id)
                if canonical and canonical != url:
                    self._done(canonical, result, saved.article_id)
        except StoreError as store_error:
            self._fail(url, item, result, str(store_error), permanent=True)
            return
        self.counts.fetched += 1
        self.counts.facts_added += saved.facts_added

    def _done(self, url: str, result: FetchResult, article_id: str, state: str = "done") -> None:
        self.db["fetches"].upsert({
            "url": url, "kind": "article", "state": state, "status": result.status,
            "etag": result.etag, "last_modified": result.last_modified,
            "last_fetched": result.fetched_at, "error": None, "article_id": article_id,
            "final_url": result.final_url,
        }, pk="url")

    def _fail(self, url: str, item: dict[str, Any], result: FetchResult, reason: str,
              permanent: bool = False) -> None:
        self.counts.failed += 1
        self.counts.failures[url] = reason
        log.warning("%s: %s", url, reason)
        attempts = MAX_ATTEMPTS if permanent else item["attempts"] + 1
        with self.db.atomic():
            self.db["fetches"].upsert({
                "url": url, "kind": "article", "state": "failed", "status": result.status,
                "error": reason, "attempts": attempts, "last_fetched": result.fetched_at,
                "final_url": result.final_url,
            }, pk="url")


# -- progress ---------------------------------------------------------------------


def terminal_progress(stream: Any = None) -> Progress:
    """A progress bar on a terminal, a plain log line every 25 articles elsewhere."""
    stream = stream or sys.stderr
    state = {"total": 0, "done": 0, "started": time.monotonic()}
    tty = hasattr(stream, "isatty") and stream.isatty()

    def report(event: str, amount: int) -> None:
        state[event] = state[event] + amount if event == "done" else amount
        done, total = state["done"], state["total"]
        if tty:
            width = 30
            filled = int(width * done / total) if total else width
            stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} articles")
            if done >= total:
                stream.write("\n")
            stream.flush()
        elif event == "total":
            log.info("%d articles to fetch", total)
        elif done % 25 == 0 or done == total:
            log.info("%d/%d articles fetched (%.0f s)", done, total,
                     time.monotonic() - state["started"])

    return report
