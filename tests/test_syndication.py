"""Syndicated copies: what the fingerprint reads, its stability, the index, and how well copies link.

The variant test edits this project's own corpus articles the way syndicating
sites do and checks that the copies still link (floors a little under what was
measured: see extractor/syndication.py). The IndoSum test reads the shared
articles in place (skipped when absent): none of them is a copy of another, so
the index must link none.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from itertools import combinations
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.syndication import (
    DEFAULT_MAX_DISTANCE,
    MIN_WORDS,
    StoryIndex,
    fingerprint,
    hamming,
    near_duplicate,
    normalise_words,
)

CORPUS = Path(__file__).resolve().parents[1] / "corpus"

# Written for these tests: eight sentences of ordinary regional-news prose (~110 words).
BODY = (
    "Dinas Kependudukan dan Pencatatan Sipil kabupaten itu membuka layanan perekaman pada malam hari "
    "selama dua pekan bagi warga yang bekerja pada siang hari.\n\n"
    "Kepala dinas mengatakan layanan malam dibuka di kantor kecamatan secara bergiliran mulai pukul 19.00 "
    "hingga 22.00 waktu setempat.\n\n"
    "Menurut dia, sebanyak 4.215 warga wajib KTP elektronik belum merekam data hingga akhir Oktober, "
    "sebagian besar pekerja pabrik dan pelajar yang baru berusia 17 tahun.\n\n"
    '"Kami ingin tidak ada lagi warga yang tertinggal, apalagi menjelang pemilihan," ujarnya.\n\n'
    "Petugas juga membawa peralatan ke sekolah menengah atas agar siswa dapat merekam data tanpa "
    "meninggalkan jam pelajaran.\n\n"
    "Warga cukup membawa kartu keluarga asli untuk mengikuti perekaman di lokasi terdekat."
)
STORY = "Disdukcapil Buka Layanan Malam\n\nKOTABARU, Contohnews.com - " + BODY


# --------------------------------------------------------------------------- what is read


def test_title_dateline_and_furniture_are_not_read():
    words = normalise_words(STORY + "\n\nBaca juga: Warga Antre Sejak Pagi\n\nEditor: Budi")
    assert words[:4] == ["dinas", "kependudukan", "dan", "pencatatan"]
    assert "contohnews" not in words and "layanan" in words
    assert words[-3:] == ["di", "lokasi", "terdekat"]
    assert "4" in words and "215" in words  # digits are kept
    assert normalise_words(BODY, has_title=False) == normalise_words(STORY)


@pytest.mark.parametrize(
    ("first_line", "kept"),
    [
        pytest.param("JAKARTA, KOMPAS.com - Warga antre", "warga antre", id="caps-outlet"),
        pytest.param("Kupang (ANTARA) - Warga antre", "warga antre", id="antara"),
        pytest.param("Mataram, NTB (ANTARA News) - Warga antre", "warga antre", id="antara-province"),
        pytest.param("Jakarta, CNN Indonesia - - Warga antre", "warga antre", id="double-dash"),
        pytest.param("Liputan6.com, Jakarta - Warga antre", "warga antre", id="outlet-first"),
        pytest.param("SURABAYA – Warga antre", "warga antre", id="en-dash"),
        pytest.param("Suara.com-Warga antre", "warga antre", id="unspaced-site"),
        pytest.param("JUARA.NET, KUALA LUMPUR-Warga antre", "warga antre", id="unspaced-caps"),
        pytest.param("JAKARTA, KOMPAS.com--Warga antre", "warga antre", id="double-hyphen"),
        pytest.param(
            "Warga antre merekam KTP-el di kantor", "warga antre merekam ktp el di kantor", id="hyphen-word"
        ),
        pytest.param("Disdukcapil KOTA X mencatat KTP-el", "disdukcapil kota x mencatat ktp el", id="caps-hyphen"),
        pytest.param("Petugas - yang datang pagi - melayani", "petugas yang datang pagi melayani", id="aside"),
    ],
)
def test_datelines(first_line, kept):
    assert " ".join(normalise_words("Judul\n\n" + first_line)) == kept


def test_short_texts_get_no_fingerprint():
    short = "Judul\n\n" + " ".join(["warga"] * (MIN_WORDS - 1))
    assert fingerprint(short) is None
    assert fingerprint("Judul\n\n" + " ".join(["warga"] * MIN_WORDS)) is not None
    assert fingerprint("") is None


# --------------------------------------------------------------------------- the fingerprint


def test_fingerprint_is_signed_64_bit_and_ignores_title_and_dateline():
    value = fingerprint(STORY)
    assert value is not None and -(2**63) <= value < 2**63
    assert fingerprint("Judul Lain Sama Sekali\n\nBANDUNG (ANTARA) - " + BODY) == value
    assert fingerprint(STORY.replace("\n\n", "\n")) == value  # paragraph breaks do not matter
    assert fingerprint(STORY.replace(",", " ,").replace('"', "“")) == value  # nor punctuation


def test_fingerprint_is_the_same_in_another_process():
    code = "import sys; from extractor.syndication import fingerprint; print(fingerprint(sys.stdin.read()))"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code], input=STORY, capture_output=True, text=True, env=env, check=True
    ).stdout
    assert int(out) == fingerprint(STORY)


@pytest.mark.parametrize(
    ("a", "b", "distance", "near"),
    [
        pytest.param(0, 0, 0, True, id="same"),
        pytest.param(0, 0b111, 3, True, id="three"),
        pytest.param(0, 0xFF, 8, False, id="eight"),
        pytest.param(-1, 2**64 - 1, 0, True, id="signed-unsigned"),
        pytest.param(-(2**63), 0, 1, True, id="sign-bit"),
    ],
)
def test_hamming_and_near_duplicate(a, b, distance, near):
    assert hamming(a, b) == distance
    assert near_duplicate(a, b) is near


def test_near_duplicate_never_for_missing_fingerprints():
    assert not near_duplicate(None, None)
    assert not near_duplicate(0, None)
    assert near_duplicate(0, 0b1111, max_distance=3) is False


# --------------------------------------------------------------------------- the index


def test_index_finds_the_nearest_earliest_copy():
    index: StoryIndex[int] = StoryIndex()
    index.add(0b1111, 1)
    index.add(0b1, 2)
    index.add(0b1, 3)
    index.add(None, 4)
    assert len(index) == 3
    assert index.find(0) == 2  # 1 bit from articles 2 and 3: the earlier wins
    assert index.find(0b1111) == 1
    assert index.find(0b1) == 2  # an exact copy of two: the earlier
    assert index.find(0xFF00FF) is None
    assert index.find(None) is None


def test_from_rows_skips_missing_fingerprints():
    index = StoryIndex.from_rows([(None, "a"), (12345, "b"), (-5, "c")])
    assert len(index) == 2
    assert index.find(12345 ^ 0b101) == "b"
    assert index.find(-5) == "c"


def test_max_distance_is_bounded():
    with pytest.raises(ValueError, match="between 0 and 11"):
        StoryIndex(max_distance=12)


_fingerprints = st.integers(min_value=-(2**63), max_value=2**63 - 1)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(_fingerprints, min_size=1, max_size=30),
    st.integers(min_value=0, max_value=29),
    st.sets(st.integers(min_value=0, max_value=63), max_size=12),
    st.integers(min_value=0, max_value=11),
)
def test_index_agrees_with_a_full_scan(stored, pick, flips, max_distance):
    index = StoryIndex.from_rows(((value, n) for n, value in enumerate(stored)), max_distance=max_distance)
    query = stored[pick % len(stored)]
    for bit in flips:
        query ^= 1 << bit
    query = (query + 2**63) % 2**64 - 2**63
    scan = sorted((hamming(query, value), n) for n, value in enumerate(stored))
    expected = scan[0][1] if scan[0][0] <= max_distance else None
    assert index.find(query) == expected


# --------------------------------------------------------------------------- copies of real articles


TITLES = [
    "Ribuan Warga Antre di Kantor Dukcapil",
    "Pemkab Genjot Layanan Adminduk",
    "Capaian Layanan Kependudukan",
]
DATELINES = ["JAKARTA, Contohnews.com - ", "Kupang (ANTARA) - ", "SURABAYA – ", "Portalkita.id, MEDAN - ", ""]
SWAPS = ["warga", "petugas", "pemerintah", "daerah", "layanan", "kabupaten", "kota", "masyarakat"]
_OWN_DATELINE = re.compile(r"^[^\n]{0,60}?(?:\s-\s-|\s[-–—]|--)\s*")


def _parts(text: str) -> tuple[str, list[str]]:
    title, _, body = text.strip().partition("\n")
    return title, [p for p in body.split("\n") if p.strip()]


def _join(title: str, paragraphs: list[str]) -> str:
    return title + "\n\n" + "\n\n".join(paragraphs)


def _new_title(title, paragraphs, rng):
    return _join(rng.choice(TITLES), paragraphs)


def _new_dateline(title, paragraphs, rng):
    first = paragraphs[0]
    own = _OWN_DATELINE.match(first)
    rest = first[own.end() :] if own and len(own.group().split()) <= 8 else first
    return _join(title, [rng.choice(DATELINES) + rest, *paragraphs[1:]])


def _baca_juga(title, paragraphs, rng):
    at = rng.randrange(1, len(paragraphs) + 1)
    return _join(title, [*paragraphs[:at], "Baca juga: " + rng.choice(TITLES), *paragraphs[at:]])


def _words_edited(title, paragraphs, rng):
    paragraphs = list(paragraphs)
    for _ in range(rng.choice([2, 3])):
        n = rng.randrange(len(paragraphs))
        words = paragraphs[n].split()
        words[rng.randrange(len(words))] = rng.choice(SWAPS)
        paragraphs[n] = " ".join(words)
    return _join(title, paragraphs)


def _paragraph_dropped(title, paragraphs, rng):
    paragraphs = list(paragraphs)
    del paragraphs[rng.randrange(1, len(paragraphs))]
    return _join(title, paragraphs)


def _last_paragraph_cut(title, paragraphs, rng):
    return _join(title, paragraphs[:-1])


# (edit, share of copies that must still link): floors a little under the measured share
VARIANTS = [
    pytest.param(_new_title, 1.0, id="changed-title"),
    pytest.param(_new_dateline, 1.0, id="other-dateline"),
    pytest.param(_baca_juga, 1.0, id="baca-juga-line"),
    pytest.param(_words_edited, 0.85, id="2-3-words-edited"),
    pytest.param(_paragraph_dropped, 0.60, id="paragraph-dropped"),
    pytest.param(_last_paragraph_cut, 0.80, id="last-paragraph-cut"),
]


@pytest.fixture(scope="module")
def corpus_articles() -> list[str]:
    texts = [path.read_text(encoding="utf-8") for path in sorted(CORPUS.glob("*.txt"))]
    assert len(texts) >= 10
    return texts


@pytest.fixture(scope="module")
def corpus_index(corpus_articles) -> StoryIndex[int]:
    return StoryIndex.from_rows((fingerprint(text), n) for n, text in enumerate(corpus_articles))


def test_corpus_articles_are_not_copies_of_each_other(corpus_articles):
    values = [fingerprint(text) for text in corpus_articles]
    assert all(v is not None for v in values)
    closest = min(hamming(a, b) for a, b in combinations(values, 2))
    assert closest > 2 * DEFAULT_MAX_DISTANCE


@pytest.mark.parametrize(("edit", "floor"), VARIANTS)
def test_edited_copies_still_link(corpus_articles, corpus_index, edit, floor):
    rng = random.Random(7)
    linked = total = 0
    for n, text in enumerate(corpus_articles):
        title, paragraphs = _parts(text)
        for _ in range(10):
            total += 1
            found = corpus_index.find(fingerprint(edit(title, paragraphs, rng)))
            assert found in (n, None), "a copy linked to another article"
            linked += found == n
    assert linked / total >= floor, f"{linked}/{total} copies linked"


def test_indosum_articles_link_to_nothing(shared_dir):
    """3,463 real articles from several outlets, none a copy of another (checked by shingle overlap)."""
    path = shared_dir / "data" / "indosum" / "articles.jsonl"
    if not path.is_file():
        pytest.skip("shared IndoSum articles not present")
    index: StoryIndex[int] = StoryIndex()
    links = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        value = fingerprint(json.loads(line)["text"], has_title=False)
        found = index.find(value)
        if found is not None:
            links.append((found, n))
        index.add(value, n)
    assert len(index) > 3400
    assert links == []
