"""The project's Datasette plugin: provenance in cells, a province facet, no writes.

Loaded by ``python cli.py serve`` with ``--plugins-dir datasette/plugins``
(``extractor/serve.py``). Three things:

- ``render_cell``: a fact's ``sentence`` shows with its number marked, links to
  articles and facts in query results and views (Datasette links foreign keys
  only on table pages), and ``see_facts`` as a link to the facts behind a row.
- a ``province`` facet type for columns holding region codes: the awards table
  has no province column, and a region code's first two digits are its
  province's code, so ``recipient_region_code__startswith=64`` selects every
  award to Kalimantan Timur or one of its regencies and cities.
- ``prepare_connection``: every connection to a served database is
  ``query_only``, so even a canned query marked ``write: true`` or another
  plugin could not change the file; Datasette's own read connections are
  already opened ``mode=ro``.
"""

from __future__ import annotations

import logging
import sqlite3
import urllib.parse
from typing import Any

from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args
from markupsafe import Markup

from datasette import hookimpl

logger = logging.getLogger(__name__)

# Datasette's own bookkeeping database, written by Datasette itself.
_INTERNAL = "_internal"


@hookimpl
def prepare_connection(conn: sqlite3.Connection, database: str) -> None:
    if database != _INTERNAL:
        conn.execute("PRAGMA query_only = 1")


def _get(row: Any, key: str) -> Any:
    """A value from a result row (sqlite3.Row or Datasette's CustomRow), or None."""
    try:
        value = row[key]
    except (IndexError, KeyError):
        return None
    if isinstance(value, dict):  # a foreign key Datasette expanded to {value, label}
        return value.get("value")
    return value


def mark_number(sentence: str, number: str, offset: int | None = None) -> Markup | None:
    """The sentence as HTML with ``number`` marked, or None when it is not in it.

    ``offset`` is where the number starts within the sentence when known; it
    decides between several occurrences ("30 persen ... 30 persen").
    """
    if not sentence or not number:
        return None
    positions = []
    at = sentence.find(number)
    while at != -1:
        positions.append(at)
        at = sentence.find(number, at + 1)
    if not positions:
        return None
    at = offset if offset in positions else positions[0]
    end = at + len(number)
    return Markup("{}<mark>{}</mark>{}").format(sentence[:at], sentence[at:end], sentence[end:])


async def _offset_in_sentence(datasette: Any, database: str, row: Any, sentence: str) -> int | None:
    """Where the fact's number starts inside its sentence, from the article's text.

    facts.start indexes the article's text, not the sentence; the sentence's own
    start is found by looking it up in that text (SQLite's instr counts characters,
    as Python does).
    """
    start, article_id = _get(row, "start"), _get(row, "article_id")
    if not isinstance(start, int) or not article_id:
        return None
    try:
        result = await datasette.execute(
            database, "select instr(text, :sentence) from articles where id = :id",
            {"sentence": sentence, "id": article_id},
        )
    except (QueryInterrupted, sqlite3.DatabaseError) as error:
        logger.debug("no sentence offset for fact of article %s: %s", article_id, error)
        return None
    first = result.first()
    if not first or not first[0]:
        return None
    return start - (first[0] - 1)


def _link(href: str, label: str) -> Markup:
    return Markup('<a href="{}">{}</a>').format(href, label)


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None, database: str,
                datasette: Any) -> Any:
    if value is None or value == "":
        return None
    if column == "sentence" and isinstance(value, str):
        number = _get(row, "text")
        if not isinstance(number, str) or number not in value:
            return None
        if value.count(number) == 1:
            return mark_number(value, number)

        async def several() -> Markup | None:
            offset = await _offset_in_sentence(datasette, database, row, value)
            return mark_number(value, number, offset)

        return several
    # Table pages show foreign keys as links already (the value is then a dict
    # with a label); query results and views show bare ids, linked here.
    if column == "see_facts" and isinstance(value, str):
        return _link(f"{datasette.urls.database(database)}/{value}", "facts")
    if not isinstance(value, str):
        return None
    if column == "article_id" or column.endswith("_article_id"):
        return _link(datasette.urls.row(database, "articles", urllib.parse.quote(value, safe="")), value)
    if column == "fact_id":
        return _link(datasette.urls.row(database, "facts", urllib.parse.quote(value, safe="")), value)
    return None


class ProvinceFacet(Facet):
    """Facet a column of region codes by the province each code lies in."""

    type = "province"

    async def suggest(self) -> list[dict[str, Any]]:
        return []

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        results: list[dict[str, Any]] = []
        timed_out: list[str] = []
        pairs = self.get_querystring_pairs()
        size = self.get_facet_size()
        for source_and_config in self.get_configs():
            config = source_and_config["config"]
            column = config.get("column") or config["simple"]
            # Region codes lie in province code[:2]; the country (ID) has no province.
            sql = f"""
                select r.code as value, r.name as label, count(*) as count
                from ({self.sql}) as t
                join regions as r on r.code = substr(t.{escape_sqlite(column)}, 1, 2)
                where r.level = 'province'
                group by r.code order by count desc, label limit {size + 1}
            """
            try:
                rows = await self.ds.execute(
                    self.database, sql, self.params, truncate=False,
                    custom_time_limit=self.ds.setting("facet_time_limit_ms"),
                )
            except QueryInterrupted:
                timed_out.append(column)
                continue
            key = f"{column}__startswith"
            values = []
            for row in rows.rows[:size]:
                selected = (key, row["value"]) in pairs
                if selected:
                    path = path_with_removed_args(self.request, {key: row["value"]})
                else:
                    path = path_with_added_args(self.request, {key: row["value"]})
                values.append({
                    "value": row["value"],
                    "label": row["label"],
                    "count": row["count"],
                    "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(path)),
                    "selected": selected,
                })
            results.append({
                "name": column,
                "type": self.type,
                "hideable": source_and_config["source"] != "metadata",
                "toggle_url": self.ds.urls.path(
                    path_with_removed_args(self.request, {f"_facet_{self.type}": column})
                ),
                "results": values,
                "truncated": len(rows.rows) > size,
            })
        return results, timed_out


@hookimpl
def register_facet_classes() -> list[type[Facet]]:
    return [ProvinceFacet]


# The column descriptions from the metadata come as a long list above each table;
# fold them into a <details> so the rows show first, and give each column header
# its description as a tooltip.
_FOLD_COLUMN_DESCRIPTIONS = """
document.querySelectorAll("dl.column-descriptions").forEach(function (dl) {
  var described = {};
  dl.querySelectorAll("dt").forEach(function (dt) {
    var dd = dt.nextElementSibling;
    described[dt.textContent.trim()] = dd ? dd.textContent.trim() : "";
  });
  document.querySelectorAll("table.rows-and-columns th[data-column]").forEach(function (th) {
    var text = described[th.getAttribute("data-column")];
    if (text) { th.title = text; }
  });
  var details = document.createElement("details");
  details.className = "column-descriptions";
  var summary = document.createElement("summary");
  summary.textContent = "What each column means (" + Object.keys(described).length + " columns)";
  details.appendChild(summary);
  dl.parentNode.insertBefore(details, dl);
  details.appendChild(dl);
});
"""


@hookimpl
def extra_body_script() -> str:
    return _FOLD_COLUMN_DESCRIPTIONS
