"""Command line: a thin layer over the ``extractor`` library.

It parses arguments, calls the library, prints, and turns errors into one clear
message on stderr and an exit code. All the work is in ``extractor/``.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

import click

from extractor.pipeline import expand_inputs, process_all

log = logging.getLogger("cli")

DATE_HELP = "Publication date YYYY-MM-DD; overrides what the page says."


def _configure_logging(verbose: int, quiet: bool) -> None:
    levels = {0: logging.WARNING, 1: logging.INFO}
    level = logging.ERROR if quiet else levels.get(verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(message)s", stream=sys.stderr)
    # Third-party libraries are chatty at INFO; their warnings still show.
    for noisy in ("trafilatura", "htmldate", "courlan", "urllib3", "charset_normalizer"):
        logging.getLogger(noisy).setLevel(logging.ERROR if verbose < 2 else logging.DEBUG)


def _check_date(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    from datetime import date

    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as error:
        raise click.BadParameter(f"{value!r} is not a date written YYYY-MM-DD") from error


@click.group()
@click.option("-v", "--verbose", count=True, help="More detail on stderr (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
def cli(verbose: int, quiet: bool) -> None:
    """Turn Indonesian regional news on population administration into facts."""
    _configure_logging(verbose, quiet)


@cli.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--published", callback=_check_date, help=DATE_HELP)
@click.option("--url", help="The article's URL, when the input is a saved file.")
def extract(inputs: tuple[str, ...], published: str | None, url: str | None) -> None:
    """Print one JSON object per article (FILE, FOLDER or URL); no database.

    An input that cannot be read prints {"input": ..., "error": ...} in its
    place and the exit status is 1.
    """
    failed = 0
    for outcome in process_all(expand_inputs(inputs, url=url, published=published)):
        if outcome.extraction is None:
            failed += 1
            click.echo(f"error {outcome.error}", err=True)
            click.echo(json.dumps({"input": outcome.item.source, "error": outcome.error},
                                  ensure_ascii=False))
            continue
        click.echo(json.dumps(outcome.extraction.to_dict(), ensure_ascii=False))
    sys.exit(1 if failed else 0)


def _open_db(db_path: str):  # type: ignore[no-untyped-def]
    from extractor.regions import get_gazetteer
    from extractor.store import StoreError, load_regions, open_store

    try:
        db = open_store(db_path)
        # No map centres yet: the coordinates in the shared region data are joined
        # to the wrong regions for many codes (see README), so none are stored.
        load_regions(db, get_gazetteer().regions())
    except StoreError as error:
        raise click.ClickException(str(error)) from error
    return db


def _fetcher(delay: float, allow_private: bool, user_agent: str | None):  # type: ignore[no-untyped-def]
    from extractor.fetch import FetchConfig, Fetcher

    config = FetchConfig(delay=delay, allow_private=allow_private)
    if user_agent:
        config = replace(config, user_agent=user_agent)
    return Fetcher(config)


def _url_lines(path: str | None) -> list[str]:
    if path is None:
        return []
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


@cli.command()
@click.argument("inputs", nargs=-1)
@click.option("--db", "db_path", default="facts.db", show_default=True, help="SQLite file.")
@click.option("--published", callback=_check_date, help=DATE_HELP)
@click.option("--url", help="The article's URL, when the input is a saved file.")
@click.option("--urls-file", type=click.Path(exists=True, dir_okay=False),
              help="A file of article URLs, one per line.")
@click.option("--delay", type=float, default=1.0, show_default=True,
              help="Seconds between two requests to one host.")
@click.option("--allow-private", is_flag=True,
              help="Allow hosts on private or loopback addresses (for tests).")
@click.option("--user-agent", help="User-Agent header, with a contact address.")
@click.option("--workers", type=click.IntRange(min=1),
              help="Processes that extract (default: the number of cores; small batches use one).")
def ingest(inputs: tuple[str, ...], db_path: str, published: str | None, url: str | None,
           urls_file: str | None, delay: float, allow_private: bool,
           user_agent: str | None, workers: int | None) -> None:
    """Extract facts from FILES, FOLDERS or URLs and store them in SQLite.

    URLs are fetched politely (robots.txt, a delay per host). Re-ingesting the
    same article changes nothing. Inputs that cannot be read are reported on
    stderr and skipped; the exit status is 1 only when nothing could be stored.
    """
    from extractor.crawl import CrawlConfig, Crawler
    from extractor.pipeline import Outcome, is_url
    from extractor.store import PreparedArticle, StoreError, save_many, summary
    from extractor.workers import WorkerPool, process_parallel

    urls = [i for i in inputs if is_url(i)] + _url_lines(urls_file)
    files = [i for i in inputs if not is_url(i)]
    if not urls and not files:
        raise click.UsageError("give files, folders or URLs to ingest (or --urls-file)")
    db = _open_db(db_path)
    counts = {"new": 0, "updated": 0, "unchanged": 0, "failed": 0}
    facts_added = 0
    items = expand_inputs(files, url=url, published=published)

    def extracted(outcomes: Iterable[Outcome]) -> Iterator[PreparedArticle]:
        for outcome in outcomes:
            if outcome.prepared is None:
                click.echo(f"skipped {outcome.error}", err=True)
                counts["failed"] += 1
            else:
                yield outcome.prepared

    with WorkerPool(workers) as pool:
        try:
            results = save_many(db, extracted(process_parallel(items, pool)), link_stories=True)
        except StoreError as error:
            raise click.ClickException(str(error)) from error
    for result in results:
        if result.status == "failed":
            click.echo(f"not stored: {result.error}", err=True)
        counts[result.status] = counts.get(result.status, 0) + 1
        facts_added += result.facts_added
    if urls:
        crawler = Crawler(db, _fetcher(delay, allow_private, user_agent), CrawlConfig())
        run = crawler.ingest_urls(urls)
        for failed_url, reason in sorted(run.failures.items()):
            click.echo(f"skipped {failed_url}: {reason}", err=True)
        counts["new"] += run.fetched
        counts["unchanged"] += run.skipped + run.not_modified
        counts["failed"] += run.failed
        facts_added += run.facts_added
    totals = summary(db)
    db.close()
    click.echo(
        f"{len(items) + len(urls)} inputs: {counts['new']} new, {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged, {counts['failed']} failed; {facts_added} facts added"
    )
    click.echo(_format_summary(db_path, totals))
    stored = counts["new"] + counts["updated"] + counts["unchanged"]
    sys.exit(0 if stored else 1)


@cli.command()
@click.option("--db", "db_path", default="facts.db", show_default=True, help="SQLite file.")
@click.option("--feed", "feeds", multiple=True, help="An RSS or Atom feed URL (repeatable).")
@click.option("--sitemap", "sitemaps", multiple=True, help="A sitemap URL (repeatable).")
@click.option("--sources", type=click.Path(exists=True, dir_okay=False),
              help="A TOML file listing sites with their feeds and sitemaps.")
@click.option("--since", callback=_check_date, help="Skip articles listed as older (YYYY-MM-DD).")
@click.option("--max-articles", type=click.IntRange(min=0), help="Fetch at most this many.")
@click.option("--delay", type=float, default=1.0, show_default=True,
              help="Seconds between two requests to one host (robots.txt may ask for more).")
@click.option("--allow-private", is_flag=True,
              help="Allow hosts on private or loopback addresses (for tests).")
@click.option("--user-agent", help="User-Agent header, with a contact address.")
@click.option("--workers", type=click.IntRange(min=1),
              help="Processes that extract fetched pages (default: the cores; few pages use one).")
def crawl(db_path: str, feeds: tuple[str, ...], sitemaps: tuple[str, ...], sources: str | None,
          since: str | None, max_articles: int | None, delay: float, allow_private: bool,
          user_agent: str | None, workers: int | None) -> None:
    """Crawl feeds and sitemaps for new articles, politely, and store their facts.

    Incremental: feeds are asked for with a conditional GET, stored URLs are not
    fetched again. A crawl killed at any moment resumes where it stopped. The
    exit status is 1 only when every feed and sitemap failed.
    """
    from datetime import date

    from extractor.crawl import CrawlConfig, Crawler, CrawlError, load_sources, terminal_progress
    from extractor.store import summary

    feed_urls, sitemap_urls = list(feeds), list(sitemaps)
    try:
        for site in load_sources(sources) if sources else []:
            feed_urls += site.feeds
            sitemap_urls += site.sitemaps
        config = CrawlConfig(since=date.fromisoformat(since) if since else None,
                             max_articles=max_articles, workers=workers)
        db = _open_db(db_path)
        crawler = Crawler(db, _fetcher(delay, allow_private, user_agent), config,
                          progress=terminal_progress())
        run = crawler.crawl(feed_urls, sitemap_urls)
    except CrawlError as error:
        raise click.ClickException(str(error)) from error
    for failed_url, reason in sorted(run.failures.items()):
        click.echo(f"failed {failed_url}: {reason}", err=True)
    click.echo(f"crawl: {run.discovered} new URLs discovered, {run.fetched} articles stored, "
               f"{run.not_modified} not modified, {run.skipped} duplicates skipped, "
               f"{run.failed} failed; {run.facts_added} facts added")
    click.echo(_format_summary(db_path, summary(db)))
    db.close()
    listings = len(feed_urls) + len(sitemap_urls)
    listing_failures = sum(1 for u in run.failures if u in set(feed_urls) | set(sitemap_urls))
    sys.exit(1 if listings and listing_failures == listings else 0)


def _format_summary(db_path: str, totals: dict) -> str:
    lines = [f"{db_path}: " + ", ".join(
        f"{totals[k]} {k}" for k in ("articles", "facts", "awards") if k in totals)]
    for indicator, count in sorted((totals.get("facts_by_indicator") or {}).items()):
        lines.append(f"  {indicator:<20} {count}")
    return "\n".join(lines)


@cli.command()
@click.argument("gold_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--show", is_flag=True, help="List what was missed and what was found wrongly.")
def evaluate(gold_dir: str, show: bool) -> None:
    """Score extraction against a folder of articles with a gold.jsonl answer key."""
    from extractor.errors import ExtractorError
    from extractor.evaluate import format_report, load_gold, score

    try:
        gold = load_gold(gold_dir)
    except ExtractorError as error:  # GoldError: no or malformed gold.jsonl
        raise click.ClickException(str(error)) from error
    items = expand_inputs([gold_dir])
    extracted: dict[str, dict] = {}
    for outcome in process_all(items):
        key = Path(outcome.item.source).stem
        if outcome.extraction is not None:
            extracted[key] = outcome.extraction.to_dict()
        else:
            extracted[key] = {"error": outcome.error, "facts": [], "awards": []}
    click.echo(format_report(score(gold, extracted), show=show))


@cli.command()
@click.option("--db", "db_path", default="facts.db", show_default=True, help="SQLite file to serve.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for every interface).")
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True,
              help="Port to listen on.")
def serve(db_path: str, host: str, port: int) -> None:
    """Explore the facts in a browser with Datasette, read-only.

    Tables with facets, stored queries (latest figure per region, time series,
    KTP-el and IKD by province, awards, conflicting figures) and charts at
    /-/dashboards/adminduk. Stop with Ctrl-C.
    """
    from extractor.errors import ExtractorError
    from extractor.serve import prepare_database
    from extractor.serve import serve as run_server

    try:
        prepare_database(db_path)
    except ExtractorError as error:  # ServeError: no such file, not a fact store
        raise click.ClickException(str(error)) from error
    click.echo(f"Serving {db_path} at http://{host}:{port}/ (facts: http://{host}:{port}/facts/facts); "
               "Ctrl-C stops.", err=True)
    run_server(db_path, host=host, port=port)


@cli.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("--db", "db_path", default="facts.db", show_default=True, help="SQLite file.")
@click.option("--scheduler", help="Address of a running Dask scheduler (default: a local cluster).")
@click.option("--workers", type=click.IntRange(min=1), help="Local cluster workers (default: the cores).")
@click.option("--hosts", "hosts_file", type=click.Path(exists=True, dir_okay=False),
              help="Domains to keep, one per line (default: the bundled Indonesian news sites).")
@click.option("--since", callback=_check_date, help="Keep records captured on or after (YYYY-MM-DD).")
@click.option("--until", callback=_check_date, help="Keep records captured on or before (YYYY-MM-DD).")
@click.option("--shards", "shard_dir", type=click.Path(file_okay=False),
              help="Folder for the workers' results, shared with them (default: DB.shards next to the db).")
@click.option("--progress/--no-progress", default=True, show_default=True, help="A progress bar on stderr.")
def backfill(sources: tuple[str, ...], db_path: str, scheduler: str | None, workers: int | None,
             hosts_file: str | None, since: str | None, until: str | None, shard_dir: str | None,
             progress: bool) -> None:
    """Extract facts from web archives (WARC, ARC) on Dask.

    SOURCES are archive files or URLs, folders of archives, or lists of them.
    Keeps the HTML pages of the listed news sites captured in the date range,
    extracts them on a Dask cluster (local by default) and stores the results
    here. Files already loaded are skipped; a killed run resumes. Bad records
    are counted by reason and the file goes on.
    """
    from extractor.archives import ArchiveError, HostFilter
    from extractor.backfill import DEFAULT_HOSTS_FILE, BackfillError, BackfillOptions, run_backfill
    from extractor.store import StoreError, summary

    try:
        hosts = HostFilter.from_file(hosts_file or DEFAULT_HOSTS_FILE)
        options = BackfillOptions(tuple(sorted(hosts.domains)), since, until)
        db = _open_db(db_path)
        report = run_backfill(db, sources, Path(shard_dir or f"{db_path}.shards"), options,
                              scheduler=scheduler, workers=workers, progress=progress)
    except (ArchiveError, BackfillError, StoreError) as error:
        raise click.ClickException(str(error)) from error
    for archive, reason in sorted(report.failed.items()):
        click.echo(f"failed {archive}: {reason}", err=True)
    click.echo(
        f"backfill: {report.files} files ({report.loaded} loaded, {report.skipped} loaded before, "
        f"{len(report.failed)} failed); {report.records} records, {report.pages} pages kept, "
        f"{report.new} articles stored, {report.unchanged} unchanged, {report.refused} not articles; "
        f"{report.facts_added} facts added"
    )
    if report.bad:
        click.echo("bad records: " + ", ".join(f"{n} {reason}" for reason, n in report.bad.most_common()))
    click.echo(_format_summary(db_path, summary(db)))
    db.close()
    sys.exit(1 if report.failed and not (report.loaded or report.skipped) else 0)


@cli.command()
@click.option("--pages", type=click.Path(exists=True, file_okay=False),
              help="A folder of saved HTML pages (default: the bundled corpus/).")
@click.option("--texts", type=click.Path(exists=True, dir_okay=False),
              help="A JSONL file of texts (IndoSum's form: text, source_url).")
@click.option("--limit", type=click.IntRange(min=1), default=2000, show_default=True,
              help="How many texts of --texts to use.")
@click.option("--workers", type=click.IntRange(min=1), help="Worker processes (default: the cores).")
@click.option("--store-facts", type=click.IntRange(min=1), default=100_000, show_default=True,
              help="How many facts the store measurement writes.")
@click.option("--store-into", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Also store those facts into a copy of this database (one this tool wrote; "
                   "it is not changed): a big store has big indexes to write into.")
@click.option("--store-in-memory", is_flag=True,
              help="Also store those facts into an in-memory database: SQLite's own work for this "
                   "schema, with no disk and no durability.")
@click.option("--repeat", type=click.IntRange(min=1), default=1, show_default=True,
              help="End-to-end runs of 1 and N workers, in turn; medians are reported.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), help="Also write the report here.")
def bench(pages: str | None, texts: str | None, limit: int, workers: int | None, store_facts: int,
          store_into: Path | None, store_in_memory: bool, repeat: int, json_out: str | None) -> None:
    """Measure the pipeline's speed on local files.

    Prints trafilatura's own cost on the same pages (the floor), each stage on
    one core, articles per second with 1 and N workers, peak memory per worker,
    whether both stored the same rows, and the time to store 100,000 facts.
    """
    import tempfile

    from extractor.bench import run_bench, texts_to_folder
    from extractor.errors import ExtractorError
    from extractor.workers import default_workers

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # refused pages are expected; the report counts
    workers = workers or default_workers()
    try:
        with tempfile.TemporaryDirectory(prefix="adminduk-texts-") as folder:
            inputs = [pages] if pages else []
            if texts:
                for reason in texts_to_folder(Path(texts), Path(folder), limit):
                    click.echo(f"skipped {reason}", err=True)
                inputs.append(folder)
            report = run_bench(inputs or [str(Path(__file__).resolve().parent / "corpus")], workers, repeat,
                               store_facts, store_into, store_in_memory)
    except ExtractorError as error:  # no article files or texts in the inputs, or no store to copy
        raise click.ClickException(str(error)) from error
    finally:
        root.setLevel(level)
    if json_out:
        Path(json_out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    click.echo(_format_bench(report))


# Where bench stored its facts: the report's key and how the printout says it.
_STORE_PLACES = {
    "store": "into a new store",
    "store_into": "into a copy of {database} ({facts_before} facts already)",
    "store_in_memory": "into memory (no disk)",
}


def _format_bench(r: dict) -> str:
    lines = [f"{r['articles']} articles ({r['html_pages']} HTML pages), {r['facts']} facts"]
    if r["trafilatura_ms_per_page"] is not None:
        lines.append(f"trafilatura extract+metadata   {r['trafilatura_ms_per_page']:8.1f} ms/page")
    for name, ms in r["stage_ms_per_article"].items():
        lines.append(f"  {name:<28}{ms:8.1f} ms/article")
    lines.append(f"pipeline, one core             {r['pipeline_ms_per_article']:8.1f} ms/article")
    if "pipeline_over_trafilatura" in r:
        lines.append(f"pipeline / trafilatura         {r['pipeline_over_trafilatura']:8.2f}")
    for key in ("one_worker", "n_workers"):
        run = r[key]
        if run:
            lines.append(f"{run['workers']} worker(s), end to end        {run['articles_per_second']:8.1f} "
                         f"articles/s  (peak MB per worker: {run['worker_peak_mb']}; "
                         f"runs: {run['all_articles_per_second']})")
    if "speedup" in r:
        lines.append(f"N workers / 1 worker           {r['speedup']:8.2f}  (median of {r['speedups']})")
        lines.append(f"same rows with 1 and N workers {'yes' if r['identical_rows'] else 'NO'}")
    for key, where in _STORE_PLACES.items():
        store = r.get(key)
        if not store or store["seconds"] is None:
            continue
        lines.append(f"store {store['facts']} facts ({store['articles']} articles) {where.format(**store)}: "
                     f"{store['seconds']:.2f} s")
        for part, seconds in store["parts"].items():
            lines.append(f"  {part:28s} {seconds:8.2f} s")
        lines.append(f"  preparing their rows, 1 core {store['prepare_seconds']:8.2f} s (done by the workers)")
        lines.append(f"the writer stores              {store['articles_per_second']:8.0f} articles/s, "
                     f"{store['over_extraction']:.1f}x what the workers above extract")
    return "\n".join(lines)


if __name__ == "__main__":
    cli()
