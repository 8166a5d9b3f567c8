"""Extraction in worker processes stores the same rows as in one process."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from cli import cli
from extractor.bench import table_rows
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
        # 32 articles are enough for two workers (16 each).
        outcomes = list(process_parallel(items, pool))
        peaks = pool.stats.peak_mb
    assert [o.item.source for o in outcomes] == [i.source for i in items]
    assert len(peaks) == 2 and all(0 < mb < 400 for mb in peaks.values())


def test_a_small_batch_runs_in_this_process() -> None:
    import os

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
