"""Build ``patterns/regions.jsonl``, the region gazetteer, from the official region list.

Source data: the 2025 Kepmendagri region codes (38 provinces, 514 regencies and
cities, with populations) as published by ``cahyadsn/wilayah``, Copyright (c)
2017-2025 Cahya DSN, MIT licence; approximate centres from
``D1msky/nusantara-shipping``, Copyright (c) 2025 Dimas, MIT licence. Both are
kept, flattened, in the shared folder's ``data/wilayah/`` (``regions.csv``,
``coordinates.csv``, with their LICENSE files).

The generator adds the names news uses for each region: official short names,
spelling variants (joined, split, hyphenated), the hand aliases of
``patterns/region_aliases.jsonl``, and every qualified form ("Kabupaten X",
"Pemkab X", "Wali Kota X", ...). ``tests/test_regions.py`` regenerates the file
in memory and compares it byte for byte with the committed one, so edit the
inputs and rerun this script rather than editing ``regions.jsonl``:

    .venv/bin/python scripts/build_gazetteer.py [WILAYAH_DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractor.errors import PatternError  # noqa: E402
from extractor.patternfiles import read_jsonl  # noqa: E402

logger = logging.getLogger(__name__)

DEFAULT_WILAYAH = ROOT.parent / "shared" / "data" / "wilayah"
DEFAULT_ALIASES = ROOT / "patterns" / "region_aliases.jsonl"
DEFAULT_STOPLIST = ROOT / "patterns" / "region_stoplist.jsonl"
DEFAULT_OUTPUT = ROOT / "patterns" / "regions.jsonl"

EXPECTED_COUNTS = {"country": 1, "province": 38, "regency": 416, "city": 98}

# Qualified forms per level. A qualifier says which level is meant, so
# "Kota Cirebon" resolves where the bare "Cirebon" cannot. The longer office
# names ("Disdukcapil Kabupaten X") are listed so a mention spans the office.
QUALIFIERS: dict[str, tuple[str, ...]] = {
    "province": (
        "Provinsi", "Prov.", "Prov", "Pemprov", "Pemerintah Provinsi", "Gubernur",
        "Disdukcapil", "Disdukcapil Provinsi",
        "Dinas Kependudukan dan Pencatatan Sipil Provinsi",
    ),
    "regency": (
        "Kabupaten", "Kab.", "Kab", "Pemkab", "Pemerintah Kabupaten", "Bupati",
        "Disdukcapil Kabupaten", "Dinas Kependudukan dan Pencatatan Sipil Kabupaten",
    ),
    "city": (
        "Kota", "Pemkot", "Pemko", "Pemerintah Kota", "Wali Kota", "Walikota",
        "Disdukcapil Kota", "Dinas Kependudukan dan Pencatatan Sipil Kota",
    ),
}
# Jakarta's five cities are "Kota Administrasi" and its one regency
# "Kabupaten Administrasi" (Kepulauan Seribu).
ADMINISTRATIVE_QUALIFIERS: dict[str, tuple[str, ...]] = {
    "city": ("Kota Administrasi", "Pemerintah Kota Administrasi"),
    "regency": ("Kabupaten Administrasi",),
}

# First words of compound place names that news writes both joined and apart:
# "Padang Pariaman" / "Padangpariaman", "Pematangsiantar" / "Pematang Siantar".
JOINABLE_PREFIXES = (
    "Bandar", "Batang", "Batu", "Boven", "Bukit", "Deli", "Gunung", "Kulon", "Labuhan",
    "Lubuk", "Muara", "Muaro", "Padang", "Pagar", "Palangka", "Pangkal", "Pematang",
    "Sawah", "Sungai", "Tanjung", "Tebing", "Tulang", "Way",
)
DIRECTIONS = {"Utara", "Selatan", "Barat", "Timur", "Tengah", "Daya", "Laut"}

# Provinces formed by splitting another since 1999: older news places their
# regencies in the parent ("Merauke, Papua", "Tarakan, Kalimantan Timur").
SPLIT_FROM = {
    "19": ("16",),  # Kepulauan Bangka Belitung from Sumatera Selatan, UU 27/2000
    "21": ("14",),  # Kepulauan Riau from Riau, UU 25/2002
    "36": ("32",),  # Banten from Jawa Barat, UU 23/2000
    "65": ("64",),  # Kalimantan Utara from Kalimantan Timur, UU 20/2012
    "75": ("71",),  # Gorontalo from Sulawesi Utara, UU 38/2000
    "76": ("73",),  # Sulawesi Barat from Sulawesi Selatan, UU 26/2004
    "82": ("81",),  # Maluku Utara from Maluku, UU 46/1999
    "92": ("91",),  # Papua Barat (Irian Jaya Barat) from Papua, UU 45/1999
    "93": ("91",),  # Papua Selatan from Papua, UU 14/2022
    "94": ("91",),  # Papua Tengah from Papua, UU 15/2022
    "95": ("91",),  # Papua Pegunungan from Papua, UU 16/2022
    "96": ("92",),  # Papua Barat Daya from Papua Barat, UU 29/2022
}

RECORD_KEYS = (
    "id", "code", "name", "level", "province_code", "province", "population",
    "latitude", "longitude", "aliases", "bare", "stop", "split_from",
)


class GazetteerBuildError(Exception):
    """An input file is missing, malformed or inconsistent; the message names it."""


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _read_jsonl(path: Path, required: tuple[str, ...]) -> list[dict[str, Any]]:
    try:
        return [row for _, row in read_jsonl(path, required)]
    except PatternError as error:
        raise GazetteerBuildError(str(error)) from error


def official_bare(name: str, level: str) -> str:
    """The official name without its level word: "Kabupaten Kep. Talaud" -> "Kepulauan Talaud"."""
    for prefix in ("Kabupaten Administrasi ", "Kota Administrasi ", "Kabupaten ", "Kota "):
        if level in ("regency", "city") and name.startswith(prefix):
            name = name[len(prefix):]
            break
    return re.sub(r"^Kep\. ", "Kepulauan ", name)


def spelling_variants(bare: str) -> list[str]:
    """Other ways news spells an official name (never a guess at a nickname)."""
    variants: list[str] = []
    words = bare.split(" ")
    # Reduplicated names: "Bau Bau", "Toli-Toli", "Mukomuko", "Tojo Una Una".
    for i in range(len(words) - 1):
        if words[i] == words[i + 1]:
            head, tail = words[:i], words[i + 2:]
            pair = words[i]
            forms = [f"{pair}-{pair}", f"{pair} {pair}"]
            if not head and not tail:
                forms.append(pair + pair.lower())
            variants += [" ".join(head + [form] + tail) for form in forms]
    for i, word in enumerate(words):
        parts = word.split("-")
        if len(parts) == 2 and parts[0] == parts[1]:
            forms = [f"{parts[0]} {parts[0]}"]
            if len(words) == 1:
                forms.append(parts[0] + parts[0].lower())
            variants += [" ".join(words[:i] + [form] + words[i + 1:]) for form in forms]
        half = len(word) // 2
        if len(word) % 2 == 0 and len(word) >= 6 and word[:half].lower() == word[half:]:
            pair = word[:half]
            variants += [
                " ".join(words[:i] + [f"{pair}-{pair}"] + words[i + 1:]),
                " ".join(words[:i] + [f"{pair} {pair}"] + words[i + 1:]),
            ]
    # Joined and split compounds: "Padang Pariaman" <-> "Padangpariaman".
    if len(words) >= 2 and words[0] in JOINABLE_PREFIXES and words[1] not in DIRECTIONS:
        if len(words) == 2 or all(w in DIRECTIONS for w in words[2:]):
            variants.append(" ".join([words[0] + words[1].lower()] + words[2:]))
    first = words[0]
    for prefix in JOINABLE_PREFIXES:
        rest = first[len(prefix):]
        if first.startswith(prefix) and len(rest) > 2 and rest[0].islower():
            split = prefix + " " + rest[0].upper() + rest[1:]
            variants.append(" ".join([split] + words[1:]))
    # "Sumatera" is also spelled "Sumatra"; "Kepulauan" is shortened "Kep.".
    if "Sumatera" in bare:
        variants.append(bare.replace("Sumatera", "Sumatra"))
    if bare.startswith("Kepulauan "):
        variants.append("Kep. " + bare[len("Kepulauan "):])
    # Official long province names have short official forms.
    if bare.startswith("Daerah Khusus Ibukota "):
        variants.append("DKI " + bare[len("Daerah Khusus Ibukota "):])
    if bare.startswith("Daerah Istimewa "):
        variants.append("DI " + bare[len("Daerah Istimewa "):])
    return [v for v in dict.fromkeys(variants) if v != bare]


def _load_rows(wilayah_dir: Path) -> tuple[list[dict[str, str]], dict[str, tuple[float, float]]]:
    regions_csv = wilayah_dir / "regions.csv"
    coordinates_csv = wilayah_dir / "coordinates.csv"
    for path in (regions_csv, coordinates_csv):
        if not path.exists():
            raise GazetteerBuildError(
                f"{path} not found: pass the folder holding regions.csv and coordinates.csv"
            )
    with regions_csv.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with coordinates_csv.open(encoding="utf-8", newline="") as handle:
        coordinates = {
            row["code"]: (float(row["latitude"]), float(row["longitude"]))
            for row in csv.DictReader(handle)
        }
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row["level"]] += 1
    if dict(counts) != EXPECTED_COUNTS:
        raise GazetteerBuildError(
            f"{regions_csv}: expected {EXPECTED_COUNTS} regions per level, found {dict(counts)}"
        )
    return rows, coordinates


def build_gazetteer_records(
    wilayah_dir: Path | str,
    aliases_path: Path | str,
    stoplist_path: Path | str | None = None,
) -> list[dict[str, Any]]:
    """One record per region, in the order of the official list (country first)."""
    wilayah_dir, aliases_path = Path(wilayah_dir), Path(aliases_path)
    stoplist_path = (
        Path(stoplist_path) if stoplist_path else aliases_path.with_name("region_stoplist.jsonl")
    )
    rows, coordinates = _load_rows(wilayah_dir)
    by_code = {row["code"]: row for row in rows}
    hand = _read_jsonl(aliases_path, ("id", "code", "alias", "note"))
    stop_rows = [
        row for row in _read_jsonl(stoplist_path, ("id", "kind", "text", "note"))
        if row["kind"] == "name"
    ]
    _check_ids(aliases_path, hand)

    # Bare names of each region: official, spelling variants, then hand aliases.
    bare: dict[str, list[str]] = {}
    for row in rows:
        if row["level"] == "country":
            bare[row["code"]] = [row["name"]]
            continue
        official = official_bare(row["name"], row["level"])
        bare[row["code"]] = [official, *spelling_variants(official)]
    area_names: dict[str, set[str]] = defaultdict(set)
    for row in hand:
        if row.get("area"):
            area_names[row["code"]].add(row["alias"])
        if row["code"] not in by_code:
            raise GazetteerBuildError(
                f"{aliases_path}: {row['id']} names unknown code {row['code']}"
            )
        if row["alias"] in bare[row["code"]]:
            raise GazetteerBuildError(
                f"{aliases_path}: {row['id']}: {row['alias']!r} is already generated for "
                f"{row['code']}; remove the line"
            )
        bare[row["code"]].append(row["alias"])

    codes_by_bare: dict[str, set[str]] = defaultdict(set)
    for code, names in bare.items():
        for name in names:
            codes_by_bare[name].add(code)

    # A name is matched only when qualified if it is a common word (the stoplist)
    # or if it is a province's own name borrowed by a regency or city: bare
    # "Gorontalo" is the province, "Kota Gorontalo" the city.
    stop_names = {row["text"] for row in stop_rows}
    unknown = stop_names - set(codes_by_bare)
    if unknown:
        raise GazetteerBuildError(f"{stoplist_path}: names no region has: {sorted(unknown)}")
    province_names = {
        official_bare(row["name"], "province") for row in rows if row["level"] == "province"
    }

    records = []
    for row in rows:
        code, level = row["code"], row["level"]
        names = bare[code]
        stop = [
            name for name in names
            if name in stop_names or (level in ("regency", "city") and name in province_names)
        ]
        qualified = []
        for qualifier in _qualifiers(code, level):
            for name in names:
                if name in area_names[code]:
                    continue  # "Kota Lombok" is no name: an island is never qualified
                same_level = {c for c in codes_by_bare[name] if by_code[c]["level"] == level}
                if same_level == {code}:
                    qualified.append(f"{qualifier} {name}")
        province_code = row["province_code"] or None
        latitude, longitude = coordinates.get(code, (None, None))
        records.append({
            "id": "indonesia" if level == "country" else _record_id(row),
            "code": code,
            "name": row["name"],
            "level": level,
            "province_code": province_code,
            "province": by_code[province_code]["name"] if province_code else None,
            "population": int(row["population"]) if row["population"] else None,
            "latitude": latitude,
            "longitude": longitude,
            "aliases": list(dict.fromkeys(names + qualified)),
            "bare": names,
            "stop": stop,
            "split_from": list(SPLIT_FROM.get(code, ())),
        })
    return records


def _record_id(row: dict[str, str]) -> str:
    if row["level"] == "province":
        return "provinsi-" + slugify(row["name"])
    return slugify(row["name"])


def _qualifiers(code: str, level: str) -> tuple[str, ...]:
    extra = ADMINISTRATIVE_QUALIFIERS.get(level, ()) if code.startswith("31.") else ()
    return QUALIFIERS.get(level, ()) + extra


def _check_ids(path: Path, rows: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for row in rows:
        if row["id"] in seen:
            raise GazetteerBuildError(f"{path}: duplicate id {row['id']!r}")
        seen.add(row["id"])


def render(records: list[dict[str, Any]]) -> str:
    """The JSONL text: one record a line, keys in a fixed order, UTF-8 kept as is."""
    lines = []
    for record in records:
        ordered = {key: record[key] for key in RECORD_KEYS}
        lines.append(json.dumps(ordered, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wilayah_dir", nargs="?", type=Path, default=DEFAULT_WILAYAH)
    parser.add_argument("--aliases", type=Path, default=DEFAULT_ALIASES)
    parser.add_argument("--stoplist", type=Path, default=DEFAULT_STOPLIST)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        records = build_gazetteer_records(args.wilayah_dir, args.aliases, args.stoplist)
    except GazetteerBuildError as exc:
        logger.error("error: %s", exc)
        return 1
    args.output.write_text(render(records), encoding="utf-8")
    aliases = sum(len(r["aliases"]) for r in records)
    logger.info("wrote %s: %d regions, %d aliases", args.output, len(records), aliases)
    return 0


if __name__ == "__main__":
    sys.exit(main())
