"""One article end to end: input → Article → facts and awards.

``process`` never raises for bad input: it returns an ``Outcome`` with the
reason, so a batch always goes on.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from .article import html_to_article, load_article
from .errors import ExtractorError
from .facts import extract_facts
from .fetch import fetch_page
from .models import Extraction
from .store import PreparedArticle, prepare

log = logging.getLogger(__name__)

ARTICLE_SUFFIXES = (".html", ".htm", ".txt")
# A folder of articles may carry a key (gold.jsonl) or a manifest.jsonl giving each
# file's url and publication date, so text files can be read against their date.
MANIFEST_NAMES = ("manifest.jsonl", "gold.jsonl")


@dataclass(frozen=True)
class InputItem:
    """One thing to read: a file path or an http(s) URL, with what the caller knows of it."""

    source: str
    url: str | None = None
    published: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What became of one input: its extraction, or the reason it has none (``error``).

    ``process_for_store`` gives ``prepared`` (the rows to store) instead of the
    extraction: that is what a worker process sends back to the writer.
    """

    item: InputItem
    extraction: Extraction | None
    error: str | None = None
    prepared: PreparedArticle | None = None


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def _read_manifest(folder: Path) -> dict[str, dict]:
    for name in MANIFEST_NAMES:
        path = folder / name
        if path.exists():
            entries = {}
            with path.open(encoding="utf-8") as handle:
                for line in handle:
                    if line.strip():
                        row = json.loads(line)
                        entries[row["id"]] = row
            return entries
    return {}


def expand_inputs(sources: Iterable[str], *, url: str | None = None,
                  published: str | None = None) -> list[InputItem]:
    """Files, folders (every article file in them, with their manifest) and URLs, in order."""
    items: list[InputItem] = []
    for source in sources:
        if is_url(source):
            items.append(InputItem(source, url or source, published))
            continue
        path = Path(source)
        if path.is_dir():
            manifest = _read_manifest(path)
            children = [child for child in sorted(path.iterdir())
                        if child.suffix.lower() in ARTICLE_SUFFIXES and child.is_file()]
            if not children:
                # Kept as an input of its own so that it is reported, not skipped silently.
                items.append(InputItem(source, url, published))
            for child in children:
                entry = manifest.get(child.stem, {})
                items.append(InputItem(str(child), entry.get("url"),
                                       published or entry.get("published")))
            continue
        items.append(InputItem(source, url, published))
    return items


def process(item: InputItem) -> Outcome:
    """Read one input and find its facts; bad input gives an Outcome with the reason."""
    try:
        if is_url(item.source):
            page = fetch_page(item.source)
            article = html_to_article(page.content, input=item.source, url=item.url or page.url,
                                      published=item.published)
        else:
            if os.path.isdir(item.source):
                return Outcome(item, None, f"{item.source}: a folder with no .html, .htm or "
                                           ".txt article files in it")
            if not os.path.exists(item.source):
                return Outcome(item, None, f"{item.source}: no such file")
            article = load_article(item.source, url=item.url, published=item.published)
        return Outcome(item, extract_facts(article))
    except ExtractorError as error:
        return Outcome(item, None, str(error))
    except (OSError, UnicodeError, ValueError) as error:
        log.debug("unexpected error on %s", item.source, exc_info=True)
        return Outcome(item, None, f"{item.source}: cannot read ({error})")
    except Exception as error:  # a bug met on one article must not end the batch
        return Outcome(item, None, bug_reason(item.source, error))


def bug_reason(source: str, error: BaseException) -> str:
    """Log the traceback of an error no rule expected, and give the reason to report for its article."""
    log.error("%s: extraction failed", source, exc_info=error)
    return (f"{source}: extraction failed ({type(error).__name__}: {error}); this is a bug, "
            "please report it with the page")


def process_for_store(item: InputItem) -> Outcome:
    """``process``, then the rows the writer stores (ids, content hash, story fingerprint)."""
    outcome = process(item)
    if outcome.extraction is None:
        return outcome
    return Outcome(item, None, prepared=prepare(outcome.extraction))


def prepare_page(content: bytes, *, input: str, url: str,
                 listed_date: str | None = None) -> tuple[PreparedArticle | None, str | None]:
    """The rows to store from one HTML page, or the reason it holds no article.

    What ``crawl`` and ``backfill`` run on each page, in worker processes: it
    returns the reason rather than raising it, so that no exception has to
    travel between processes. ``listed_date`` (a feed's date for the item)
    stands in when the page gives no date of its own.
    """
    try:
        article = html_to_article(content, input=input, url=url)
        if article.published is None and listed_date:
            article = replace(article, published=listed_date[:10], published_source="feed")
        return prepare(extract_facts(article)), None
    except ExtractorError as error:
        return None, str(error)
    except Exception as error:  # a bug met on one page must not end the crawl or the archive
        return None, bug_reason(url, error)


def process_all(items: Iterable[InputItem]) -> Iterator[Outcome]:
    """Process inputs in order; the caller reports each failed one."""
    for item in items:
        yield process(item)
