"""The researchers' Datasette: metadata, facets, stored queries, search, provenance, no writes.

A small fact store is built by code through ``extractor.store`` (invented
figures), served in process through ``Datasette(...).client``; one test starts
``python cli.py serve`` on a free port and reads JSON over HTTP.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from extractor.models import Article, Award, Extraction, Fact, Region
from extractor.serve import (
    DATABASE_NAME,
    ServeError,
    build_datasette,
    load_metadata,
    prepare_database,
)
from extractor.store import load_regions, open_store, save_extraction
from extractor.views import INDEXES, VIEWS, ensure_views, outdated
from tests.serving import served

ROOT = Path(__file__).resolve().parents[1]

REGIONS = (
    Region("ID", "Indonesia", "country", None, None, 280_000_000),
    Region("64", "Kalimantan Timur", "province", "64", "Kalimantan Timur", 3_900_000),
    Region("64.72", "Kota Samarinda", "city", "64", "Kalimantan Timur", 850_000),
    Region("35", "Jawa Timur", "province", "35", "Jawa Timur", 41_000_000),
    Region("35.07", "Kabupaten Malang", "regency", "35", "Jawa Timur", 2_700_000),
    Region("53", "Nusa Tenggara Timur", "province", "53", "Nusa Tenggara Timur", 5_600_000),
)
_BY_CODE = {r.code: r for r in REGIONS}


def _fact(text: str, code: str, indicator: str, value: float, as_of: str | None, body: list[str],
          role: str = "actual", sentence: str | None = None, occurrence: int = 0) -> Fact:
    """A fact whose sentence is appended to ``body``; offsets index the final article text."""
    region = _BY_CODE[code]
    kind = "percentage" if "persen" in text else "count"
    sentence = sentence or f"Capaian {indicator} di {region.name} mencapai {text}."
    offset = sum(len(s) + 1 for s in body)  # sentences are joined by one space
    body.append(sentence)
    at = -1
    for _ in range(occurrence + 1):
        at = sentence.index(text, at + 1)
    return Fact(kind=kind, indicator=indicator, value=value,
                unit="percent" if kind == "percentage" else "people", role=role,
                region_code=code, region=region.name, region_level=region.level,
                province_code=region.province_code, province=region.province, as_of=as_of,
                text=text, start=offset + at, end=offset + at + len(text), sentence=sentence)


def _article(url: str, title: str, published: str, site: str, body: list[str], facts: list[Fact],
             awards: tuple[Award, ...] = ()) -> Extraction:
    head = f"{title}\n\n"
    shifted = tuple(
        Fact(**{**f.__dict__, "start": f.start + len(head), "end": f.end + len(head)}) for f in facts
    )
    article = Article(input=url, url=url, title=title, text=head + " ".join(body),
                      body_start=len(head), published=published, site=site)
    regions = tuple({"code": c, "name": _BY_CODE[c].name, "mentions": 1}
                    for c in sorted({f.region_code for f in facts}))
    return Extraction(article, regions, shifted, awards)


def _kaltim_story(url: str, site: str, published: str) -> Extraction:
    body: list[str] = []
    facts = [
        _fact("99,1 persen", "64", "ktp_el_recorded", 99.1, "2024-10", body),
        _fact("2.860.701 jiwa", "64", "ktp_el_recorded", 2_860_701, "2024-10", body),
        _fact("20,5 persen", "64", "ikd_activated", 20.5, "2024-10", body),
        _fact("30 persen", "64", "ikd_activated", 30, "2024-12", body, role="target"),
        # Twice the same figure in one sentence: the mark goes to the second.
        _fact("12.000 jiwa", "64", "family_card", 12_000, "2024-10", body, occurrence=1,
              sentence="Dari 12.000 jiwa pada awal tahun, penerbitan KK tercatat 12.000 jiwa."),
        # Two values at one date from one story: never a conflict.
        _fact("12.500 jiwa", "64", "family_card", 12_500, "2024-10", body),
    ]
    return _article(url, "Perekaman KTP-el Kaltim capai 99,1 persen", published, site, body, facts)


def _award(recipient: str, code: str, giver: str, body: list[str]) -> Award:
    sentence = f"{recipient} meraih penghargaan dari {giver}."
    offset = sum(len(s) + 1 for s in body)
    body.append(sentence)
    return Award(recipient=recipient, recipient_region_code=code, giver=giver,
                 name="Dukcapil Prima", date="2024-11-04", sentence=sentence, start=offset,
                 end=offset + len(sentence))


def build_fixture(path: Path) -> dict[str, str]:
    """Write the fixture store; returns article ids by name."""
    db = open_store(str(path))
    load_regions(db, REGIONS)
    extractions = {
        "kaltim": _kaltim_story("https://satu.contoh.id/kaltim", "satu.contoh.id", "2024-11-05"),
        "kaltim_copy": _kaltim_story("https://dua.contoh.id/kaltim", "dua.contoh.id", "2024-11-06"),
    }
    body: list[str] = []
    facts = [
        _fact("99,3 persen", "64", "ktp_el_recorded", 99.3, "2024-10", body),
        _fact("21 persen", "64", "ikd_activated", 21.0, "2024-11", body),
    ]
    extractions["kaltim_other"] = _article(
        "https://tiga.contoh.id/ikd-kaltim", "IKD Kaltim 21 persen", "2024-11-20", "tiga.contoh.id",
        body, facts)
    body = []
    facts = [
        _fact("12 persen", "35", "ikd_activated", 12.0, "2024-05", body),
        _fact("25 persen", "35", "ikd_activated", 25.0, "2024-12", body, role="target"),
        _fact("600.000 jiwa", "64.72", "ktp_el_recorded", 600_000, "2024-05", body),
        _fact("15,2 persen", "ID", "ikd_activated", 15.2, "2024-05", body),
        _fact("9,8 persen", "ID", "ikd_activated", 9.8, "2023-12", body),
        _fact("4 persen", "ID", "ikd_activated", 4.0, None, body),
    ]
    extractions["jatim"] = _article(
        "https://satu.contoh.id/ikd-jatim", "Aktivasi IKD Jatim", "2024-06-01", "satu.contoh.id",
        body, facts)
    for name, url, site in (("award", "https://satu.contoh.id/prima", "satu.contoh.id"),
                            ("award_copy", "https://empat.contoh.id/prima", "empat.contoh.id")):
        body = ["Penghargaan diserahkan di Jakarta."]
        awards = (
            _award("Pemerintah Provinsi Kalimantan Timur", "64", "Kementerian Dalam Negeri", body),
            _award("Pemerintah Kabupaten Malang", "35.07", "Ombudsman Republik Indonesia", body),
        )
        extractions[name] = _article(url, "Kaltim raih Dukcapil Prima", "2024-11-05", site, body, [],
                                     awards)
    ids = {name: save_extraction(db, extraction).article_id for name, extraction in extractions.items()}
    # What story detection records for syndicated copies: one story id on each.
    for original, copy in (("kaltim", "kaltim_copy"), ("award", "award_copy")):
        db.execute("UPDATE articles SET story_id = ? WHERE id IN (?, ?)",
                   [ids[original], ids[original], ids[copy]])
    db.conn.commit()
    db.close()
    return ids


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    path = tmp_path_factory.mktemp("serve") / "fixture-facts.db"
    ids = build_fixture(path)
    prepare_database(path)
    return path, ids


@pytest.fixture(scope="module")
def ds(fixture_db: tuple[Path, dict[str, str]]) -> Any:
    return build_datasette(fixture_db[0])


def get(ds: Any, path: str) -> Any:
    async def fetch() -> Any:
        return await ds.client.get(path)

    return asyncio.run(fetch())


def get_json(ds: Any, path: str) -> Any:
    response = get(ds, path)
    assert response.status_code == 200, response.text[:500]
    return response.json()


def rows(ds: Any, path: str) -> list[dict[str, Any]]:
    sep = "&" if "?" in path else "?"
    route, _, query = path.partition("?")
    return get_json(ds, f"{route}.json?{query}{sep if query else ''}_shape=array")


# -- metadata -------------------------------------------------------------------


def test_metadata_describes_every_table_view_and_column(fixture_db: tuple[Path, dict]) -> None:
    metadata = load_metadata()
    tables = metadata["databases"][DATABASE_NAME]["tables"]
    conn = sqlite3.connect(fixture_db[0])
    names = [
        name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'articles_fts%'")
    ]
    missing: list[str] = []
    for name in names:
        if not (tables.get(name) or {}).get("description"):
            missing.append(name)
            continue
        described = tables[name].get("columns") or {}
        for column in (row[1] for row in conn.execute(f"PRAGMA table_xinfo([{name}])")):
            if not described.get(column):
                missing.append(f"{name}.{column}")
    assert missing == [], "describe these in datasette/metadata.yaml"
    assert set(VIEWS) <= set(names)
    for key in ("title", "description_html", "license", "source", "source_url"):
        assert metadata[key]
    assert "cahyadsn/wilayah" in metadata["source"] and "MIT" in metadata["source"]


@pytest.mark.parametrize(
    ("table", "facets"),
    [
        ("facts", ["indicator", "kind", "role", "province", "region_level"]),
        ("awards", ["giver", "recipient_region_code"]),
        ("articles", ["site", "published_month"]),
    ],
    ids=["facts", "awards", "articles"],
)
def test_default_facets(ds: Any, table: str, facets: list[str]) -> None:
    data = get_json(ds, f"/facts/{table}.json")
    assert sorted(data["facet_results"]) == sorted(facets)
    assert not data.get("facets_timed_out")
    for facet in data["facet_results"].values():
        assert facet["results"], facet["name"]


def test_facet_values(ds: Any) -> None:
    facets = get_json(ds, "/facts/facts.json")["facet_results"]
    assert {v["value"]: v["count"] for v in facets["indicator"]["results"]} == {
        "ktp_el_recorded": 6, "ikd_activated": 10, "family_card": 4}
    assert {v["value"] for v in facets["province"]["results"]} == {"Kalimantan Timur", "Jawa Timur"}
    months = get_json(ds, "/facts/articles.json")["facet_results"]["published_month"]["results"]
    assert {v["value"]: v["count"] for v in months} == {"2024-11": 5, "2024-06": 1}


def test_province_facet_groups_region_codes_by_province(ds: Any) -> None:
    facet = get_json(ds, "/facts/awards.json")["facet_results"]["recipient_region_code"]
    assert facet["type"] == "province"
    by_label = {v["label"]: v for v in facet["results"]}
    assert {k: v["count"] for k, v in by_label.items()} == {"Kalimantan Timur": 2, "Jawa Timur": 2}
    url = by_label["Jawa Timur"]["toggle_url"].replace("http://localhost", "")
    assert "recipient_region_code__startswith=35" in url
    filtered = get_json(ds, f"{url}&_shape=array")  # the JSON page's toggle links stay JSON
    assert {r["recipient_region_code"] for r in filtered} == {"35.07"}


def test_labels_and_links(ds: Any, fixture_db: tuple[Path, dict[str, str]]) -> None:
    data = get_json(ds, "/facts/facts.json?_labels=on&_shape=array&region_code=64.72")
    assert data[0]["region_code"] == {"value": "64.72", "label": "Kota Samarinda"}
    assert data[0]["article_id"] == {"value": fixture_db[1]["jatim"], "label": "Aktivasi IKD Jatim"}
    page = get(ds, "/facts/facts?region_code=64.72").text
    assert f'href="/facts/articles/{fixture_db[1]["jatim"]}">Aktivasi IKD Jatim</a>' in page


# -- provenance -----------------------------------------------------------------


def test_sentence_marks_its_number(ds: Any) -> None:
    page = get(ds, "/facts/facts?indicator=ikd_activated&region_code=35&role=target").text
    assert "Capaian ikd_activated di Jawa Timur mencapai <mark>25 persen</mark>." in page


def test_sentence_marks_the_right_one_of_two(ds: Any) -> None:
    page = get(ds, "/facts/facts?value=12000").text
    assert "Dari 12.000 jiwa pada awal tahun, penerbitan KK tercatat <mark>12.000 jiwa</mark>." in page


def test_mark_escapes_html() -> None:
    from importlib import util

    spec = util.spec_from_file_location("adminduk_plugin", ROOT / "datasette/plugins/adminduk.py")
    assert spec and spec.loader
    plugin = util.module_from_spec(spec)
    spec.loader.exec_module(plugin)
    marked = plugin.mark_number("<b>naik</b> 5 persen & 5 persen", "5 persen", offset=23)
    assert str(marked) == "&lt;b&gt;naik&lt;/b&gt; 5 persen &amp; <mark>5 persen</mark>"
    assert plugin.mark_number("tanpa angka", "5 persen") is None


def test_query_results_link_to_articles(ds: Any, fixture_db: tuple[Path, dict[str, str]]) -> None:
    page = get(ds, "/facts/ikd_activation_against_target").text
    assert f'<a href="/facts/articles/{fixture_db[1]["jatim"]}">' in page


# -- stored queries ---------------------------------------------------------------


def _pick(rows_: list[dict], *keys: str) -> list[tuple]:
    return [tuple(r[k] for k in keys) for r in rows_]


def test_latest_figure_per_region_and_indicator(ds: Any, fixture_db: tuple[Path, dict]) -> None:
    result = rows(ds, "/facts/latest_figures_by_region?region=Kalimantan+Timur&indicator=ikd_activated")
    assert _pick(result, "role", "as_of", "value", "series_facts") == [
        ("actual", "2024-11", 21.0, 3), ("target", "2024-12", 30.0, 2)]
    assert result[0]["article_id"] == fixture_db[1]["kaltim_other"]
    everything = rows(ds, "/facts/latest_figures_by_region")
    assert len(everything) == len({(r["region_code"], r["indicator"], r["kind"], r["role"])
                                   for r in everything}) == 9
    national = [r for r in everything if r["region_code"] == "ID"]
    assert _pick(national, "as_of", "value") == [("2024-05", 15.2)]


def test_time_series_counts_each_story_once(ds: Any) -> None:
    assert _pick(rows(ds, "/facts/time_series"), "as_of", "value", "stories") == [
        ("2023-12", 9.8, 1), ("2024-05", 15.2, 1), (None, 4.0, 1)]
    series = rows(ds, "/facts/time_series?region=64&indicator=ktp_el_recorded")
    assert _pick(series, "as_of", "kind", "value", "stories", "copies") == [
        ("2024-10", "count", 2_860_701, 1, 2),
        ("2024-10", "percentage", 99.1, 1, 2),
        ("2024-10", "percentage", 99.3, 1, 1),
    ]


def test_ktp_el_recording_by_province(ds: Any) -> None:
    result = rows(ds, "/facts/ktp_el_recording_by_province")
    assert _pick(result, "province", "recorded_people", "people_as_of") == [
        ("Jawa Timur", None, None), ("Nusa Tenggara Timur", None, None),
        ("Kalimantan Timur", 2_860_701, "2024-10")]
    assert result[2]["recorded_percent"] in (99.1, 99.3)  # one date, two stories: see conflicts


def test_ikd_activation_against_target(ds: Any) -> None:
    result = rows(ds, "/facts/ikd_activation_against_target")
    assert _pick(result, "province", "activated_percent", "activated_as_of", "target_percent",
                 "points_to_target") == [
        ("Jawa Timur", 12.0, "2024-05", 25.0, 13.0),
        ("Kalimantan Timur", 21.0, "2024-11", 30.0, 9.0),
        ("Nusa Tenggara Timur", None, None, None, None),
    ]


def test_awards_by_region_and_by_giver(ds: Any) -> None:
    # Two copies of one story: each award counted once (stories), mentioned twice.
    assert _pick(rows(ds, "/facts/awards_per_region"), "region", "stories", "mentions", "given_by") == [
        ("Kabupaten Malang", 1, 2, "Ombudsman Republik Indonesia"),
        ("Kalimantan Timur", 1, 2, "Kementerian Dalam Negeri"),
    ]
    assert _pick(rows(ds, "/facts/awards_per_giver"), "giver", "stories", "regions") == [
        ("Kementerian Dalam Negeri", 1, 1), ("Ombudsman Republik Indonesia", 1, 1)]


def test_conflicting_figures(ds: Any) -> None:
    result = rows(ds, "/facts/figures_in_conflict")  # default: ktp_el_recorded
    assert _pick(result, "region_code", "kind", "as_of", "lowest", "highest", "facts") == [
        ("64", "percentage", "2024-10", 99.1, 99.3, 3)]
    page = get(ds, "/facts/figures_in_conflict").text
    link = ('<a href="/facts/facts?region_code=64&amp;indicator=ktp_el_recorded&amp;kind=percentage'
            '&amp;role=actual&amp;as_of=2024-10">facts</a>')
    assert link in page
    behind = rows(ds, "/facts/facts?region_code=64&indicator=ktp_el_recorded&kind=percentage"
                      "&role=actual&as_of=2024-10")
    assert sorted(r["value"] for r in behind) == [99.1, 99.1, 99.3]
    # Two values at one date within one story (and its copy) are no conflict.
    assert rows(ds, "/facts/figures_in_conflict?indicator=family_card") == []


def test_facts_counted_once_per_story(ds: Any) -> None:
    result = rows(ds, "/facts/facts_once_per_story?region=64&indicator=ktp_el_recorded")
    assert _pick(result, "kind", "value", "stories", "copies", "sites") == [
        ("count", 2_860_701, 1, 2, 2), ("percentage", 99.1, 1, 2, 2), ("percentage", 99.3, 1, 1, 1)]
    counts = rows(ds, "/facts/fact_counts_once_per_story?region=Kalimantan+Timur")
    assert _pick(counts, "indicator", "kind", "role", "facts_all_copies", "facts_once_per_story",
                 "stories") == [
        ("family_card", "count", "actual", 4, 2, 1),
        ("ikd_activated", "percentage", "actual", 3, 2, 2),
        ("ikd_activated", "percentage", "target", 2, 1, 1),
        ("ktp_el_recorded", "count", "actual", 2, 1, 1),
        ("ktp_el_recorded", "percentage", "actual", 3, 2, 2),
    ]


def test_every_stored_query_answers(ds: Any) -> None:
    queries = load_metadata()["databases"][DATABASE_NAME]["queries"]
    for name in queries:
        response = get(ds, f"/facts/{name}")
        assert response.status_code == 200, name
    chart_sql = load_metadata()["plugins"]["datasette-dashboards"]["adminduk"]["charts"]
    for slug, chart in chart_sql.items():
        from urllib.parse import urlencode

        query = urlencode({"sql": chart["query"], "region": "ID", "indicator": "ikd_activated"})
        assert get_json(ds, f"/facts.json?{query}")["rows"], slug
    assert get(ds, "/-/dashboards/adminduk?region=ID&indicator=ikd_activated").status_code == 200


def test_full_text_search(ds: Any, fixture_db: tuple[Path, dict[str, str]]) -> None:
    found = rows(ds, "/facts/articles?_search=Dukcapil")
    assert {r["id"] for r in found} == {fixture_db[1]["award"], fixture_db[1]["award_copy"]}
    assert {r["id"] for r in rows(ds, "/facts/articles?_search=aktivasi")} == {fixture_db[1]["jatim"]}


# -- read-only ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO meta (key, value) VALUES ('x', 'y')",
        "UPDATE facts SET value = 0",
        "DELETE FROM facts",
        "DROP TABLE facts",
        "WITH x AS (SELECT 1) INSERT INTO meta (key, value) SELECT 'x', 'y'",
        "PRAGMA query_only = 0",
    ],
    ids=["insert", "update", "delete", "drop", "with-insert", "pragma"],
)
def test_sql_cannot_write(ds: Any, fixture_db: tuple[Path, dict], sql: str) -> None:
    from urllib.parse import quote

    before = _dump(fixture_db[0])
    response = get(ds, f"/facts.json?sql={quote(sql)}")
    assert response.status_code == 400
    assert _dump(fixture_db[0]) == before


def test_stored_queries_cannot_write(fixture_db: tuple[Path, dict]) -> None:
    metadata = load_metadata()
    queries = metadata["databases"][DATABASE_NAME]["queries"]
    assert not any(q.get("write") for q in queries.values())
    # Even a write query slipped into the metadata is refused by the connection.
    metadata["databases"][DATABASE_NAME]["queries"] = {
        "sneak": {"sql": "DELETE FROM facts", "write": True}}
    writer = build_datasette(fixture_db[0], metadata=metadata)
    before = _dump(fixture_db[0])

    async def post() -> Any:
        return await writer.client.post("/facts/sneak", data={})

    response = asyncio.run(post())
    assert _dump(fixture_db[0]) == before
    # Datasette redirects back with the error as a signed message cookie.
    assert response.status_code == 302
    messages = writer.unsign(response.cookies["ds_messages"], "messages")
    assert "readonly" in json.dumps(messages), messages
    # And POSTs to the real stored queries do nothing.
    sneaky = build_datasette(fixture_db[0])

    async def post_read_query() -> Any:
        return await sneaky.client.post("/facts/latest_figures_by_region", data={"indicator": "x"})

    asyncio.run(post_read_query())
    assert _dump(fixture_db[0]) == before


def test_a_write_query_in_the_metadata_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "metadata.yaml"
    path.write_text("databases:\n  facts:\n    queries:\n      wipe:\n        sql: DELETE FROM facts\n"
                    "        write: true\n", encoding="utf-8")
    with pytest.raises(ServeError, match="write: true"):
        load_metadata(path)


def test_only_read_only_plugins(ds: Any) -> None:
    names = {p["name"] for p in get_json(ds, "/-/plugins.json")}
    assert names <= {"adminduk.py", "datasette-dashboards", "datasette-leaflet",
                     "datasette-render-markdown"}, names


def _dump(path: Path) -> str:
    """Everything in the database, schema and rows, as SQL text."""
    conn = sqlite3.connect(path)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


# -- the views themselves ---------------------------------------------------------------


def test_ensure_views_is_idempotent_and_repairs(tmp_path: Path) -> None:
    db = open_store(str(tmp_path / "v.db"))
    assert outdated(db.conn) == []
    schema = list(db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name"))
    ensure_views(db)
    assert list(db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name")) == schema
    db.execute("DROP VIEW latest_figures")
    db.execute("DROP INDEX facts_figure")
    db.execute("DROP VIEW ikd_by_province")
    db.execute("CREATE VIEW ikd_by_province AS SELECT 1 AS changed")
    assert set(outdated(db.conn)) == {"latest_figures", "facts_figure", "ikd_by_province"}
    ensure_views(db)
    assert outdated(db.conn) == []
    assert {"facts_figure"} <= set(INDEXES)
    db.close()


def test_prepare_database_errors(tmp_path: Path) -> None:
    with pytest.raises(ServeError, match="ingest"):
        prepare_database(tmp_path / "missing.db")
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(ServeError, match="not a fact store"):
        prepare_database(other)


# -- the command ---------------------------------------------------------------------------


def test_cli_serve_over_http(fixture_db: tuple[Path, dict]) -> None:
    with served(fixture_db[0]) as base:
        with urllib.request.urlopen(f"{base}/facts/facts.json?_shape=array&indicator=kia", timeout=10) as response:
            assert json.loads(response.read()) == []
        url = f"{base}/facts/ikd_activation_against_target.json?_shape=array"
        with urllib.request.urlopen(url, timeout=10) as response:
            provinces = json.loads(response.read())
    assert [p["province"] for p in provinces if p["activated_percent"]] == [
        "Jawa Timur", "Kalimantan Timur"]


def test_cli_serve_reports_a_missing_database(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cli import cli

    result = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "nothing.db")])
    assert result.exit_code == 1
    assert "no database at" in result.output and "ingest" in result.output
