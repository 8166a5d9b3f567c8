"""Command line: a thin layer over the ``extractor`` library.

It parses arguments, calls the library, prints, and turns errors into one clear
message on stderr and an exit code. All the work is in ``extractor/``.
"""

from __future__ import annotations

import json
import logging
import sys
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


@cli.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--db", "db_path", default="facts.db", show_default=True, help="SQLite file.")
@click.option("--published", callback=_check_date, help=DATE_HELP)
@click.option("--url", help="The article's URL, when the input is a saved file.")
def ingest(inputs: tuple[str, ...], db_path: str, published: str | None, url: str | None) -> None:
    """Extract facts from FILES, FOLDERS or URLs and store them in SQLite.

    Re-ingesting the same article changes nothing. Inputs that cannot be read
    are reported on stderr and skipped; the exit status is 1 only when nothing
    could be stored.
    """
    from extractor.regions import get_gazetteer
    from extractor.store import StoreError, load_regions, open_store, save_extraction, summary

    try:
        db = open_store(db_path)
        # No map centres yet: the coordinates in the shared region data are joined
        # to the wrong regions for many codes (see README), so none are stored.
        load_regions(db, get_gazetteer().regions())
    except StoreError as error:
        raise click.ClickException(str(error)) from error
    counts = {"new": 0, "updated": 0, "unchanged": 0, "failed": 0}
    facts_added = 0
    items = expand_inputs(inputs, url=url, published=published)
    for outcome in process_all(items):
        if outcome.extraction is None:
            click.echo(f"skipped {outcome.error}", err=True)
            counts["failed"] += 1
            continue
        try:
            result = save_extraction(db, outcome.extraction)
        except StoreError as error:
            click.echo(f"not stored {outcome.item.source}: {error}", err=True)
            counts["failed"] += 1
            continue
        counts[result.status] = counts.get(result.status, 0) + 1
        facts_added += result.facts_added
    totals = summary(db)
    db.close()
    click.echo(
        f"{len(items)} inputs: {counts['new']} new, {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged, {counts['failed']} failed; {facts_added} facts added"
    )
    click.echo(_format_summary(db_path, totals))
    stored = counts["new"] + counts["updated"] + counts["unchanged"]
    sys.exit(0 if stored else 1)


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


if __name__ == "__main__":
    cli()
