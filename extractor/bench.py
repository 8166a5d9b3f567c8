"""What the pipeline costs, measured on local pages: the ``bench`` command.

Everything runs on files on this machine (no network), in one run, so the
figures compare: trafilatura's own ``extract`` with metadata on the same pages
(the floor any trafilatura-based tool stands on), each stage of ours on one
core, end-to-end throughput with one and with N worker processes, each worker's
peak memory, whether one and N workers stored the same rows, the time to
store 100,000 facts (into a new store and, when asked, into a copy of an
existing one and into memory), and how many times faster the one writer
stores articles than the workers extract them. Returns a report (a dict); the
CLI prints it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import time
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from typing import Any

import trafilatura

from .article import load_article
from .errors import ExtractorError
from .facts import get_fact_finder
from .models import Extraction
from .pipeline import InputItem, expand_inputs, process_for_store
from .regions import get_gazetteer
from .store import SCHEMA_VERSION, PreparedArticle, load_regions, open_store, prepare, save_many
from .timing import StageTimer
from .workers import WorkerPool

HTML_SUFFIXES = (".html", ".htm")
STORE_FACTS = 100_000
# Columns that record when a row was written, not what it says.
VOLATILE_COLUMNS = {"ingested_at"}
COMPARED_TABLES = ("articles", "facts", "awards", "article_regions")


def texts_to_folder(jsonl: Path, folder: Path, limit: int) -> list[str]:
    """Write the first ``limit`` texts of a JSONL file ("text", optional "title",
    "source_url", "published") as .txt articles with a manifest, as ``ingest``
    reads folders.

    A line that is not a JSON object with a text (broken JSON, bytes that are
    not UTF-8, no "text") is skipped; returns why, one message per such line.
    Raises ExtractorError when no line gives a text.
    """
    manifest = []
    skipped: list[str] = []
    with jsonl.open("rb") as rows:
        for number, raw in enumerate(rows, start=1):
            if len(manifest) >= limit:
                break
            if not raw.strip():
                continue  # a blank line, at the end say: nothing to report
            try:
                row = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as error:
                skipped.append(f"{jsonl}:{number}: not UTF-8 ({error.reason} at byte {error.start})")
                continue
            except json.JSONDecodeError as error:
                skipped.append(f"{jsonl}:{number}: not JSON ({error.msg})")
                continue
            text = str(row.get("text") or "").strip() if isinstance(row, dict) else ""
            if not text:
                skipped.append(f"{jsonl}:{number}: no \"text\"")
                continue
            title = str(row.get("title") or text.split("\n", 1)[0][:120])
            name = f"t{len(manifest):06d}"
            (folder / f"{name}.txt").write_text(f"{title}\n\n{text}\n", encoding="utf-8")
            manifest.append({"id": name, "url": row.get("source_url"), "published": row.get("published")})
    if not manifest:
        why = ""
        if skipped:
            why = f": {skipped[0]}" + (f" (and {len(skipped) - 1} more lines)" if len(skipped) > 1 else "")
        raise ExtractorError(f"no texts in {jsonl}{why}")
    with (folder / "manifest.jsonl").open("w", encoding="utf-8") as out:
        for entry in manifest:
            out.write(json.dumps(entry) + "\n")
    return skipped


def _trafilatura_floor(items: list[InputItem]) -> float | None:
    """Seconds trafilatura's extract (with metadata) takes on the HTML inputs, or None."""
    pages = [Path(i.source).read_bytes() for i in items if i.source.lower().endswith(HTML_SUFFIXES)]
    if not pages:
        return None
    started = time.perf_counter()
    for html in pages:
        trafilatura.extract(html, with_metadata=True)
    return time.perf_counter() - started


def _store_with_gazetteer(db_path: Path | str) -> Any:
    """The fact store at ``db_path`` (new if none) with the gazetteer loaded, as ``ingest`` writes into."""
    db = open_store(str(db_path))
    load_regions(db, get_gazetteer().regions())
    return db


def _stages(items: list[InputItem], db_path: Path) -> tuple[dict[str, float], list[Extraction]]:
    """Seconds per stage over all items on this core, and the extractions made."""
    finder = get_fact_finder()
    timer = StageTimer()
    extractions: list[Extraction] = []
    for item in items:
        try:
            with timer.stage("extraction_cleanup"):
                article = load_article(item.source, url=item.url, published=item.published)
            extractions.append(finder.extract(article, timer))
        except ExtractorError:
            continue  # refused inputs cost what they cost; the stage times include them
    db = _store_with_gazetteer(db_path)
    with timer.stage("store"):
        save_many(db, extractions, link_stories=True)
    db.close()
    return dict(timer.seconds), extractions


def _end_to_end(items: list[InputItem], workers: int, db_path: Path) -> dict[str, Any]:
    """Wall time of extraction in ``workers`` processes plus the single writer."""
    db = _store_with_gazetteer(db_path)
    with WorkerPool(workers) as pool:
        pool.start_all()  # each worker builds its rules before the clock starts
        started = time.perf_counter()
        save_many(db, (o.prepared for o in pool.map(process_for_store, items) if o.prepared),
                  link_stories=True)
        wall = time.perf_counter() - started
        peaks = sorted(pool.stats.peak_mb.values())
    db.close()
    return {"workers": workers, "seconds": wall, "articles_per_second": len(items) / wall,
            "worker_peak_mb": [round(p, 1) for p in peaks]}


def table_rows(db_path: Path) -> dict[str, list[tuple]]:
    """Every row of the stored tables, sorted, without the columns that record write times."""
    conn = sqlite3.connect(db_path)
    try:
        tables: dict[str, list[tuple]] = {}
        for table in COMPARED_TABLES:
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")
                       if r[1] not in VOLATILE_COLUMNS]
            sql = f"SELECT {', '.join(f'[{c}]' for c in columns)} FROM [{table}]"
            tables[table] = sorted(conn.execute(sql).fetchall(), key=repr)
        return tables
    finally:
        conn.close()


def _copies_to_store(extractions: list[Extraction], total: int) -> tuple[list[PreparedArticle], float]:
    """``total`` facts to store, with their articles, and the seconds ``prepare`` took for them.

    The facts are copies of the real extractions under new URLs, each a new
    article with its text (so the full-text index and every index of the views
    are written too). ``prepare`` runs before any store clock, as it does in the
    worker processes of ``ingest``; its cost on one core is reported apart.
    """
    sources = [e for e in extractions if e.facts]
    copies: list[Extraction] = []
    facts = 0
    number = 0
    while sources and facts < total:
        source = sources[number % len(sources)]
        url = f"https://bench.invalid/{number}"
        copies.append(replace(source, article=replace(source.article, url=url, input=url)))
        facts += len(source.facts)
        number += 1
    started = time.perf_counter()
    prepared = [prepare(copy) for copy in copies]
    return prepared, time.perf_counter() - started


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _check_store(path: Path) -> None:
    """Raise ExtractorError unless ``path`` is a fact store this version writes into.

    Read-only: run before any measurement, so a wrong file fails at once.
    """
    try:
        with closing(_read_only(path)) as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.DatabaseError as error:  # not SQLite, or no meta table
        raise ExtractorError(f"{path} is not a fact store written by this tool ({error})") from error
    if row is None or row[0] != str(SCHEMA_VERSION):
        raise ExtractorError(f"{path} holds schema version {row[0] if row else 'none'}; "
                             f"this tool writes version {SCHEMA_VERSION}")


def _copy_store(source: Path, target: Path) -> None:
    """Copy the fact store at ``source`` to ``target``, which is then on disk.

    SQLite's backup copies a consistent state even while another process
    writes the source, which is opened read-only and left as it was. The copy
    is flushed to disk before the clock starts, so that the kernel's writing it
    out does not slow the measured writes.
    """
    try:
        with closing(_read_only(source)) as original, closing(sqlite3.connect(target)) as copy:
            original.backup(copy)
        with target.open("rb") as written:
            os.fsync(written.fileno())
    except (sqlite3.Error, OSError) as error:  # the disk is full, or the file changed since the check
        raise ExtractorError(f"cannot copy {source} to store into: {error}") from error


def _timed_store(prepared: list[PreparedArticle], db: Any) -> dict[str, Any]:
    """Seconds the writer takes to store ``prepared`` into ``db`` (which it closes), by part."""
    facts_before = db.execute("SELECT count(*) FROM facts").fetchone()[0]
    timer = StageTimer()
    started = time.perf_counter()
    save_many(db, prepared, link_stories=True, timer=timer)
    seconds = time.perf_counter() - started
    facts_after = db.execute("SELECT count(*) FROM facts").fetchone()[0]
    db.close()
    parts = dict(timer.seconds)
    parts["lookups_and_commits"] = seconds - sum(parts.values())
    return {"facts": facts_after - facts_before, "facts_before": facts_before, "articles": len(prepared),
            "seconds": seconds, "parts": parts, "articles_per_second": len(prepared) / seconds}


def _lower_middle(ordered: list[Any]) -> Any:
    """The median of a sorted list; of an even count, the lower of the two middle ones."""
    return ordered[(len(ordered) - 1) // 2]


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median throughput (the lower middle one of an even count)."""
    ordered = sorted(runs, key=lambda run: run["articles_per_second"])
    return {**_lower_middle(ordered),
            "all_articles_per_second": [round(run["articles_per_second"], 1) for run in runs]}


def _throughput(items: list[InputItem], workers: int, folder: Path, repeat: int) -> dict[str, Any]:
    """1 and N workers in turn, ``repeat`` times (the machine's speed drifts: pairs compare)."""
    ones, manys = [], []
    for number in range(repeat):
        ones.append(_end_to_end(items, 1, folder / f"one{number}.db"))
        if workers > 1:
            manys.append(_end_to_end(items, workers, folder / f"many{number}.db"))
    result: dict[str, Any] = {"one_worker": _median_run(ones), "n_workers": None, "identical_rows": None}
    if manys:
        ratios = sorted(m["articles_per_second"] / o["articles_per_second"]
                        for o, m in zip(ones, manys, strict=True))
        result.update(
            n_workers=_median_run(manys),
            identical_rows=table_rows(folder / "one0.db") == table_rows(folder / "many0.db"),
            speedup=_lower_middle(ratios),
            speedups=[round(r, 2) for r in ratios],
        )
    return result


def run_bench(inputs: list[str], workers: int, repeat: int = 1,
              store_facts: int = STORE_FACTS, store_into: Path | None = None,
              store_in_memory: bool = False) -> dict[str, Any]:
    """Measure everything on ``inputs`` (files and folders); see the module's docstring.

    The end-to-end runs are made ``repeat`` times, 1 and N workers in turn; the
    report gives the median run of each and the median of the pairs' speed-ups.
    The ``store_facts`` facts are stored into a new store ("store") and, with
    ``store_into``, also into a copy of that database ("store_into"): a store
    that already holds many facts has bigger indexes to insert into, as a
    nightly run meets. With ``store_in_memory`` they are also stored into an
    in-memory database ("store_in_memory"): SQLite's own work for this schema,
    with no disk, no log and no durability, which no tuning of the writes can beat.
    """
    items = [i for i in expand_inputs(inputs) if Path(i.source).is_file()]
    if not items:
        raise ExtractorError(f"no article files in {', '.join(inputs)}")
    get_fact_finder()  # build the rules before any clock starts
    with tempfile.TemporaryDirectory(prefix="adminduk-bench-") as tmp:
        folder = Path(tmp)
        if store_into is not None:
            _check_store(store_into)
        floor = _trafilatura_floor(items)
        stages, extractions = _stages(items, folder / "stages.db")
        throughput = _throughput(items, workers, folder, repeat)
        prepared, prepare_seconds = _copies_to_store(extractions, store_facts)
        stores: dict[str, Any] = {"store": {"facts": 0, "seconds": None}}
        if prepared:
            stores["store"] = _timed_store(prepared, _store_with_gazetteer(folder / "store.db"))
            if store_into is not None:
                _copy_store(store_into, folder / "into.db")
                stores["store_into"] = _timed_store(prepared, _store_with_gazetteer(folder / "into.db"))
                stores["store_into"]["database"] = str(store_into)
            if store_in_memory:
                stores["store_in_memory"] = _timed_store(prepared, _store_with_gazetteer(":memory:"))
    n = len(items)
    html = sum(1 for i in items if i.source.lower().endswith(HTML_SUFFIXES))
    pipeline_seconds = sum(stages.values())
    report: dict[str, Any] = {
        "articles": n,
        "html_pages": html,
        "facts": sum(len(e.facts) for e in extractions),
        "trafilatura_ms_per_page": None if floor is None else 1000 * floor / html,
        "stage_ms_per_article": {name: 1000 * s / n for name, s in stages.items()},
        "pipeline_ms_per_article": 1000 * pipeline_seconds / n,
        **throughput,
        **stores,
    }
    if floor is not None and html == n:
        report["pipeline_over_trafilatura"] = pipeline_seconds / floor
    extracting = report["n_workers"] or report["one_worker"]
    for store in stores.values():
        if store["seconds"]:
            store["prepare_seconds"] = prepare_seconds
            # Whether the one writer can keep up with the workers that feed it in ingest.
            store["over_extraction"] = store["articles_per_second"] / extracting["articles_per_second"]
    return report
