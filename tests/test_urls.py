"""Canonical URLs: the rule data with its examples, each normalisation choice, idempotence, rel=canonical.

The news-html test reads the shared saved pages in place (skipped when absent).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.errors import PatternError
from extractor.urls import (
    URL_RULES_FILE,
    UrlRule,
    UrlRules,
    canonical_from_html,
    canonical_url,
    is_http_url,
    load_url_rules,
    registrable_domain,
)

RULES = load_url_rules()
# The shared folder beside the project, else /work/shared (as tests/conftest.py looks for it).
NEWS_HTML = next(
    (
        folder / "data" / "news-html"
        for folder in (Path(__file__).resolve().parents[2] / "shared", Path("/work/shared"))
        if (folder / "data" / "news-html").is_dir()
    ),
    Path("/nonexistent"),
)


# --------------------------------------------------------------------------- rule data


def _cases(kind: str) -> list[pytest.param]:
    cases = []
    for rule in RULES.rules:
        for n, case in enumerate(getattr(rule, kind)):
            cases.append(pytest.param(case, id=f"{rule.id}-{n}"))
    return cases


@pytest.mark.parametrize("case", _cases("examples"))
def test_rule_examples(case):
    url, expected = case
    assert canonical_url(url) == expected


@pytest.mark.parametrize("url", _cases("counterexamples"))
def test_rule_counterexamples_are_left_alone(url):
    assert canonical_url(url) == url


def test_every_rule_has_examples_and_a_note():
    for rule in RULES.rules:
        assert rule.examples, rule.id
    raw = json.loads(URL_RULES_FILE.read_text(encoding="utf-8"))
    assert all(row.get("note") for row in raw["rules"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("{", "not valid JSON", id="json"),
        pytest.param('{"rules": 1}', "needs a 'rules' list", id="no-list"),
        pytest.param('{"rules": [{"kind": "host"}]}', "needs an 'id'", id="no-id"),
        pytest.param(
            '{"rules": [{"id": "x", "kind": "magic", "examples": [["a", "b"]]}]}', "kind must be", id="kind"
        ),
        pytest.param('{"rules": [{"id": "x", "kind": "drop_parameter"}]}', "needs examples", id="no-examples"),
        pytest.param(
            '{"rules": [{"id": "x", "kind": "drop_parameter", "examples": [["a", "b"]]}]}',
            "needs 'names' or 'prefixes'",
            id="no-names",
        ),
        pytest.param(
            '{"rules": [{"id": "x", "kind": "path_prefix", "from": "amp", "to": "/", "examples": [["a", "b"]]}]}',
            "must be paths",
            id="bad-prefix",
        ),
        pytest.param(
            '{"rules": [{"id": "x", "kind": "ref", "examples": [["a", "b"]]},'
            ' {"id": "x", "kind": "ref", "examples": [["a", "b"]]}]}',
            "kind must be",
            id="kind-first",
        ),
    ],
)
def test_malformed_rule_file_is_a_pattern_error(tmp_path, content, message):
    path = tmp_path / "urls.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PatternError, match=message):
        load_url_rules(path)


def test_duplicate_rule_id_is_a_pattern_error(tmp_path):
    rule = {"id": "x", "kind": "drop_parameter", "names": ["a"], "examples": [["u", "v"]]}
    path = tmp_path / "urls.json"
    path.write_text(json.dumps({"rules": [rule, rule]}), encoding="utf-8")
    with pytest.raises(PatternError, match="duplicate id"):
        load_url_rules(path)


def test_missing_rule_file_is_a_pattern_error(tmp_path):
    with pytest.raises(PatternError, match="cannot read"):
        load_url_rules(tmp_path / "absent.json")


def test_host_rules_apply_only_to_their_host():
    rules = UrlRules((UrlRule(id="h", kind="host", source="amp.contoh.com", target="contoh.com"),))
    assert canonical_url("https://AMP.contoh.com/a", rules) == "https://contoh.com/a"
    assert canonical_url("https://x.amp.contoh.com/a", rules) == "https://x.amp.contoh.com/a"


# --------------------------------------------------------------------------- normalisation choices


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("HTTPS://Berita.Contoh.CO.ID/Read/1", "https://berita.contoh.co.id/Read/1", id="case"),
        pytest.param("http://contoh.com:80/a", "http://contoh.com/a", id="default-port-http"),
        pytest.param("https://contoh.com:443/a", "https://contoh.com/a", id="default-port-https"),
        pytest.param("http://127.0.0.1:8765/a", "http://127.0.0.1:8765/a", id="test-server-port"),
        pytest.param("https://contoh.com:80/a", "https://contoh.com:80/a", id="http-port-on-https"),
        pytest.param("https://contoh.com", "https://contoh.com/", id="empty-path"),
        pytest.param("https://contoh.com?b=1", "https://contoh.com/?b=1", id="empty-path-query"),
        pytest.param("https://contoh.com/berita/1/", "https://contoh.com/berita/1/", id="trailing-slash-kept"),
        pytest.param("https://contoh.com/berita/1", "https://contoh.com/berita/1", id="no-slash-kept"),
        pytest.param("https://contoh.com/a#komentar", "https://contoh.com/a", id="fragment"),
        pytest.param(
            "https://contoh.com/a?z=1&a=2&m=&a=1", "https://contoh.com/a?a=2&a=1&m=&z=1", id="sorted-stable"
        ),
        pytest.param("https://contoh.com/a?&&b=1&", "https://contoh.com/a?b=1", id="empty-pairs"),
        pytest.param("https://contoh.com/a?utm_source=x", "https://contoh.com/a", id="query-emptied"),
        pytest.param("https://contoh.com/%7Euser/%3a", "https://contoh.com/~user/%3A", id="escapes"),
        pytest.param("https://contoh.com/berita baru", "https://contoh.com/berita%20baru", id="space"),
        pytest.param("https://contoh.com/a/./b/../c", "https://contoh.com/a/c", id="dot-segments"),
        pytest.param("https://contoh.com/a/..", "https://contoh.com/", id="dot-dot-end"),
        pytest.param("https://contoh.com./a", "https://contoh.com/a", id="host-trailing-dot"),
        pytest.param("https://bücher.example/a", "https://xn--bcher-kva.example/a", id="idn"),
        pytest.param("  https://contoh.com/a\n", "https://contoh.com/a", id="whitespace"),
        pytest.param("https://u:p@contoh.com/a", "https://u:p@contoh.com/a", id="userinfo-kept"),
        pytest.param("https://[::1]:8080/a", "https://[::1]:8080/a", id="ipv6"),
        pytest.param("https://contoh.com/amp/amp/a", "https://contoh.com/a", id="rules-repeat"),
        pytest.param("https://contoh.com/amp", "https://contoh.com/", id="amp-home"),
        pytest.param("https://contoh.com/AMP/read/1", "https://contoh.com/read/1", id="amp-upper"),
        pytest.param("https://contoh.com/a?AMP=1&Page=ALL", "https://contoh.com/a", id="value-case"),
        pytest.param(
            "https://contoh.com/a?q=caf%C3%A9+baru", "https://contoh.com/a?q=caf%C3%A9+baru", id="value-kept"
        ),
    ],
)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("mailto:redaksi@contoh.com", id="mailto"),
        pytest.param("javascript:void(0)", id="javascript"),
        pytest.param("/berita/1", id="relative"),
        pytest.param("https://contoh.com:99999/a", id="bad-port"),
        pytest.param("https:///a", id="no-host"),
        pytest.param("", id="empty"),
    ],
)
def test_not_http_comes_back_as_given(url):
    assert canonical_url(url) == url
    assert not is_http_url(url)


_segment = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)
_param = st.sampled_from(["utm_source", "amp", "page", "id", "fbclid", "q", "AMP", "ref", "showall", "Page"])
_value = st.sampled_from(["", "1", "all", "ALL", "x y", "%41", "true", "a=b"])
_urls = st.builds(
    lambda scheme, host, port, segments, params, fragment: (
        f"{scheme}://{host}{port}/"
        + "/".join(segments)
        + ("?" + "&".join(f"{k}={v}" for k, v in params) if params else "")
        + fragment
    ),
    st.sampled_from(["http", "https", "HTTP", "ftp"]),
    st.sampled_from(
        ["contoh.com", "Berita.Contoh.co.id", "127.0.0.1", "nasional.okezone.com", "m.antaranews.com"]
    ),
    st.sampled_from(["", ":80", ":443", ":8080", ":0"]),
    st.lists(
        st.one_of(st.sampled_from(["amp", "AMP", ".", "..", "read", "", "%7e", "%2F"]), _segment), max_size=5
    ),
    st.lists(st.tuples(_param, _value), max_size=4),
    st.sampled_from(["", "#x", "#"]),
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_urls, st.text(max_size=60)))
def test_canonical_url_is_idempotent(url):
    once = canonical_url(url)
    assert canonical_url(once) == once


# --------------------------------------------------------------------------- rel=canonical


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        pytest.param("regional.kompas.com", "kompas.com", id="subdomain"),
        pytest.param("news.contoh.co.id", "contoh.co.id", id="co-id"),
        pytest.param("disdukcapil.contohprov.go.id", "contohprov.go.id", id="go-id"),
        pytest.param("127.0.0.1", "127.0.0.1", id="ip"),
        pytest.param("localhost", "localhost", id="localhost"),
        pytest.param("Contoh.COM.", "contoh.com", id="case-dot"),
    ],
)
def test_registrable_domain(host, expected):
    assert registrable_domain(host) == expected


PAGE = "https://www.contoh.co.id/berita/123/judul?utm_source=wa"


def _page(head: str) -> str:
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>t</title>"
        f"{head}</head><body><p>isi</p></body></html>"
    )


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        pytest.param(
            '<link rel="canonical" href="https://www.contoh.co.id/berita/123/judul">',
            "https://www.contoh.co.id/berita/123/judul",
            id="canonical",
        ),
        pytest.param(
            '<link rel="canonical" href="/berita/123/judul?utm_medium=x#top">',
            "https://www.contoh.co.id/berita/123/judul",
            id="relative-and-canonicalized",
        ),
        pytest.param(
            '<meta property="og:url" content="https://www.contoh.co.id/berita/123/judul">',
            "https://www.contoh.co.id/berita/123/judul",
            id="og-url",
        ),
        pytest.param(
            '<link rel="canonical" href=""><meta property="og:url" content="https://contoh.co.id/b/1">',
            "https://contoh.co.id/b/1",
            id="empty-canonical-then-og",
        ),
        pytest.param(
            '<link REL="Canonical" href="https://m.contoh.co.id/b/2">',
            "https://m.contoh.co.id/b/2",
            id="case-and-same-site-subdomain",
        ),
        pytest.param(
            '<link rel="alternate canonical" href="https://www.contoh.co.id/b/3">',
            "https://www.contoh.co.id/b/3",
            id="rel-token-list",
        ),
        pytest.param(
            '<link rel="canonical" href="https://www.sumberlain.com/berita/1">',
            None,
            id="other-site-ignored",
        ),
        pytest.param(
            '<link rel="canonical" href="https://www.sumberlain.com/1">'
            '<meta property="og:url" content="https://www.contoh.co.id/b/4">',
            "https://www.contoh.co.id/b/4",
            id="other-site-then-og",
        ),
        pytest.param('<link rel="canonical" href="javascript:void(0)">', None, id="javascript"),
        pytest.param(
            '<link rel="amphtml" href="https://www.contoh.co.id/amp/b/1">', None, id="amphtml-is-not-canonical"
        ),
        pytest.param("", None, id="none"),
    ],
)
def test_canonical_from_html(head, expected):
    assert canonical_from_html(_page(head), PAGE) == expected


def test_canonical_from_bytes_and_odd_input(caplog):
    html = _page('<link rel="canonical" href="http://127.0.0.1:8123/a?fbclid=1">').encode("utf-8")
    assert canonical_from_html(html, "http://127.0.0.1:8123/a") == "http://127.0.0.1:8123/a"
    assert canonical_from_html(b"", PAGE) is None
    assert canonical_from_html(b"\x00\x01\x02", PAGE) is None
    assert canonical_from_html("<link rel=canonical href=/x>", PAGE) == "https://www.contoh.co.id/x"
    with caplog.at_level(logging.DEBUG, logger="extractor.urls"):
        canonical_from_html(_page('<link rel="canonical" href="https://lain.com/x">'), PAGE)
    assert "points to another site" in caplog.text and PAGE in caplog.text


def _news_pages() -> list[pytest.param]:
    expected = NEWS_HTML / "expected.jsonl"
    if not expected.exists():
        return [pytest.param(None, marks=pytest.mark.skip(reason="shared news-html pages not present"))]
    rows = [json.loads(line) for line in expected.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [pytest.param(row, id=Path(row["page"]).stem) for row in rows]


@pytest.mark.parametrize("row", _news_pages())
def test_real_pages_state_their_own_url(row):
    """A page's rel=canonical/og:url is its URL in the scraper's records, or absent (ANTARA's 2015 pages)."""
    found = canonical_from_html((NEWS_HTML / row["page"]).read_bytes(), row["url"])
    expected = canonical_url(row["url"])
    if found is None:
        assert "antara" in row["page"]
    elif row["page"].endswith("tempo-singlepage.html"):
        assert found == expected + "?i=1"  # Tempo's og:url carries an ?i=1 the scraper's URL has not
    else:
        assert found == expected
