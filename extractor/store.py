"""The SQLite store: schema, the gazetteer, and idempotent writes of extractions.

Everything goes through sqlite-utils. Keys are content-derived hashes, so saving
the same extraction twice changes nothing at all (not even ``ingested_at``), and
a nightly crawl that meets an article again is a no-op unless its text or its
facts changed, in which case the article's facts and awards are replaced in one
transaction.

Identities (stable across runs and machines):

- article id: a hash of the URL (without its ``#fragment``) when there is one,
  else of the text's sha256. A file with no URL is the same article only if its
  text is byte for byte the same.
- fact id: a hash of (article id, kind, indicator, role, region code, value,
  start). ``start`` keeps apart facts the spec lets share everything else
  (the same number said for two periods); ``region_code`` and ``indicator``
  keep apart facts that share one span ("masing-masing 33 persen", "One number,
  two facts").
- award id: a hash of (article id, recipient region code or recipient name,
  giver, name, start).

``content_hash`` covers everything stored for the article (its fields, facts,
awards and regions), so re-running an improved extractor over the same page
replaces its facts: the status is "updated".
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urldefrag

import sqlite_utils

from extractor.errors import ExtractorError
from extractor.models import Award, Extraction, Fact, Region
from extractor.syndication import StoryIndex
from extractor.syndication import fingerprint as story_fingerprint
from extractor.timing import NO_TIMER, Timer

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1

# Hex digits kept from a sha256 for row ids: 64 bits, no collision in sight for
# the millions of rows a national archive would give, and short enough to read
# in a Datasette URL.
_ID_LENGTH = 16


class StoreError(ExtractorError):
    """The database could not be opened or written; the message says what to do."""


@dataclass(frozen=True)
class SaveResult:
    """What saving one article did.

    ``status`` is "new", "unchanged" or "updated"; ``save_many`` also reports
    "failed" with the reason in ``error`` (that article is not stored).
    ``facts_added`` and ``awards_added`` count rows written: all of them for a
    new or updated article, 0 for an unchanged or failed one.
    """

    article_id: str
    status: str
    facts_added: int = 0
    awards_added: int = 0
    error: str | None = None


# -- schema -------------------------------------------------------------------

_FACT_COLUMNS: dict[str, Any] = {
    "id": str,
    "article_id": str,
    "kind": str,
    "indicator": str,
    "value": float,
    "unit": str,
    "role": str,
    "region_code": str,
    "region": str,
    "region_level": str,
    "province_code": str,
    "province": str,
    "as_of": str,
    "text": str,
    "start": int,
    "end": int,
    "sentence": str,
}

_FACT_FIELDS = tuple(_FACT_COLUMNS)[2:]  # after id and article_id

_AWARD_COLUMNS: dict[str, Any] = {
    "id": str,
    "article_id": str,
    "recipient": str,
    "recipient_region_code": str,
    "giver": str,
    "name": str,
    "date": str,
    "sentence": str,
    "start": int,
    "end": int,
}

_AWARD_FIELDS = tuple(_AWARD_COLUMNS)[2:]

_ARTICLE_COLUMNS: dict[str, Any] = {
    "id": str,
    "url": str,
    "input": str,
    "title": str,
    "site": str,
    "author": str,
    "published": str,
    "published_source": str,
    "text": str,
    "body_start": int,
    "ingested_at": str,
    "content_hash": str,
    # Copies of one story on several sites share a story_id (null: its own story).
    "story_id": str,
    "fingerprint": str,  # SimHash of the text, hex: what links the copies
}

_REGION_COLUMNS: dict[str, Any] = {
    "code": str,
    "name": str,
    "level": str,
    "province_code": str,
    "province": str,
    "population": int,
    "latitude": float,
    "longitude": float,
}

_INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("facts", ("region_code", "indicator")),
    ("facts", ("article_id",)),
    ("awards", ("recipient_region_code",)),
    ("awards", ("giver",)),
    ("awards", ("article_id",)),
    ("articles", ("published",)),
    ("articles", ("site",)),
    # Moving a story's copies to a new, smaller story id finds them by story_id.
    ("articles", ("story_id",)),
    ("article_regions", ("region_code",)),
)


# Indexes earlier versions made that no query uses: each costs every insert.
_RETIRED_INDEXES = ("idx_facts_indicator_province_code",)

# The trigger sqlite-utils makes to add each inserted article to the full-text
# index. A trigger runs once per row, and 13,000 articles took 1.4 s through it
# against 0.35 s for one INSERT ... SELECT of the batch: the writer indexes its
# new articles itself (``index_text``). The delete trigger stays.
_PER_ROW_FTS_TRIGGER = "articles_ai"

# sqlite-utils' update trigger indexes the text again whatever column changed,
# so moving a story's copies to a new story id re-indexed every copy's text.
# This one fires only when the title or the text is written.
_FTS_UPDATE_TRIGGER = "articles_au"
_FTS_UPDATE_TRIGGER_SQL = """CREATE TRIGGER [articles_au] AFTER UPDATE OF [title], [text] ON [articles] BEGIN
  INSERT INTO [articles_fts] ([articles_fts], rowid, [title], [text])
    VALUES ('delete', old.rowid, old.[title], old.[text]);
  INSERT INTO [articles_fts] (rowid, [title], [text]) VALUES (new.rowid, new.[title], new.[text]);
END"""


def open_store(path: str) -> sqlite_utils.Database:
    """Open (or create) the database at ``path``, ready for writing.

    Foreign keys are per connection in SQLite, so every connection this
    project writes with must come from here.
    """
    db: sqlite_utils.Database | None = None
    try:
        db = sqlite_utils.Database(path)
        db.execute("PRAGMA foreign_keys=ON")
        if path != ":memory:":
            db.enable_wal()
        # Safe with WAL (a power cut can lose the last commits, never corrupt),
        # and upserts are several times faster than with FULL.
        db.execute("PRAGMA synchronous=NORMAL")
        # 64 MiB of page cache (the default is 2 MiB): a batch inserts into a dozen
        # indexes at places spread over the file (the ids are hashes), and a small
        # cache rereads their pages; storing 100,000 facts took a third longer.
        db.execute("PRAGMA cache_size=-65536")
        _ensure_schema(db)
    except BaseException as error:
        if db is not None:
            db.close()
        if not isinstance(error, sqlite3.DatabaseError):
            raise
        raise StoreError(
            f"cannot open the database {path!r}: {error}. Check that its folder exists "
            "and is writable and that the file is an SQLite database made by this tool, "
            "or give a new file name."
        ) from error
    return db


def _ensure_schema(db: sqlite_utils.Database) -> None:
    """Create whatever is missing; refuse a database from another schema version."""
    with db.atomic():
        db["meta"].create({"key": str, "value": str}, pk="key", if_not_exists=True)
        row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is not None and int(row[0]) != SCHEMA_VERSION:
            raise StoreError(
                f"the database holds schema version {row[0]}, this tool writes version "
                f"{SCHEMA_VERSION}: write to a new database file, or re-ingest into one."
            )
        db["regions"].create(
            _REGION_COLUMNS, pk="code", not_null=["name", "level"], if_not_exists=True
        )
        db["articles"].create(
            _ARTICLE_COLUMNS,
            pk="id",
            not_null=["text", "content_hash", "ingested_at"],
            if_not_exists=True,
        )
        db["facts"].create(
            _FACT_COLUMNS,
            pk="id",
            not_null=["article_id", "kind", "indicator", "value", "role", "region_code"],
            foreign_keys=[
                ("article_id", "articles", "id"),
                ("region_code", "regions", "code"),
            ],
            if_not_exists=True,
        )
        db["awards"].create(
            _AWARD_COLUMNS,
            pk="id",
            not_null=["article_id", "recipient"],
            foreign_keys=[
                ("article_id", "articles", "id"),
                ("recipient_region_code", "regions", "code"),
            ],
            if_not_exists=True,
        )
        db["article_regions"].create(
            {"article_id": str, "region_code": str, "mentions": int},
            pk=("article_id", "region_code"),
            foreign_keys=[
                ("article_id", "articles", "id"),
                ("region_code", "regions", "code"),
            ],
            if_not_exists=True,
        )
        for table, columns in _INDEXES:
            db[table].create_index(list(columns), if_not_exists=True)
        for name in _RETIRED_INDEXES:
            db.execute(f"DROP INDEX IF EXISTS [{name}]")
        if not db["articles_fts"].exists():
            db["articles"].enable_fts(["title", "text"], create_triggers=True)
        db.execute(f"DROP TRIGGER IF EXISTS [{_PER_ROW_FTS_TRIGGER}]")
        update_trigger = db.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                                    [_FTS_UPDATE_TRIGGER]).fetchone()
        if update_trigger is None or update_trigger[0] != _FTS_UPDATE_TRIGGER_SQL:
            db.execute(f"DROP TRIGGER IF EXISTS [{_FTS_UPDATE_TRIGGER}]")
            db.execute(_FTS_UPDATE_TRIGGER_SQL)
        if row is None:
            db["meta"].insert({"key": "schema_version", "value": str(SCHEMA_VERSION)})
        from extractor.views import ensure_views  # the views Datasette's stored queries read

        ensure_views(db)


# -- the gazetteer ------------------------------------------------------------


def load_regions(
    db: sqlite_utils.Database,
    regions: Iterable[Region],
    coordinates: dict[str, tuple[float, float]] | None = None,
) -> int:
    """Upsert the gazetteer (and, when given, each region's latitude and longitude).

    Must run before saving facts: facts and awards point at ``regions.code``.
    A region absent from ``coordinates`` keeps whatever coordinates it had.
    Returns the number of regions given.
    """
    coordinates = coordinates or {}
    with_coordinates: list[dict[str, Any]] = []
    without: list[dict[str, Any]] = []
    for region in regions:
        row: dict[str, Any] = {
            "code": region.code,
            "name": region.name,
            "level": region.level,
            "province_code": region.province_code,
            "province": region.province,
            "population": region.population,
        }
        if region.code in coordinates:
            row["latitude"], row["longitude"] = coordinates[region.code]
            with_coordinates.append(row)
        else:
            without.append(row)
    # Two batches because an upsert batch writes the columns of its rows: a row
    # without coordinates must not blank those another run stored.
    with db.atomic():
        for rows in (with_coordinates, without):
            if rows:
                db["regions"].upsert_all(rows, pk="code")
    total = len(with_coordinates) + len(without)
    logger.info("loaded %d regions (%d with coordinates)", total, len(with_coordinates))
    return total


# -- saving -------------------------------------------------------------------


def _hash(*parts: Any) -> str:
    """sha256 of the parts joined by a separator no text or code contains."""
    text = "\x1f".join(str(part) for part in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def article_id(extraction: Extraction) -> str:
    """The article's stable id: from its URL if it has one, else from its text."""
    article = extraction.article
    if article.url and article.url.strip():
        identity = ("url", urldefrag(article.url.strip()).url)
    else:
        identity = ("text", hashlib.sha256(article.text.encode("utf-8")).hexdigest())
    return _hash(*identity)[:_ID_LENGTH]


def _normal_value(value: float) -> str:
    # 2860701, 2860701.0 and 2860701.0000000002 are one value; so are 99.54 and 99.540.
    number = round(float(value), 6)
    return str(int(number)) if number.is_integer() else repr(number)


def _fact_id(aid: str, fact: Fact) -> str:
    key = (aid, fact.kind, fact.indicator, fact.role, fact.region_code)
    return _hash(*key, _normal_value(fact.value), fact.start)[:_ID_LENGTH]


def _award_id(aid: str, award: Award) -> str:
    recipient = award.recipient_region_code or " ".join(award.recipient.casefold().split())
    return _hash(aid, recipient, award.giver, award.name, award.start)[:_ID_LENGTH]


@dataclass(frozen=True)
class PreparedArticle:
    """Everything one extraction writes, with its ids, content hash and story fingerprint.

    Made by ``prepare`` in the worker process that extracted the article, so the
    single writer does nothing but SQL; it pickles smaller than the extraction.
    """

    article: dict[str, Any]
    facts: list[dict[str, Any]]
    awards: list[dict[str, Any]]
    regions: list[dict[str, Any]]
    # The story fingerprint of the text (syndication.fingerprint); None for a short text.
    fingerprint: int | None

    @property
    def id(self) -> str:
        return self.article["id"]

    @property
    def source(self) -> str:
        """The URL, or the input it was read from: how messages name the article."""
        return self.article["url"] or self.article["input"]


def prepare(extraction: Extraction) -> PreparedArticle:
    """The rows ``extraction`` stores, ready for ``save_many``."""
    aid = article_id(extraction)
    a = extraction.article
    article: dict[str, Any] = {
        "id": aid,
        "url": a.url,
        "input": a.input,
        "title": a.title,
        "site": a.site,
        "author": a.author,
        "published": a.published,
        "published_source": a.published_source,
        "text": a.text,
        "body_start": a.body_start,
    }
    facts: dict[str, dict[str, Any]] = {}
    for fact in extraction.facts:
        fid = _fact_id(aid, fact)
        if fid in facts:
            logger.debug("%s: fact %r given twice, stored once", a.url or a.input, fact.text)
            continue
        # Not fact.to_dict(): dataclasses.asdict deep-copies, 5x slower here.
        row = {name: getattr(fact, name) for name in _FACT_FIELDS}
        row["value"] = float(fact.value)
        facts[fid] = {"id": fid, "article_id": aid, **row}
    awards: dict[str, dict[str, Any]] = {}
    for award in extraction.awards:
        wid = _award_id(aid, award)
        if wid not in awards:
            row = {name: getattr(award, name) for name in _AWARD_FIELDS}
            awards[wid] = {"id": wid, "article_id": aid, **row}
    mentions: dict[str, int] = {}
    for region in extraction.regions:
        code = region.get("code")
        if code:
            mentions[code] = mentions.get(code, 0) + int(region.get("mentions") or 1)
    regions = [
        {"article_id": aid, "region_code": code, "mentions": count}
        for code, count in mentions.items()
    ]
    everything = (article, list(facts.values()), list(awards.values()), regions)
    article["content_hash"] = hashlib.sha256(
        json.dumps(everything, ensure_ascii=False, sort_keys=True).encode("utf-8")
    ).hexdigest()
    return PreparedArticle(article, list(facts.values()), list(awards.values()), regions,
                           story_fingerprint(a.text))


def _unknown_codes(db: sqlite_utils.Database, rows: PreparedArticle) -> list[str]:
    codes = {f["region_code"] for f in rows.facts}
    codes |= {w["recipient_region_code"] for w in rows.awards if w["recipient_region_code"]}
    codes |= {r["region_code"] for r in rows.regions}
    known = {row[0] for row in db.execute("SELECT code FROM regions")}
    return sorted(codes - known)


def _constraint_error(db: sqlite_utils.Database, rows: PreparedArticle,
                      error: sqlite3.IntegrityError) -> StoreError:
    unknown = _unknown_codes(db, rows)
    if unknown:
        hint = (
            f"region codes {', '.join(unknown)} are not in the regions table: "
            "load the gazetteer first (load_regions), or fix the extraction"
        )
    else:
        hint = "the extraction breaks a constraint of the schema"
    return StoreError(f"{rows.source}: not stored, {hint} ({error}).")


def _write_children(db: sqlite_utils.Database, articles: list[PreparedArticle]) -> None:
    """Insert the facts, awards and region mentions of ``articles``: one statement per table."""
    _insert(db, "facts", [row for a in articles for row in a.facts])
    _insert(db, "awards", [row for a in articles for row in a.awards])
    _insert(db, "article_regions", [row for a in articles for row in a.regions])


def _replace(db: sqlite_utils.Database, rows: PreparedArticle, ingested_at: str) -> None:
    """Overwrite a stored article whose content changed (its children are written after)."""
    aid = rows.id
    for table in ("facts", "awards", "article_regions"):
        db.execute(f"DELETE FROM [{table}] WHERE article_id = ?", [aid])
    # UPDATE, not REPLACE: the row keeps its rowid, so the FTS triggers stay
    # right and no foreign key sees it vanish.
    db["articles"].update(aid, {**rows.article, "ingested_at": ingested_at})


def _stored_hashes(db: sqlite_utils.Database, ids: list[str]) -> dict[str, str]:
    marks = ", ".join("?" * len(ids))
    return dict(db.execute(f"SELECT id, content_hash FROM articles WHERE id IN ({marks})", ids))


def _status(stored_hash: str | None, rows: PreparedArticle) -> str:
    if stored_hash is None:
        return "new"
    return "unchanged" if stored_hash == rows.article["content_hash"] else "updated"


def _result(rows: PreparedArticle, status: str) -> SaveResult:
    if status == "unchanged":
        return SaveResult(rows.id, status)
    return SaveResult(rows.id, status, len(rows.facts), len(rows.awards))


def _save_one(db: sqlite_utils.Database, rows: PreparedArticle, link_stories: bool = False) -> SaveResult:
    """Write one article in its own transaction (a savepoint inside a batch)."""
    try:
        with db.atomic():
            [result] = _save_batch(db, [rows], link_stories, NO_TIMER)
    except sqlite3.IntegrityError as error:
        forget_story_index(db)  # it may have learnt the article just rolled back
        raise _constraint_error(db, rows, error) from error
    logger.debug("%s: %s, %d facts, %d awards", rows.source, result.status, result.facts_added,
                 result.awards_added)
    return result


def _save_batch(db: sqlite_utils.Database, batch: list[PreparedArticle],
                link_stories: bool, timer: Timer) -> list[SaveResult]:
    """Write a batch with one statement per table (the caller's transaction makes it atomic).

    Raises sqlite3.IntegrityError when any row breaks the schema; the caller
    then rolls the batch back and writes it article by article.
    """
    stored = _stored_hashes(db, [rows.id for rows in batch])
    statuses = [_status(stored.get(rows.id), rows) for rows in batch]
    new = [rows for rows, status in zip(batch, statuses, strict=True) if status == "new"]
    updated = [rows for rows, status in zip(batch, statuses, strict=True) if status == "updated"]
    now = _now()
    stories = None
    if link_stories:
        with timer.stage("stories"):
            stories = _link_stories(db, new)
    with timer.stage("articles"):  # with their full-text index
        for rows in updated:
            _replace(db, rows, now)
        if new:  # a re-run over stored articles, or an updated one, adds nothing to index
            last_rowid = db.execute("SELECT coalesce(max(rowid), 0) FROM articles").fetchone()[0]
            _insert(db, "articles", [{**rows.article, "ingested_at": now, **_story_columns(rows, stories)}
                                     for rows in new])
            index_text(db, after_rowid=last_rowid)
    with timer.stage("facts"):  # with awards and region mentions
        _write_children(db, updated + new)
    return [_result(rows, status) for rows, status in zip(batch, statuses, strict=True)]


def _insert(db: sqlite_utils.Database, table: str, rows: list[dict[str, Any]]) -> None:
    """A plain executemany: the hot path of a big ingest.

    ``Table.insert_all`` checks and converts every value to guess types and
    JSON-encode containers; our rows are plain scalars in a schema made here,
    and skipping that took 100,000 facts from about 6 s to about 2 s.
    """
    if not rows:
        return
    columns = tuple(rows[0])
    sql = "INSERT INTO [{}] ({}) VALUES ({})".format(
        table, ", ".join(f"[{c}]" for c in columns), ", ".join("?" * len(columns))
    )
    # Rows made by ``prepare`` list their columns in one order, and taking the
    # values in that order is five times faster than looking each one up.
    values: list[Any] = [tuple(row.values()) for row in rows if tuple(row) == columns]
    if len(values) != len(rows):  # a row in another order: look each value up by name
        values = [[row[c] for c in columns] for row in rows]
    db.conn.executemany(sql, values)


def index_text(db: sqlite_utils.Database, after_rowid: int = 0) -> None:
    """Add the articles after ``after_rowid`` to the full-text index, in one statement.

    Whoever inserts articles calls this after (see ``_PER_ROW_FTS_TRIGGER``):
    SQLite gives a new row the largest rowid yet plus one, so the rows after
    the largest rowid before the insert are exactly the new ones.
    """
    db.execute(
        "INSERT INTO articles_fts (rowid, title, text) SELECT rowid, title, text FROM articles "
        "WHERE rowid > ?", [after_rowid]
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _operational(error: sqlite3.OperationalError) -> StoreError:
    return StoreError(
        f"the database refused the write: {error}. If it is locked, another process "
        "is writing to it: wait for it to finish or write to another file; if the "
        "disk is full, free space and run again (nothing of the failed batch is stored)."
    )


def save_extraction(db: sqlite_utils.Database, extraction: Extraction | PreparedArticle,
                    link_stories: bool = False) -> SaveResult:
    """Store one article with its facts and awards, all or nothing.

    Saving the same extraction again changes nothing; the same article with
    different content replaces its facts and awards. With ``link_stories`` a
    new article is linked to the story it copies. Raises StoreError, having
    stored nothing of this article, when a row breaks the schema (typically a
    region code missing from the gazetteer).
    """
    rows = extraction if isinstance(extraction, PreparedArticle) else prepare(extraction)
    try:
        return _save_one(db, rows, link_stories)
    except sqlite3.OperationalError as error:
        raise _operational(error) from error


def _batches(items: Iterable[Any], size: int, seconds: float) -> Iterator[list[Any]]:
    """``items`` in lists of ``size``; a list is also closed when an item arrives
    ``seconds`` after the list's first one, so a slow stream is stored as it comes."""
    batch: list[Any] = []
    opened = 0.0
    for item in items:
        if not batch:
            opened = time.monotonic()
        batch.append(item)
        if len(batch) == size or time.monotonic() - opened >= seconds:
            yield batch
            batch = []
    if batch:
        yield batch


def save_many(
    db: sqlite_utils.Database, extractions: Iterable[Extraction | PreparedArticle],
    batch_size: int = 2000, link_stories: bool = False, timer: Timer = NO_TIMER,
    batch_seconds: float = 2.0,
) -> list[SaveResult]:
    """Store many articles, ``batch_size`` to a transaction; results in input order.

    Each commit costs (its pages are written again), so a big batch stores
    faster: 100,000 facts took 4.5 s in batches of 500 and 3.4 s in batches of
    2,000. The log is copied into the database file by a thread of its own
    (``BackgroundCheckpoints``), which has done so by the time this returns.
    But articles that arrive slowly from worker processes are committed
    ``batch_seconds`` after the first of their batch: they show in the
    database soon, and the last batch, written after the workers finish, stays
    small.

    Each batch is written with one statement per table. When a row of the batch
    breaks the schema the batch is rolled back and written again article by
    article, each in a savepoint: the bad article is reported with status
    "failed" and its reason, and the rest is stored. With ``link_stories``,
    each new article is linked to the story it copies (``_link_stories``). A
    database error (locked, disk full) raises StoreError: earlier batches stay
    stored. Items may be extractions or, made in worker processes, ``prepare``'s
    rows. ``timer`` adds up the seconds spent writing articles, facts and stories.
    """
    results: list[SaveResult] = []
    try:
        with BackgroundCheckpoints(db) as checkpoints:
            for chunk in _batches(extractions, batch_size, batch_seconds):
                batch = [e if isinstance(e, PreparedArticle) else prepare(e) for e in chunk]
                with db.atomic():
                    results.extend(_save_batch_or_each(db, batch, link_stories, timer))
                checkpoints.committed()
    except sqlite3.OperationalError as error:
        forget_story_index(db)  # it may hold articles the failed batch did not store
        raise _operational(error) from error
    return results


class BackgroundCheckpoints:
    """Copy committed pages from the write-ahead log into the database file on a
    thread of its own, while the writer goes on with its next batch.

    SQLite's automatic checkpoint runs inside the commit that takes the log past
    1,000 pages: the writer stops to copy a whole batch's pages into the file,
    and copies most of them again after the next batch. Storing 100,000 facts,
    about 0.5 s of its 3.2 s went to that, on one core while the other idled.
    Within the block the writer's automatic checkpoint is off; after each commit
    (``committed``) the thread runs a passive checkpoint on a connection of its
    own, which never waits for nor blocks the writer or the readers. Leaving the
    block runs a last one, waits for it and restores the writer's setting, so
    the log does not outgrow a batch or two. An in-memory database has no log:
    nothing happens. A failed checkpoint is logged and the next one catches up
    (SQLite checkpoints again when the last connection closes).
    """

    def __init__(self, db: sqlite_utils.Database) -> None:
        self._db = db
        self._path = ""
        if db.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            # database_list gives the main database's file name ("" for a temporary one).
            self._path = next(row[2] for row in db.execute("PRAGMA database_list") if row[1] == "main")
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._automatic_pages = 0

    def __enter__(self) -> BackgroundCheckpoints:
        if not self._path:
            return self
        try:
            # Made here, used and closed by the thread alone.
            connection = sqlite3.connect(self._path, check_same_thread=False)
        except sqlite3.Error as error:  # SQLite's own checkpoints go on as before
            logger.warning("%s: cannot open a second connection to copy the write-ahead log (%s)",
                           self._path, error)
            return self
        self._automatic_pages = self._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        self._db.execute("PRAGMA wal_autocheckpoint=0")
        self._thread = threading.Thread(target=self._run, args=(connection,), name="sqlite-checkpoints",
                                        daemon=True)
        self._thread.start()
        return self

    def committed(self) -> None:
        """Tell the thread that a transaction was committed: there are pages to copy."""
        self._wake.set()

    def __exit__(self, *exc_info: object) -> None:
        if self._thread is None:
            return
        self._stopping = True
        self._wake.set()
        self._thread.join()
        self._thread = None
        self._db.execute(f"PRAGMA wal_autocheckpoint={int(self._automatic_pages)}")

    def _run(self, connection: sqlite3.Connection) -> None:
        try:
            connection.execute("PRAGMA synchronous=NORMAL")  # as the writer's (open_store)
            while True:
                self._wake.wait()
                self._wake.clear()
                stopping = self._stopping  # read before the checkpoint: it must cover the last commit
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as error:
                    logger.warning("%s: copying the write-ahead log into the database failed "
                                   "(%s); the next checkpoint will", self._path, error)
                if stopping:
                    return
        finally:
            connection.close()


def _save_batch_or_each(db: sqlite_utils.Database, batch: list[PreparedArticle],
                        link_stories: bool, timer: Timer) -> list[SaveResult]:
    # An article twice in one batch (a list given twice) must be compared with
    # its first copy, which one statement per table cannot do.
    if len({rows.id for rows in batch}) == len(batch):
        try:
            with db.atomic():
                return _save_batch(db, batch, link_stories, timer)
        except sqlite3.IntegrityError:
            forget_story_index(db)  # it may have learnt articles just rolled back
            # find the culprit below
    results = []
    for rows in batch:
        try:
            results.append(_save_one(db, rows, link_stories))
        except StoreError as error:
            # Not logged as a warning: the result carries the reason, and the
            # caller reports it (ingest prints it on stderr).
            logger.debug("%s", error)
            results.append(SaveResult(rows.id, "failed", error=str(error)))
    return results


# -- reading ------------------------------------------------------------------


def summary(db: sqlite_utils.Database) -> dict[str, Any]:
    """The figures the CLI prints after a run: what the database holds now."""

    def count(sql: str) -> int:
        return int(db.execute(sql).fetchone()[0])

    by_indicator = {
        indicator: n
        for indicator, n in db.execute(
            "SELECT indicator, count(*) FROM facts GROUP BY indicator ORDER BY indicator"
        )
    }
    return {
        "articles": count("SELECT count(*) FROM articles"),
        "articles_with_facts": count("SELECT count(DISTINCT article_id) FROM facts"),
        "facts": count("SELECT count(*) FROM facts"),
        "awards": count("SELECT count(*) FROM awards"),
        "regions_with_facts": count("SELECT count(DISTINCT region_code) FROM facts"),
        "facts_by_indicator": by_indicator,
    }


# -- stories ------------------------------------------------------------------

# One index of fingerprints per open database, built from the table on first use.
_story_indexes: weakref.WeakKeyDictionary[sqlite_utils.Database, StoryIndex] = (
    weakref.WeakKeyDictionary()
)


def forget_story_index(db: sqlite_utils.Database) -> None:
    """Drop what the story index learnt on ``db``: after a rollback it may hold
    articles that were never stored. It is built again from the table when next needed."""
    _story_indexes.pop(db, None)


def _story_index(db: sqlite_utils.Database) -> StoryIndex:
    index = _story_indexes.get(db)
    if index is None:
        rows = db.execute("SELECT fingerprint, id FROM articles WHERE fingerprint IS NOT NULL")
        index = StoryIndex.from_rows((_signed(int(fp, 16)), aid) for fp, aid in rows)
        _story_indexes[db] = index
    return index


def _stored_story(db: sqlite_utils.Database, article_id: str) -> str:
    row = db.execute("SELECT coalesce(story_id, id) FROM articles WHERE id = ?", [article_id]).fetchone()
    return row[0] if row else article_id


def _link_stories(db: sqlite_utils.Database, new: list[PreparedArticle]) -> dict[str, str]:
    """The story id of each new article, decided before it is inserted.

    A new article joins the story of its nearest stored (or earlier in ``new``)
    copy. A story's id is the smallest article id among its copies, so the same
    set of articles gets the same story ids whatever order they came in; when a
    new article's id is the smaller, the stored copies are moved to it. The
    caller drops the story index if the write then fails.
    """
    index = _story_index(db)
    stories: dict[str, str] = {}
    for rows in new:
        story = rows.id
        if rows.fingerprint is not None:
            match = index.find(rows.fingerprint)
            if match is not None:
                other = stories.get(match) or _stored_story(db, match)
                story = min(other, rows.id)
                if story != other:
                    db.execute("UPDATE articles SET story_id = ? WHERE story_id = ? OR id = ?",
                               [story, other, other])
                    for aid, earlier in stories.items():
                        if earlier == other:
                            stories[aid] = story
            index.add(rows.fingerprint, rows.id)
        stories[rows.id] = story
    return stories


def _story_columns(rows: PreparedArticle, stories: dict[str, str] | None) -> dict[str, Any]:
    if stories is None:
        return {}
    fingerprint = rows.fingerprint
    return {"story_id": stories[rows.id],
            "fingerprint": None if fingerprint is None else f"{fingerprint & _MASK64:016x}"}


_MASK64 = (1 << 64) - 1


def _signed(value: int) -> int:
    """The signed 64-bit fingerprint syndication.py works with, from its stored hex."""
    return value - (1 << 64) if value >= 1 << 63 else value
