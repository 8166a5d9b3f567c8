"""Feeds and sitemaps → the article URLs they list, with the dates they give.

Pure functions over bytes the fetcher already has: nothing here opens a
socket, a file or a database, so a feed or sitemap from a test server, a web
archive or a saved file reads the same. Every URL comes out canonical
(``urls.canonical_url``), so the crawl can compare it with what is stored.

An item's title and date are kept as evidence: a feed's ``pubDate`` or a news
sitemap's ``publication_date`` is often the best date an article has.
Dates keep the publisher's own UTC offset (``2024-11-04T06:00:00+07:00``), so
the date part is the local calendar day; feedparser's own ``*_parsed`` values
are converted to UTC and would move a 06:00 WIB article to the day before.
"""

from __future__ import annotations

import io
import json
import logging
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from time import struct_time
from typing import Any
from urllib.parse import urljoin

import feedparser
from lxml import etree

from .errors import ExtractorError
from .patternfiles import PATTERNS_DIR
from .urls import canonical_url, is_http_url

log = logging.getLogger(__name__)

MAX_DECOMPRESSED_BYTES = 50 * 1024 * 1024  # the sitemap protocol's own limit is 50 MB uncompressed
GZIP_MAGIC = b"\x1f\x8b"
NEWS_NAMESPACE = "http://www.google.com/schemas/sitemap-news/0.9"


class DiscoveryError(ExtractorError):
    """A feed or sitemap could not be read; the message names it and says what was wrong."""


@dataclass(frozen=True)
class DiscoveredUrl:
    """One article URL found in a feed or sitemap, with what the source said about it."""

    url: str  # canonical (urls.canonical_url): the key to store and compare by
    source: str  # the feed or sitemap URL it was found in
    title: str | None = None  # the item title or news:title
    published: str | None = None  # YYYY-MM-DD or ISO datetime from pubDate/updated/news:publication_date
    lastmod: str | None = None  # a sitemap's lastmod, same forms
    found_as: str | None = None  # the URL as the source wrote it (resolved), when it differs from ``url``


@dataclass(frozen=True)
class Sitemap:
    """What one sitemap file lists: article URLs (a urlset) or child sitemaps (an index)."""

    urls: list[DiscoveredUrl]
    sitemaps: list[str] = field(default_factory=list)  # child sitemap URLs of a sitemap index
    sitemap_lastmod: dict[str, str] = field(default_factory=dict)  # child URL → its lastmod, where given

    def sitemaps_since(self, since: date | None) -> list[str]:
        """Child sitemaps that may hold articles from ``since`` on.

        A news site's index lists thousands of monthly or daily sitemaps; a
        nightly crawl needs only those changed since its last run. Children
        without a lastmod are kept.
        """
        if since is None:
            return list(self.sitemaps)
        return [url for url in self.sitemaps if not _older_than(self.sitemap_lastmod.get(url), since)]


# ----------------------------------------------------------------------------- feeds


_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL
)


def parse_feed(content: bytes, source_url: str) -> list[DiscoveredUrl]:
    """The article URLs of an RSS 2.0, RSS 1.0 or Atom feed, in feed order, each once.

    feedparser reads broken feeds too (its loose parser); only when it finds no
    item at all in something that is not a feed is that an error, so a crawl
    records why a source gave nothing. A well-formed feed with no items is an
    empty list. The bytes are handed over as a stream: given bytes, feedparser
    would first try them as a file name.
    """
    data = _gunzip(content, source_url)
    if not data.strip():
        raise DiscoveryError(f"{source_url}: not a feed (empty response)")
    result = feedparser.parse(
        io.BytesIO(data),
        response_headers={"content-location": source_url, "content-type": "application/xml"},
        sanitize_html=False,  # only links, titles and dates are read; nothing is rendered
        resolve_relative_uris=False,  # content bodies are not used; links are resolved below
    )
    entries = result.get("entries") or []
    version = result.get("version") or ""
    if not entries:
        if _HTML_START.match(data[:4096]):
            raise DiscoveryError(f"{source_url}: not a feed (HTML page, no items)")
        if result.get("bozo") and not version:
            reason = result.get("bozo_exception")
            raise DiscoveryError(f"{source_url}: not a feed (no items; {reason or 'unreadable XML'})")
        if not version:
            raise DiscoveryError(f"{source_url}: not a feed (no RSS or Atom root element, no items)")
        return []
    if result.get("bozo"):
        log.debug("%s: feed read despite errors (%s)", source_url, result.get("bozo_exception"))
    found: list[DiscoveredUrl] = []
    seen: set[str] = set()
    for n, entry in enumerate(entries):
        link = _entry_link(entry)
        if not link:
            log.debug("%s: feed item %d has no link, skipped", source_url, n)
            continue
        item = _discovered(
            link,
            source_url,
            title=_clean_title(entry.get("title")),
            published=_entry_date(entry),
        )
        if item and item.url not in seen:
            seen.add(item.url)
            found.append(item)
    if not found and result.get("bozo"):
        reason = result.get("bozo_exception")
        raise DiscoveryError(f"{source_url}: not a feed (broken XML: {reason}; no item with a link)")
    return found


def _entry_link(entry: Any) -> str | None:
    """The item's own page: the alternate link, else ``link``, else a permalink guid."""
    for link in entry.get("links") or []:
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return str(link["href"])
    if entry.get("link"):
        return str(entry["link"])
    if entry.get("guidislink") and entry.get("id"):
        return str(entry["id"])
    return None


def _entry_date(entry: Any) -> str | None:
    for key in ("published", "updated", "created", "dc_date"):
        raw = entry.get(key)
        if raw:
            value = _read_date(str(raw))
            if value:
                return value
    for key in ("published_parsed", "updated_parsed"):
        parsed = entry.get(key)
        # feedparser read a form we do not: its UTC value is better than nothing
        if isinstance(parsed, struct_time) and _PLAUSIBLE_YEARS[0] <= parsed.tm_year <= _PLAUSIBLE_YEARS[1]:
            return datetime(*parsed[:6]).isoformat() + "+00:00"
    return None


# ----------------------------------------------------------------------------- sitemaps


def parse_sitemap(content: bytes, source_url: str) -> Sitemap:
    """The URLs of a sitemap, a sitemap index or a Google News sitemap.

    Gzip is detected by its magic bytes (sitemaps are often served as
    ``.xml.gz`` without a Content-Encoding) and inflated up to 50 MB. The XML
    parser resolves no entities, loads no DTD and opens no network. Elements
    are matched by local name, so sitemaps with a missing or outdated namespace
    still read. A plain-text sitemap (one URL a line) and an RSS or Atom feed
    given as a sitemap, both allowed by the sitemap protocol, are read too.
    """
    data = _gunzip(content, source_url)
    data = data.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not data:
        raise DiscoveryError(f"{source_url}: not a sitemap (empty response)")
    if not data.startswith(b"<"):
        return _text_sitemap(data, source_url)
    if _HTML_START.match(data[:4096]):
        raise DiscoveryError(f"{source_url}: not a sitemap (HTML page)")
    root = _parse_xml(data, source_url)
    kind = etree.QName(root).localname.lower()
    if kind in ("rss", "feed", "rdf"):
        return Sitemap(urls=parse_feed(data, source_url))
    if kind == "urlset":
        return Sitemap(urls=_urlset(root, source_url))
    if kind == "sitemapindex":
        return _sitemap_index(root, source_url)
    raise DiscoveryError(f"{source_url}: not a sitemap (root element <{etree.QName(root).localname}>)")


# A bare '&' in a <loc> is the commonest sitemap error ('?id=1&page=2'); it is
# escaped and the file read again rather than losing a whole sitemap to it.
_BARE_AMPERSAND = re.compile(rb"&(?!(?:#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9._-]*);)")


def _parse_xml(data: bytes, source_url: str) -> etree._Element:
    """Parse strictly, once more with bare '&' escaped; a parser per call (lxml's are not thread-safe)."""
    try:
        return _strict_xml(data)
    except etree.XMLSyntaxError as error:
        first_error = error
    fixed = _BARE_AMPERSAND.sub(b"&amp;", data)
    if fixed != data:
        try:
            root = _strict_xml(fixed)
        except etree.XMLSyntaxError:
            pass
        else:
            log.debug("%s: sitemap had unescaped '&' in URLs; read after escaping them", source_url)
            return root
    reason = (str(first_error).strip() or type(first_error).__name__)[:200]
    raise DiscoveryError(f"{source_url}: not a sitemap (broken XML: {reason})")


def _strict_xml(data: bytes) -> etree._Element:
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
    )
    root = etree.fromstring(data, parser=parser)
    if root is None:
        raise etree.XMLSyntaxError("no root element", None, 0, 0)
    return root


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in element if isinstance(child.tag, str) and etree.QName(child).localname == name]


def _child_text(element: etree._Element, name: str) -> str | None:
    for child in _children(element, name):
        text = (child.text or "").strip()
        if text:
            return text
    return None


def _urlset(root: etree._Element, source_url: str) -> list[DiscoveredUrl]:
    found: list[DiscoveredUrl] = []
    seen: set[str] = set()
    for n, entry in enumerate(_children(root, "url")):
        loc = _child_text(entry, "loc")
        if not loc:
            log.debug("%s: sitemap <url> %d has no <loc>, skipped", source_url, n)
            continue
        title = published = None
        for news in _children(entry, "news"):
            title = _clean_title(_child_text(news, "title"))
            published = _read_date(_child_text(news, "publication_date"))
        item = _discovered(
            loc,
            source_url,
            title=title,
            published=published,
            lastmod=_read_date(_child_text(entry, "lastmod")),
        )
        if item and item.url not in seen:
            seen.add(item.url)
            found.append(item)
    return found


def _sitemap_index(root: etree._Element, source_url: str) -> Sitemap:
    children: list[str] = []
    lastmods: dict[str, str] = {}
    for entry in _children(root, "sitemap"):
        loc = _child_text(entry, "loc")
        url = _absolute_http(loc, source_url) if loc else None
        if not url or url in lastmods or url in children:
            continue
        children.append(url)
        lastmod = _read_date(_child_text(entry, "lastmod"))
        if lastmod:
            lastmods[url] = lastmod
    return Sitemap(urls=[], sitemaps=children, sitemap_lastmod=lastmods)


def _text_sitemap(data: bytes, source_url: str) -> Sitemap:
    text = data.decode("utf-8", "replace")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or not all(is_http_url(line) and " " not in line for line in lines[:20]):
        raise DiscoveryError(f"{source_url}: not a sitemap (neither XML nor a list of URLs)")
    found: list[DiscoveredUrl] = []
    seen: set[str] = set()
    for line in lines:
        item = _discovered(line, source_url)
        if item and item.url not in seen:
            seen.add(item.url)
            found.append(item)
    return Sitemap(urls=found)


# ----------------------------------------------------------------------------- shared


def filter_since(urls: Iterable[DiscoveredUrl], since: date | None) -> list[DiscoveredUrl]:
    """Drop items whose date is known and older than ``since``; keep undated ones.

    The publication date decides when there is one (a lastmod moves whenever a
    page is touched, a comment added); the lastmod only when it is all we have.
    An undated item may be new, so the crawl must look.
    """
    if since is None:
        return list(urls)
    return [item for item in urls if not _older_than(item.published or item.lastmod, since)]


def _older_than(value: str | None, since: date) -> bool:
    if not value:
        return False
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        return False
    return day < since


def _discovered(
    raw: str,
    source_url: str,
    *,
    title: str | None = None,
    published: str | None = None,
    lastmod: str | None = None,
) -> DiscoveredUrl | None:
    absolute = _absolute_http(raw, source_url)
    if absolute is None:
        return None
    url = canonical_url(absolute)
    return DiscoveredUrl(
        url=url,
        source=source_url,
        title=title,
        published=published,
        lastmod=lastmod,
        found_as=absolute if absolute != url else None,
    )


def _absolute_http(raw: str, source_url: str) -> str | None:
    raw = raw.strip()
    try:
        absolute = urljoin(source_url, raw)
    except ValueError:
        absolute = raw
    if not is_http_url(absolute):
        log.debug("%s: %r is not an http(s) URL, skipped", source_url, raw[:200])
        return None
    return absolute


_SPACES = re.compile(r"\s+")
_TAGS = re.compile(r"<[^>]{0,200}>")


def _clean_title(value: Any) -> str | None:
    if not value:
        return None
    text = _SPACES.sub(" ", _TAGS.sub(" ", str(value))).strip()
    return text or None


_PLAUSIBLE_YEARS = (1990, 2100)  # a date outside is a placeholder ("1899-12-30", "0001-01-01"), not a date
_W3C_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")


def _read_date(value: str | None) -> str | None:
    """An ISO date or datetime from a W3C (sitemap, Atom) or RFC 822 (RSS) date; None if unreadable.

    A date alone stays a date (``2024-11-04``); a datetime keeps its offset. A
    datetime without an offset is returned without one: guessing UTC would be
    wrong for most Indonesian sites, which write WIB.
    """
    if not value:
        return None
    value = value.strip()
    if _W3C_DATE.match(value):
        if len(value) == 10:
            try:
                return date.fromisoformat(value).isoformat()
            except ValueError:
                return None
        return None  # a year or year-month says too little to compare by
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(_english_words(value))
        except (TypeError, ValueError, IndexError):
            parsed = None
    if parsed is None or not _PLAUSIBLE_YEARS[0] <= parsed.year <= _PLAUSIBLE_YEARS[1]:
        log.debug("unreadable or implausible date %r", value)
        return None
    return parsed.replace(microsecond=0).isoformat()


_WORD = re.compile(r"[A-Za-z]+")


@lru_cache(maxsize=1)
def _indonesian_months() -> dict[str, str]:
    """Indonesian month names and abbreviations → English ones, from ``patterns/dates.json``.

    Some Indonesian feeds write their RFC 822 dates in Indonesian ("04 Okt 2024").
    """
    english = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    try:
        months = json.loads((PATTERNS_DIR / "dates.json").read_text(encoding="utf-8"))["months"]
        return {
            word.lower(): english[int(row["month"]) - 1]
            for row in months
            for word in [*row.get("names", []), *row.get("abbreviations", [])]
        }
    except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
        log.warning("patterns/dates.json: month names not read (%s); Indonesian feed dates skipped", error)
        return {}


# Indonesia's time zones, as Indonesian sites write them after the time.
_ZONES = {"wib": "+0700", "wita": "+0800", "wit": "+0900"}


def _english_words(value: str) -> str:
    words = {**_indonesian_months(), **_ZONES}
    return _WORD.sub(lambda m: words.get(m.group(0).lower(), m.group(0)), value)


def _gunzip(content: bytes, source_url: str) -> bytes:
    """Inflate gzip content (detected by its magic), stopping at the size limit: a bomb is an error."""
    if not content.startswith(GZIP_MAGIC):
        return content
    limit = MAX_DECOMPRESSED_BYTES
    out: list[bytes] = []
    size = 0
    data = content
    while data.startswith(GZIP_MAGIC):  # a gzip file may hold several members
        inflater = zlib.decompressobj(wbits=31)
        try:
            chunk = inflater.decompress(data, limit - size + 1)
        except zlib.error as error:
            raise DiscoveryError(f"{source_url}: broken gzip data ({error})") from error
        size += len(chunk)
        out.append(chunk)
        if size > limit or inflater.unconsumed_tail:
            raise DiscoveryError(
                f"{source_url}: larger than {limit // (1024 * 1024)} MB once decompressed; refused"
            )
        if not inflater.eof:
            raise DiscoveryError(f"{source_url}: truncated gzip data")
        data = inflater.unused_data
    return b"".join(out)
