"""Feeds and sitemaps → article URLs: formats, dates, refusals and the safety of the parsers.

Every feed and sitemap here is written for the test; a guard makes any socket
connection during a test fail, so "no network" is checked, not assumed.
"""

from __future__ import annotations

import gzip
import logging
import socket
import zlib
from datetime import date

import pytest

import extractor.discover as discover
from extractor.discover import DiscoveredUrl, DiscoveryError, Sitemap, filter_since, parse_feed, parse_sitemap
from extractor.errors import ExtractorError

FEED_URL = "https://berita.contoh.id/feed"
SITEMAP_URL = "https://berita.contoh.id/sitemap.xml"


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def rss(items: str, extra_ns: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<rss version="2.0"{extra_ns}><channel><title>Berita Contoh</title>'
        f"<link>https://berita.contoh.id/</link><description>d</description>{items}</channel></rss>"
    ).encode()


ITEM = (
    "<item><title>Disdukcapil Buka Layanan Malam</title>"
    "<link>https://berita.contoh.id/read/1/disdukcapil-buka-layanan?utm_source=rss</link>"
    "<pubDate>Mon, 04 Nov 2024 06:00:00 +0700</pubDate></item>"
)


# --------------------------------------------------------------------------- feeds


def test_rss2_items_with_titles_dates_and_canonical_urls():
    items = ITEM + (
        "<item><title>Relatif</title><link>/read/2/relatif</link></item>"
        "<item><title>Tanpa tautan</title><description>x</description></item>"
        "<item><title>Permalink</title><guid isPermaLink='true'>https://berita.contoh.id/read/3</guid></item>"
        "<item><title>Bukan web</title><link>ftp://berita.contoh.id/file</link></item>"
        + ITEM  # the same item twice: listed once
    )
    found = parse_feed(rss(items), FEED_URL)
    assert found == [
        DiscoveredUrl(
            url="https://berita.contoh.id/read/1/disdukcapil-buka-layanan",
            source=FEED_URL,
            title="Disdukcapil Buka Layanan Malam",
            published="2024-11-04T06:00:00+07:00",
            found_as="https://berita.contoh.id/read/1/disdukcapil-buka-layanan?utm_source=rss",
        ),
        DiscoveredUrl(url="https://berita.contoh.id/read/2/relatif", source=FEED_URL, title="Relatif"),
        DiscoveredUrl(url="https://berita.contoh.id/read/3", source=FEED_URL, title="Permalink"),
    ]


def test_items_without_link_or_not_http_are_logged_at_debug(caplog):
    items = "<item><title>a</title></item><item><title>b</title><link>mailto:r@contoh.id</link></item>"
    with caplog.at_level(logging.DEBUG, logger="extractor.discover"):
        assert parse_feed(rss(items), FEED_URL) == []
    assert "has no link" in caplog.text and "not an http(s) URL" in caplog.text and FEED_URL in caplog.text


def test_rss1_rdf():
    content = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://berita.contoh.id/"><title>C</title><link>https://berita.contoh.id/</link></channel>
  <item rdf:about="https://berita.contoh.id/read/9"><title>Sembilan</title>
    <link>https://berita.contoh.id/read/9</link><dc:date>2024-11-05T08:30:00+08:00</dc:date></item>
</rdf:RDF>"""
    assert parse_feed(content, FEED_URL) == [
        DiscoveredUrl("https://berita.contoh.id/read/9", FEED_URL, "Sembilan", "2024-11-05T08:30:00+08:00")
    ]


def test_atom_with_xml_base_and_html_title():
    content = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://berita.contoh.id/daerah/">
  <title>C</title><id>urn:c</id><updated>2024-11-05T00:00:00Z</updated>
  <entry><title type="html">&lt;b&gt;KIA&lt;/b&gt; untuk   anak</title><id>urn:1</id>
    <link rel="edit" href="/edit/1"/><link rel="alternate" href="kia/1"/>
    <updated>2024-11-05T07:00:00+07:00</updated></entry>
  <entry><title>Terbit</title><id>urn:2</id><link href="https://berita.contoh.id/kia/2"/>
    <published>2024-11-03</published><updated>2024-11-06T00:00:00Z</updated></entry>
</feed>"""
    found = parse_feed(content, FEED_URL)
    assert [(f.url, f.title, f.published) for f in found] == [
        ("https://berita.contoh.id/daerah/kia/1", "KIA untuk anak", "2024-11-05T07:00:00+07:00"),
        ("https://berita.contoh.id/kia/2", "Terbit", "2024-11-03"),
    ]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        pytest.param("Mon, 04 Nov 2024 06:00:00 +0700", "2024-11-04T06:00:00+07:00", id="rfc822-offset-kept"),
        pytest.param("Mon, 04 Nov 2024 23:30:00 GMT", "2024-11-04T23:30:00+00:00", id="gmt"),
        pytest.param("Senin, 04 Okt 2024 06:00:00 +0700", "2024-10-04T06:00:00+07:00", id="indonesian-month"),
        pytest.param("Rabu, 25 Des 2024 10:00:00 WIB", "2024-12-25T10:00:00+07:00", id="wib"),
        pytest.param("Kamis, 1 Mei 2025 09:15:00 WITA", "2025-05-01T09:15:00+08:00", id="wita"),
        pytest.param("2024-11-04T06:00:00+07:00", "2024-11-04T06:00:00+07:00", id="iso"),
        pytest.param("kemarin sore", None, id="unreadable"),
        pytest.param("Mon, 04 Nov 1899 06:00:00 +0700", None, id="implausible"),
    ],
)
def test_feed_dates(written, expected):
    item = f"<item><title>t</title><link>https://berita.contoh.id/a</link><pubDate>{written}</pubDate></item>"
    assert parse_feed(rss(item), FEED_URL)[0].published == expected


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        pytest.param(b"<!DOCTYPE html><html><head><title>x</title></head><body>Beranda</body></html>",
                     "not a feed (HTML page, no items)", id="html"),
        pytest.param(b"  <html><body><p>x</p></body></html>", "not a feed (HTML page", id="html-no-doctype"),
        pytest.param(b'{"items": []}', "not a feed", id="json"),
        pytest.param(b"", "not a feed (empty response)", id="empty"),
        pytest.param(b"<rss><channel><item><title>x</chan", "not a feed", id="truncated"),
    ],
)  # fmt: skip
def test_not_a_feed_is_a_named_error(content, reason):
    with pytest.raises(DiscoveryError) as caught:
        parse_feed(content, FEED_URL)
    assert str(caught.value).startswith(f"{FEED_URL}: {reason}")
    assert isinstance(caught.value, ExtractorError)


def test_a_feed_without_items_is_empty_not_an_error():
    assert parse_feed(rss(""), FEED_URL) == []


def test_feed_bytes_are_never_taken_for_a_file_name(tmp_path):
    secret = tmp_path / "feed.xml"
    secret.write_bytes(rss(ITEM))
    with pytest.raises(DiscoveryError):
        parse_feed(str(secret).encode(), FEED_URL)


def test_feed_with_external_entities_fetches_nothing(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("RAHASIA", encoding="utf-8")
    content = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file://{secret}">'
        '<!ENTITY y SYSTEM "http://169.254.169.254/latest/meta-data/">]>'
        '<rss version="2.0"><channel><title>&x;&y;</title><item><title>&x;</title>'
        "<link>https://berita.contoh.id/a</link></item></channel></rss>"
    ).encode()
    found = parse_feed(content, FEED_URL)
    assert all("RAHASIA" not in (f.title or "") + f.url for f in found)


def test_gzipped_feed():
    assert parse_feed(gzip.compress(rss(ITEM)), FEED_URL)[0].title == "Disdukcapil Buka Layanan Malam"


# --------------------------------------------------------------------------- sitemaps


NEWS_SITEMAP = """\ufeff
  <?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url>
    <loc>
      https://berita.contoh.id/read/10/rekam-ktp-el?amp=1
    </loc>
    <lastmod>2024-11-05T10:00:00+07:00</lastmod>
    <news:news>
      <news:publication><news:name>Contoh</news:name><news:language>id</news:language></news:publication>
      <news:publication_date>2024-11-04T06:00:00+07:00</news:publication_date>
      <news:title>Warga Antre Rekam KTP-el</news:title>
    </news:news>
  </url>
  <url><loc>https://berita.contoh.id/read/11</loc><lastmod>2024-10-01</lastmod></url>
  <url><loc>javascript:alert(1)</loc></url>
  <url><lastmod>2024-10-01</lastmod></url>
</urlset>
"""


def test_news_sitemap_with_bom_and_whitespace():
    found = parse_sitemap(NEWS_SITEMAP.encode("utf-8"), SITEMAP_URL)
    assert found.sitemaps == []
    assert found.urls == [
        DiscoveredUrl(
            url="https://berita.contoh.id/read/10/rekam-ktp-el",
            source=SITEMAP_URL,
            title="Warga Antre Rekam KTP-el",
            published="2024-11-04T06:00:00+07:00",
            lastmod="2024-11-05T10:00:00+07:00",
            found_as="https://berita.contoh.id/read/10/rekam-ktp-el?amp=1",
        ),
        DiscoveredUrl(url="https://berita.contoh.id/read/11", source=SITEMAP_URL, lastmod="2024-10-01"),
    ]


INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://berita.contoh.id/sitemap-2024-10.xml</loc><lastmod>2024-10-31</lastmod></sitemap>
  <sitemap><loc>/sitemap-2024-11.xml.gz</loc><lastmod>2024-11-05T01:00:00Z</lastmod></sitemap>
  <sitemap><loc>/sitemap-news.xml</loc></sitemap>
  <sitemap><loc>/sitemap-news.xml</loc></sitemap>
</sitemapindex>"""


def test_sitemap_index_and_children_since():
    found = parse_sitemap(INDEX, SITEMAP_URL)
    assert found.urls == []
    assert found.sitemaps == [
        "https://berita.contoh.id/sitemap-2024-10.xml",
        "https://berita.contoh.id/sitemap-2024-11.xml.gz",
        "https://berita.contoh.id/sitemap-news.xml",
    ]
    assert found.sitemaps_since(date(2024, 11, 1)) == found.sitemaps[1:]
    assert found.sitemaps_since(None) == found.sitemaps


def test_gzipped_sitemap_detected_by_magic():
    assert parse_sitemap(gzip.compress(INDEX), SITEMAP_URL).sitemaps[0].endswith("2024-10.xml")


def test_gzip_bomb_stops_at_the_limit(monkeypatch):
    monkeypatch.setattr(discover, "MAX_DECOMPRESSED_BYTES", 1024 * 1024)
    bomb = zlib.compressobj(9, zlib.DEFLATED, 31)
    data = bomb.compress(b"<urlset>" + b" " * (5 * 1024 * 1024)) + bomb.flush()
    with pytest.raises(DiscoveryError, match="larger than 1 MB once decompressed"):
        parse_sitemap(data, SITEMAP_URL)


def test_real_size_gzip_bomb_is_refused():
    bomb = zlib.compressobj(1, zlib.DEFLATED, 31)
    data = bomb.compress(bytes(51 * 1024 * 1024)) + bomb.flush()
    with pytest.raises(DiscoveryError, match="larger than 50 MB"):
        parse_sitemap(data, SITEMAP_URL)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        pytest.param(
            b"<urlset><url><loc>https://a.id/x</url></urlset>", "not a sitemap (broken XML: ", id="broken"
        ),
        pytest.param(b"<!doctype html><html><body>404</body></html>", "not a sitemap (HTML page)", id="html"),
        pytest.param(b"<?xml version='1.0'?><kml><x/></kml>", "not a sitemap (root element <kml>)", id="root"),
        pytest.param(b"   \n", "not a sitemap (empty response)", id="empty"),
        pytest.param(b"Halaman tidak ditemukan", "not a sitemap (neither XML nor a list of URLs)", id="text"),
        pytest.param(b"\x1f\x8bnot gzip at all", "broken gzip data", id="bad-gzip"),
        pytest.param(gzip.compress(INDEX)[:-30], "truncated gzip data", id="truncated-gzip"),
    ],
)
def test_unreadable_sitemaps_say_why(content, reason):
    with pytest.raises(DiscoveryError) as caught:
        parse_sitemap(content, SITEMAP_URL)
    assert str(caught.value).startswith(f"{SITEMAP_URL}: {reason}")


def test_bare_ampersands_in_locs_are_tolerated():
    content = b"<urlset><url><loc>https://berita.contoh.id/baca.php?id=5&hal=2</loc></url></urlset>"
    assert parse_sitemap(content, SITEMAP_URL).urls[0].url == "https://berita.contoh.id/baca.php?hal=2&id=5"


def test_no_namespace_and_outdated_namespace_still_read():
    old = (
        b'<urlset xmlns="http://www.google.com/schemas/sitemap/0.84"><url><loc>https://a.id/1</loc></url></urlset>'
    )
    assert [u.url for u in parse_sitemap(old, SITEMAP_URL).urls] == ["https://a.id/1"]


def test_entity_bomb_is_refused():
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    content = (
        f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY l0 "ha">{laughs}]>'
        "<urlset><url><loc>https://a.id/&l9;</loc></url></urlset>"
    ).encode()
    with pytest.raises(DiscoveryError, match="broken XML"):
        parse_sitemap(content, SITEMAP_URL)


def test_external_entities_are_not_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("RAHASIA", encoding="utf-8")
    content = (
        f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file://{secret}">'
        '<!ENTITY net SYSTEM "http://169.254.169.254/latest/meta-data/">]>'
        "<urlset><url><loc>https://a.id/&xxe;</loc></url><url><loc>https://a.id/&net;x</loc></url></urlset>"
    ).encode()
    found = parse_sitemap(content, SITEMAP_URL)
    assert all("RAHASIA" not in u.url and "meta-data" not in u.url for u in found.urls)


def test_text_sitemap_and_feed_as_sitemap():
    text = b"https://berita.contoh.id/a\n\nhttps://berita.contoh.id/b?fbclid=1\n"
    assert [u.url for u in parse_sitemap(text, SITEMAP_URL).urls] == [
        "https://berita.contoh.id/a",
        "https://berita.contoh.id/b",
    ]
    assert parse_sitemap(rss(ITEM), SITEMAP_URL).urls[0].title == "Disdukcapil Buka Layanan Malam"


def test_sitemap_lastmod_forms():
    content = b"""<urlset>
      <url><loc>https://a.id/1</loc><lastmod>2024-11-05</lastmod></url>
      <url><loc>https://a.id/2</loc><lastmod>2024-11-05T10:00Z</lastmod></url>
      <url><loc>https://a.id/3</loc><lastmod>2024-11</lastmod></url>
      <url><loc>https://a.id/4</loc><lastmod>kemarin</lastmod></url>
    </urlset>"""
    assert [u.lastmod for u in parse_sitemap(content, SITEMAP_URL).urls] == [
        "2024-11-05",
        "2024-11-05T10:00:00+00:00",
        None,
        None,
    ]


# --------------------------------------------------------------------------- since


def _item(published: str | None = None, lastmod: str | None = None) -> DiscoveredUrl:
    return DiscoveredUrl(url="https://a.id/x", source=FEED_URL, published=published, lastmod=lastmod)


@pytest.mark.parametrize(
    ("item", "kept"),
    [
        pytest.param(_item("2024-11-04"), True, id="same-day"),
        pytest.param(_item("2024-11-03T23:59:00+07:00"), False, id="day-before"),
        pytest.param(_item("2024-11-05T06:00:00+07:00"), True, id="after"),
        pytest.param(_item(None, "2024-10-01"), False, id="old-lastmod"),
        pytest.param(_item("2024-11-05", "2024-10-01"), True, id="published-wins"),
        pytest.param(_item("2024-10-01", "2024-11-05"), False, id="touched-old-article"),
        pytest.param(_item(), True, id="undated-kept"),
        pytest.param(_item("not a date"), True, id="unreadable-kept"),
    ],
)
def test_filter_since(item, kept):
    assert filter_since([item], date(2024, 11, 4)) == ([item] if kept else [])


def test_filter_since_none_keeps_everything():
    items = [_item("2001-01-01"), _item()]
    assert filter_since(iter(items), None) == items


def test_sitemap_is_a_frozen_value():
    found = parse_sitemap(INDEX, SITEMAP_URL)
    assert isinstance(found, Sitemap)
    with pytest.raises(AttributeError):
        found.urls = []  # type: ignore[misc]
