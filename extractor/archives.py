"""Reading web archives: the HTML pages of news sites inside WARC and ARC files.

WARC files (``.warc``, ``.warc.gz``, as Common Crawl's CC-NEWS publishes them)
are read with FastWARC, which is several times faster than warcio; old ARC
files (``.arc``, ``.arc.gz``), which FastWARC does not read, with warcio.

``read_archive`` yields the pages worth extracting and counts everything else
in ``ArchiveCounts``: records passed over (not a response, another site, not
HTML, outside the dates) by reason, and bad records by reason. A bad record
does not end the file: after a corrupt or truncated gzip member the reader
looks for the next member (each record of a WARC is its own member) and goes
on from there.
"""

from __future__ import annotations

import logging
import mmap
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from .errors import ExtractorError
from .fetch import DEFAULT_MAX_BYTES

log = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b\x08"
WARC_MAGIC = b"WARC/1."
ARC_SUFFIXES = (".arc", ".arc.gz")
ARCHIVE_SUFFIXES = (".warc", ".warc.gz", *ARC_SUFFIXES)
HTML_TYPES = ("text/html", "application/xhtml+xml")


class ArchiveError(ExtractorError):
    """An archive file could not be opened at all (missing, unreadable, not an archive)."""


@dataclass(frozen=True)
class ArchivedPage:
    """One HTML response kept for extraction."""

    url: str
    captured: str  # WARC-Date / ARC date, ISO 8601
    content: bytes
    offset: int  # where its record starts in the file: its provenance


@dataclass
class ArchiveCounts:
    """What reading one archive file met."""

    records: int = 0  # every record read, of any type
    pages: int = 0  # HTML responses kept
    passed: Counter[str] = field(default_factory=Counter)  # reason -> records passed over
    bad: Counter[str] = field(default_factory=Counter)  # reason -> broken records

    def as_dict(self) -> dict[str, Any]:
        return {"records": self.records, "pages": self.pages, "passed": dict(self.passed),
                "bad": dict(self.bad)}


class HostFilter:
    """The sites to keep: a host matches a listed domain or any of its subdomains."""

    def __init__(self, domains: Iterable[str]) -> None:
        self.domains = frozenset(_without_www(d.strip().lower().lstrip(".")) for d in domains if d.strip())

    def __contains__(self, host: str) -> bool:
        if "*" in self.domains:  # a list of "*" keeps every site (archives filtered already)
            return bool(host)
        parts = _without_www(host.lower().rstrip(".")).split(".")
        return any(".".join(parts[i:]) in self.domains for i in range(len(parts) - 1))

    @classmethod
    def from_file(cls, path: str | Path) -> HostFilter:
        """A domain per line (``*``: every site); ``#`` starts a comment."""
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except OSError as error:
            raise ArchiveError(f"{path}: cannot read the hosts file ({error})") from error
        domains = [line.split("#", 1)[0].strip() for line in lines]
        hosts = cls(d for d in domains if d)
        if not hosts.domains:
            raise ArchiveError(f"{path}: no domains in the hosts file")
        return hosts


def _without_www(host: str) -> str:
    return host[4:] if host.startswith("www.") else host


@dataclass(frozen=True)
class ArchiveFilter:
    """Which records ``read_archive`` keeps."""

    hosts: HostFilter
    since: date | None = None  # capture dates, inclusive
    until: date | None = None
    max_bytes: int = DEFAULT_MAX_BYTES


def is_archive(path: str | Path) -> bool:
    return str(path).lower().endswith(ARCHIVE_SUFFIXES)


def read_archive(path: str | Path, keep: ArchiveFilter, counts: ArchiveCounts) -> Iterator[ArchivedPage]:
    """The HTML pages of ``path`` that ``keep`` wants; everything else is counted in ``counts``.

    Raises ArchiveError only when the file cannot be opened at all.
    """
    path = Path(path)
    try:
        handle = path.open("rb")
    except OSError as error:
        raise ArchiveError(f"{path}: cannot open ({error})") from error
    with handle:
        if str(path).lower().endswith(ARC_SUFFIXES):
            yield from _read_arc(handle, keep, counts)
        else:
            yield from _read_warc(handle, keep, counts)


def _keep(url: str, captured: str, status: int | None, content_type: str, length: int,
          keep: ArchiveFilter, counts: ArchiveCounts) -> bool:
    """Whether a response is a page to extract; counts the reason when it is not."""
    host = urlsplit(url).hostname or ""
    if host not in keep.hosts:
        counts.passed["another site"] += 1
    elif (keep.since and captured[:10] < keep.since.isoformat()) or (
            keep.until and captured[:10] > keep.until.isoformat()):
        counts.passed["outside the dates"] += 1
    elif status is None:
        counts.bad["bad HTTP header"] += 1
    elif status != 200:
        counts.passed[f"HTTP {status}"] += 1
    elif not content_type.lower().startswith(HTML_TYPES):
        counts.passed["not HTML"] += 1
    elif length > keep.max_bytes:
        counts.passed[f"over {keep.max_bytes // 1_000_000} MB"] += 1
    else:
        return True
    return False


# -- WARC ---------------------------------------------------------------------------


def _read_warc(handle: BinaryIO, keep: ArchiveFilter, counts: ArchiveCounts) -> Iterator[ArchivedPage]:
    from fastwarc import ArchiveIterator  # imported here: only the backfill needs it

    if os.fstat(handle.fileno()).st_size == 0:
        counts.bad["empty file"] += 1
        return
    with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        magic = GZIP_MAGIC if data[:3] == GZIP_MAGIC else WARC_MAGIC
        if data[: len(magic)] != magic:
            counts.bad["not a WARC file"] += 1
            return
        start = 0
        resyncing = False
        while True:
            handle.seek(start)
            last = None  # where the last good record started
            try:
                for record in ArchiveIterator(handle, parse_http=True):
                    last = record.stream_pos
                    resyncing = False
                    counts.records += 1
                    page = _warc_page(record, keep, counts)
                    if page is not None:
                        yield page
                return  # the end of the file
            except (OSError, ValueError, RuntimeError) as error:
                # A corrupt or truncated member: go on from the next record's start.
                # A false start (the magic bytes inside compressed data) fails at
                # once and is not counted again.
                if not resyncing:
                    counts.bad[_reason(error, magic)] += 1
                    log.debug("%s: %s after the record at byte %s", getattr(handle, "name", "?"),
                              error, last)
                resyncing = True
                resume = data.find(magic, (start if last is None else last) + 1)
                if resume < 0:
                    return
                start = resume


def _reason(error: Exception, magic: bytes) -> str:
    if magic == GZIP_MAGIC:
        return "corrupt or truncated gzip member"
    return f"unreadable record ({type(error).__name__})"


def _warc_page(record: Any, keep: ArchiveFilter, counts: ArchiveCounts) -> ArchivedPage | None:
    from fastwarc import WarcRecordType

    if record.record_type != WarcRecordType.response:
        counts.passed["not a response"] += 1
        return None
    url = record.headers.get("WARC-Target-URI") or ""
    captured = record.headers.get("WARC-Date") or ""
    if not record.is_http or record.http_headers is None:
        counts.passed["not HTTP"] += 1
        return None
    headers = record.http_headers
    content_type = headers.get("Content-Type") or ""
    if not _keep(url, captured, headers.status_code, content_type, record.content_length, keep, counts):
        return None
    return _page(url, captured, record.reader.read(), record.stream_pos, counts)


def _page(url: str, captured: str, content: bytes, offset: int, counts: ArchiveCounts) -> ArchivedPage | None:
    """The page to extract; None, counted as a bad record, when its body is empty
    (a capture that failed): a WARC's and an ARC's are counted alike."""
    if not content.strip():
        counts.bad["empty body"] += 1
        return None
    counts.pages += 1
    return ArchivedPage(url, captured, content, offset)


# -- ARC --------------------------------------------------------------------------


def _read_arc(handle: BinaryIO, keep: ArchiveFilter, counts: ArchiveCounts) -> Iterator[ArchivedPage]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    records = ArchiveIterator(handle, arc2warc=True)
    while True:
        try:
            record = next(records)
        except StopIteration:
            return
        except (ArchiveLoadFailed, OSError, ValueError, EOFError) as error:
            # warcio cannot step over a broken ARC record: the rest of the file is lost.
            counts.bad[f"unreadable ARC record, rest of file skipped ({type(error).__name__})"] += 1
            return
        counts.records += 1
        if record.rec_type != "response":
            counts.passed["not a response"] += 1
            continue
        url = record.rec_headers.get_header("WARC-Target-URI") or ""
        captured = record.rec_headers.get_header("WARC-Date") or ""
        http = record.http_headers
        status = None
        if http is not None:
            code = http.get_statuscode()
            status = int(code) if code and code.isdigit() else None
        content_type = (http.get_header("Content-Type") if http is not None else "") or ""
        length = int(record.rec_headers.get_header("Content-Length") or 0)
        if not _keep(url, captured, status, content_type, length, keep, counts):
            continue
        page = _page(url, captured, record.content_stream().read(), records.get_record_offset(), counts)
        if page is not None:
            yield page
