"""HTTP fetching: the only module that opens sockets.

A crawler that news sites do not block and that cannot be turned against the
machine it runs on:

- politeness: robots.txt is read once per origin (scheme, host, port) through
  the same polite path as every other request, and obeyed, Crawl-delay
  included; requests to one origin are strictly one at a time and never closer
  together than its delay (measured from the end of one response to the start
  of the next, robots.txt and retries included); different origins proceed in
  parallel, so a crawl can run a thread per host or a pool;
- retries with exponential backoff on timeouts, connection errors and 5xx;
  429 and 503 honour ``Retry-After`` (seconds or an HTTP date) up to a cap;
- safety: only http and https; every hop of a redirect is resolved and refused
  when any address is private, loopback, link-local, multicast, reserved or
  unspecified (unless ``allow_private``), and cloud metadata addresses are
  refused always. The connection goes to the very address that was checked
  (the Host header and TLS server name carry the host name), so a DNS answer
  that changes between the check and the connect cannot sneak in;
- limits: a connect/read timeout, an overall deadline per response (a body
  that drips forever stops), a size limit applied while streaming, and content
  decoding done here with a bounded ``zlib`` decompressor, so a gzip bomb stops
  at the same limit as a plain huge body.

Nothing in here raises for a network or HTTP fault: every fetch ends as a
``FetchResult`` whose ``error`` says why in words, so a crawl records the
reason and goes on. ``fetch_page`` is the one exception-raising wrapper, for
``ingest URL``.

Not done (on purpose or not yet): proxies from the environment are ignored;
an HTTP-date ``Last-Modified`` is passed back as received; robots.txt rules
are matched by ``urllib.robotparser`` (first matching rule wins, not the
longest match of RFC 9309; no ``*``/``$`` wildcards); slowly dripped response
*headers* are bounded only by the read timeout per chunk, not by the deadline.
"""

from __future__ import annotations

import atexit
import email.utils
import http
import ipaddress
import logging
import socket
import ssl
import threading
import time
import urllib.robotparser
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    LocationParseError,
    NewConnectionError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.util import parse_url

from .errors import UnreadableInput
from .models import Page

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_USER_AGENT",
    "FetchConfig",
    "FetchResult",
    "Fetcher",
    "fetch_page",
    "origin_of",
]

DEFAULT_USER_AGENT = (
    "adminduk-facts/0.1 (+https://github.com/adminduk-facts/adminduk-facts; "
    "contact: adminduk-facts@example.org)"
)
DEFAULT_MAX_BYTES = 5_000_000
DEFAULT_TIMEOUT = 15.0

KINDS = ("page", "feed", "sitemap", "robots")

# What each kind of fetch accepts, checked on the Content-Type header before the
# body is read. A missing header is accepted: the next stage sniffs the bytes.
_PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
_XML_EXTRA_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml",
                    "application/gzip", "application/x-gzip", "application/octet-stream")
_ACCEPT = {
    "page": "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8,*/*;q=0.1",
    "feed": "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.1",
    "sitemap": "application/xml,text/xml;q=0.9,application/gzip;q=0.8,*/*;q=0.1",
    "robots": "text/plain,*/*;q=0.1",
}
_NOUN = {"page": "a web page", "feed": "a feed", "sitemap": "a sitemap", "robots": "a robots.txt"}

# Refused even with allow_private: the instance metadata services of the
# clouds hand out credentials to anything on the machine that asks.
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, ...
    "fd00:ec2::254",  # AWS over IPv6
    "169.254.170.2",  # AWS ECS task metadata
    "100.100.100.200",  # Alibaba Cloud
))

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_RETRY_AFTER_STATUSES = frozenset({429, 503})
_CHUNK = 64 * 1024
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class FetchConfig:
    """How politely and how carefully to fetch. Tests shrink the times."""

    user_agent: str = DEFAULT_USER_AGENT
    delay: float = 1.0  # seconds between two requests to one origin (end of one to start of next)
    timeout: float = DEFAULT_TIMEOUT  # connect, and each wait for more bytes
    deadline: float = 60.0  # a whole response, headers to last byte
    max_bytes: int = DEFAULT_MAX_BYTES  # the body, after decompression
    max_redirects: int = 5
    retries: int = 3  # tries after the first, on timeouts, connection errors, 5xx, 429
    backoff: float = 1.0  # wait before retry n is backoff * 2**(n-1) (or Retry-After when longer)
    retry_after_cap: float = 120.0  # a longer Retry-After gives up with a reason
    max_crawl_delay: float = 60.0  # a robots.txt asking for more is not crawled this run
    allow_private: bool = False


@dataclass(frozen=True)
class FetchResult:
    """What one fetch gave: the body, or the reason there is none."""

    url: str  # as asked
    final_url: str  # after redirects
    status: int | None  # the last HTTP status received, None when no answer came
    content: bytes  # decoded (Content-Encoding undone, a gzipped sitemap file unpacked)
    content_type: str | None  # the header as sent, e.g. "text/html; charset=utf-8"
    charset: str | None  # from the Content-Type header, lowercased
    etag: str | None
    last_modified: str | None
    fetched_at: str  # ISO 8601, UTC
    not_modified: bool = False  # a 304 answer to a conditional GET: keep what you have
    error: str | None = None  # a human reason; None when content (or not_modified) is good
    attempts: int = 0  # HTTP requests made for this URL (all tries, all hops; robots.txt not counted)
    redirects: tuple[str, ...] = ()  # the URLs passed through before final_url

    @property
    def ok(self) -> bool:
        """A fresh body arrived (not an error, not a 304)."""
        return self.error is None and not self.not_modified


def origin_of(url: str) -> str:
    """``scheme://host:port`` of a URL: the unit of politeness and of robots.txt."""
    parsed = parse_url(url)
    scheme = (parsed.scheme or "http").lower()
    port = parsed.port or (443 if scheme == "https" else 80)
    return f"{scheme}://{(parsed.host or '').lower()}:{port}"


# --- internal signals -------------------------------------------------------------------------


class _Final(Exception):
    """This URL ends here with a reason; retrying would not help."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class _Transient(Exception):
    """This try failed in a way another try may not."""

    def __init__(self, reason: str, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


@dataclass
class _Answer:
    status: int
    reason: str
    headers: dict[str, str]
    content: bytes = b""
    location: str | None = None


@dataclass
class _Origin:
    """Politeness state of one origin. ``lock`` makes its requests strictly sequential."""

    key: str
    delay: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    robots_lock: threading.Lock = field(default_factory=threading.Lock)
    last_end: float = float("-inf")  # monotonic time the last response ended
    hold_until: float = 0.0  # set by retries: no request before this (Retry-After concerns the whole origin)
    robots_loaded: bool = False
    robots: urllib.robotparser.RobotFileParser | None = None  # None: everything allowed
    refusal: str | None = None  # set when the whole origin is off limits this run


Resolver = Callable[[str, int], Iterable[str]]


def _system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def _is_private(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return (not ip.is_global or ip.is_private or ip.is_loopback or ip.is_link_local
            or ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def _embedded_ipv4(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64), which is where it goes."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in ipaddress.ip_network("64:ff9b::/96"):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    return True


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def _charset(content_type: str | None) -> str | None:
    for part in (content_type or "").split(";")[1:]:
        name, _, value = part.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'").lower()
    return None


def _type_allowed(kind: str, media_type: str) -> bool:
    if not media_type or kind == "robots":
        return True
    if kind == "page":
        return media_type in _PAGE_TYPES
    return media_type.startswith("text/") or media_type.endswith("+xml") or media_type in _XML_EXTRA_TYPES


def _crawl_delay(text: str, agent_token: str) -> float | None:
    """Crawl-delay for our agent (else ``*``); parsed here because robotparser reads whole seconds only."""
    delays: dict[str, float] = {}
    agents: list[str] = []
    in_rules = False
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "user-agent":
            if in_rules:
                agents, in_rules = [], False
            agents.append(value.lower())
        elif name == "crawl-delay":
            in_rules = True
            try:
                seconds = float(value)
            except ValueError:
                continue
            for agent in agents:
                delays.setdefault(agent, seconds)
        elif name:
            in_rules = True
    for agent, seconds in delays.items():
        if agent != "*" and agent in agent_token:
            return seconds
    return delays.get("*")


class _Decoder:
    """Undo a Content-Encoding without ever holding more than ``limit`` + 1 decoded bytes."""

    def __init__(self, encoding: str | None, limit: int) -> None:
        self.encoding = (encoding or "identity").strip().lower()
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0
        self.pending = b""  # the first byte of what may be the next gzip member
        self.finished = False
        self.z: zlib._Decompress | None = None
        if self.encoding in ("gzip", "x-gzip"):
            self.z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self.encoding == "deflate":
            self.z = None  # zlib-wrapped or raw: decided on the first bytes
        elif self.encoding not in ("identity", ""):
            raise _Final(f"content encoding {self.encoding!r} is not supported")

    def _keep(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise _Final(f"decompressed body larger than {self.limit} bytes")
        self.parts.append(data)

    def feed(self, data: bytes) -> None:
        if self.encoding == "deflate" and self.z is None and data:
            # Servers send both; a zlib header has a method nibble 8 and a checksum.
            wrapped = len(data) >= 2 and data[0] & 0x0F == 8 and ((data[0] << 8) | data[1]) % 31 == 0
            self.z = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        if self.z is None:
            self._keep(data)
            return
        if self.finished:
            return
        data, self.pending = self.pending + data, b""
        try:
            while data:
                if self.z.eof:  # bytes after a complete stream: another gzip member, or garbage
                    if self.encoding == "deflate" or (len(data) >= 2 and not data.startswith(_GZIP_MAGIC)):
                        self.finished = True  # trailing garbage: ignored, as browsers do
                        return
                    if len(data) < 2:
                        self.pending = data
                        return
                    self.z = zlib.decompressobj(16 + zlib.MAX_WBITS)
                self._keep(self.z.decompress(data, self.limit - self.size + 1))
                data = self.z.unused_data if self.z.eof else self.z.unconsumed_tail
        except zlib.error as error:
            raise _Final(f"cannot decode the {self.encoding} body ({error})") from error

    def finish(self) -> bytes:
        if self.z is not None:
            try:
                self._keep(self.z.flush(self.limit - self.size + 1))
            except zlib.error as error:
                raise _Final(f"cannot decode the {self.encoding} body ({error})") from error
        return b"".join(self.parts)


def _gunzip(data: bytes, limit: int) -> bytes:
    decoder = _Decoder("gzip", limit)
    decoder.feed(data)
    return decoder.finish()


class Fetcher:
    """Polite, safe HTTP GETs; thread-safe, one instance per crawl.

    Close it (or use it as a context manager) to drop its pooled connections
    and to stop any thread that is waiting for its turn at a host.
    """

    def __init__(self, config: FetchConfig | None = None, *, resolver: Resolver | None = None) -> None:
        self.config = config or FetchConfig()
        self._resolve = resolver or _system_resolver
        self._agent_token = self.config.user_agent.split("/")[0].strip().lower()
        self._origins: dict[str, _Origin] = {}
        self._pools: dict[tuple[str, str, int, str], urllib3.HTTPConnectionPool] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._timeout = urllib3.Timeout(connect=self.config.timeout, read=self.config.timeout)

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Drop pooled connections; fetches waiting for their turn end with a reason."""
        self._closed.set()
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.close()

    # --- public -------------------------------------------------------------------------------

    def fetch(self, url: str, *, kind: str = "page", etag: str | None = None,
              last_modified: str | None = None) -> FetchResult:
        """GET ``url`` politely; never raises for network or HTTP faults (see ``FetchResult.error``)."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        counter = [0]
        hops: list[str] = []
        current = url
        seen = {url.split("#", 1)[0]}
        status: int | None = None
        while True:
            try:
                answer = self._fetch_hop(current, kind, etag, last_modified, counter)
            except _Final as failure:
                return self._failed(url, current, failure.status or status, failure.reason, counter[0], hops)
            status = answer.status
            if answer.location is None:
                return self._result(url, current, answer, kind, counter[0], hops, etag, last_modified)
            target = urljoin(current, answer.location).split("#", 1)[0]
            if target in seen:
                return self._failed(url, target, status, f"redirect loop: {target} was already visited",
                                    counter[0], hops + [current])
            if len(hops) >= self.config.max_redirects:
                return self._failed(url, target, status,
                                    f"too many redirects (more than {self.config.max_redirects})",
                                    counter[0], hops + [current])
            log.debug("%s redirects (%d) to %s", current, status, target)
            seen.add(target)
            hops.append(current)
            current = target

    def check(self, url: str) -> str | None:
        """Why ``url`` would be refused before any page request (scheme, address, robots.txt), or None.

        Reads robots.txt for the origin when it has not been read yet.
        """
        try:
            host, port, _, _ = self._parse(url)
            self._addresses(host, port)
            self._robots_refusal(url)
        except _Final as failure:
            return failure.reason
        return None

    def delay_for(self, url: str) -> float:
        """The seconds kept between requests to this URL's origin (Crawl-delay counted once known)."""
        return self._origin(origin_of(url)).delay

    # --- one hop ------------------------------------------------------------------------------

    def _parse(self, url: str) -> tuple[str, int, str, str]:
        try:
            parsed = parse_url(url)
        except LocationParseError as error:
            raise _Final(f"not a valid URL ({error})") from error
        scheme = (parsed.scheme or "").lower()
        if scheme not in ("http", "https"):
            raise _Final(f"refused: only http and https URLs are fetched, not {scheme or 'a bare path'!r}")
        if not parsed.host:
            raise _Final("not a valid URL (no host)")
        port = parsed.port or (443 if scheme == "https" else 80)
        return parsed.host.lower(), port, scheme, parsed.request_uri

    def _origin(self, key: str) -> _Origin:
        with self._lock:
            origin = self._origins.get(key)
            if origin is None:
                origin = self._origins[key] = _Origin(key, self.config.delay)
            return origin

    def _addresses(self, host: str, port: int) -> list[str]:
        """The addresses to connect to, each checked; refuse when any of them is off limits."""
        bare = host.strip("[]")
        if _is_ip_literal(bare):
            addresses = [bare]
        else:
            try:
                addresses = list(self._resolve(bare, port))
            except (OSError, UnicodeError) as error:
                raise _Final(f"cannot resolve host {bare} ({getattr(error, 'strerror', None) or error})") \
                    from error
            if not addresses:
                raise _Final(f"cannot resolve host {bare} (no addresses)")
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%")[0])
            candidates = [ip] + [e for e in [_embedded_ipv4(ip)] if e is not None]
            if any(c in METADATA_ADDRESSES for c in candidates):
                raise _Final(f"refused: cloud metadata address {ip}")
            if not self.config.allow_private and any(_is_private(c) for c in candidates):
                said = "" if bare == address else f"{bare} resolves to "
                raise _Final(f"refused: {said}a private address {ip} (use --allow-private)")
        return addresses

    def _fetch_hop(self, url: str, kind: str, etag: str | None, last_modified: str | None,
                   counter: list[int]) -> _Answer:
        host, port, scheme, target = self._parse(url)
        addresses = self._addresses(host, port)
        if kind != "robots":
            self._robots_refusal(url)
        origin = self._origin(origin_of(url))
        default_port = 443 if scheme == "https" else 80
        headers = {
            "Host": host if port == default_port else f"{host}:{port}",
            "User-Agent": self.config.user_agent,
            "Accept": _ACCEPT[kind],
            "Accept-Encoding": "gzip, deflate",
            "Accept-Language": "id,en;q=0.5",
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        tries = 1 + max(0, self.config.retries)
        last: _Transient | None = None
        for attempt in range(1, tries + 1):
            counter[0] += 1
            try:
                return self._polite_request(origin, scheme, addresses, port, host, target, headers, kind, url)
            except _Transient as failure:
                last = failure
            if attempt == tries:
                break
            wait = self.config.backoff * 2 ** (attempt - 1)
            if last.retry_after is not None:
                if last.retry_after > self.config.retry_after_cap:
                    raise _Final(f"{last.reason}; the server asks to wait {last.retry_after:g} s, more than "
                                 f"the {self.config.retry_after_cap:g} s cap", last.status)
                wait = max(wait, last.retry_after)
            log.debug("%s: %s; try %d of %d in %.2f s", url, last.reason, attempt + 1, tries, wait)
            with origin.lock:  # the whole origin waits: Retry-After and a struggling server concern all
                origin.hold_until = max(origin.hold_until, time.monotonic() + wait)
        assert last is not None
        raise _Final(f"{last.reason} after {tries} {'try' if tries == 1 else 'tries'}", last.status)

    def _polite_request(self, origin: _Origin, scheme: str, addresses: list[str], port: int, host: str,
                        target: str, headers: dict[str, str], kind: str, url: str) -> _Answer:
        with origin.lock:
            # The delay is read at each turn: robots.txt may have raised it since the last request.
            while (wait := max(origin.last_end + origin.delay, origin.hold_until) - time.monotonic()) > 0:
                if self._closed.wait(wait):
                    raise _Final("stopped: the fetcher was closed")
            if self._closed.is_set():
                raise _Final("stopped: the fetcher was closed")
            try:
                return self._exchange(scheme, addresses, port, host, target, headers, kind, url)
            finally:
                origin.last_end = time.monotonic()

    def _pool(self, scheme: str, address: str, port: int, host: str) -> urllib3.HTTPConnectionPool:
        key = (scheme, address, port, host)
        with self._lock:
            pool = self._pools.get(key)
            if pool is None:
                if scheme == "https":
                    pool = urllib3.HTTPSConnectionPool(
                        address, port, maxsize=2, server_hostname=host.strip("[]"),
                        assert_hostname=host.strip("[]"), cert_reqs="CERT_REQUIRED", ca_certs=_ca_certs())
                else:
                    pool = urllib3.HTTPConnectionPool(address, port, maxsize=2)
                self._pools[key] = pool
            return pool

    def _exchange(self, scheme: str, addresses: list[str], port: int, host: str, target: str,
                  headers: dict[str, str], kind: str, url: str) -> _Answer:
        """One request and its whole (bounded) answer; the caller holds the origin's turn."""
        started = time.monotonic()
        response = None
        cannot_connect: Exception | None = None
        for address in addresses:  # the checked addresses, in the resolver's order
            try:
                response = self._pool(scheme, address, port, host).urlopen(
                    "GET", target, headers=headers, redirect=False, retries=False, preload_content=False,
                    decode_content=False, timeout=self._timeout, assert_same_host=False, release_conn=False)
                break
            except (NewConnectionError, ConnectTimeoutError) as error:
                cannot_connect = error
            except (ReadTimeoutError, TimeoutError) as error:
                log.debug("GET %s -> timed out, %.0f ms", url, (time.monotonic() - started) * 1000)
                raise _Transient("timed out") from error
            except (SSLError, ssl.SSLError) as error:  # a bad certificate stays bad: no retry
                log.debug("GET %s -> TLS failed (%s)", url, error)
                raise _Final(f"TLS failed ({_short(error)})") from error
            except (HTTPError, OSError) as error:
                log.debug("GET %s -> failed (%s)", url, error)
                raise _Transient(f"connection failed ({_short(error)})") from error
        if response is None:
            log.debug("GET %s -> cannot connect (%s)", url, cannot_connect)
            # NewConnectionError subclasses ConnectTimeoutError in urllib3 2, so ask for it first.
            if isinstance(cannot_connect, ConnectTimeoutError) and not isinstance(cannot_connect,
                                                                                 NewConnectionError):
                raise _Transient("timed out connecting")
            raise _Transient(f"cannot connect ({_short(cannot_connect)})")
        status = response.status
        reason = response.reason or _phrase(status)
        answer_headers = {k.lower(): v for k, v in response.headers.items()}
        complete = False
        size = 0
        try:
            if status in _REDIRECTS:
                location = answer_headers.get("location")
                if not location:
                    raise _Final(f"HTTP {status} {reason} without a Location header", status)
                return _Answer(status, reason, answer_headers, location=location)
            if status == 304:
                complete = True  # no body: the connection stays reusable
                return _Answer(status, reason, answer_headers)
            if status in _RETRY_AFTER_STATUSES:
                raise _Transient(f"HTTP {status} {reason}", status,
                                 _parse_retry_after(answer_headers.get("retry-after")))
            if status >= 500:
                raise _Transient(f"HTTP {status} {reason}", status)
            if not 200 <= status < 300:
                raise _Final(f"HTTP {status} {reason}", status)
            content_type = answer_headers.get("content-type")
            if not _type_allowed(kind, _media_type(content_type)):
                raise _Final(f"content type {_media_type(content_type)} is not {_NOUN[kind]}", status)
            content = self._read_body(response, answer_headers, started, status)
            size = len(content)
            complete = True
            if kind in ("sitemap", "feed") and content.startswith(_GZIP_MAGIC):
                content = _gunzip(content, self.config.max_bytes)  # a .xml.gz file, not an encoding
            return _Answer(status, reason, answer_headers, content)
        finally:
            if complete:
                response.release_conn()
            else:  # unread bytes left on the wire: the connection cannot be reused
                response.close()
                response.release_conn()
            log.debug("GET %s -> %d, %d bytes, %.0f ms", url, status, size, (time.monotonic() - started) * 1000)

    def _read_body(self, response: urllib3.HTTPResponse, headers: dict[str, str], started: float,
                   status: int) -> bytes:
        limit = self.config.max_bytes
        declared = headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > limit:
            raise _Final(f"larger than {limit} bytes (Content-Length {declared})", status)
        try:
            decoder = _Decoder(headers.get("content-encoding"), limit)
        except _Final as failure:
            raise _Final(failure.reason, status) from None
        received = 0
        while True:
            if time.monotonic() - started > self.config.deadline:
                raise _Final(f"body still arriving after the {self.config.deadline:g} s deadline", status)
            try:
                chunk = response.read1(_CHUNK, decode_content=False)
            except (ReadTimeoutError, TimeoutError) as error:
                raise _Transient("timed out", status) from error
            except (HTTPError, OSError) as error:
                raise _Transient(f"connection broke while reading ({_short(error)})", status) from error
            if not chunk:
                break
            received += len(chunk)
            if received > limit:
                raise _Final(f"larger than {limit} bytes", status)
            try:
                decoder.feed(chunk)
            except _Final as failure:
                raise _Final(failure.reason, status) from None
        try:
            return decoder.finish()
        except _Final as failure:
            raise _Final(failure.reason, status) from None

    # --- robots.txt ---------------------------------------------------------------------------

    def _robots_refusal(self, url: str) -> None:
        origin = self._origin(origin_of(url))
        self._load_robots(origin)
        if origin.refusal:
            raise _Final(origin.refusal)
        if origin.robots is not None and not origin.robots.can_fetch(self.config.user_agent, url):
            raise _Final("disallowed by robots.txt")

    def _load_robots(self, origin: _Origin) -> None:
        with origin.robots_lock:
            if origin.robots_loaded:
                return
            scheme, rest = origin.key.split("://", 1)
            host, _, port = rest.rpartition(":")
            netloc = host if int(port) == (443 if scheme == "https" else 80) else rest
            robots_url = f"{scheme}://{netloc}/robots.txt"
            result = self.fetch(robots_url, kind="robots")
            delay = self.config.delay
            if result.error is None and result.status is not None and 200 <= result.status < 300:
                text = result.content.decode("utf-8", errors="replace")
                parser = urllib.robotparser.RobotFileParser(robots_url)
                parser.parse(text.splitlines())
                origin.robots = parser
                asked = _crawl_delay(text, self._agent_token)
                rate = parser.request_rate(self.config.user_agent)
                if rate is not None and rate.requests > 0:
                    asked = max(asked or 0.0, rate.seconds / rate.requests)
                if asked is not None and asked > self.config.max_crawl_delay:
                    origin.refusal = (f"robots.txt asks for a Crawl-delay of {asked:g} s, more than the "
                                      f"{self.config.max_crawl_delay:g} s this crawl waits; host skipped")
                elif asked is not None:
                    delay = max(delay, asked)
            elif result.status is not None and 400 <= result.status < 500 and result.status != 429:
                origin.robots = None  # no robots.txt (RFC 9309: 4xx means no rules)
            else:
                # RFC 9309 and the big crawlers: an unreachable robots.txt means stay away.
                origin.refusal = (f"robots.txt unreachable ({result.error}), so the whole host is "
                                  "treated as disallowed this run")
            with origin.lock:
                origin.delay = delay
            origin.robots_loaded = True
            log.debug("robots.txt of %s: delay %.2f s%s", origin.key, delay,
                      f"; {origin.refusal}" if origin.refusal else "")

    # --- results ------------------------------------------------------------------------------

    def _result(self, url: str, final_url: str, answer: _Answer, kind: str, attempts: int,
                hops: list[str], etag: str | None, last_modified: str | None) -> FetchResult:
        content_type = answer.headers.get("content-type")
        not_modified = answer.status == 304
        return FetchResult(
            url=url, final_url=final_url, status=answer.status, content=answer.content,
            content_type=content_type, charset=_charset(content_type),
            etag=answer.headers.get("etag") or (etag if not_modified else None),
            last_modified=answer.headers.get("last-modified") or (last_modified if not_modified else None),
            fetched_at=_now(), not_modified=not_modified, error=None, attempts=attempts,
            redirects=tuple(hops))

    @staticmethod
    def _failed(url: str, final_url: str, status: int | None, reason: str, attempts: int,
                hops: list[str]) -> FetchResult:
        return FetchResult(url=url, final_url=final_url, status=status, content=b"", content_type=None,
                           charset=None, etag=None, last_modified=None, fetched_at=_now(), error=reason,
                           attempts=attempts, redirects=tuple(hops))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def _short(error: object) -> str:
    """The innermost useful words of a urllib3 error (they nest the socket error several deep)."""
    text = str(error)
    for marker in ("Errno", "Connection refused", "Connection reset", "Remote end closed"):
        index = text.find(marker)
        if index > 0:  # cut out of a nested repr: drop the closing brackets and quotes too
            text = text[index - 1 if text[index - 1] == "[" else index:].rstrip(")'\"")
            break
    return text[:160]


_CA_CERTS: list[str | None] = []


def _ca_certs() -> str | None:
    """certifi's bundle when installed (trafilatura brings it), else the system's."""
    if not _CA_CERTS:
        try:
            import certifi

            _CA_CERTS.append(certifi.where())
        except ImportError:
            _CA_CERTS.append(None)
    return _CA_CERTS[0]


# --- the one-page wrapper for ``ingest URL`` ------------------------------------------------------

_SHARED: dict[tuple[int, float, bool], Fetcher] = {}
_SHARED_LOCK = threading.Lock()


def _shared_fetcher(max_bytes: int, timeout: float, allow_private: bool) -> Fetcher:
    """One Fetcher per setting and process, so politeness holds across many ``ingest URL`` calls."""
    key = (max_bytes, timeout, allow_private)
    with _SHARED_LOCK:
        fetcher = _SHARED.get(key)
        if fetcher is None:
            fetcher = _SHARED[key] = Fetcher(FetchConfig(max_bytes=max_bytes, timeout=timeout,
                                                         allow_private=allow_private))
        return fetcher


@atexit.register
def _close_shared() -> None:
    with _SHARED_LOCK:
        for fetcher in _SHARED.values():
            fetcher.close()
        _SHARED.clear()


def fetch_page(url: str, *, max_bytes: int = DEFAULT_MAX_BYTES, timeout: float = DEFAULT_TIMEOUT,
               allow_private: bool = False, fetcher: Fetcher | None = None) -> Page:
    """GET one web page politely; raise UnreadableInput with the reason when it cannot be had.

    Pass ``fetcher`` to use a crawl's configured Fetcher (its limits then apply
    instead of ``max_bytes``, ``timeout`` and ``allow_private``).
    """
    fetcher = fetcher or _shared_fetcher(max_bytes, timeout, allow_private)
    result = fetcher.fetch(url, kind="page")
    if result.error is not None:
        raise UnreadableInput(f"{url}: {result.error}")
    return Page(url=result.final_url, content=result.content, content_type=result.content_type,
                status=result.status or 200, fetched_at=result.fetched_at)
