"""Serve a fact store read-only with Datasette, as researchers explore it.

The metadata (descriptions, facets, stored queries, the charts) is the versioned
file ``datasette/metadata.yaml``; the project's plugin is in
``datasette/plugins/``. The database is always served under the name ``facts``
(``/facts/facts`` is the facts table whatever the file is called), so the links
in the metadata and the README hold for any file.

Nothing can be written through the server: Datasette 0.65 has no write API, its
query connections are opened ``mode=ro`` and the project's plugin makes every
connection ``query_only``; ``?sql=`` takes only SELECT statements, and a stored
query marked ``write: true`` is refused here before the server starts.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path
from typing import Any

import yaml
from datasette.app import Datasette
from datasette.database import Database

from extractor.errors import ExtractorError
from extractor.views import outdated

logger = logging.getLogger(__name__)

DATABASE_NAME = "facts"
DATASETTE_DIR = Path(__file__).resolve().parent.parent / "datasette"
METADATA_PATH = DATASETTE_DIR / "metadata.yaml"
PLUGINS_DIR = DATASETTE_DIR / "plugins"

# Datasette's defaults, except: no facet suggestions (on a million facts each
# suggestion is a query of its own on every table page, for little use: the
# useful facets are set in the metadata), and facet lists long enough for the
# 38 provinces.
SETTINGS: dict[str, Any] = {
    "suggest_facets": False,
    "default_facet_size": 40,
}


class ServeError(ExtractorError):
    """The database cannot be served; the message says what to do."""


def load_metadata(path: Path = METADATA_PATH) -> dict[str, Any]:
    """The Datasette metadata, checked: no stored query may write."""
    try:
        metadata = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ServeError(f"cannot read the Datasette metadata {path}: {error}") from error
    if not isinstance(metadata, dict):
        raise ServeError(f"{path}: the metadata must be a mapping")
    for database in (metadata.get("databases") or {}).values():
        for name, query in ((database or {}).get("queries") or {}).items():
            if isinstance(query, dict) and query.get("write"):
                raise ServeError(
                    f"{path}: stored query {name!r} is marked write: true; the fact store is "
                    "served read-only, so remove it or make it a SELECT"
                )
    return metadata


def prepare_database(db_path: str | Path) -> None:
    """Check the file is a fact store and give it the views the metadata uses.

    A database written by an older version lacks some views or indexes: they are
    added once (the only write this module makes, and never through the server).
    """
    path = Path(db_path)
    if not path.is_file():
        raise ServeError(
            f"no database at {str(path)!r}: create it first, e.g. "
            f"`python cli.py ingest corpus/ --db {path}`, or give --db the right file."
        )
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            missing = {"facts", "articles", "awards", "regions"} - tables
            stale = [] if missing else outdated(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise ServeError(f"{str(path)!r} is not an SQLite database this tool can read: {error}") from error
    if missing:
        raise ServeError(
            f"{str(path)!r} is not a fact store made by this tool (no {', '.join(sorted(missing))} "
            "table): give --db the file that `python cli.py ingest` wrote."
        )
    if not stale:
        return
    from extractor.store import StoreError, open_store

    logger.info("%s: adding %s", path, ", ".join(stale))
    try:
        open_store(str(path)).close()
    except StoreError as error:
        raise ServeError(
            f"{str(path)!r} lacks the views {', '.join(stale)} and they cannot be added: {error}"
        ) from error


def build_datasette(
    db_path: str | Path,
    *,
    settings: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
) -> Datasette:
    """A Datasette instance serving ``db_path`` read-only as ``facts``, ready to run.

    Call ``prepare_database`` first (``serve`` does); tests use the instance's
    ``client`` in process.
    """
    ds = Datasette(
        [],
        metadata=load_metadata() if metadata is None else metadata,
        plugins_dir=str(PLUGINS_DIR),
        settings={**SETTINGS, **(settings or {})},
    )
    # Datasette names a database after its file; the fixed name keeps URLs stable.
    ds.add_database(Database(ds, path=str(Path(db_path).resolve()), is_mutable=True), name=DATABASE_NAME)
    if "_memory" in ds.databases:
        ds.remove_database("_memory")
    return ds


def serve(db_path: str | Path, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Serve ``db_path`` over HTTP until interrupted."""
    import uvicorn

    prepare_database(db_path)
    ds = build_datasette(db_path)
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(ds.invoke_startup())
    finally:
        loop.close()
    logger.info("serving %s at http://%s:%d/", db_path, host, port)
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on", workers=1)
