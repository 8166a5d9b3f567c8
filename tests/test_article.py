"""Page → Article: clutter rules, site templates, metadata, encodings and refusals.

The HTML fixtures are small pages written here in the manner of common Indonesian
news templates (WordPress, ANTARA, Republika, Kompas, detik); their text is made
up. The corpus-dev test reads the shared example pages in place.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml.etree import XPath
from lxml.html import fromstring

import extractor.article as article_module
from extractor.article import (
    clean_text,
    html_to_article,
    load_article,
    load_clutter,
    load_language_check,
    text_to_article,
)
from extractor.errors import NotAnArticle, PatternError, UnreadableInput
from extractor.models import Article

CLUTTER = load_clutter()
LANGUAGE = load_language_check()

# A body long enough to pass the length gate, in plain Indonesian news prose.
PROSE = (
    "Menurut dia, pelayanan dilakukan dengan sistem jemput bola ke desa-desa yang jauh dari "
    "ibu kota kabupaten, sehingga warga tidak perlu mengeluarkan ongkos besar untuk datang ke "
    "kantor dinas. Pihaknya juga membuka layanan pada hari Sabtu bagi warga yang bekerja."
)


# --------------------------------------------------------------------------- pattern data


def _rule_cases(kind: str) -> list[pytest.param]:
    cases = []
    for rule in CLUTTER.line_rules + CLUTTER.cut_rules:
        for n, line in enumerate(getattr(rule, kind)):
            cases.append(pytest.param(rule, line, id=f"{rule.id}-{n}"))
    return cases


@pytest.mark.parametrize(("rule", "line"), _rule_cases("examples"))
def test_line_rule_matches_its_examples(rule, line):
    assert rule.regex.search(line), f"{rule.id} should match {line!r}"


@pytest.mark.parametrize(("rule", "line"), _rule_cases("counterexamples"))
def test_line_rule_spares_its_counterexamples(rule, line):
    assert not rule.regex.search(line), f"{rule.id} should not match {line!r}"


@pytest.mark.parametrize(("rule", "line"), _rule_cases("counterexamples"))
def test_counterexamples_survive_the_whole_cleaning(rule, line):
    assert clean_text(line) == line


@pytest.mark.parametrize(("rule", "line"), _rule_cases("examples"))
def test_examples_are_removed_by_the_whole_cleaning(rule, line):
    cleaned = clean_text(line)
    if rule.kind == "cut":
        assert rule.regex.search(line)
        assert len(cleaned) < len(line) and cleaned == line[: len(cleaned)]
    else:
        assert cleaned == ""


def _prune_cases(kind: str) -> list[pytest.param]:
    return [
        pytest.param(rule, fragment, id=f"{rule.id}-{n}")
        for rule in CLUTTER.prune_rules
        for n, fragment in enumerate(getattr(rule, kind))
    ]


def _page(fragment: str) -> object:
    return fromstring(f"<html><body>{fragment}</body></html>")


@pytest.mark.parametrize(("rule", "fragment"), _prune_cases("examples"))
def test_prune_xpath_matches_its_examples(rule, fragment):
    assert XPath(rule.xpath)(_page(fragment)), f"{rule.id} should prune {fragment!r}"


@pytest.mark.parametrize(("rule", "fragment"), _prune_cases("counterexamples"))
def test_prune_xpath_spares_its_counterexamples(rule, fragment):
    assert not XPath(rule.xpath)(_page(fragment)), f"{rule.id} should keep {fragment!r}"


def test_prune_guard_keeps_a_wordpress_article_with_tag_and_share_classes():
    page = _page(
        "<article class='post tag-ktp share-enabled social-post related-7'><h1>Judul berita</h1>"
        f"<div class='entry-content'><p>{PROSE}</p><p>{PROSE}</p></div></article>"
    )
    for rule in CLUTTER.prune_rules:
        assert all(node.tag != "article" for node in XPath(rule.xpath)(page)), rule.id


@pytest.mark.parametrize(
    ("text", "indonesian"),
    [pytest.param(t, True, id=f"example-{n}") for n, t in enumerate(LANGUAGE.examples)]
    + [
        pytest.param(t, False, id=f"counterexample-{n}")
        for n, t in enumerate(LANGUAGE.counterexamples)
    ],
)
def test_language_examples(text, indonesian):
    if indonesian:
        text_to_article("Judul\n" + text, input="lang.txt", min_body_chars=0)
    else:
        with pytest.raises(NotAnArticle, match="not an Indonesian article"):
            text_to_article("Title\n" + text, input="lang.txt", min_body_chars=0)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("{", "cannot be read as JSON", id="not-json"),
        pytest.param(
            '{"line_rules": [{"id": "a", "kind": "drop", "pattern": "("}]}',
            "a: bad regular expression",
            id="bad-regex",
        ),
        pytest.param(
            '{"line_rules": [{"id": "a", "kind": "drop", "pattern": "x"},'
            ' {"id": "a", "kind": "drop", "pattern": "y"}]}',
            "duplicate id 'a'",
            id="duplicate-id",
        ),
        pytest.param(
            '{"line_rules": [{"id": "a", "kind": "zap", "pattern": "x"}]}',
            "kind 'zap'",
            id="bad-kind",
        ),
        pytest.param(
            '{"line_rules": [{"kind": "drop", "pattern": "x"}]}', "needs a string 'id'", id="no-id"
        ),
        pytest.param(
            '{"line_rules": [{"id": "a", "kind": "drop", "pattern": "x"}],'
            ' "prune_xpaths": [{"id": "b", "xpath": "//div[@"}]}',
            "b: bad XPath",
            id="bad-xpath",
        ),
        pytest.param(
            '{"line_rules": [{"id": "a", "kind": "drop", "pattern": "x"}],'
            ' "prune_xpaths": [{"id": "b", "xpath": "//a | //b"}]}',
            "b: 'xpath' must be one path",
            id="xpath-union",
        ),
    ],
)
def test_malformed_clutter_file_is_a_pattern_error(tmp_path, content, message):
    path = tmp_path / "clutter.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PatternError, match=re.escape(message)) as caught:
        load_clutter(path)
    assert str(path) in str(caught.value)


# --------------------------------------------------------------------------- clean_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(
            "Perekaman sudah 90 persen.\nBaca juga: 12 Ribu Warga Belum Rekam KTP\n"
            "Sisanya dikejar.",
            "Perekaman sudah 90 persen.\n\nSisanya dikejar.",
            id="baca-juga-line",
        ),
        pytest.param(
            "Perekaman sudah 90 persen.\n\nBaca Juga\n\n- 12 Ribu Warga Belum Rekam KTP\n"
            "Kemendagri: 9,3 Juta Warga Belum Rekam e-KTP\n\nMenurut dia, sisanya dikejar.",
            "Perekaman sudah 90 persen.\n\nMenurut dia, sisanya dikejar.",
            id="heading-and-link-list",
        ),
        pytest.param(
            "Sisanya dikejar.\nBerita Terkait\nHarga beras naik jadi Rp16.000\n"
            "KPU tetapkan 276.000 pemilih",
            "Sisanya dikejar.",
            id="related-list-at-the-end",
        ),
        pytest.param(
            "Angka itu naik dari 2023. Baca juga: Disdukcapil Rekam 1.200 Pemula",
            "Angka itu naik dari 2023.",
            id="inline-baca-juga",
        ),
        pytest.param(
            "Warga juga bisa membaca jadwal di laman dinas.",
            "Warga juga bisa membaca jadwal di laman dinas.",
            id="juga-in-a-sentence",
        ),
        pytest.param(
            "JAKARTA (ANTARA) - Sebanyak 2.860.701 jiwa sudah rekam.\nPewarta: Budi\n"
            "Editor: Ade\nCOPYRIGHT © ANTARA 2024",
            "JAKARTA (ANTARA) - Sebanyak 2.860.701 jiwa sudah rekam.",
            id="antara-footer-keeps-dateline",
        ),
        pytest.param(
            "LOMBOK – Kaltim mendapat penghargaan. (kanan/jpnn)\n(ant)",
            "LOMBOK – Kaltim mendapat penghargaan. (kanan/jpnn)",
            id="end-tag-only-alone",
        ),
        pytest.param(
            "Sisanya dikejar.\nLeave a Reply\nYour email address will not be published.\n"
            "Nama *\nBudi",
            "Sisanya dikejar.",
            id="comment-form-ends-the-article",
        ),
        pytest.param(
            "ADVERTISEMENT\nSCROLL TO CONTINUE WITH CONTENT\nSisanya dikejar.",
            "Sisanya dikejar.",
            id="advertisement",
        ),
        pytest.param(
            "Foto: Humas Pemkab\nIlustrasi perekaman KTP-el.\n"
            "Warga antre di kantor camat, Senin (4/11). (ANTARA/Foto: Budi)\nSisanya dikejar.",
            "Sisanya dikejar.",
            id="captions",
        ),
        pytest.param(
            "Sisanya dikejar.\nTags: e-KTP, Dukcapil\nBagikan: Facebook Twitter WhatsApp\n"
            "Dapatkan update berita pilihan setiap hari di Google News\nIkuti kami di Instagram",
            "Sisanya dikejar.",
            id="tags-share-follow",
        ),
        pytest.param(
            "  Sebanyak\u00a0\u00a0 2.860.701\tjiwa  sudah rekam.  \r\n\n\n\n"
            "Sisanya\u200b dikejar. ",
            "Sebanyak 2.860.701 jiwa sudah rekam.\n\nSisanya dikejar.",
            id="whitespace-normalized",
        ),
        pytest.param("", "", id="empty"),
    ],
)
def test_clean_text(raw, expected):
    assert clean_text(raw) == expected


_SAMPLE_LINES = [line for rule in CLUTTER.line_rules + CLUTTER.cut_rules for line in rule.examples]
_SAMPLE_LINES += [line for rule in CLUTTER.line_rules for line in rule.counterexamples]


@given(
    st.lists(
        st.one_of(st.sampled_from(_SAMPLE_LINES), st.text(max_size=80), st.just("")), max_size=25
    )
)
def test_clean_text_is_idempotent_and_tidy(lines):
    cleaned = clean_text("\n".join(lines))
    assert clean_text(cleaned) == cleaned
    assert "\n\n\n" not in cleaned and not cleaned.startswith("\n") and not cleaned.endswith("\n")
    assert "  " not in cleaned and "\u00a0" not in cleaned


# --------------------------------------------------------------------------- HTML templates

WORDPRESS = f"""<!DOCTYPE html>
<html lang="id-ID"><head><meta charset="UTF-8">
<title>Disdukcapil Talaud Rekam 2.100 Warga di Pulau Terluar &#8211; Suara Utara</title>
<meta property="og:site_name" content="Suara Utara">
<meta property="article:published_time" content="2023-03-14T09:00:00+08:00">
<link rel="canonical" href="https://suarautara.example/2023/03/14/rekam-ktp-talaud/">
</head><body class="single single-post">
<header><nav><ul><li><a href="/">Beranda</a></li><li><a href="/daerah">Daerah</a></li></ul></nav></header>
<main><article class="post type-post tag-ktp-el share-enabled">
<header class="entry-header"><h1 class="entry-title">Disdukcapil Talaud Rekam 2.100 Warga di Pulau Terluar</h1>
<div class="entry-meta"><span class="byline">Oleh <a href="/author/redaksi">Redaksi</a></span></div></header>
<div class="entry-content">
<p>MELONGUANE, Suara Utara &#8211; Dinas Kependudukan dan Pencatatan Sipil Kabupaten Kepulauan Talaud merekam data KTP elektronik 2.100 warga di pulau-pulau terluar selama Maret 2023.</p>
<p>{PROSE}</p>
<p><strong>Baca juga:</strong> <a href="/2023/02/sangihe">Dukcapil Sangihe Catat 41 Persen Anak Belum Punya KIA</a></p>
<p>&#8220;Target kami tahun ini seluruh wajib KTP sudah merekam,&#8221; kata Kepala Dinas yang juga menjabat ketua tim percepatan.</p>
<figure class="wp-block-image"><img src="a.jpg"><figcaption>Petugas merekam data warga di Pulau Miangas, Senin (13/3/2023). Foto: Humas Talaud</figcaption></figure>
<p>Menurut dia, blangko KTP-el untuk 1.500 keping sudah dikirim dari Jakarta.</p>
</div>
<footer class="entry-footer"><span class="tags-links">Tags: <a href="/tag/ktp">KTP-el</a>, <a href="/tag/talaud">Talaud</a></span>
<div class="sharedaddy"><a href="#">Facebook</a> <a href="#">WhatsApp</a></div></footer>
</article>
<div id="comments" class="comments-area"><div id="respond" class="comment-respond">
<h3 id="reply-title">Tinggalkan Balasan</h3>
<form action="/wp-comments-post.php" method="post"><p class="comment-notes">Alamat email Anda tidak akan dipublikasikan.</p>
<textarea name="comment"></textarea><input type="submit" value="Kirim Komentar"></form></div></div>
</main>
<aside class="widget-area"><section class="widget"><h2 class="widget-title">Berita Terbaru</h2><ul>
<li><a href="/a">Harga Cengkih Turun Jadi Rp80 Ribu per Kilogram</a></li>
<li><a href="/b">KPU Talaud Tetapkan 72.000 Pemilih</a></li></ul></section></aside>
<footer class="site-footer">Copyright &copy; 2023 Suara Utara. All rights reserved.</footer>
</body></html>"""  # noqa: E501

ANTARA = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8">
<title>Disdukcapil Kupang catat 9.480 warga belum rekam KTP-el - ANTARA News Kupang</title>
<meta property="og:title" content="Disdukcapil Kupang catat 9.480 warga belum rekam KTP-el">
<meta property="og:site_name" content="ANTARA News Kupang">
<meta name="pubdate" content="2022-08-09T15:12:00+08:00">
</head><body>
<div class="logo"><a href="/">ANTARA News Kupang</a></div>
<ul class="menu"><li><a href="/terkini">Terkini</a></li><li><a href="/ekonomi">Ekonomi</a></li></ul>
<div class="wrap"><h1 class="post-title">Disdukcapil Kupang catat 9.480 warga belum rekam KTP-el</h1>
<div class="byline">Pewarta: <span>Tim ANTARA NTT</span></div>
<div id="image_news"><img src="x.jpg"><div class="caption">Warga antre merekam data KTP-el di Kupang, Selasa (9/8/2022). ANTARA/HO-Disdukcapil</div></div>
<div id="content_news" itemprop="articleBody">
					Kupang (ANTARA) - Dinas Kependudukan dan Pencatatan Sipil Kota Kupang mencatat 9.480 warga wajib KTP di kota itu belum merekam data KTP elektronik hingga Juli 2022.<br />
<br />
{PROSE}<br />
<br />
Baca juga: <a href="/berita/1">Disdukcapil Sikka rekam 3.000 pemilih pemula</a><br />
<br />
"Kami minta warga segera datang ke kantor kecamatan terdekat," kata Kepala Dinas di Kupang, Selasa.<p class="mt10">Editor: <span>Redaksi</span></p><p class="date">COPYRIGHT &copy; ANTARA 2022</p>
</div></div>
<div class="related"><h3>Berita Terkait</h3><ul><li><a href="/b/2">Harga cabai di Kupang naik jadi Rp60.000</a></li>
<li><a href="/b/3">Bandara El Tari layani 3.200 penumpang</a></li></ul></div>
</body></html>"""  # noqa: E501

REPUBLIKA = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Cakupan KIA Bone Bolango Capai 61 Persen | Republika Online</title>
<meta property="og:site_name" content="Republika Online">
<meta property="article:published_time" content="2021-05-20T10:30:00+07:00">
</head><body>
<div class="header"><div class="ads-top">ADVERTISEMENT</div></div>
<div class="read-left"><div class="date-detail">Kamis 20 Mei 2021 10:30 WIB</div>
<h1>Cakupan KIA Bone Bolango Capai 61 Persen</h1><div class="by">Red: Redaksi Republika</div>
<div class="img-detail"><img src="k.jpg"><div class="caption">Ilustrasi Kartu Identitas Anak. Foto: Republika/Budi</div></div>
<div class="artikel">
<p>REPUBLIKA.CO.ID, SUWAWA -- Cakupan kepemilikan Kartu Identitas Anak (KIA) di Kabupaten Bone Bolango hingga April 2021 mencapai 61 persen dari seluruh anak usia nol sampai 17 tahun.</p>
<p>{PROSE}</p>
<div class="baca-juga"><strong>Baca Juga</strong><ul>
<li><a href="/b/1">Gorontalo Utara Terbitkan 4.100 Akta Kelahiran</a></li>
<li><a href="/b/2">Kemendagri: 9,3 Juta Anak Belum Punya KIA</a></li></ul></div>
<p>Ia menambahkan, sekolah dasar menjadi sasaran utama karena hampir semua anak usia sekolah dapat dijangkau sekaligus.</p>
<div class="ads-inarticle">ADVERTISEMENT</div>
</div>
<div class="tag-list">Tag: <a href="#">kia</a> <a href="#">bone bolango</a></div></div>
<div class="read-right"><h3>Terpopuler</h3><ol><li><a href="#">Harga Jagung Anjlok ke Rp2.800</a></li>
<li><a href="#">Inflasi Gorontalo 0,21 Persen</a></li></ol></div>
</body></html>"""  # noqa: E501

KOMPAS = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Dukcapil: 98 Persen Penduduk Sudah Rekam KTP-el - Kompas.com</title>
<meta property="og:site_name" content="KOMPAS.com">
<meta name="content_PublishedDate" content="2020-01-27 11:00:00">
</head><body>
<div class="read__time">Kompas.com - 27/01/2020, 11:00 WIB</div>
<h1 class="read__title">Dukcapil: 98 Persen Penduduk Sudah Rekam KTP-el</h1>
<div class="photo"><img src="p.jpg"><div class="photo__caption">Ilustrasi perekaman KTP-el. Dok. Dinas Dukcapil</div></div>
<div class="read__content">
<p><strong>JAKARTA, KOMPAS.com</strong> - Direktorat Jenderal Kependudukan dan Pencatatan Sipil mencatat 98 persen penduduk wajib KTP sudah merekam data KTP elektronik per Desember 2019.</p>
<p>{PROSE}</p>
<p><strong>Baca juga: <a href="/read/1">Kemendagri: 4,5 Juta Warga Belum Rekam e-KTP</a></strong></p>
<p>Sisanya, kata dia, sebagian besar berada di Papua dan Papua Barat.</p>
</div>
<div class="read__paging">Halaman: <a href="?page=1">1</a> <a href="?page=2">2</a> <a href="?page=all">Show All</a></div>
<div class="read__author">Penulis: Tim Redaksi | Editor: Tim Redaksi</div>
<div class="tag__article">Tag: <a href="#">KTP-el</a></div>
</body></html>"""  # noqa: E501

DETIK = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Ribuan Warga Ambon Aktivasi IKD di Mal</title>
<meta property="og:site_name" content="detikNews">
<meta name="publishdate" content="2023/09/12 14:05:00">
</head><body>
<div class="date">Selasa, 12 Sep 2023 14:05 WIB</div>
<h1 class="detail__title">Ribuan Warga Ambon Aktivasi IKD di Mal</h1>
<div class="detail__body-text itp_bodycontent">
<strong>Ambon</strong> - Sebanyak 1.870 warga Kota Ambon mengaktifkan Identitas Kependudukan Digital (IKD) dalam layanan di pusat perbelanjaan selama sepekan terakhir.
<p>{PROSE}</p>
<p>Simak juga 'Cara Aktivasi KTP Digital di Rumah':</p>
<p>Layanan ini akan diulang bulan depan di kecamatan lain, kata petugas.</p>
<p>(nvl/dnu)</p>
</div>
<div class="list-content"><h2>Berita Terkait</h2>
<article><a href="/1">Selasa, 12/09/2023 13:10 WIB Warga Maluku Antre Rekam KTP-el</a></article></div>
</body></html>"""  # noqa: E501


TEMPLATES = {
    "wordpress": (
        WORDPRESS,
        {
            "title": "Disdukcapil Talaud Rekam 2.100 Warga di Pulau Terluar",
            "first": "MELONGUANE, Suara Utara – Dinas Kependudukan",
            "published": "2023-03-14",
            "site": "Suara Utara",
            "url": "https://suarautara.example/2023/03/14/rekam-ktp-talaud/",
            "contains": ["1.500 keping", "Target kami tahun ini"],
            "absent": [
                "41 Persen",
                "Baca juga",
                "Foto:",
                "Pulau Miangas",
                "Tags:",
                "Facebook",
                "Tinggalkan",
                "Alamat email",
                "Rp80 Ribu",
                "72.000",
                "Copyright",
            ],
        },
    ),
    "antara": (
        ANTARA,
        {
            "title": "Disdukcapil Kupang catat 9.480 warga belum rekam KTP-el",
            "first": "Kupang (ANTARA) - Dinas Kependudukan dan Pencatatan Sipil Kota Kupang",
            "published": "2022-08-09",
            "site": "ANTARA News Kupang",
            "url": None,
            "contains": ["Kami minta warga segera datang"],
            "absent": [
                "3.000 pemilih",
                "Baca juga",
                "Editor:",
                "COPYRIGHT",
                "Pewarta",
                "ANTARA/HO",
                "Rp60.000",
                "3.200",
                "Berita Terkait",
            ],
        },
    ),
    "republika": (
        REPUBLIKA,
        {
            "title": "Cakupan KIA Bone Bolango Capai 61 Persen",
            "first": "REPUBLIKA.CO.ID, SUWAWA -- Cakupan kepemilikan Kartu Identitas Anak",
            "published": "2021-05-20",
            "site": "Republika Online",
            "url": None,
            "contains": ["sekolah dasar menjadi sasaran utama"],
            "absent": [
                "4.100",
                "9,3 Juta",
                "Baca Juga",
                "ADVERTISEMENT",
                "Ilustrasi",
                "Foto:",
                "Tag:",
                "Rp2.800",
                "0,21",
                "Red:",
                "Kamis 20 Mei 2021",
            ],
        },
    ),
    "kompas": (
        KOMPAS,
        {
            "title": "Dukcapil: 98 Persen Penduduk Sudah Rekam KTP-el",
            "first": "JAKARTA, KOMPAS.com - Direktorat Jenderal Kependudukan",
            "published": "2020-01-27",
            "site": "KOMPAS.com",
            "url": None,
            "contains": ["sebagian besar berada di Papua"],
            "absent": [
                "4,5 Juta",
                "Baca juga",
                "Ilustrasi",
                "Halaman",
                "Show All",
                "Penulis",
                "Tag:",
            ],
        },
    ),
    "detik": (
        DETIK,
        {
            "title": "Ribuan Warga Ambon Aktivasi IKD di Mal",
            "first": "Ambon - Sebanyak 1.870 warga Kota Ambon",
            "published": "2023-09-12",
            "site": "Detiknews",  # trafilatura capitalizes og:site_name
            "url": None,
            "contains": ["diulang bulan depan"],
            "absent": ["Simak juga", "Cara Aktivasi", "(nvl/dnu)", "Warga Maluku Antre", "13:10"],
        },
    ),
}


@pytest.fixture(scope="module")
def articles() -> dict[str, Article]:
    return {
        name: html_to_article(html, input=f"{name}.html") for name, (html, _) in TEMPLATES.items()
    }


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_template_text(articles, name):
    expected = TEMPLATES[name][1]
    art = articles[name]
    body = art.text[art.body_start :]
    assert art.title == expected["title"]
    assert body.startswith(expected["first"]), body[:200]
    assert PROSE in body
    for snippet in expected["contains"]:
        assert snippet in body
    for snippet in expected["absent"]:
        assert snippet not in art.text, snippet


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_template_metadata(articles, name):
    expected = TEMPLATES[name][1]
    art = articles[name]
    assert art.published == expected["published"]
    assert art.published_source == "metadata"
    assert art.site == expected["site"]
    assert art.url == expected["url"]
    assert art.input == f"{name}.html"


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_template_text_layout(articles, name):
    art = articles[name]
    assert art.text == art.title + "\n\n" + art.text[art.body_start :]
    assert art.body_start == len(art.title) + 2
    assert "\n\n\n" not in art.text
    assert "  " not in art.text and "\u00a0" not in art.text
    assert all(line == line.strip() and line for line in art.text.split("\n\n"))


def test_given_date_overrides_metadata():
    art = html_to_article(WORDPRESS, input="w.html", published="2024-01-02")
    assert (art.published, art.published_source) == ("2024-01-02", "given")


def test_url_given_wins_and_names_the_site():
    html = WORDPRESS.replace('<meta property="og:site_name" content="Suara Utara">', "")
    art = html_to_article(html, input="w.html", url="https://www.beritadaerah.example/x")
    assert art.url == "https://www.beritadaerah.example/x"
    assert art.site == "beritadaerah.example"


def test_given_date_must_be_iso():
    with pytest.raises(ValueError, match="w.html: published date '5/11/2024'"):
        html_to_article(WORDPRESS, input="w.html", published="5/11/2024")


def test_page_without_date_has_no_published():
    html = (
        "<html><head><title>Layanan KTP-el dibuka di kecamatan</title></head><body><article>"
        f"<h1>Layanan KTP-el dibuka di kecamatan</h1><p>{PROSE}</p><p>{PROSE.upper()}</p>"
        "</article></body></html>"
    )
    art = html_to_article(html, input="w.html")
    assert art.published is None and art.published_source is None


@pytest.mark.parametrize(
    "stamp",
    ["Kamis, 17 Agustus 2023", "Diposting pada 17 Agustus 2023 pukul 10.00 WIB", "17/08/2023"],
)
def test_date_written_only_in_the_page(stamp):
    html = (
        "<html><head><title>Layanan KTP-el dibuka di kecamatan</title></head><body>"
        f"<div class='date'>{stamp}</div><article><h1>Layanan KTP-el dibuka di kecamatan</h1>"
        f"<p>{PROSE}</p></article></body></html>"
    )
    art = html_to_article(html, input="d.html")
    assert (art.published, art.published_source) == ("2023-08-17", "metadata")


def test_htmldate_reads_indonesian_and_english_only():
    from htmldate import extractors

    html_to_article(WORDPRESS, input="w.html")
    assert extractors.EXTERNAL_PARSER.languages == list(article_module.HTMLDATE_LANGUAGES)


def test_unreadable_metadata_date_is_a_warning(monkeypatch, caplog):
    real = article_module.trafilatura.bare_extraction

    def with_bad_date(*args, **kwargs):
        document = real(*args, **kwargs)
        document.date = "31/31/2023"
        return document

    monkeypatch.setattr(article_module.trafilatura, "bare_extraction", with_bad_date)
    with caplog.at_level(logging.WARNING, logger="extractor.article"):
        art = html_to_article(WORDPRESS, input="bad-date.html")
    assert art.published is None and art.published_source is None
    assert any(
        "bad-date.html" in r.getMessage() and "31/31/2023" in r.getMessage() for r in caplog.records
    )


# --------------------------------------------------------------------------- encodings


def _page_bytes(body_text: str, charset: str | None, encoding: str) -> bytes:
    meta = f'<meta charset="{charset}">' if charset else ""
    html = (
        f"<html><head>{meta}<title>Judul berita</title></head><body><article><h1>Judul berita</h1>"
        f"<p>{body_text}</p><p>{PROSE}</p></article></body></html>"
    )
    return html.encode(encoding)


QUOTED = "“Warga café di Kupang sudah merekam,” kata dia – tegasnya."


@pytest.mark.parametrize(
    ("data"),
    [
        pytest.param(_page_bytes(QUOTED, "utf-8", "utf-8"), id="utf8-declared"),
        pytest.param(_page_bytes(QUOTED, None, "utf-8"), id="utf8-undeclared"),
        pytest.param(_page_bytes(QUOTED, "utf-8", "cp1252"), id="cp1252-claiming-utf8"),
        pytest.param(_page_bytes(QUOTED, "windows-1252", "cp1252"), id="cp1252-declared"),
        pytest.param(_page_bytes(QUOTED, "iso-8859-1", "cp1252"), id="latin1-label-means-cp1252"),
        pytest.param(b"\xef\xbb\xbf" + _page_bytes(QUOTED, None, "utf-8"), id="utf8-bom"),
        pytest.param(_page_bytes(QUOTED, None, "utf-16"), id="utf16-bom"),
        pytest.param(
            _page_bytes(QUOTED, "utf-8", "utf-8").replace(
                "café".encode(), "caf\xe9".encode("cp1252")
            ),
            id="mostly-utf8-one-cp1252-byte",
        ),
    ],
)
def test_encodings(data):
    art = html_to_article(data, input="enc.html")
    assert QUOTED in art.text


# --------------------------------------------------------------------------- refusals


NAV_PAGE = (
    "<html><head><title>Indeks Berita</title></head><body><h1>Indeks</h1><ul>"
    + "".join(f"<li><a href='/{n}'>Berita nomor {n}</a></li>" for n in range(5))
    + "</ul><p>Kirim rilis ke redaksi.</p></body></html>"
)
ENGLISH = (
    "<html><head><title>Finland and Indonesia</title></head><body><article>"
    "<h1>Finland and Indonesia</h1>"
    "<p>The minister said that the two countries agreed to explore cooperation in renewable "
    "energy, "
    "and that the peatlands cover about one third of the territory of the country.</p>"
    "<p>Officials from both sides met on Monday to discuss trade, clean energy and the haze that "
    "covered several provinces on the islands of Sumatra and Kalimantan last year.</p>"
    "<p>The visiting delegation includes eleven companies from the energy, infrastructure and "
    "information technology sectors, according to a statement from the ministry.</p>"
    "</article></body></html>"
)


@pytest.mark.parametrize(
    ("data", "kwargs", "reason"),
    [
        pytest.param(b"", {}, "empty file", id="empty"),
        pytest.param(b"  \n\t ", {}, "empty file", id="blank"),
        pytest.param("", {}, "empty file", id="empty-str"),
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", {}, "PDF document", id="pdf"),
        pytest.param(b"<html>\x00\x01\x02\x00binary", {}, "binary data", id="nul-bytes"),
        pytest.param(bytes(range(1, 32)) * 50, {}, "undecodable", id="control-bytes"),
        pytest.param(
            b"Sekadar teks tanpa markah apa pun.", {}, "not readable as HTML", id="plain-text"
        ),
        pytest.param(b"<html><body><div></div></body></html>", {}, "no article text", id="no-text"),
        pytest.param(NAV_PAGE, {}, "index or navigation page", id="navigation-page"),
        pytest.param(ENGLISH, {}, "not an Indonesian article", id="english"),
        pytest.param(WORDPRESS, {"max_bytes": 1000}, "1,000-byte limit", id="too-large"),
    ],
)
def test_bad_html_input(data, kwargs, reason):
    with pytest.raises(NotAnArticle, match=re.escape(reason)) as caught:
        html_to_article(data, input="page-17.html", **kwargs)
    assert str(caught.value).startswith("page-17.html: ")


def test_too_large_is_refused_before_parsing(monkeypatch):
    def fail(*args, **kwargs):  # pragma: no cover - must not run
        raise AssertionError("parsed an oversized page")

    monkeypatch.setattr(article_module.trafilatura, "load_html", fail)
    with pytest.raises(NotAnArticle, match="limit"):
        html_to_article(b"<html>" + b" " * 2000 + b"</html>", input="big.html", max_bytes=1000)


# --------------------------------------------------------------------------- text and files

TEXT_ARTICLE = f"""

  Disdukcapil Ambon Terbitkan 5.000 KIA
JAKARTA (ANTARA) - Dinas Kependudukan Kota Ambon menerbitkan 5.000 Kartu Identitas Anak sepanjang 2023.

Baca juga: Parigi Moutong Target 100 Ribu KIA

{PROSE}

Pewarta: Redaksi
"""  # noqa: E501


def test_text_to_article():
    art = text_to_article(
        TEXT_ARTICLE, input="ambon.txt", url="https://berita.example/a", published="2024-02-01"
    )
    assert art.title == "Disdukcapil Ambon Terbitkan 5.000 KIA"
    assert art.text == (
        "Disdukcapil Ambon Terbitkan 5.000 KIA\n\nJAKARTA (ANTARA) - Dinas Kependudukan Kota Ambon "
        f"menerbitkan 5.000 Kartu Identitas Anak sepanjang 2023.\n\n{PROSE}"
    )
    assert art.body_start == len(art.title) + 2
    assert (art.published, art.published_source, art.site) == (
        "2024-02-01",
        "given",
        "berita.example",
    )
    start = art.text.index("5.000 Kartu")
    assert art.text[start : start + 5] == "5.000"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param("\n \n\t\n", "empty file", id="blank"),
        pytest.param("Judul\nIndeks berita", "no article after the title line", id="too-short"),
        pytest.param("a\x00b", "binary data", id="nul"),
    ],
)
def test_bad_text_input(text, reason):
    with pytest.raises(NotAnArticle, match=re.escape(reason)):
        text_to_article(text, input="x.txt")


def test_load_article_reads_txt_and_html(tmp_path):
    txt = tmp_path / "ambon.TXT"
    txt.write_text(TEXT_ARTICLE, encoding="utf-8")
    assert load_article(str(txt)).title == "Disdukcapil Ambon Terbitkan 5.000 KIA"
    page = tmp_path / "kupang.htm"
    page.write_bytes(ANTARA.encode("utf-8"))
    art = load_article(str(page), published="2022-08-10")
    assert art.title.startswith("Disdukcapil Kupang") and art.published_source == "given"
    assert art.input == str(page)


def test_load_article_txt_in_windows_1252(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(TEXT_ARTICLE.replace("Kota Ambon", "Kota “Ambon”").encode("cp1252"))
    assert "Kota “Ambon”" in load_article(str(path)).text


@pytest.mark.parametrize(
    ("make", "error", "reason"),
    [
        pytest.param(lambda p: p / "missing.html", UnreadableInput, "no such file", id="missing"),
        pytest.param(lambda p: p, UnreadableInput, "is a directory", id="directory"),
        pytest.param(lambda p: _write(p / "e.html", b""), NotAnArticle, "empty file", id="empty"),
        pytest.param(lambda p: _write(p / "d.pdf", b"%PDF-1.4 ..."), NotAnArticle, "PDF", id="pdf"),
        pytest.param(
            lambda p: _write(p / "b.txt", b"x" * 2000), NotAnArticle, "limit", id="too-large"
        ),
    ],
)
def test_load_article_bad_files(tmp_path, make, error, reason):
    path = make(tmp_path)
    with pytest.raises(error, match=re.escape(reason)) as caught:
        load_article(str(path), max_bytes=1000)
    assert str(caught.value).startswith(str(path))


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --------------------------------------------------------------------------- corpus-dev pages


def _corpus_dev() -> Path | None:
    here = Path(__file__).resolve()
    for candidate in (here.parents[2] / "shared" / "corpus-dev", Path("/work/shared/corpus-dev")):
        if candidate.is_dir():
            return candidate
    return None


CORPUS_DEV = _corpus_dev()
DEV_PAGES = sorted(CORPUS_DEV.glob("*.html")) if CORPUS_DEV else []
CLUTTER_MARKERS = (
    "Baca juga",
    "Baca Juga",
    "BACA JUGA",
    "Baca:",
    "Berita Terkait",
    "Artikel Terkait",
    "Berita terkait",
    "Pewarta",
    "Editor:",
    "Penulis:",
    "Copyright",
    "COPYRIGHT",
    "©",
    "Tags:",
    "Tag:",
    "TAG:",
    "ADVERTISEMENT",
    "Bagikan",
    "Tinggalkan Balasan",
    "Komentar",
    "Alamat email",
    "Foto:",
    "ANTARA/HO",
    "Ilustrasi",
    "Terpopuler",
    "Hari ini:",
    "Halaman:",
    "sumber :",
    "Sumber:",
    "Rep:",
    "Red:",
)
DATELINE = re.compile(r"^.{2,60}?\s[-–—]{1,2}\s")


@pytest.mark.skipif(not DEV_PAGES, reason="shared corpus-dev pages not found")
@pytest.mark.parametrize("path", DEV_PAGES, ids=[p.stem for p in DEV_PAGES])
def test_corpus_dev_page_is_the_article_alone(path):
    art = load_article(str(path))
    body = art.text[art.body_start :]
    for marker in CLUTTER_MARKERS:
        assert marker not in art.text, marker

    page = fromstring(path.read_bytes())
    paragraphs = [" ".join(p.text_content().split()) for p in page.iter("p")]
    first = next(p for p in paragraphs if len(p) > 100 and DATELINE.match(p))
    assert body.split("\n\n")[0] == first or body.split("\n\n")[1] == first
    # Headlines of other stories (every link of four words or more) never reach the text.
    for link in page.iter("a"):
        headline = " ".join(link.text_content().split())
        if len(headline.split()) >= 4 and headline != art.title:
            assert headline not in art.text, headline
    for caption in page.xpath("//figcaption | //*[contains(@class, 'caption')]"):
        assert " ".join(caption.text_content().split()) not in art.text
