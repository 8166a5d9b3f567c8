"""Writing small web archives for the backfill's tests and benchmark.

Good records are written with warcio; the broken ones a real crawl leaves
(a gzip member cut short, an HTTP header that is not one) are written by hand,
since warcio refuses to write them.
"""

from __future__ import annotations

import gzip
import io
import json
from dataclasses import dataclass
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
CAPTURED = "2024-11-20T08:00:00Z"


@dataclass(frozen=True)
class CorpusPage:
    name: str
    url: str
    html: bytes


def corpus_pages() -> list[CorpusPage]:
    """The HTML pages of the bundled corpus with their URLs (from its key)."""
    urls = {}
    for line in (CORPUS / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            urls[row["id"]] = row.get("url")
    return [CorpusPage(path.stem, urls[path.stem], path.read_bytes())
            for path in sorted(CORPUS.glob("*.html")) if urls.get(path.stem)]


def _member(write) -> bytes:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    write(WARCWriter(buffer, gzip=True))
    return buffer.getvalue()


def response(url: str, body: bytes, content_type: str = "text/html; charset=utf-8",
             status: str = "200 OK", captured: str = CAPTURED) -> bytes:
    """One gzip member holding an HTTP response record."""
    headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")

    def write(writer: WARCWriter) -> None:
        writer.write_record(writer.create_warc_record(
            # With the length given, warcio needs no temporary file (which it never closes).
            url, "response", payload=io.BytesIO(body), length=len(body), http_headers=headers,
            warc_headers_dict={"WARC-Date": captured}))

    return _member(write)


def request(url: str) -> bytes:
    """One gzip member holding the request that went with a response."""
    headers = StatusAndHeaders(f"GET {url} HTTP/1.1", [("Host", "example")], is_http_request=True)

    def write(writer: WARCWriter) -> None:
        writer.write_record(writer.create_warc_record(
            url, "request", payload=io.BytesIO(b""), length=0, http_headers=headers,
            warc_headers_dict={"WARC-Date": CAPTURED}))

    return _member(write)


def bad_http_header(url: str) -> bytes:
    """A response record whose HTTP block does not start with a status line."""
    payload = b"GARBAGE NOT AN HTTP STATUS\r\n\x00\x01\r\n\r\n<html><body>x</body></html>"
    head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {url}\r\nWARC-Date: {CAPTURED}\r\n"
            "WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000001>\r\n"
            "Content-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n").encode()
    return gzip.compress(head + payload + b"\r\n\r\n")


def truncated(member: bytes) -> bytes:
    """A gzip member cut in the middle, as a crawler killed while writing leaves it."""
    return member[: len(member) // 2]


def write_warc(path: Path, members: list[bytes]) -> Path:
    path.write_bytes(b"".join(members))
    return path


def write_arc(path: Path, pages: list[CorpusPage]) -> Path:
    """An uncompressed ARC (version 1) file: a file header record, then one record per page."""
    def record(url: str, content_type: str, body: bytes) -> bytes:
        return f"{url} 127.0.0.1 20241120080000 {content_type} {len(body)}\n".encode() + body + b"\n"

    version = b"1 0 test\nURL IP-address Archive-date Content-type Archive-length\n"
    out = [record("filedesc://test.arc", "text/plain", version)]
    for page in pages:
        http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + page.html
        out.append(record(page.url, "text/html", http))
    path.write_bytes(b"".join(out))
    return path
