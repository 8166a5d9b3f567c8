"""Backfill from web archives on a real Dask cluster of worker processes on 127.0.0.1."""

from __future__ import annotations

import gzip
import json
import os
import signal
import sqlite3
import threading
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from cli import cli
from extractor.archives import ArchiveCounts, ArchiveFilter, HostFilter, read_archive
from extractor.backfill import (
    BackfillError,
    BackfillOptions,
    BackfillReport,
    ensure_backfill_schema,
    extract_archive,
    input_key,
    merge_shard,
    run_backfill,
    shard_path,
)
from extractor.regions import get_gazetteer
from extractor.store import load_regions, open_store
from tests.warcs import (
    CorpusPage,
    bad_http_header,
    corpus_pages,
    request,
    response,
    truncated,
    write_arc,
    write_warc,
)

# Columns that differ between ingest and backfill by design: when a row was
# written, and where it was read from (a file path, or an archive and offset).
NOT_COMPARED = {"ingested_at", "input", "content_hash"}
TABLES = ("articles", "facts", "awards", "article_regions")


def _rows(path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    try:
        out = {}
        for table in TABLES:
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])") if r[1] not in NOT_COMPARED]
            sql = f"SELECT {', '.join(f'[{c}]' for c in columns)} FROM [{table}]"
            out[table] = sorted(conn.execute(sql).fetchall(), key=repr)
        return out
    finally:
        conn.close()


def _hosts_file(tmp_path: Path) -> Path:
    hosts = sorted({urlsplit(p.url).hostname or "" for p in corpus_pages()})
    path = tmp_path / "hosts.txt"
    path.write_text("# the corpus's sites\n" + "\n".join(hosts) + "\n", encoding="utf-8")
    return path


def _archive_with_noise(path: Path) -> Path:
    """Every corpus page, with what real archives hold besides: requests, other sites,
    an image, a 404, a gzip member cut short and a broken HTTP header in the middle."""
    pages = corpus_pages()
    members = []
    for number, page in enumerate(pages):
        members += [request(page.url), response(page.url, page.html)]
        if number == 4:
            members.append(truncated(response(page.url + "-cut", page.html)))
        if number == 7:
            members.append(bad_http_header(page.url + "-bad"))
    members.append(response("https://example.com/berita/1", pages[0].html))
    members.append(response(pages[0].url + "/logo.png", b"\x89PNG\r\n", content_type="image/png"))
    members.append(response(pages[0].url + "/hilang", b"<html>404</html>", status="404 Not Found"))
    return write_warc(path, members)


def _many_pages_archive(path: Path, copies: int, tag: str) -> Path:
    """``copies`` of every corpus page under new URLs: a file that takes a worker a few seconds."""
    members = [response(f"{page.url}-{tag}{n}", page.html) for n in range(copies) for page in corpus_pages()]
    return write_warc(path, members)


# -- reading archives (no cluster) ----------------------------------------------------


def test_bad_records_are_counted_and_the_file_goes_on(tmp_path: Path) -> None:
    archive = _archive_with_noise(tmp_path / "noise.warc.gz")
    counts = ArchiveCounts()
    keep = ArchiveFilter(HostFilter.from_file(_hosts_file(tmp_path)))
    pages = list(read_archive(archive, keep, counts))
    expected = corpus_pages()
    # every page is read, those after the cut member and the broken header too
    assert [p.url for p in pages] == [p.url for p in expected]
    assert dict(counts.bad) == {"corrupt or truncated gzip member": 1, "bad HTTP header": 1}
    assert dict(counts.passed) == {"not a response": len(expected), "another site": 1, "not HTML": 1,
                                   "HTTP 404": 1}


def test_dates_and_hosts_filter_records(tmp_path: Path) -> None:
    page = corpus_pages()[0]
    archive = write_warc(tmp_path / "dates.warc.gz", [
        response(page.url, page.html, captured="2023-05-01T00:00:00Z"),
        response(page.url + "-2", page.html, captured="2024-11-20T00:00:00Z"),
        response("https://sub." + (urlsplit(page.url).hostname or "") + "/x", page.html),
    ])
    counts = ArchiveCounts()
    keep = ArchiveFilter(HostFilter([urlsplit(page.url).hostname or ""]),
                         since=date(2024, 1, 1))
    urls = [p.url for p in read_archive(archive, keep, counts)]
    assert urls == [page.url + "-2", "https://sub." + (urlsplit(page.url).hostname or "") + "/x"]
    assert counts.passed["outside the dates"] == 1


@pytest.mark.parametrize("content", [b"", b"not an archive at all\n" * 10, b"\x1f\x8b\x08garbage"])
def test_a_file_that_is_no_archive_is_a_bad_record_not_a_crash(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.warc.gz"
    path.write_bytes(content)
    counts = ArchiveCounts()
    assert list(read_archive(path, ArchiveFilter(HostFilter(["*"])), counts)) == []
    assert sum(counts.bad.values()) == 1


def test_arc_files_are_read_with_warcio(tmp_path: Path) -> None:
    pages = corpus_pages()[:3]
    archive = write_arc(tmp_path / "old.arc", pages)
    counts = ArchiveCounts()
    got = list(read_archive(archive, ArchiveFilter(HostFilter(["*"])), counts))
    assert [p.url for p in got] == [p.url for p in pages]
    assert got[0].content == pages[0].html
    assert counts.records == 4 and counts.passed["not a response"] == 1  # the file header


@pytest.mark.parametrize("form", ["warc", "arc"])
def test_a_response_with_an_empty_body_is_a_bad_record_in_either_form(tmp_path: Path, form: str) -> None:
    good = corpus_pages()[0]
    empty = CorpusPage("empty", good.url + "-kosong", b" \r\n ")
    if form == "warc":
        archive = write_warc(tmp_path / "pages.warc.gz", [response(p.url, p.html) for p in (empty, good)])
    else:
        archive = write_arc(tmp_path / "pages.arc", [empty, good])
    counts = ArchiveCounts()
    got = list(read_archive(archive, ArchiveFilter(HostFilter(["*"])), counts))
    assert [p.url for p in got] == [good.url]
    assert dict(counts.bad) == {"empty body": 1} and counts.pages == 1


# -- the backfill on a cluster ------------------------------------------------------------


def test_backfill_stores_what_ingest_stores_and_a_rerun_changes_nothing(tmp_path: Path) -> None:
    archive = _archive_with_noise(tmp_path / "noise.warc.gz")
    old = write_arc(tmp_path / "old.arc", corpus_pages()[:2])
    listing = tmp_path / "archives.txt"
    listing.write_text(f"{old.name}\n# a file that is gone\nmissing.warc.gz\n", encoding="utf-8")
    hosts = _hosts_file(tmp_path)
    runner = CliRunner()
    backfilled = tmp_path / "backfill.db"
    args = ["backfill", str(archive), str(listing), "--db", str(backfilled), "--workers", "2",
            "--hosts", str(hosts), "--no-progress"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "missing.warc.gz: no such file" in result.output
    assert "1 corrupt or truncated gzip member, 1 bad HTTP header" in result.output
    assert not list((tmp_path / "backfill.db.shards").iterdir())  # merged and removed

    # ingest of the same pages (saved as files, with their URLs)
    folder = tmp_path / "pages"
    folder.mkdir()
    with (folder / "manifest.jsonl").open("w", encoding="utf-8") as manifest:
        for page in corpus_pages():
            (folder / f"{page.name}.html").write_bytes(page.html)
            manifest.write(json.dumps({"id": page.name, "url": page.url}) + "\n")
    ingested = tmp_path / "ingest.db"
    result = runner.invoke(cli, ["ingest", str(folder), "--db", str(ingested), "--workers", "1"])
    assert result.exit_code == 0, result.output
    before = _rows(backfilled)
    assert before["facts"] and before == _rows(ingested)

    conn = sqlite3.connect(backfilled)
    loaded = {Path(row[0]).name: (row[1], json.loads(row[2])) for row in
              conn.execute("SELECT input, pages, bad FROM backfill_inputs")}
    conn.close()
    assert loaded == {"noise.warc.gz": (len(corpus_pages()), {"corrupt or truncated gzip member": 1,
                                                              "bad HTTP header": 1}),
                      "old.arc": (2, {})}

    again = runner.invoke(cli, args)
    assert "0 loaded, 2 loaded before" in again.output, again.output
    assert _rows(backfilled) == before


def test_a_shard_left_by_a_killed_driver_is_merged_without_reading_the_archive(tmp_path: Path) -> None:
    archive = _many_pages_archive(tmp_path / "a.warc.gz", 1, "a")
    shards = tmp_path / "shards"
    shards.mkdir()
    options = BackfillOptions(("*",))
    summary = extract_archive(str(archive), str(shards), options)  # the task finished ...
    assert Path(summary["shard"]).name == f"{input_key(archive)}.jsonl.gz"
    size = archive.stat().st_size
    archive.write_bytes(b"\0" * size)  # ... and its archive can no longer give anything
    db = open_store(str(tmp_path / "facts.db"))
    load_regions(db, get_gazetteer().regions())
    report = run_backfill(db, [str(archive)], shards, options, progress=False)
    facts = db.execute("SELECT count(*) FROM facts").fetchone()[0]
    db.close()
    assert report.loaded == 1 and report.pages == len(corpus_pages()) and facts > 0
    assert not list(shards.iterdir())


def test_a_shard_without_its_summary_stores_nothing_and_the_whole_one_stores_all(tmp_path: Path) -> None:
    archive = _many_pages_archive(tmp_path / "a.warc.gz", 1, "a")
    shards = tmp_path / "shards"
    shards.mkdir()
    shard = Path(extract_archive(str(archive), str(shards), BackfillOptions(("*",)))["shard"])
    lines = gzip.decompress(shard.read_bytes()).decode("utf-8").splitlines(keepends=True)
    assert '"summary"' in lines[-1] and len(lines) > 2
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(gzip.compress("".join(lines[:-1]).encode("utf-8")))  # every row, no summary
    db = open_store(str(tmp_path / "facts.db"))
    load_regions(db, get_gazetteer().regions())
    ensure_backfill_schema(db)
    report = BackfillReport()
    with pytest.raises(BackfillError, match="without its summary"):
        merge_shard(db, str(archive), cut, report)
    assert db["articles"].count == 0 and db["backfill_inputs"].count == 0 and report.loaded == 0
    assert cut.exists()  # the caller decides (run_backfill deletes it and reads the archive again)

    merge_shard(db, str(archive), shard, report)
    assert report.loaded == 1 and report.pages == len(lines) - 1
    assert db["articles"].count == len(lines) - 1 and db["backfill_inputs"].count == 1
    assert not shard.exists()
    db.close()


@pytest.fixture(scope="module")
def cluster():  # type: ignore[no-untyped-def]
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0") as local:
        yield local


def _backfill(db_path: Path, archives: list[Path], address: str, shards: Path) -> None:
    db = open_store(str(db_path))
    load_regions(db, get_gazetteer().regions())
    try:
        run_backfill(db, [str(a) for a in archives], shards, BackfillOptions(("*",)), scheduler=address,
                     progress=False)
    finally:
        db.close()


def test_a_worker_killed_in_a_task_changes_nothing_in_the_result(cluster, tmp_path: Path) -> None:
    from dask.distributed import Client

    archives = [_many_pages_archive(tmp_path / f"{tag}.warc.gz", 6, tag) for tag in ("a", "b", "c")]
    clean = tmp_path / "clean.db"
    _backfill(clean, archives, cluster.scheduler_address, tmp_path / "clean.shards")

    killed = tmp_path / "killed.db"
    run = threading.Thread(target=_backfill,
                           args=(killed, archives, cluster.scheduler_address, tmp_path / "killed.shards"))
    with Client(cluster.scheduler_address) as client:
        run.start()
        victim = None
        deadline = time.monotonic() + 60
        while victim is None and time.monotonic() < deadline:
            busy = [worker for worker, keys in client.processing().items()
                    if any(str(k).startswith("archive-") for k in keys)]
            if busy:
                time.sleep(1.0)  # well into the task
                victim = client.run(os.getpid, workers=[busy[0]])[busy[0]]
            else:
                time.sleep(0.05)
        assert victim is not None, "no task started"
        os.kill(victim, signal.SIGKILL)
        run.join(timeout=180)
        assert not run.is_alive()
        # the nanny replaced the killed process, and the run still ended
        assert victim not in client.run(os.getpid).values()
    rows = _rows(killed)
    assert rows == _rows(clean) and rows["facts"]
    conn = sqlite3.connect(killed)
    assert conn.execute("SELECT count(*) - count(DISTINCT url) FROM articles").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM backfill_inputs").fetchone()[0] == 3
    conn.close()
    _backfill(killed, archives, cluster.scheduler_address, tmp_path / "killed.shards")
    assert _rows(killed) == rows


def test_a_binary_file_that_is_no_archive_nor_list_is_refused_with_a_reason(tmp_path: Path) -> None:
    odd = tmp_path / "scan.pdf"
    odd.write_bytes(b"%PDF-1.4\n\xff\xfe\x00\x81binary")
    result = CliRunner().invoke(cli, ["backfill", str(odd), "--db", str(tmp_path / "f.db"), "--no-progress"])
    assert result.exit_code == 1
    assert "neither an archive" in result.output


def test_a_shard_that_is_not_one_is_made_again_from_its_archive(cluster, tmp_path: Path) -> None:
    archive = _many_pages_archive(tmp_path / "a.warc.gz", 1, "a")
    shards = tmp_path / "shards"
    shards.mkdir()
    shard_path(shards, archive).write_bytes(b"\x1f\x8b\x08 not a finished shard")
    _backfill(tmp_path / "facts.db", [archive], cluster.scheduler_address, shards)
    conn = sqlite3.connect(tmp_path / "facts.db")
    assert conn.execute("SELECT pages FROM backfill_inputs").fetchone() == (len(corpus_pages()),)
    conn.close()
    assert not list(shards.iterdir())


@pytest.fixture
def archive_server(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A plain static file server on 127.0.0.1 over a folder, as data.commoncrawl.org serves WARCs."""
    import functools
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    folder = tmp_path / "served"
    folder.mkdir()

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_archives_given_as_urls_are_fetched_by_the_workers(cluster, archive_server, tmp_path: Path) -> None:
    folder, base = archive_server
    local = _many_pages_archive(folder / "part-000.warc.gz", 1, "u")
    listing = tmp_path / "cc-news.paths"
    listing.write_text(f"{base}/part-000.warc.gz\n{base}/part-404.warc.gz\n", encoding="utf-8")

    by_url = tmp_path / "by-url.db"
    db = open_store(str(by_url))
    load_regions(db, get_gazetteer().regions())
    report = run_backfill(db, [str(listing)], tmp_path / "shards", BackfillOptions(("*",)),
                          scheduler=cluster.scheduler_address, progress=False)
    again = run_backfill(db, [str(listing)], tmp_path / "shards", BackfillOptions(("*",)),
                         scheduler=cluster.scheduler_address, progress=False)
    db.close()
    assert report.loaded == 1 and report.pages == len(corpus_pages())
    assert list(report.failed) == [f"{base}/part-404.warc.gz"]
    assert "cannot download" in report.failed[f"{base}/part-404.warc.gz"] and "404" in report.failed[
        f"{base}/part-404.warc.gz"]
    assert again.skipped == 1 and again.loaded == 0  # loaded before; the missing one is tried again
    assert not [p for p in (tmp_path / "shards").iterdir()]  # no shard and no download left behind

    by_path = tmp_path / "by-path.db"
    _backfill(by_path, [local], cluster.scheduler_address, tmp_path / "path-shards")
    assert _rows(by_url) == _rows(by_path) and _rows(by_url)["facts"]


def test_a_page_over_the_size_limit_is_passed_over_with_its_reason(tmp_path: Path) -> None:
    page = corpus_pages()[0]
    huge = b"<html><body>" + b"<p>isi</p>" * 600_000 + b"</body></html>"  # 6 MB
    archive = write_warc(tmp_path / "big.warc.gz", [response(page.url + "-besar", huge),
                                                    response(page.url, page.html)])
    counts = ArchiveCounts()
    urls = [p.url for p in read_archive(archive, ArchiveFilter(HostFilter(["*"])), counts)]
    assert urls == [page.url]
    assert counts.passed == {"over 5 MB": 1}
