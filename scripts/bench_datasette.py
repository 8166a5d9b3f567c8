"""Time the researchers' Datasette on a big generated fact store.

Generates (once) a database of 1,000,000 facts and 100,000 articles over the real
region codes, with the shapes real news gives: more articles each year, a few big
sites and many small ones, regions named in proportion to their population,
syndicated copies of one story on several sites carrying the same figures, and
KTP-el recording near 100 percent while IKD activation climbs from nothing. Then
it serves that file with ``python cli.py serve`` and times, over HTTP, every stored
query in datasette/metadata.yaml and the default facet page of each table, and
prints a table of times (best and worst of ``--repeat`` runs).

    python scripts/bench_datasette.py [--db /tmp/bench-facts.db] [--rebuild] [--repeat 3]

Datasette's default time limit is 1 s per SQL statement: a page over it fails
with "SQL query took too long", so every row below must stay under 1000 ms.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402  (Datasette depends on PyYAML)

from extractor.regions import get_gazetteer  # noqa: E402
from extractor.store import index_text, load_regions, open_store  # noqa: E402
from tests.serving import served  # noqa: E402

# indicator: (share of facts, unit of its counts, whether news gives it as a percentage)
INDICATORS: dict[str, tuple[float, str, bool]] = {
    "ktp_el_recorded": (0.32, "people", True),
    "ikd_activated": (0.25, "people", True),
    "kia": (0.10, "documents", True),
    "birth_certificate": (0.09, "documents", True),
    "family_card": (0.05, "documents", False),
    "ktp_el_eligible": (0.06, "people", False),
    "ktp_el_printed": (0.05, "documents", False),
    "population": (0.08, "people", False),
}
PHRASES = {
    "ktp_el_recorded": "perekaman KTP-el",
    "ikd_activated": "aktivasi IKD",
    "kia": "penerbitan KIA",
    "birth_certificate": "kepemilikan akta kelahiran",
    "family_card": "penerbitan Kartu Keluarga",
    "ktp_el_eligible": "jumlah wajib KTP-el",
    "ktp_el_printed": "pencetakan KTP-el",
    "population": "jumlah penduduk",
}
GIVERS = (
    ("Kementerian Dalam Negeri", 0.55),
    ("Kementerian Pendayagunaan Aparatur Negara dan Reformasi Birokrasi", 0.12),
    ("Ombudsman Republik Indonesia", 0.12),
    ("Kementerian Pemberdayaan Perempuan dan Perlindungan Anak", 0.08),
    ("Badan Pemeriksa Keuangan", 0.05),
    ("Presiden Republik Indonesia", 0.03),
    (None, 0.05),
)
AWARD_NAMES = ("Dukcapil Prima", "Anugerah Layanan Publik", "Kabupaten Layak Anak",
               "Opini WTP", None, None)
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")
FIRST_DAY = date(2018, 1, 1)
LAST_DAY = date(2025, 11, 30)


def _dotted(number: float) -> str:
    """2860701 -> '2.860.701', as Indonesian news writes it."""
    return f"{int(round(number)):,}".replace(",", ".")


def _comma(number: float) -> str:
    """99.54 -> '99,54'."""
    return f"{number:.2f}".replace(".", ",")


def _weighted(rng: random.Random, items: list[Any], weights: list[float], k: int) -> list[Any]:
    return rng.choices(items, weights=weights, k=k)


def _pick_day(rng: random.Random) -> date:
    """News volume grows over the years: a day drawn with density rising linearly."""
    span = (LAST_DAY - FIRST_DAY).days
    return FIRST_DAY + timedelta(days=int(span * math.sqrt(rng.random())))


def _as_of(rng: random.Random, published: date) -> str | None:
    roll = rng.random()
    before = published - timedelta(days=rng.randint(0, 45))
    if roll < 0.72:
        return before.strftime("%Y-%m")
    if roll < 0.84:
        return before.isoformat()
    if roll < 0.90:
        return str(before.year - (1 if before.month < 3 else 0))
    return None


def _percentage(rng: random.Random, indicator: str, role: str, published: date) -> float:
    years = (published - FIRST_DAY).days / 365.25
    if indicator == "ikd_activated":  # launched in 2022, climbing
        actual = max(0.2, min(60.0, (years - 4.0) * 9 + rng.gauss(0, 4)))
        target = rng.choice((25.0, 30.0, 30.0, 35.0))
    elif indicator == "ktp_el_recorded":
        actual = min(99.99, 93 + years * 0.8 + rng.gauss(0, 1.5))
        target = 100.0
    else:
        actual = min(99.9, 55 + years * 4 + rng.gauss(0, 8))
        target = rng.choice((90.0, 95.0, 100.0))
    if role == "target":
        return target
    if role == "remaining":
        return round(max(0.01, target - actual), 2)
    return round(max(0.01, actual), 2)


def _count(rng: random.Random, indicator: str, role: str, population: int) -> int:
    share = {"population": 1.0, "ktp_el_eligible": 0.73, "ktp_el_recorded": 0.70,
             "ktp_el_printed": 0.68, "ikd_activated": 0.12, "kia": 0.2,
             "birth_certificate": 0.3, "family_card": 0.28}[indicator]
    base = population * share * rng.uniform(0.8, 1.05)
    if role == "remaining":
        base *= rng.uniform(0.005, 0.08)
    return max(1, int(base))


def build_database(path: Path, n_articles: int = 100_000, n_facts: int = 1_000_000,
                   seed: int = 20251128) -> None:
    """Write a generated fact store to ``path`` through the project's schema."""
    rng = random.Random(seed)
    started = time.perf_counter()
    db = open_store(str(path))
    regions = get_gazetteer().regions()
    load_regions(db, regions)
    by_code = {r.code: r for r in regions}
    provinces = [r for r in regions if r.level == "province"]
    locals_ = [r for r in regions if r.level in ("regency", "city")]
    focus_pool = provinces + locals_
    focus_weights = [((r.population or 100_000) ** 0.7) * (0.6 if r.level == "province" else 1)
                     for r in focus_pool]
    sites = [f"{slug}.berita-contoh.id" for slug in (
        "antara-kaltim", "antara-jatim", "antara-jabar", "antara-sumut", "radar-banjar",
        "tribun-kupang", "pos-papua", "suara-bali", "lampung-kini", "riau-pos")]
    sites += [f"portal{i:02d}.kabar-daerah.id" for i in range(50)]
    site_weights = [1 / (i + 1) ** 0.9 for i in range(len(sites))]
    indicator_names = list(INDICATORS)
    indicator_weights = [INDICATORS[i][0] for i in indicator_names]

    # Facts per article: a third of a crawl is other news with no facts, the rest
    # a long tail; scaled so the total comes out at n_facts.
    has_facts = [rng.random() < 0.66 for _ in range(n_articles)]
    raw = [rng.paretovariate(1.6) if f else 0.0 for f in has_facts]
    scale = n_facts / sum(raw)
    per_article = [int(x * scale) for x in raw]
    shortfall = n_facts - sum(per_article)
    fact_articles = [i for i, f in enumerate(has_facts) if f]
    for i in rng.sample(fact_articles, shortfall):
        per_article[i] += 1

    articles: list[tuple] = []
    facts: list[tuple] = []
    awards: list[tuple] = []
    mentions: list[tuple] = []
    originals: list[int] = []  # indexes of articles that are a story's first copy
    fact_rows: dict[str, tuple[int, int]] = {}  # article id -> its slice of ``facts``
    for index in range(n_articles):
        aid = f"{rng.getrandbits(64):016x}"
        copy_of = None
        if originals and rng.random() < 0.2:
            copy_of = articles[rng.choice(originals[-2000:])]
        if copy_of is not None:
            # A syndicated copy: the same text and figures on another site, a day later at most.
            (_, _, _, title, _, _, published, _, text, body_start, _, _, story) = copy_of
            site = rng.choices(sites, site_weights)[0]
            published = (date.fromisoformat(published) + timedelta(days=rng.randint(0, 1))).isoformat()
            story = story or copy_of[0]
            first, last = fact_rows[copy_of[0]]
            fact_rows[aid] = (len(facts), len(facts) + last - first)
            for f in facts[first:last]:
                facts.append((f"{rng.getrandbits(64):016x}", aid, *f[2:]))
            articles.append((aid, f"https://{site}/berita/{aid}", f"https://{site}/berita/{aid}",
                             title, site, None, published, "metadata", text, body_start,
                             "2025-11-30T00:00:00+00:00", aid, story))
            continue
        day = _pick_day(rng)
        focus = _weighted(rng, focus_pool, focus_weights, 1)[0]
        site = rng.choices(sites, site_weights)[0]
        n = per_article[index]
        first_fact = len(facts)
        title = (f"Capaian {PHRASES[rng.choice(indicator_names)]} di {focus.name} "
                 f"{MONTHS[day.month - 1]} {day.year}" if n else
                 f"Pemkab gelar rapat koordinasi pembangunan {rng.randint(1, 999)}")
        text = title + "\n\n"
        body_start = len(text)
        text += f"{focus.name.upper()} - Dinas Kependudukan dan Pencatatan Sipil terus berbenah. "
        for _ in range(n):
            indicator = rng.choices(indicator_names, indicator_weights)[0]
            _, unit, has_pct = INDICATORS[indicator]
            roll = rng.random()
            region = focus if roll < 0.82 else (
                by_code[focus.province_code] if roll < 0.96 and focus.province_code else by_code["ID"])
            role = rng.choices(("actual", "target", "remaining"), (0.76, 0.14, 0.10))[0]
            if has_pct and rng.random() < 0.45:
                kind, fact_unit = "percentage", "percent"
                value = _percentage(rng, indicator, role, day)
                written = f"{_comma(value)} persen"
            else:
                kind, fact_unit = "count", unit
                value = float(_count(rng, indicator, role, region.population or 100_000))
                written = f"{_dotted(value)} {'jiwa' if unit == 'people' else 'keping'}"
            as_of = _as_of(rng, day)
            when = ""
            if as_of and len(as_of) >= 7:
                when = f" hingga {MONTHS[int(as_of[5:7]) - 1]} {as_of[:4]}"
            elif as_of:
                when = f" pada tahun {as_of}"
            verb = {"actual": "mencapai", "target": "ditargetkan", "remaining": "masih kurang"}[role]
            prefix = f"Menurut data dinas, {PHRASES[indicator]} di {region.name}{when} {verb} "
            start = len(text) + len(prefix)
            sentence = f"{prefix}{written}."
            text += sentence + " "
            facts.append((f"{rng.getrandbits(64):016x}", aid, kind, indicator, value, fact_unit, role,
                          region.code, region.name, region.level, region.province_code,
                          region.province, as_of, written, start, start + len(written), sentence))
        if rng.random() < 0.03:
            giver = rng.choices([g for g, _ in GIVERS], [w for _, w in GIVERS])[0]
            who = ("Pemerintah Provinsi " if focus.level == "province" else "Pemerintah ") + focus.name
            sentence = f"{who} meraih penghargaan dari {giver or 'panitia'}."
            start = len(text)
            text += sentence + " "
            ceremony = (day - timedelta(days=rng.randint(0, 3))).isoformat()
            awards.append((f"{rng.getrandbits(64):016x}", aid, who, focus.code, giver,
                           rng.choice(AWARD_NAMES), ceremony if rng.random() < 0.7 else None,
                           sentence, start, start + len(sentence)))
        text += "Warga diimbau segera melengkapi dokumen kependudukan. " * rng.randint(1, 6)
        mentions.append((aid, focus.code, rng.randint(1, 5)))
        articles.append((aid, f"https://{site}/berita/{aid}", f"https://{site}/berita/{aid}",
                         title, site, None, day.isoformat(), "metadata", text, body_start,
                         "2025-11-30T00:00:00+00:00", aid, aid if rng.random() < 0.9 else None))
        originals.append(index)
        fact_rows[aid] = (first_fact, len(facts))
    # The copies added about a fifth more: drop facts at random down to the exact total,
    # so no period or region loses more than another.
    if len(facts) > n_facts:
        facts = [facts[i] for i in sorted(rng.sample(range(len(facts)), n_facts))]
    kept = {f[1] for f in facts}
    columns = ("id", "url", "input", "title", "site", "author", "published", "published_source",
               "text", "body_start", "ingested_at", "content_hash", "story_id")
    with db.atomic():
        db.conn.executemany(
            f"INSERT INTO articles ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            articles)
        index_text(db)  # what the writer does after inserting articles
        db.conn.executemany(f"INSERT INTO facts VALUES ({', '.join('?' * 17)})", facts)
        db.conn.executemany(
            "INSERT INTO awards (id, article_id, recipient, recipient_region_code, giver, name, date,"
            " sentence, start, [end]) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", awards)
        db.conn.executemany(
            "INSERT INTO article_regions (article_id, region_code, mentions) VALUES (?, ?, ?)",
            mentions)
    # No ANALYZE: a database the crawler writes has no statistics either, and the
    # views must be fast without them.
    db.close()
    print(f"built {path}: {len(articles)} articles ({len(kept)} with facts), {len(facts)} facts, "
          f"{len(awards)} awards in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _pages(metadata: dict[str, Any]) -> list[tuple[str, str]]:
    """(what, path) for every page the benchmark times."""
    database = metadata["databases"]["facts"]
    pages: list[tuple[str, str]] = []
    for table, config in database["tables"].items():
        if config.get("facets"):
            pages.append((f"table {table} (default facets)", f"/facts/{table}"))
    pages.append(("search articles", "/facts/articles?_search=kependudukan"))
    pages.append(("facts filtered by two facets", "/facts/facts?indicator=ikd_activated&province=Jawa+Timur"))
    for name in database["queries"]:
        pages.append((f"query {name}", f"/facts/{name}"))
    pages.append(("query latest_figures_by_region (one region)",
                  "/facts/latest_figures_by_region?region=Kota+Samarinda&indicator="))
    pages.append(("query time_series (a regency)",
                  "/facts/time_series?region=35.07&indicator=ktp_el_recorded"))
    pages.append(("query figures_in_conflict (ikd)", "/facts/figures_in_conflict?indicator=ikd_activated"))
    for view in ("latest_figures", "ktp_el_by_province", "ikd_by_province", "awards_by_region",
                 "awards_by_giver"):
        pages.append((f"view {view}", f"/facts/{view}"))
    pages.append(("view figures (no count)", "/facts/figures?_nocount=1"))
    for slug, chart in metadata["plugins"]["datasette-dashboards"]["adminduk"]["charts"].items():
        query = urllib.parse.urlencode({"sql": chart["query"], "region": "ID",
                                        "indicator": "ikd_activated", "_shape": "objects"})
        pages.append((f"chart data {slug}", f"/facts.json?{query}"))
    pages.append(("dashboard page", "/-/dashboards/adminduk?region=ID&indicator=ikd_activated"))
    return pages


def bench(db_path: Path, repeat: int) -> bool:
    """Serve ``db_path`` and time each page as HTML and JSON; True when all are under 1 s."""
    metadata = yaml.safe_load((ROOT / "datasette" / "metadata.yaml").read_text(encoding="utf-8"))
    ok = True
    with served(db_path, startup_timeout=300) as base:
        print(f"{'page':<52} {'format':<5} {'status':>6} {'rows':>6} {'best ms':>8} {'worst ms':>9}")
        for what, path in _pages(metadata):
            formats = [("json", path)] if path.startswith("/facts.json") else [
                ("html", path), ("json", _as_json(path))]
            if path.startswith("/-/"):
                formats = [("html", path)]
            for fmt, url in formats:
                _get(base + url)  # warm the page cache, as a researcher's second look would
                times = []
                status, body = 0, b""
                for _ in range(repeat):
                    started = time.perf_counter()
                    status, body = _get(base + url)
                    times.append((time.perf_counter() - started) * 1000)
                rows = ""
                if fmt == "json" and status == 200:
                    data = json.loads(body)
                    rows = str(len(data["rows"] if isinstance(data, dict) else data))
                slow = max(times) >= 1000 or status != 200
                ok &= not slow
                print(f"{what[:52]:<52} {fmt:<5} {status:>6} {rows:>6} {min(times):>8.0f} {max(times):>9.0f}"
                      f"{'  <-- over 1 s or failed' if slow else ''}")
    return ok


def _as_json(path: str) -> str:
    route, _, query = path.partition("?")
    return f"{route}.json?{query}" if query else f"{route}.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/adminduk-bench/facts.db"),
                        help="the generated database (built when missing)")
    parser.add_argument("--rebuild", action="store_true", help="generate the database again")
    parser.add_argument("--facts", type=int, default=1_000_000)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="timed requests per page")
    args = parser.parse_args()
    if args.rebuild or not args.db.exists():
        args.db.parent.mkdir(parents=True, exist_ok=True)
        for stale in args.db.parent.glob(args.db.name + "*"):
            stale.unlink()
        build_database(args.db, n_articles=args.articles, n_facts=args.facts)
    sys.exit(0 if bench(args.db, args.repeat) else 1)


if __name__ == "__main__":
    main()
