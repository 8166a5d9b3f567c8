"""The answer key of the project's corpus (corpus/gold.jsonl) is well-formed and complete.

The evaluation gate is only as good as its key: one line per article file and
back, every fact in the spec's vocabulary, every region code in the gazetteer,
every fact's text written in its article, and enough articles of each sort
(registration figures, awards, off-topic stories; several page templates).
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from lxml.html import fromstring

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
REGIONS_FILE = ROOT / "patterns" / "regions.jsonl"
ARTICLE_SUFFIXES = (".html", ".htm", ".txt")

KEY_FIELDS = {"id", "url", "published", "facts", "awards"}
FACT_FIELDS = {"kind", "indicator", "role", "value", "unit", "region_code", "text"}
OPTIONAL_FACT_FIELDS = {"as_of"}
AWARD_FIELDS = {"recipient", "recipient_region_code", "giver", "name", "date"}
UNITS = {"count": {"people", "documents"}, "percentage": {"percent"}}
INDICATORS = {
    "ktp_el_recorded", "ktp_el_eligible", "ktp_el_printed", "ikd_activated", "kia",
    "birth_certificate", "family_card", "population",
}
ROLES = {"actual", "target", "remaining"}
AS_OF = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
# Givers by their full names (spec, Awards); a region's government is "Pemerintah ...".
NATIONAL_GIVERS = {
    "Kementerian Dalam Negeri",
    "Kementerian Pendayagunaan Aparatur Negara dan Reformasi Birokrasi",
    "Ombudsman Republik Indonesia",
    "Kementerian Pemberdayaan Perempuan dan Perlindungan Anak",
    "Badan Pemeriksa Keuangan",
    "Presiden Republik Indonesia",
}


def _read_key() -> list[dict[str, Any]]:
    with (CORPUS / "gold.jsonl").open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _region_codes() -> set[str]:
    with REGIONS_FILE.open(encoding="utf-8") as handle:
        return {json.loads(line)["code"] for line in handle if line.strip()}


KEYS = _read_key()
FILES = sorted(p for p in CORPUS.iterdir() if p.suffix.lower() in ARTICLE_SUFFIXES)
CODES = _region_codes()
KEY_IDS = [key["id"] for key in KEYS]


def _article_file(key_id: str) -> Path:
    [path] = [p for p in FILES if p.stem == key_id]
    return path


def _is_date(value: str) -> bool:
    try:
        return date.fromisoformat(value).isoformat() == value
    except (TypeError, ValueError):
        return False


def test_one_key_per_file_and_back():
    ids = Counter(KEY_IDS)
    assert [i for i, n in ids.items() if n > 1] == [], "ids given twice"
    stems = Counter(p.stem for p in FILES)
    assert [s for s, n in stems.items() if n > 1] == [], "one id, two article files"
    assert sorted(ids) == sorted(stems)


@pytest.mark.parametrize("key", KEYS, ids=KEY_IDS)
def test_key_line(key):
    assert KEY_FIELDS <= set(key), f"missing {sorted(KEY_FIELDS - set(key))}"
    assert _is_date(key["published"]), key["published"]
    assert key["url"] is None or key["url"].startswith(("http://", "https://"))
    assert isinstance(key["facts"], list) and isinstance(key["awards"], list)
    unknown = [code for code in key.get("regions", []) if code not in CODES]
    assert unknown == [], "region codes not in patterns/regions.jsonl"


@pytest.mark.parametrize("key", KEYS, ids=KEY_IDS)
def test_key_facts(key):
    raw = _article_file(key["id"]).read_text(encoding="utf-8")
    # The text as written, whether the file spells it with entities or odd spacing.
    readable = " ".join(html.unescape(raw).split())
    seen: set[tuple] = set()
    for fact in key["facts"]:
        tag = f"{fact.get('text')!r}"
        assert FACT_FIELDS <= set(fact) <= FACT_FIELDS | OPTIONAL_FACT_FIELDS, tag
        assert fact["indicator"] in INDICATORS, tag
        assert fact["role"] in ROLES, tag
        assert fact["unit"] in UNITS[fact["kind"]], tag
        value = fact["value"]
        assert isinstance(value, int | float) and not isinstance(value, bool) and value > 0, tag
        assert fact["region_code"] in CODES, tag
        if fact.get("as_of") is not None:
            assert AS_OF.match(fact["as_of"]), tag
            assert len(fact["as_of"]) < 10 or _is_date(fact["as_of"]), tag
        assert fact["text"] in raw or " ".join(fact["text"].split()) in readable, (
            f"{tag} is not written in {key['id']}"
        )
        # Said twice, it is one fact (spec): the key lists it once.
        same = (fact["kind"], fact["indicator"], fact["role"], fact["region_code"],
                float(value))
        assert same not in seen, f"{tag} listed twice"
        seen.add(same)


@pytest.mark.parametrize("key", KEYS, ids=KEY_IDS)
def test_key_awards(key):
    for award in key["awards"]:
        tag = f"{award.get('recipient')!r}"
        assert set(award) == AWARD_FIELDS, tag
        assert isinstance(award["recipient"], str) and award["recipient"].strip(), tag
        code = award["recipient_region_code"]
        assert code is None or code in CODES, tag
        giver = award["giver"]
        assert giver in NATIONAL_GIVERS or giver.startswith("Pemerintah "), (
            f"{tag}: giver {giver!r} is not a full name"
        )
        assert award["date"] is None or _is_date(award["date"]), tag


def test_names_agree_with_contents():
    """An id says what its article is: ``_off_`` stories are empty, ``_award_`` have awards."""
    for key in KEYS:
        if "_off_" in key["id"]:
            assert not key["facts"] and not key["awards"], key["id"]
        if "_award_" in key["id"]:
            assert key["awards"], key["id"]


def _template(path: Path) -> tuple[str, ...]:
    """A page's layout: the elements (tag.class) holding its first long paragraph."""
    page = fromstring(path.read_bytes())
    paragraph = next(p for p in page.iter("p") if len(p.text_content()) > 100)
    chain = []
    for element in list(paragraph.iterancestors())[:3]:
        classes = (element.get("class") or "").split()
        chain.append(element.tag + (f".{classes[0]}" if classes else ""))
    return tuple(chain)


def test_corpus_is_big_and_varied_enough():
    assert len(KEYS) >= 30
    assert sum(bool(key["awards"]) for key in KEYS) >= 3, "award stories"
    assert sum(not key["facts"] and not key["awards"] for key in KEYS) >= 3, "off-topic stories"
    pages = [p for p in FILES if p.suffix.lower() in (".html", ".htm")]
    assert len(pages) >= 12
    templates = {_template(p) for p in pages}
    assert len(templates) >= 8, f"only {len(templates)} distinct page layouts"
