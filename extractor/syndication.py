"""Syndicated copies: one story published on several sites, linked as one.

Regional sites republish ANTARA and each other's stories with their own page
furniture, title, dateline and a few edited words. Each copy is stored as an
article of its own (its URL, its site), and copies share a story, so that a view
can count a figure once. Linking is by a 64-bit SimHash of the story's body:
near-identical texts get fingerprints a few bits apart.

What the fingerprint reads (``normalise_words``):

- the body only: the first non-empty line is the title (``Article.text`` is the
  title, a blank line and the body) and copies often retitle a story;
- without a leading dateline ("JAKARTA, KOMPAS.com - ", "Kupang (ANTARA) - "),
  which every site writes its own way;
- without lines of site furniture that survive cleaning ("Baca juga: ...",
  "Editor: ...");
- lower-cased words of letters and digits; punctuation dropped, numbers kept
  (two reports that differ only in their figures are different facts).

Then SimHash over the set of word 3-shingles, each hashed with blake2b, so a
fingerprint is the same in every process and on every machine (Python's
``hash()`` is salted per process). Fingerprints are signed 64-bit integers so
that SQLite stores them as INTEGER.

How far apart copies may be (``DEFAULT_MAX_DISTANCE`` = 7 bits), measured with
tests/test_syndication.py's variants of this project's articles and on the
3,463 IndoSum articles: fingerprints of unrelated articles differ like random
bits (the closest of 6 million IndoSum pairs are 12 bits apart; same-subject
articles on population administration 20 or more), so 7 bits links no
unrelated pair there and expects about 0.2 chance links in a database of
100,000 articles, while 3 bits would miss half the copies with 2-3 words
edited and most copies with a paragraph cut. A changed title, dateline or
"Baca juga" line moves no bit at all.

Texts under ``MIN_WORDS`` words get no fingerprint: a short item ("Warga
diminta segera merekam KTP-el ...") shares most of its shingles with any other
short item on the same subject, and a false link would merge two stories whose
facts then count once.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Hashable, Iterable
from itertools import combinations
from typing import Generic, TypeVar

import numpy as np

log = logging.getLogger(__name__)

MIN_WORDS = 50
SHINGLE = 3
BITS = 64
DEFAULT_MAX_DISTANCE = 7
_MASK = (1 << BITS) - 1

# A dateline: a few words (a place, an outlet) and a dash at the very start of the body:
# "JAKARTA, KOMPAS.com - ", "Kupang (ANTARA) - ", "Jakarta, CNN Indonesia - - ", "Merdeka.com-".
# Only the first dash of the line is looked at; what comes before it must look like a dateline.
_FIRST_DASH = re.compile(r"\s*(?:-\s+-|--|—|–|-)\s*")
_DATELINE_LOOK = re.compile(r"[(,]|\.com\b|\.co\b|\.id\b|\.net\b|\b[A-Z]{3,}\b")
# An unspaced hyphen also joins words ("KTP-el"): then the head must end in a site name
# ("Merdeka.com-", "DEPOK, JUARA.net-") or be all capitals with a comma ("JUARA.NET, KUALA LUMPUR-").
_SITE_END = re.compile(r"\.(?:com|net|id|co\.id|news)$", re.IGNORECASE)
_CAPS_DATELINE = re.compile(r"^[A-Z][A-Z.]+(?: [A-Z.]+)*, [A-Z]+(?: [A-Z]+)*$")
# Furniture lines a site adds around a syndicated story; lower-cased line starts.
_FURNITURE = re.compile(
    r"^\s*(?:baca juga|simak juga|lihat juga|baca selengkapnya|baca berita|berita terkait|artikel terkait|"
    r"tonton juga|simak video|editor|pewarta|penulis|reporter|sumber|copyright|hak cipta|©)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_]+")

K = TypeVar("K", bound=Hashable)


def normalise_words(text: str, *, has_title: bool = True) -> list[str]:
    """The words a fingerprint is made of (see the module docstring for what is left out and why)."""
    lines = text.splitlines()
    if has_title:
        for n, line in enumerate(lines):
            if line.strip():
                lines = lines[n + 1 :]
                break
    body = [line for line in lines if line.strip() and not _FURNITURE.match(line)]
    if body:
        body[0] = _drop_dateline(body[0])
    return [word.lower() for line in body for word in _WORD.findall(line)]


def _drop_dateline(line: str) -> str:
    dash = _FIRST_DASH.search(line, 0, 100)
    if not dash:
        return line
    head = line[: dash.start()].strip()
    if not head or len(head.split()) > 8:
        return line
    if dash.group() == "-":  # unspaced: a hyphenated word unless the head is clearly a dateline
        if not (_SITE_END.search(head) or _CAPS_DATELINE.match(head)):
            return line
    elif not _DATELINE_LOOK.search(head):
        return line
    return line[dash.end() :]


def fingerprint(text: str, *, has_title: bool = True) -> int | None:
    """A 64-bit SimHash of the story's body, or None when it has fewer than ``MIN_WORDS`` words.

    ``has_title=False`` for a text that starts straight with the body.
    """
    words = normalise_words(text, has_title=has_title)
    if len(words) < MIN_WORDS:
        return None
    shingles = {" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}
    digests = b"".join(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest() for s in shingles)
    # Bytes, not machine integers, so the bit order is the same on every machine.
    bits = np.unpackbits(np.frombuffer(digests, dtype=np.uint8).reshape(-1, 8), axis=1, bitorder="little")
    votes = bits.sum(axis=0, dtype=np.int64) * 2 - len(shingles)  # +1 per set bit, -1 per clear bit
    value = int.from_bytes(np.packbits(votes > 0, bitorder="little").tobytes(), "little")
    return value - (1 << BITS) if value >= 1 << (BITS - 1) else value


def hamming(a: int, b: int) -> int:
    """Bits in which two fingerprints differ (signed or unsigned forms alike)."""
    return ((a ^ b) & _MASK).bit_count()


def near_duplicate(a: int | None, b: int | None, max_distance: int = DEFAULT_MAX_DISTANCE) -> bool:
    """True when two fingerprints are at most ``max_distance`` bits apart; never for a missing one."""
    if a is None or b is None:
        return False
    return hamming(a, b) <= max_distance


BANDS = 4
BAND_BITS = BITS // BANDS


def _flip_masks(radius: int) -> list[int]:
    """Every 16-bit mask with at most ``radius`` bits set: the keys probed around a band's own."""
    masks = [0]
    for count in range(1, radius + 1):
        masks.extend(sum(1 << bit for bit in bits) for bits in combinations(range(BAND_BITS), count))
    return masks


class StoryIndex(Generic[K]):
    """Fingerprints of stored articles, for finding a new article's earlier copy without a full scan.

    The 64 bits are cut into 4 bands of 16. Two fingerprints at most
    ``max_distance`` bits apart differ in at most ``max_distance // 4`` bits in
    at least one band (pigeonhole), so probing each band's key and the keys
    that many bits away from it finds every near duplicate, and only
    fingerprints found that way are compared: with the default distance of 7,
    4 × 17 dictionary look-ups, each holding about one 65,536th of the index.
    """

    def __init__(self, max_distance: int = DEFAULT_MAX_DISTANCE) -> None:
        if not 0 <= max_distance <= 11:
            raise ValueError(f"max_distance must be between 0 and 11 bits, not {max_distance}")
        self.max_distance = max_distance
        self._masks = _flip_masks(max_distance // BANDS)
        self._tables: list[dict[int, list[tuple[int, int, K]]]] = [{} for _ in range(BANDS)]
        # The first article of each fingerprint in the tables. A later article with the
        # same one can never be the answer (ties go to the earliest), and keeping it out
        # stops a story copied hundreds of times from making every look-up compare
        # against all its copies; an exact copy is answered from here without a probe.
        self._first: dict[int, K] = {}
        self._size = 0

    def __len__(self) -> int:
        return self._size

    @classmethod
    def from_rows(
        cls, rows: Iterable[tuple[int | None, K]], max_distance: int = DEFAULT_MAX_DISTANCE
    ) -> StoryIndex[K]:
        """Rebuild from stored (fingerprint, article_id) rows; rows without a fingerprint are skipped."""
        index: StoryIndex[K] = cls(max_distance)
        for value, article_id in rows:
            index.add(value, article_id)
        return index

    @staticmethod
    def _keys(value: int) -> list[int]:
        unsigned = value & _MASK
        return [(unsigned >> (band * BAND_BITS)) & 0xFFFF for band in range(BANDS)]

    def add(self, value: int | None, article_id: K) -> None:
        """Remember an article's fingerprint; None (a short text) is not indexed."""
        if value is None:
            return
        self._size += 1
        if value in self._first:
            return
        self._first[value] = article_id
        for table, key in zip(self._tables, self._keys(value), strict=True):
            table.setdefault(key, []).append((value, self._size, article_id))

    def find(self, value: int | None) -> K | None:
        """The article whose fingerprint is nearest to ``value`` within ``max_distance``, else None.

        Ties go to the article added first, so every copy links to the same,
        earliest stored one. None for a text too short to fingerprint.
        """
        if value is None:
            return None
        if value in self._first:  # distance 0: nothing is nearer, and it was added first
            return self._first[value]
        best: tuple[int, int, K] | None = None  # (distance, order added, id)
        for table, key in zip(self._tables, self._keys(value), strict=True):
            for mask in self._masks:
                for other, order, article_id in table.get(key ^ mask, ()):
                    distance = hamming(value, other)
                    if distance <= self.max_distance and (best is None or (distance, order) < best[:2]):
                        best = (distance, order, article_id)
        return best[2] if best else None
