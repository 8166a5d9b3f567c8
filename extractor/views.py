"""SQL views and indexes for the researchers' questions (served by Datasette).

Each view answers one question the stored queries in ``datasette/metadata.yaml``
ask with parameters; the indexes are there so that each answers within
Datasette's 1 s limit on a million facts (``scripts/bench_datasette.py``
measures it). ``ensure_views`` runs every time the store is opened: it creates
what is missing and replaces a view or index whose definition changed, so a
database made by an older version catches up on its next open.

Three choices shape the SQL:

- A story is ``coalesce(articles.story_id, articles.id)``: syndicated copies of
  one story share a ``story_id``, and an article with none is its own story.
- "Latest" orders ``as_of`` as text, which is chronological for the forms the
  extractor writes ("2023" < "2023-12" < "2024" < "2024-06" < "2024-06-30"); a
  year alone counts as that year's beginning. Facts without ``as_of`` are the
  latest only where a series has no dated fact at all.
- The covering index ``facts_figure`` holds every column the grouping views read
  (and, implicitly, the rowid), so they scan an index instead of the wide fact
  rows with their sentences; ``articles_story`` does the same for the join from
  a fact to its story, which would otherwise read past each article's text.
"""

from __future__ import annotations

import logging
import re
import sqlite3

import sqlite_utils

logger = logging.getLogger(__name__)

# A story: syndicated copies share articles.story_id; null means its own story.
_STORY = "coalesce(a.story_id, a.id)"

# The month an article was published ("2024-11"), for Datasette's month facet.
# VIRTUAL: computed when read, so it costs no space and can never disagree with
# `published`; its index makes the facet a scan of that index alone.
_MONTH_COLUMN = "published_month"
_MONTH_DEFINITION = "substr(published, 1, 7)"

INDEXES: dict[str, str] = {
    # Every column the grouping views read from facts, in their GROUP BY order.
    "facts_figure": "facts(indicator, region_code, kind, role, as_of, value, article_id)",
    # Datasette's default facets on the facts table: each is a scan of one small index.
    "facts_province": "facts(province)",
    "facts_kind": "facts(kind)",
    "facts_role": "facts(role)",
    "facts_region_level": "facts(region_level)",
    # The facts table's default sort (newest figure first).
    "facts_as_of": "facts(as_of)",
    # A fact's story and date without reading the article's text.
    "articles_story": "articles(id, story_id, published, site)",
    "articles_published_month": f"articles({_MONTH_COLUMN})",
    "awards_date": "awards(date)",
    "awards_region_giver": "awards(recipient_region_code, giver)",
}

VIEWS: dict[str, str] = {
    # One row per region, indicator, kind and role: the figure with the latest as_of.
    # SQLite takes the bare columns (value, rowid, article_id) from the row that gave
    # max(as_of). The grouping reads only the covering index, in its order, and is
    # the only table in the outer FROM (the rest are lookups per row), so SQLite runs
    # it as a co-routine: a first page streams without grouping the whole table.
    "latest_figures": """
SELECT
  l.region_code,
  (SELECT name FROM regions WHERE code = l.region_code) AS region,
  (SELECT level FROM regions WHERE code = l.region_code) AS region_level,
  (SELECT province FROM regions WHERE code = l.region_code) AS province,
  l.indicator,
  l.kind,
  l.role,
  l.as_of,
  l.value,
  (SELECT unit FROM facts WHERE rowid = l.fact_rowid) AS unit,
  (SELECT text FROM facts WHERE rowid = l.fact_rowid) AS text,
  (SELECT sentence FROM facts WHERE rowid = l.fact_rowid) AS sentence,
  l.facts AS series_facts,
  (SELECT id FROM facts WHERE rowid = l.fact_rowid) AS fact_id,
  l.article_id,
  (SELECT title FROM articles WHERE id = l.article_id) AS article_title,
  (SELECT published FROM articles WHERE id = l.article_id) AS published,
  (SELECT site FROM articles WHERE id = l.article_id) AS site,
  (SELECT url FROM articles WHERE id = l.article_id) AS url
FROM (
  SELECT indicator, region_code, kind, role, max(as_of) AS as_of, value, article_id,
         rowid AS fact_rowid, count(*) AS facts
  FROM facts
  GROUP BY indicator, region_code, kind, role
  ORDER BY indicator, region_code, kind, role
) AS l""",
    # Facts counted once per story: one row per figure (region, indicator, kind,
    # role, as_of, value) with how many stories gave it (syndicated copies of a
    # story count once), how many articles and sites carried it, and its first
    # copy as the source. Grouped in the covering index's order, so a first page
    # streams; summing `stories` counts each figure once per story.
    "figures": f"""
SELECT
  f.region_code,
  f.region,
  f.region_level,
  f.province,
  f.indicator,
  f.kind,
  f.role,
  f.as_of,
  f.value,
  f.unit,
  count(DISTINCT {_STORY}) AS stories,
  count(*) AS copies,
  count(DISTINCT a.site) AS sites,
  min(a.published) AS first_published,
  f.id AS fact_id,
  f.article_id,
  f.text,
  f.sentence
FROM facts AS f
JOIN articles AS a INDEXED BY articles_story ON a.id = f.article_id
GROUP BY f.indicator, f.region_code, f.kind, f.role, f.as_of, f.value""",
    # The same region, indicator, kind, role and as_of with different values from
    # different stories. "At least two values and at least two stories" is the
    # same as "two facts that differ in value and in story" (take a fact; if every
    # other value came from its story, a fact of another story has its value, and
    # that one differs from a fact of the other value in both). min < max is that
    # test without the cost of count(DISTINCT ...).
    "conflicting_figures": f"""
SELECT
  c.region_code,
  (SELECT name FROM regions WHERE code = c.region_code) AS region,
  (SELECT level FROM regions WHERE code = c.region_code) AS region_level,
  (SELECT province FROM regions WHERE code = c.region_code) AS province,
  c.indicator,
  c.kind,
  c.role,
  c.as_of,
  c.lowest,
  c.highest,
  c.highest - c.lowest AS spread,
  c.facts,
  printf('facts?region_code=%s&indicator=%s&kind=%s&role=%s&as_of=%s',
         c.region_code, c.indicator, c.kind, c.role, c.as_of) AS see_facts
FROM (
  SELECT f.indicator, f.region_code, f.kind, f.role, f.as_of,
         min(f.value) AS lowest, max(f.value) AS highest, count(*) AS facts
  FROM facts AS f
  JOIN articles AS a INDEXED BY articles_story ON a.id = f.article_id
  WHERE f.as_of IS NOT NULL
  GROUP BY f.indicator, f.region_code, f.kind, f.role, f.as_of
  HAVING min(f.value) < max(f.value) AND min({_STORY}) < max({_STORY})
  ORDER BY f.indicator, f.region_code, f.kind, f.role, f.as_of
) AS c""",
    # KTP-el recording per province: the latest percentage and the latest count.
    "ktp_el_by_province": """
WITH latest AS (
  SELECT region_code, kind, max(as_of) AS as_of, value, rowid AS fact_rowid
  FROM facts
  WHERE indicator = 'ktp_el_recorded' AND role = 'actual'
    AND region_code IN (SELECT code FROM regions WHERE level = 'province')
  GROUP BY region_code, kind
)
SELECT
  r.code AS province_code,
  r.name AS province,
  p.value AS recorded_percent,
  p.as_of AS percent_as_of,
  pf.article_id AS percent_article_id,
  c.value AS recorded_people,
  c.as_of AS people_as_of,
  cf.article_id AS people_article_id,
  r.population
FROM regions AS r
LEFT JOIN latest AS p ON p.region_code = r.code AND p.kind = 'percentage'
LEFT JOIN facts AS pf ON pf.rowid = p.fact_rowid
LEFT JOIN latest AS c ON c.region_code = r.code AND c.kind = 'count'
LEFT JOIN facts AS cf ON cf.rowid = c.fact_rowid
WHERE r.level = 'province'
ORDER BY r.code""",
    # IKD activation per province: the latest percentage reached and the latest
    # percentage aimed at, and how far apart they are.
    "ikd_by_province": """
WITH latest AS (
  SELECT region_code, role, max(as_of) AS as_of, value, rowid AS fact_rowid
  FROM facts
  WHERE indicator = 'ikd_activated' AND kind = 'percentage' AND role IN ('actual', 'target')
    AND region_code IN (SELECT code FROM regions WHERE level = 'province')
  GROUP BY region_code, role
)
SELECT
  r.code AS province_code,
  r.name AS province,
  act.value AS activated_percent,
  act.as_of AS activated_as_of,
  af.article_id AS activated_article_id,
  tgt.value AS target_percent,
  tgt.as_of AS target_as_of,
  tf.article_id AS target_article_id,
  round(tgt.value - act.value, 2) AS points_to_target
FROM regions AS r
LEFT JOIN latest AS act ON act.region_code = r.code AND act.role = 'actual'
LEFT JOIN facts AS af ON af.rowid = act.fact_rowid
LEFT JOIN latest AS tgt ON tgt.region_code = r.code AND tgt.role = 'target'
LEFT JOIN facts AS tf ON tf.rowid = tgt.fact_rowid
WHERE r.level = 'province'
ORDER BY r.code""",
    # Awards per recipient region, each award counted once per story.
    "awards_by_region": f"""
SELECT
  w.recipient_region_code AS region_code,
  r.name AS region,
  r.level AS region_level,
  r.province,
  count(DISTINCT {_STORY}) AS stories,
  count(*) AS mentions,
  count(DISTINCT w.giver) AS givers,
  group_concat(DISTINCT w.giver) AS given_by,
  group_concat(DISTINCT w.name) AS award_names,
  max(coalesce(w.date, a.published)) AS latest
FROM awards AS w
JOIN articles AS a INDEXED BY articles_story ON a.id = w.article_id
LEFT JOIN regions AS r ON r.code = w.recipient_region_code
GROUP BY w.recipient_region_code""",
    # Awards per giver, each award counted once per story.
    "awards_by_giver": f"""
SELECT
  w.giver,
  count(DISTINCT {_STORY}) AS stories,
  count(*) AS mentions,
  count(DISTINCT w.recipient_region_code) AS regions,
  group_concat(DISTINCT w.name) AS award_names,
  min(coalesce(w.date, a.published)) AS earliest,
  max(coalesce(w.date, a.published)) AS latest
FROM awards AS w
JOIN articles AS a INDEXED BY articles_story ON a.id = w.article_id
GROUP BY w.giver""",
}


def _normal(sql: str | None) -> str:
    """Whitespace-insensitive form of a definition, to tell whether it changed."""
    return re.sub(r"\s+", " ", sql or "").strip().casefold()


def _ensure_month_column(db: sqlite_utils.Database) -> None:
    columns = {row[1] for row in db.execute("PRAGMA table_xinfo(articles)")}
    if _MONTH_COLUMN in columns:
        return
    # Only VIRTUAL generated columns can be added to an existing table.
    db.execute(
        f"ALTER TABLE articles ADD COLUMN {_MONTH_COLUMN} TEXT "
        f"GENERATED ALWAYS AS ({_MONTH_DEFINITION}) VIRTUAL"
    )
    logger.info("added the generated column articles.%s", _MONTH_COLUMN)


def _definitions() -> dict[tuple[str, str], str]:
    wanted = {("index", name): f"CREATE INDEX [{name}] ON {target}" for name, target in INDEXES.items()}
    wanted.update(
        {("view", name): f"CREATE VIEW [{name}] AS {body.strip()}" for name, body in VIEWS.items()}
    )
    return wanted


def outdated(conn: sqlite3.Connection) -> list[str]:
    """Names of the views, indexes and columns missing or defined otherwise than here.

    Reads the schema only, so it works on a read-only connection: ``serve``
    uses it to tell whether a database needs ``ensure_views`` before serving.
    """
    stored = {
        (row[0], row[1]): row[2]
        for row in conn.execute("SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'view')")
    }
    names = [
        name for (kind, name), sql in _definitions().items()
        if _normal(stored.get((kind, name))) != _normal(sql)
    ]
    columns = {row[1] for row in conn.execute("PRAGMA table_xinfo(articles)")}
    if _MONTH_COLUMN not in columns:
        names.append(f"articles.{_MONTH_COLUMN}")
    return names


def ensure_views(db: sqlite_utils.Database) -> None:
    """Create the researchers' views and their indexes; replace any that changed.

    Idempotent and cheap when nothing changed (it reads ``sqlite_master`` only).
    On an existing big database the first run builds the indexes: about 10 s for
    a million facts.
    """
    _ensure_month_column(db)
    existing = {
        (row[0], row[1]): row[2]
        for row in db.execute("SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'view')")
    }
    # Indexes first: a view is only as fast as they are, and they take the time.
    for (kind, name), sql in _definitions().items():
        stored = existing.get((kind, name))
        if stored is not None and _normal(stored) == _normal(sql):
            continue
        if stored is not None:
            db.execute(f"DROP {kind.upper()} [{name}]")
        db.execute(sql)
        logger.info("%s %s %s", "replaced" if stored else "created", kind, name)
