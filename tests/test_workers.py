"""Extraction in worker processes stores the same rows as in one process."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import cli
from extractor.bench import table_rows, texts_to_folder
from extractor.pipeline import expand_inputs
from extractor.workers import WorkerPool, process_parallel

ROOT = Path(__file__).resolve().parents[1]


def test_two_workers_store_the_same_rows_as_one(tmp_path: Path) -> None:
    runner = CliRunner()
    for workers in ("1", "2"):
        result = runner.invoke(cli, ["ingest", str(ROOT / "corpus"), "--db", str(tmp_path / f"w{workers}.db"),
                                     "--workers", workers])
        assert result.exit_code == 0, result.output
    one, two = table_rows(tmp_path / "w1.db"), table_rows(tmp_path / "w2.db")
    assert one["facts"] and one == two


def test_pool_keeps_input_order_and_reports_worker_memory() -> None:
    items = [i for i in expand_inputs([str(ROOT / "corpus")]) if i.source.endswith((".txt", ".html"))]
    with WorkerPool(2) as pool:
        pool.start_all()  # else the first worker ready may read all 32 while the other builds its rules
        # 32 articles are enough for two workers (16 each).
        outcomes = list(process_parallel(items, pool))
        peaks = pool.stats.peak_mb
    assert [o.item.source for o in outcomes] == [i.source for i in items]
    assert len(peaks) == 2 and os.getpid() not in peaks and all(0 < mb < 400 for mb in peaks.values())


def test_a_small_batch_runs_in_this_process() -> None:
    items = expand_inputs([str(sorted((ROOT / "corpus").glob("*.txt"))[0])])
    with WorkerPool(2) as pool:
        list(process_parallel(items, pool))
        assert list(pool.stats.peak_mb) == [os.getpid()]


def test_an_unexpected_error_on_one_article_is_reported_and_the_batch_goes_on(tmp_path: Path,
                                                                             monkeypatch) -> None:
    import extractor.pipeline as pipeline

    real = pipeline.extract_facts
    victim = sorted((ROOT / "corpus").glob("*.txt"))[0]

    def flaky(article):  # type: ignore[no-untyped-def]
        if article.input == str(victim):
            raise RuntimeError("a rule tripped over this page")
        return real(article)

    monkeypatch.setattr(pipeline, "extract_facts", flaky)
    db_path = tmp_path / "facts.db"
    result = CliRunner().invoke(cli, ["ingest", str(ROOT / "corpus"), "--db", str(db_path), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert f"skipped {victim}: extraction failed (RuntimeError: a rule tripped over this page)" in result.output
    stored = table_rows(db_path)["articles"]
    articles = [p for p in (ROOT / "corpus").iterdir() if p.suffix in (".txt", ".html")]
    assert len(stored) == len(articles) - 1


def _double_or_die(number: int) -> int:
    """A task that kills the process running it on 3, as the out-of-memory killer would."""
    import signal

    if number == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return number * 2


def test_a_task_that_kills_its_worker_is_given_up_and_the_rest_goes_on() -> None:
    with WorkerPool(2) as pool:
        results = list(pool.map(_double_or_die, range(40), on_death=lambda n: -n))
        assert pool.stats.deaths == 2  # under the batch, then alone
    assert results == [-3 if n == 3 else n * 2 for n in range(40)]


def test_after_a_worker_died_the_pool_takes_new_tasks() -> None:
    import queue

    answers: queue.Queue = queue.Queue()
    with WorkerPool(2) as pool:
        pool.submit(_double_or_die, 3, lambda result, error: answers.put((result, error)))
        result, error = answers.get(timeout=60)
        assert result is None and isinstance(error, BrokenProcessPool)
        pool.submit(_double_or_die, 21, lambda result, error: answers.put((result, error)))
        assert answers.get(timeout=60) == (42, None)


def test_bench_reports_every_figure_the_speed_goals_are_read_from(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = CliRunner().invoke(cli, ["bench", "--workers", "2", "--repeat", "2", "--store-facts", "1000",
                                      "--json", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["articles"] == 32 and report["html_pages"] == 16 and report["facts"] > 100
    assert report["trafilatura_ms_per_page"] > 0
    assert set(report["stage_ms_per_article"]) == {"extraction_cleanup", "spacy", "numbers_regions", "dates",
                                                   "facts", "store"}
    assert report["identical_rows"] is True
    assert len(report["speedups"]) == 2 and round(report["speedup"], 2) == min(report["speedups"])  # lower middle
    assert len(report["n_workers"]["worker_peak_mb"]) == 2
    assert all(0 < mb < 400 for mb in report["n_workers"]["worker_peak_mb"])
    store = report["store"]
    assert store["facts"] >= 1000 and set(store["parts"]) == {"stories", "articles", "facts",
                                                                 "lookups_and_commits"}
    assert store["articles_per_second"] == pytest.approx(store["articles"] / store["seconds"])
    assert store["over_extraction"] == pytest.approx(
        store["articles_per_second"] / report["n_workers"]["articles_per_second"])
    assert "the writer stores" in result.output
    assert "N workers / 1 worker" in result.output


def test_bench_stores_the_same_facts_into_a_copy_of_an_existing_store_and_leaves_it_as_it_was(
        tmp_path: Path) -> None:
    existing = tmp_path / "existing.db"
    pages = sorted((ROOT / "corpus").glob("*.html"))[:3]
    result = CliRunner().invoke(cli, ["ingest", *map(str, pages), "--db", str(existing), "--workers", "1"])
    assert result.exit_code == 0, result.output
    rows_before, bytes_before = table_rows(existing), existing.read_bytes()
    out = tmp_path / "bench.json"
    result = CliRunner().invoke(cli, ["bench", "--workers", "1", "--store-facts", "300",
                                      "--store-into", str(existing), "--store-in-memory", "--json", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    new, into, memory = report["store"], report["store_into"], report["store_in_memory"]
    assert memory["facts"] == new["facts"] and memory["facts_before"] == 0
    assert "into memory (no disk)" in result.output
    assert into["facts_before"] == len(rows_before["facts"]) > 0 and new["facts_before"] == 0
    assert into["facts"] == new["facts"] >= 300 and into["articles"] == new["articles"]
    assert into["database"] == str(existing) and set(into["parts"]) == set(new["parts"])
    assert f"into a copy of {existing} ({into['facts_before']} facts already)" in result.output
    assert existing.read_bytes() == bytes_before and table_rows(existing) == rows_before


def _other_schema(path: Path) -> None:
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        conn.execute("INSERT INTO meta VALUES ('schema_version', '99')")


@pytest.mark.parametrize("make, message", [
    (lambda path: path.write_bytes(b"these are notes, not SQLite " * 200),
     "is not a fact store written by this tool (file is not a database)"),
    (lambda path: sqlite3.connect(path).close(), "is not a fact store written by this tool (no such table: meta)"),
    (_other_schema, "holds schema version 99; this tool writes version 1"),
])
def test_bench_refuses_at_once_to_store_into_what_is_not_a_fact_store(
        tmp_path: Path, make: Callable[[Path], object], message: str) -> None:
    not_a_store = tmp_path / "other.db"
    make(not_a_store)
    before = not_a_store.read_bytes()
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["bench", "--store-into", str(not_a_store)])
    assert result.exit_code == 1
    assert f"Error: {not_a_store} {message}" in result.output and "Traceback" not in result.output
    assert time.monotonic() - started < 5  # refused before any measurement, not after minutes of them
    assert not_a_store.read_bytes() == before


def test_bench_texts_skip_the_lines_without_a_text_and_say_why(tmp_path: Path) -> None:
    jsonl = tmp_path / "texts.jsonl"
    good = '{"text": "Perekaman KTP-el di Kota Kupang mencapai 98 persen.", "source_url": "https://contoh.id/1"}'
    jsonl.write_bytes(b"\n".join([good.encode(), b"{broken", b'{"text": ""}', b"\xff\xfe", b"[1, 2]",
                                  good.replace("/1", "/2").encode(), good.replace("/1", "/3").encode()]) + b"\n\n")
    folder = tmp_path / "out"
    folder.mkdir()
    assert len(texts_to_folder(jsonl, folder, limit=10)) == 4  # the blank last line is no text to report
    for written in folder.iterdir():
        written.unlink()
    skipped = texts_to_folder(jsonl, folder, limit=2)
    assert skipped == [f"{jsonl}:2: not JSON (Expecting property name enclosed in double quotes)",
                       f'{jsonl}:3: no "text"', f"{jsonl}:4: not UTF-8 (invalid start byte at byte 0)",
                       f'{jsonl}:5: no "text"']
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.jsonl", "t000000.txt", "t000001.txt"]
    urls = [json.loads(line)["url"] for line in (folder / "manifest.jsonl").read_text().splitlines()]
    assert urls == ["https://contoh.id/1", "https://contoh.id/2"]  # the limit counts texts, not lines


@pytest.mark.parametrize("option, content, message", [
    ("--texts", b"{broken\n", "no texts in"),
    ("--texts", b"", "no texts in"),
    ("--pages", None, "no article files in"),
])
def test_bench_says_why_it_has_nothing_to_measure(tmp_path: Path, option: str, content: bytes | None,
                                                  message: str) -> None:
    target = tmp_path / "input"
    if content is None:
        target.mkdir()
    else:
        target.write_bytes(content)
    result = CliRunner().invoke(cli, ["bench", option, str(target)])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
