"""The HTTP layer against a real generated site on 127.0.0.1: faults, politeness, safety, limits.

Times are shrunk (delays of 0.05-0.3 s, backoff 0.05 s, timeouts under 1 s) so
the file runs in seconds; the server's request log is the witness for
politeness (who asked what, when).
"""

from __future__ import annotations

import gzip
import itertools
import time
import tracemalloc
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from extractor.errors import UnreadableInput
from extractor.fetch import DEFAULT_USER_AGENT, FetchConfig, Fetcher, _Decoder, fetch_page, origin_of
from extractor.models import Page
from tests.httpsite import FAULTS, NewsSite, gzip_bomb

FAST = FetchConfig(delay=0.05, timeout=0.5, deadline=1.0, retries=1, backoff=0.05, retry_after_cap=10,
                   allow_private=True)


@pytest.fixture(scope="module")
def site():
    with NewsSite(articles=12, slow_seconds=2.0) as running:
        yield running


@pytest.fixture(scope="module")
def fetcher():
    with Fetcher(FAST) as shared:
        yield shared


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(times)]


# --- faults: each ends in its reason ---------------------------------------------------------------

@pytest.mark.parametrize(("fault", "kind", "reason"), [
    ("not_found", "page", "HTTP 404 Not Found"),
    ("redirect_loop", "page", "redirect loop"),
    ("redirect_chain", "page", "too many redirects (more than 5)"),
    ("slow", "page", "timed out after 2 tries"),
    ("drip", "page", "body still arriving after the 1 s deadline"),
    ("huge", "page", "larger than 5000000 bytes"),
    ("endless", "page", "larger than 5000000 bytes"),
    ("gzip_bomb", "page", "decompressed body larger than 5000000 bytes"),
    ("metadata_redirect", "page", "refused: cloud metadata address 169.254.169.254"),
    ("image", "page", "content type image/png is not a web page"),
    ("private", "page", "disallowed by robots.txt"),
    ("retry_after_long", "page", "asks to wait 3600 s, more than the 10 s cap"),
], ids=lambda value: value if isinstance(value, str) and value in FAULTS else None)
def test_fault_ends_in_its_reason(site: NewsSite, fetcher: Fetcher, fault: str, kind: str, reason: str) -> None:
    result = fetcher.fetch(site.fault_urls[fault], kind=kind)
    assert result.error is not None and reason in result.error
    assert not result.ok
    assert result.content == b""


def test_robots_disallowed_path_is_never_requested(site: NewsSite, fetcher: Fetcher) -> None:
    assert fetcher.fetch(site.fault_urls["private"]).error == "disallowed by robots.txt"
    assert fetcher.check(site.fault_urls["private"]) == "disallowed by robots.txt"
    assert fetcher.check(site.article_urls[0]) is None
    assert site.requests_to(FAULTS["private"]) == []
    assert len(site.requests_to("/robots.txt")) == 1


def test_metadata_redirect_stops_before_the_metadata_host(site: NewsSite, fetcher: Fetcher) -> None:
    result = fetcher.fetch(site.fault_urls["metadata_redirect"])
    assert result.final_url == "http://169.254.169.254/latest/meta-data/"
    assert result.status == 302 and result.attempts == 1
    assert result.redirects == (site.fault_urls["metadata_redirect"],)


def test_feed_that_is_not_xml_is_handed_over_for_discovery_to_judge(site: NewsSite, fetcher: Fetcher) -> None:
    result = fetcher.fetch(site.fault_urls["not_xml_feed"], kind="feed")
    assert result.ok and result.content.startswith(b"<!DOCTYPE html>")


def test_windows_1252_page_declared_utf8_comes_as_its_bytes(site: NewsSite, fetcher: Fetcher) -> None:
    result = fetcher.fetch(site.fault_urls["cp1252"])
    assert result.ok and result.charset == "utf-8"
    assert b"\x93Kami" in result.content  # a curly quote in windows-1252
    with pytest.raises(UnicodeDecodeError):
        result.content.decode("utf-8")


def test_500_then_200_recovers_on_retry(site: NewsSite, fetcher: Fetcher) -> None:
    result = fetcher.fetch(site.url(FAULTS["flaky"] + "-a"))
    assert result.ok and result.status == 200 and result.attempts == 2
    assert [r.status for r in site.requests_to(FAULTS["flaky"] + "-a")] == [500, 200]


def test_500_every_time_gives_up_with_the_status(fetcher: Fetcher) -> None:
    with NewsSite(articles=1, flaky_failures=10) as flaky:
        result = fetcher.fetch(flaky.url(FAULTS["flaky"]))
    assert result.error == "HTTP 500 Internal Server Error after 2 tries"
    assert result.status == 500 and result.attempts == 2


@pytest.mark.parametrize(("fault", "status", "at_least"), [
    ("rate_limited", 429, 1.0),  # Retry-After: 1
    ("unavailable", 503, 0.9),  # Retry-After as an HTTP date two seconds ahead, rounded to whole seconds
], ids=["429-seconds", "503-http-date"])
def test_retry_after_is_waited(site: NewsSite, fetcher: Fetcher, fault: str, status: int, at_least: float) -> None:
    result = fetcher.fetch(site.fault_urls[fault])
    assert result.ok and result.attempts == 2
    log = site.requests_to(FAULTS[fault])
    assert [r.status for r in log] == [status, 200]
    assert log[1].time - log[0].time >= at_least


def test_redirect_is_followed_and_recorded(site: NewsSite, fetcher: Fetcher) -> None:
    result = fetcher.fetch(site.url("/go/3"))
    assert result.ok and result.final_url == site.article_urls[3]
    assert result.url == site.url("/go/3") and result.redirects == (site.url("/go/3"),)


def test_conditional_get_gives_not_modified(site: NewsSite, fetcher: Fetcher) -> None:
    url = site.article_urls[5]
    first = fetcher.fetch(url)
    assert first.ok and first.etag and first.last_modified and first.content_type == "text/html; charset=utf-8"
    by_etag = fetcher.fetch(url, etag=first.etag)
    by_date = fetcher.fetch(url, last_modified=first.last_modified)
    for again in (by_etag, by_date):
        assert again.not_modified and again.status == 304 and again.error is None and not again.ok
        assert again.content == b"" and again.etag == first.etag
    assert [r.conditional for r in site.requests_to(site.articles[5].path)] == [False, True, True]


def test_user_agent_and_host_header_are_sent(site: NewsSite, fetcher: Fetcher) -> None:
    fetcher.fetch(site.article_urls[0])
    last = site.requests_to(site.articles[0].path)[-1]
    assert last.user_agent == DEFAULT_USER_AGENT and last.host == site.host


@pytest.mark.parametrize("path", ["/sitemap.xml", "/sitemap-news.xml", "/feed/daerah.xml", "/feed/nasional.atom"])
def test_feeds_and_sitemaps_are_xml(site: NewsSite, fetcher: Fetcher, path: str) -> None:
    result = fetcher.fetch(site.url(path), kind="sitemap" if "sitemap" in path else "feed")
    assert result.ok and result.content.startswith(b"<?xml")


def test_gzipped_sitemap_file_is_unpacked(fetcher: Fetcher) -> None:
    with NewsSite(articles=3, gzip_sitemap=True) as packed:
        result = fetcher.fetch(packed.plain_sitemap_url, kind="sitemap")
    assert result.ok and result.content_type == "application/gzip"
    assert result.content.startswith(b"<?xml") and result.content.count(b"<loc>") == 3


# --- limits: quick and bounded ---------------------------------------------------------------------

@pytest.mark.parametrize("fault", ["huge", "endless", "gzip_bomb"])
def test_big_bodies_stop_at_the_limit_quickly_in_bounded_memory(site: NewsSite, fault: str) -> None:
    limit = 1_000_000
    with Fetcher(replace(FAST, max_bytes=limit)) as small:
        small.fetch(site.robots_url, kind="robots")
        gzip_bomb(site.bomb_bytes)  # built once by the server; not the fetcher's memory
        tracemalloc.start()
        started = time.monotonic()
        result = small.fetch(site.fault_urls[fault])
        took = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert result.error is not None and f"larger than {limit} bytes" in result.error
    assert took < 2.0
    assert peak < 4 * limit, f"{peak} bytes at peak"


@pytest.mark.parametrize(("encoding", "encode"), [
    ("gzip", gzip.compress),
    ("x-gzip", lambda data: gzip.compress(data[:500]) + gzip.compress(data[500:])),  # two members
    ("deflate", zlib.compress),
    ("deflate", lambda data: zlib.compress(data, wbits=-15)),  # raw deflate, as some servers send
    ("identity", lambda data: data),
], ids=["gzip", "gzip-two-members", "deflate-zlib", "deflate-raw", "identity"])
def test_decoder_undoes_each_encoding_in_small_chunks(encoding: str, encode) -> None:  # type: ignore[no-untyped-def]
    data = ("Perekaman KTP-el di kecamatan. " * 200).encode()
    encoded = encode(data)
    decoder = _Decoder(encoding, len(data))
    for start in range(0, len(encoded), 7):
        decoder.feed(encoded[start:start + 7])
    assert decoder.finish() == data


def test_decoder_reads_gzip_members_split_at_chunk_ends() -> None:
    decoder = _Decoder("gzip", 100)
    for chunk in (gzip.compress(b"satu "), gzip.compress(b"dua")[:1], gzip.compress(b"dua")[1:], b"\0\0junk"):
        decoder.feed(chunk)
    assert decoder.finish() == b"satu dua"


def test_unknown_content_encoding_is_a_reason() -> None:
    with pytest.raises(Exception, match="content encoding 'br' is not supported"):
        _Decoder("br", 100)


# --- politeness ------------------------------------------------------------------------------------

def test_one_host_sequential_with_delay_and_hosts_in_parallel() -> None:
    delay = 0.2
    with NewsSite(articles=8, seed=1) as one, NewsSite(articles=8, seed=2) as two, \
            Fetcher(replace(FAST, delay=delay)) as polite:
        urls = [u for pair in zip(one.article_urls, two.article_urls, strict=True) for u in pair]
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(polite.fetch, urls))
        took = time.monotonic() - started
        logs = {site.host: site.log for site in (one, two)}
    assert all(r.ok for r in results)
    for host, log in logs.items():
        assert [r.path for r in log].count("/robots.txt") == 1 and log[0].path == "/robots.txt"
        assert {r.host for r in log} == {host}
        assert min(gaps([r.time for r in log])) >= delay, host  # 9 requests, 8 gaps, none short
    spans = [(log[0].time, log[-1].time) for log in logs.values()]
    assert max(s for s, _ in spans) < min(e for _, e in spans)  # the two hosts overlap in time
    assert took < 0.75 * 2 * 9 * delay  # clearly less than one host after the other


def test_crawl_delay_in_robots_raises_the_host_delay() -> None:
    with NewsSite(articles=3, crawl_delay=0.4) as slow_site, Fetcher(FAST) as polite:
        assert polite.delay_for(slow_site.article_urls[0]) == FAST.delay  # robots.txt not read yet
        results = [polite.fetch(url) for url in slow_site.article_urls]
        assert polite.delay_for(slow_site.article_urls[0]) == 0.4
        times = [r.time for r in slow_site.log]
    assert all(r.ok for r in results)
    assert len(times) == 4 and min(gaps(times)) >= 0.4


def test_crawl_delay_beyond_the_maximum_skips_the_host() -> None:
    with NewsSite(articles=1, crawl_delay=3600) as greedy, Fetcher(FAST) as polite:
        result = polite.fetch(greedy.article_urls[0])
        paths = [r.path for r in greedy.log]
    assert result.error is not None and "Crawl-delay of 3600 s" in result.error
    assert paths == ["/robots.txt"]


@pytest.mark.parametrize(("status", "reason"), [
    (404, None),  # no robots.txt: everything allowed
    (410, None),
    (500, "robots.txt unreachable (HTTP 500 Internal Server Error after 2 tries)"),
    (503, "robots.txt unreachable (HTTP 503 Service Unavailable after 2 tries)"),
], ids=["404-allows", "410-allows", "500-disallows", "503-disallows"])
def test_robots_txt_status_decides(status: int, reason: str | None) -> None:
    with NewsSite(articles=1, robots_status=status) as odd, Fetcher(replace(FAST, backoff=0.01)) as polite:
        result = polite.fetch(odd.article_urls[0])
        again = polite.fetch(odd.article_urls[0])
        paths = [r.path for r in odd.log]
    for outcome in (result, again):
        assert outcome.error == reason if reason is None else outcome.error.startswith(reason)
    assert paths.count("/robots.txt") == (1 if reason is None else 2)  # a retry on 5xx; once per run
    assert (odd.articles[0].path in paths) == (reason is None)


# --- safety ------------------------------------------------------------------------------------------

def test_private_address_refused_by_default_and_accepted_when_allowed(site: NewsSite) -> None:
    before = len(site.log)
    with Fetcher(replace(FAST, allow_private=False)) as strict:
        refused = strict.fetch(site.article_urls[0])
    with Fetcher(FAST) as lenient:
        accepted = lenient.fetch(site.article_urls[0].replace("127.0.0.1", "localhost"))
    assert refused.error == "refused: a private address 127.0.0.1 (use --allow-private)"
    assert refused.attempts == 0 and refused.status is None
    assert accepted.ok
    assert [r.host for r in site.log[before:]] == [f"localhost:{site.port}"] * 2  # robots.txt, page


def fake_resolver(host: str, port: int) -> list[str]:
    return {"intranet.example": ["93.184.215.14", "10.0.0.5"], "metadata.example": ["169.254.169.254"],
            "v6meta.example": ["fd00:ec2::254"]}[host]


@pytest.mark.parametrize(("url", "allow_private", "reason"), [
    ("http://intranet.example/", False,
     "refused: intranet.example resolves to a private address 10.0.0.5 (use --allow-private)"),
    ("http://10.1.2.3/", False, "refused: a private address 10.1.2.3"),
    ("http://[::1]:8080/", False, "refused: a private address ::1"),
    ("http://[fe80::1]/", False, "refused: a private address fe80::1"),
    ("http://[::ffff:192.168.1.1]/", False, "refused: a private address ::ffff:c0a8:101"),
    ("http://0.0.0.0/", False, "refused: a private address 0.0.0.0"),
    ("http://224.0.0.1/", False, "refused: a private address 224.0.0.1"),
    ("http://100.64.0.1/", False, "refused: a private address 100.64.0.1"),
    ("http://169.254.169.254/latest/meta-data/", True, "refused: cloud metadata address 169.254.169.254"),
    ("http://[fd00:ec2::254]/", True, "refused: cloud metadata address fd00:ec2::254"),
    ("http://[::ffff:169.254.169.254]/", True, "refused: cloud metadata address ::ffff:a9fe:a9fe"),
    ("http://metadata.example/computeMetadata/v1/", True, "refused: cloud metadata address 169.254.169.254"),
    ("http://v6meta.example/", True, "refused: cloud metadata address fd00:ec2::254"),
    ("ftp://example.org/file", True, "refused: only http and https URLs are fetched, not 'ftp'"),
    ("file:///etc/passwd", True, "refused: only http and https URLs are fetched, not 'file'"),
    ("javascript:alert(1)", True, "refused: only http and https URLs are fetched"),
], ids=["resolves-private", "ten", "ipv6-loopback", "ipv6-link-local", "mapped-private", "unspecified",
        "multicast", "cgnat", "metadata", "metadata-ipv6", "metadata-mapped", "metadata-by-name",
        "metadata-v6-by-name", "ftp", "file", "javascript"])
def test_refused_before_any_connection(url: str, allow_private: bool, reason: str) -> None:
    with Fetcher(replace(FAST, allow_private=allow_private), resolver=fake_resolver) as guarded:
        result = guarded.fetch(url)
        assert guarded.check(url) == result.error
    assert result.error is not None and result.error.startswith(reason)
    assert result.attempts == 0


def test_origin_of() -> None:
    assert origin_of("https://Berita.Example/a?b") == "https://berita.example:443"
    assert origin_of("http://127.0.0.1:8080/x") == "http://127.0.0.1:8080"


# --- fetch_page, the wrapper ingest uses ---------------------------------------------------------

def test_fetch_page_raises_unreadable_input_with_the_reason(site: NewsSite, fetcher: Fetcher) -> None:
    url = site.article_urls[0]
    with pytest.raises(UnreadableInput, match=r"private address 127\.0\.0\.1 \(use --allow-private\)"):
        fetch_page(url)
    with pytest.raises(UnreadableInput, match="HTTP 404 Not Found"):
        fetch_page(site.fault_urls["not_found"], fetcher=fetcher)
    page = fetch_page(site.url("/go/1"), fetcher=fetcher)
    assert isinstance(page, Page) and page.url == site.article_urls[1] and page.status == 200
    assert page.content.startswith(b"<!DOCTYPE html>")


def test_fetch_page_with_allow_private(site: NewsSite) -> None:
    page = fetch_page(site.article_urls[2], allow_private=True, timeout=2)
    assert page.url == site.article_urls[2]
