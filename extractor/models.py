"""Plain, frozen data passed between the stages.

Each stage takes these in and gives these out, so a stage can be tested alone
and run in another process (they pickle).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Region:
    """One official region of the Kepmendagri 2025 codes (or the country, code ``ID``)."""

    code: str
    name: str
    level: str  # country / province / regency / city
    province_code: str | None
    province: str | None
    population: int | None = None


@dataclass(frozen=True)
class Article:
    """An article ready for fact finding.

    ``text`` is the title, a blank line, then the cleaned body: every offset a fact
    or award carries indexes this string.
    """

    input: str  # the file path or URL it came from
    url: str | None
    title: str
    text: str
    body_start: int  # offset in ``text`` where the body begins (after the title)
    published: str | None  # YYYY-MM-DD
    site: str | None = None
    author: str | None = None
    published_source: str | None = None  # "given", "metadata", "text" or None


@dataclass(frozen=True)
class NumberMention:
    """A quantity written in the text: a count or a percentage."""

    start: int
    end: int
    text: str  # text[start:end]: the number with its scale word and adjacent unit word
    value: float  # 2860701.0 for "2.860.701 jiwa", 99.54 for "99,54 persen"
    kind: str  # "count" or "percentage"
    unit: str | None  # "people", "documents", "percent" or None when no unit word is adjacent
    approximate: bool = False  # "sekitar", "lebih dari", "-an", "jutaan"


@dataclass(frozen=True)
class RegionMention:
    """A place in the text where a region is named."""

    start: int
    end: int
    text: str
    code: str | None  # resolved region code, None when ambiguous
    candidates: tuple[str, ...] = ()  # codes it could be when ``code`` is None
    qualified: bool = False  # said with Kabupaten/Kota/Provinsi/Pemkab/... in front
    role: str = "mention"  # "mention", "dateline" or "outlet"


@dataclass(frozen=True)
class DateMention:
    """A date expression in the text, normalized against the publication date."""

    start: int
    end: int
    text: str
    value: str  # "2024", "2024-10" or "2024-10-31": as precise as the text says
    cue: str | None = None  # the word before it that says how it relates: "hingga", "per", ...
    weekday_form: bool = False  # "Senin (4/11/2024)": the day something was said or done


@dataclass(frozen=True)
class Fact:
    kind: str
    indicator: str
    value: float
    unit: str
    role: str
    region_code: str
    region: str
    region_level: str
    province_code: str | None
    province: str | None
    as_of: str | None
    text: str
    start: int
    end: int
    sentence: str

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.kind == "count" and float(self.value).is_integer():
            data["value"] = int(self.value)
        return data


@dataclass(frozen=True)
class Award:
    recipient: str
    recipient_region_code: str | None
    giver: str | None
    name: str | None
    date: str | None
    sentence: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Extraction:
    """Everything found in one article."""

    article: Article
    regions: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    facts: tuple[Fact, ...] = field(default_factory=tuple)
    awards: tuple[Award, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        a = self.article
        return {
            "url": a.url,
            "title": a.title,
            "published": a.published,
            "site": a.site,
            "text": a.text,
            "regions": list(self.regions),
            "facts": [f.to_dict() for f in self.facts],
            "awards": [w.to_dict() for w in self.awards],
        }


@dataclass(frozen=True)
class Page:
    """Raw bytes of a fetched page and how they came."""

    url: str
    content: bytes
    content_type: str | None
    status: int
    fetched_at: str  # ISO 8601, UTC
