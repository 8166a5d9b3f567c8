"""The crawl end to end against generated news sites on 127.0.0.1 (tests/httpsite.py)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from extractor.crawl import CrawlConfig, Crawler
from extractor.fetch import FetchConfig, Fetcher
from extractor.regions import get_gazetteer
from extractor.store import load_regions, open_store
from tests.httpsite import FAULTS, NewsSite

ROOT = Path(__file__).resolve().parents[1]
# Columns that say when, not what: they differ between any two runs.
VOLATILE = {"ingested_at", "last_fetched", "fetched_at"}
CONTENT_TABLES = ("articles", "facts", "awards", "article_regions", "regions", "fetches")


def _fetcher(delay: float = 0.0, **overrides: object) -> Fetcher:
    config = FetchConfig(delay=delay, allow_private=True, timeout=2.0, deadline=5.0, retries=2,
                         backoff=0.05, retry_after_cap=5.0)
    for key, value in overrides.items():
        config = type(config)(**{**config.__dict__, key: value})
    return Fetcher(config)


def _db(path: Path):  # type: ignore[no-untyped-def]
    db = open_store(str(path))
    load_regions(db, get_gazetteer().regions())
    return db


def _contents(path: Path) -> dict[str, list[tuple]]:
    """Every row of every content table, without the columns that record times."""
    conn = sqlite3.connect(path)
    out = {}
    for table in CONTENT_TABLES:
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")]
        keep = [c for c in columns if c not in VOLATILE]
        rows = conn.execute(f"SELECT {', '.join(f'[{c}]' for c in keep)} FROM [{table}] "
                            f"ORDER BY {', '.join(f'[{c}]' for c in keep)}").fetchall()
        out[table] = rows
    conn.close()
    return out


def _article_count(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def big_site():  # type: ignore[no-untyped-def]
    with NewsSite(articles=200, feeds=3, seed=1) as site:
        yield site


def test_pages_extracted_in_two_worker_processes_store_what_one_process_stores(big_site, tmp_path) -> None:
    contents = {}
    for workers in (1, 2):
        path = tmp_path / f"w{workers}.db"
        db = _db(path)
        crawler = Crawler(db, _fetcher(), CrawlConfig(workers=workers))
        run = crawler.crawl(big_site.feed_urls, [big_site.sitemap_url])
        db.close()
        assert run.fetched == 200 and run.failed == 0, run
        processes = set(crawler.extraction_peak_mb)
        if workers == 1:
            assert processes == {os.getpid()}
        else:  # worker processes (the second may join late: workers start on demand)
            assert 1 <= len(processes) <= workers and os.getpid() not in processes
        contents[workers] = _contents(path)
    assert contents[1]["facts"] and contents[1] == contents[2]


def test_crawl_stores_each_article_once_and_then_only_what_is_new(big_site, tmp_path) -> None:
    site = big_site
    site.clear_log()  # the site is shared with other tests of this module
    path = tmp_path / "facts.db"
    db = _db(path)
    first = Crawler(db, _fetcher(), CrawlConfig()).crawl(site.feed_urls, [site.sitemap_url])
    stored = db.execute("SELECT count(*), count(DISTINCT url) FROM articles").fetchone()
    assert stored == (200, 200), first
    assert first.fetched == 200 and first.failed == 0
    # each article page was fetched once: the feeds, the sitemaps and the AMP /
    # tracking variants all lead to the same canonical URL
    article_paths = {a.path for a in site.articles}
    fetched_pages = [r.path for r in site.log if r.path.split("?")[0] in article_paths]
    assert len(fetched_pages) == 200
    db.close()

    before = _contents(path)
    site.clear_log()
    db = _db(path)
    second = Crawler(db, _fetcher(), CrawlConfig()).crawl(site.feed_urls, [site.sitemap_url])
    db.close()
    assert (second.fetched, second.discovered) == (0, 0), second
    assert _contents(path) == before
    assert not [r for r in site.log if r.path.split("?")[0] in article_paths]

    new = site.add_articles(5)
    db = _db(path)
    third = Crawler(db, _fetcher(), CrawlConfig()).crawl(site.feed_urls, [site.sitemap_url])
    urls = {row[0] for row in db.execute("SELECT url FROM articles")}
    db.close()
    assert third.fetched == 5 and third.discovered == 5
    assert {a.url for a in new} <= urls and len(urls) == 205
    runs = sqlite3.connect(path).execute(
        "SELECT status, fetched FROM runs ORDER BY id").fetchall()
    assert runs == [("finished", 200), ("finished", 0), ("finished", 5)]


def test_faults_end_in_a_recorded_reason_and_the_crawl_goes_on(tmp_path) -> None:
    with NewsSite(articles=6, feeds=1, seed=2, slow_seconds=3.0) as site:
        db = _db(tmp_path / "facts.db")
        fetcher = _fetcher(timeout=1.0, deadline=2.0, max_bytes=2_000_000)
        run = Crawler(db, fetcher, CrawlConfig()).crawl(
            [site.feed_urls[0], site.fault_feed_url, site.url(FAULTS["not_xml_feed"])], [])
        failures = run.failures
        reasons = dict(db.execute("SELECT url, error FROM fetches WHERE state = 'failed'").fetchall())
        articles = {row[0] for row in db.execute("SELECT url FROM articles")}
        db.close()
    assert set(site.article_urls) <= articles  # the good articles are all stored
    expect = {
        "not_found": "404", "redirect_loop": "redirect", "slow": "timed out",
        "huge": "larger than", "gzip_bomb": "larger than", "metadata_redirect": "metadata",
        "image": "content type", "private": "robots.txt", "retry_after_long": "asks to wait",
    }
    for name, words in expect.items():
        url = site.url(FAULTS[name])
        reason = failures.get(url) or reasons.get(url) or ""
        assert words.lower() in reason.lower(), (name, reason)
    assert "feed" in failures[site.url(FAULTS["not_xml_feed"])].lower()
    # a fault that recovers (500 then 200, 429 then 200) ends stored
    for name in ("flaky", "rate_limited", "unavailable"):
        assert site.url(FAULTS[name]) in articles, name
    # the page in windows-1252 declared as UTF-8 is read, not garbled
    cp1252 = site.url(FAULTS["cp1252"])
    assert cp1252 in articles


def test_politeness_from_the_request_log(tmp_path) -> None:
    delay = 0.25
    with NewsSite(articles=12, feeds=2, seed=3) as one, NewsSite(articles=12, feeds=2, seed=4) as two:
        db = _db(tmp_path / "facts.db")
        Crawler(db, _fetcher(delay), CrawlConfig()).crawl(one.feed_urls + two.feed_urls, [])
        db.close()
        for site in (one, two):
            times = [r.time for r in site.log]
            gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
            # the log stamps a request when it is answered; a tiny slack covers that
            assert min(gaps) >= delay - 0.02, (site.host, min(gaps))
            assert not [r for r in site.log if r.path.startswith("/private/")]
            assert all((r.user_agent or "").startswith("adminduk-facts") for r in site.log)
        # the two hosts were crawled at the same time, not one after the other
        assert one.log[0].time < two.log[-1].time and two.log[0].time < one.log[-1].time


def _crawl_command(db: Path, site: NewsSite) -> list[str]:
    command = [sys.executable, str(ROOT / "cli.py"), "-q", "crawl", "--db", str(db),
               "--delay", "0.02", "--allow-private", "--sitemap", site.sitemap_url]
    for feed in site.feed_urls:
        command += ["--feed", feed]
    return command


def test_a_crawl_killed_at_five_moments_ends_like_an_uninterrupted_one(tmp_path) -> None:
    with NewsSite(articles=30, feeds=3, seed=5) as site:
        reference = tmp_path / "reference.db"
        done = subprocess.run(_crawl_command(reference, site), capture_output=True, text=True,
                              timeout=240, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        assert _article_count(reference) == 30

        killed = tmp_path / "killed.db"
        kills = 0
        for stored_before_kill in (0, 3, 10, 18, 26):
            process = subprocess.Popen(_crawl_command(killed, site), cwd=ROOT,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 120
            while process.poll() is None and time.monotonic() < deadline:
                if killed.exists() and _count_or_zero(killed) > stored_before_kill:
                    break
                time.sleep(0.01)
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
                kills += 1
            process.wait(timeout=30)
        assert kills >= 4  # the crawl was really cut short, again and again
        finished = subprocess.run(_crawl_command(killed, site), capture_output=True, text=True,
                                  timeout=240, cwd=ROOT)
        assert finished.returncode == 0, finished.stderr
        assert _contents(killed) == _contents(reference)
        statuses = [r[0] for r in sqlite3.connect(killed).execute("SELECT status FROM runs")]
        assert statuses[-1] == "finished" and "interrupted" in statuses


def _count_or_zero(path: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.1)
        try:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def test_ingest_urls_from_a_file(tmp_path) -> None:
    with NewsSite(articles=4, feeds=1, seed=6) as site:
        urls_file = tmp_path / "urls.txt"
        urls_file.write_text("# articles to read\n" + "\n".join(site.article_urls) + "\n")
        command = [sys.executable, str(ROOT / "cli.py"), "ingest", "--db", str(tmp_path / "f.db"),
                   "--urls-file", str(urls_file), "--delay", "0.02", "--allow-private",
                   site.url(FAULTS["not_found"])]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "404" in done.stderr
    assert _article_count(tmp_path / "f.db") == 4
