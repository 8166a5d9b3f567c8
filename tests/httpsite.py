"""A generated Indonesian regional news site on 127.0.0.1, for tests and benchmarks.

    from tests.httpsite import NewsSite

    with NewsSite(articles=200, feeds=3, latency=0.1) as site:
        site.feed_urls, site.sitemap_url, site.article_urls, site.fault_urls
        site.add_articles(5)          # new items at the top of a feed and in the sitemaps
        site.log                      # every request: monotonic time, client, Host, method, path, status

Each site is a ``ThreadingHTTPServer`` on its own random port in a daemon
thread; several run at once without sharing anything. The content is written
here from templates (own sentences, real region names, random figures seeded
per site and article), so every run serves the same bytes and ETags.

What it serves: ``/robots.txt`` (a Disallow path, an optional Crawl-delay and
the sitemap), RSS 2.0 and Atom feeds (one per section), a sitemap index with a
Google News sitemap and a plain sitemap with ``lastmod``, article pages in
three templates (with ``rel=canonical``, an ``/amp`` variant and ``?page=all``)
with ETag, Last-Modified and 304 answers, and a fault at each path of
``FAULTS``. Nothing is copied from shared data sets.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import socket
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape

__all__ = ["FAULTS", "LoggedRequest", "NewsSite", "SiteArticle", "gzip_bomb"]

WIB = timezone(timedelta(hours=7))
BASE_TIME = datetime(2024, 3, 1, 7, 0, tzinfo=WIB)
HOURS_BETWEEN_ARTICLES = 7
METADATA_URL = "http://169.254.169.254/latest/meta-data/"

# name -> path. Each ends in its own recorded reason when crawled (see tests/test_fetch.py).
FAULTS = {
    "not_found": "/fault/hilang",  # 404
    "flaky": "/fault/flaky",  # 500 for the first `flaky_failures` requests of each path, then an article
    "rate_limited": "/fault/ramai",  # 429 with Retry-After: 1 the first time per path, then an article
    "unavailable": "/fault/pemeliharaan",  # 503 with an HTTP-date Retry-After (now + 1 s) once, then an article
    "retry_after_long": "/fault/sibuk",  # 503 with Retry-After: 3600, always
    "redirect_loop": "/fault/putar-a",  # 302 -> /fault/putar-b -> 302 -> /fault/putar-a
    "redirect_chain": "/fault/rantai/8",  # 8 redirects, then an article
    "slow": "/fault/lambat",  # headers only after `slow_seconds`, then an article
    "drip": "/fault/tetes",  # 200, then one byte every 0.1 s, never ending
    "huge": "/fault/besar",  # 50 MB with a Content-Length, streamed
    "endless": "/fault/tanpa-ujung",  # 50 MB without a Content-Length (ends when the connection closes)
    "gzip_bomb": "/fault/bom-gzip",  # Content-Encoding: gzip, about 1 MB that inflates to 1 GiB
    "not_xml_feed": "/fault/feed-rusak.xml",  # application/rss+xml that is HTML
    "cp1252": "/fault/cp1252",  # an article in windows-1252 bytes declared as UTF-8
    "metadata_redirect": "/fault/metadata",  # 302 to the cloud metadata address
    "image": "/fault/foto.png",  # image/png
    "private": "/private/draf-rahasia",  # an article behind robots.txt Disallow
}
HUGE_BYTES = 50 * 1024 * 1024
_FAULT_ARTICLE_IDS = {name: 100_000 + number for number, name in enumerate(FAULTS)}


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the server saw it; ``time`` is ``time.monotonic()`` at arrival."""

    time: float
    client: str
    host: str | None
    method: str
    path: str  # with the query string
    status: int
    user_agent: str | None
    conditional: bool  # If-None-Match or If-Modified-Since was sent


@dataclass(frozen=True)
class SiteArticle:
    """One article of a site: where it is and what a feed says about it."""

    id: int
    section: int  # index into the site's feeds
    path: str
    url: str
    title: str
    published: datetime  # aware, WIB
    template: str  # "klasik", "portal" or "ringkas"
    region: str

    @property
    def published_date(self) -> str:
        return self.published.date().isoformat()


# --- article text ---------------------------------------------------------------------------------

_REGIONS = [
    ("Kabupaten Bekasi", "Cikarang"), ("Kabupaten Bogor", "Cibinong"), ("Kota Bandung", "Bandung"),
    ("Kabupaten Sleman", "Sleman"), ("Kota Surabaya", "Surabaya"), ("Kabupaten Gresik", "Gresik"),
    ("Kabupaten Banyumas", "Purwokerto"), ("Kota Makassar", "Makassar"), ("Kabupaten Lombok Timur", "Selong"),
    ("Kota Pontianak", "Pontianak"), ("Kabupaten Kutai Kartanegara", "Tenggarong"),
    ("Kota Denpasar", "Denpasar"), ("Kabupaten Sidoarjo", "Sidoarjo"), ("Kabupaten Malang", "Kepanjen"),
    ("Kota Medan", "Medan"), ("Kabupaten Deli Serdang", "Lubuk Pakam"), ("Kota Padang", "Padang"),
    ("Kabupaten Garut", "Garut"), ("Kabupaten Cianjur", "Cianjur"), ("Kota Semarang", "Semarang"),
    ("Kabupaten Jember", "Jember"), ("Kota Palembang", "Palembang"), ("Kabupaten Tangerang", "Tigaraksa"),
    ("Kota Kupang", "Kupang"),
]
_CITIES = dict(_REGIONS)
_NAMES = ["Agus Setiawan", "Dewi Lestari", "Hendra Saputra", "Rina Marlina", "Bambang Sutrisno",
          "Yuliani Putri", "Fajar Nugroho", "Siti Rahmawati", "Made Suarsana", "Andi Pratama",
          "Lilis Suryani", "Teguh Wibowo"]
_REPORTERS = ["Nur Aini", "Rudi Hartono", "Putu Ayu", "Yoga Permana", "Ika Wulandari", "Dimas Arya"]
_MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
           "Oktober", "November", "Desember"]
_DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
_PLACES = ["kantor kecamatan", "balai desa", "pusat perbelanjaan", "sekolah menengah atas", "pondok pesantren",
           "rumah sakit umum daerah", "mal pelayanan publik", "kantor kelurahan"]
_SITE_NAMES = ["Kabar Nusantara", "Warta Daerah", "Suara Kabupaten", "Berita Pelosok", "Kabar Pesisir",
               "Lintas Kota", "Gema Desa", "Sorot Daerah", "Pantau Warga", "Jejak Kabar"]
_SECTIONS = ["daerah", "nasional", "pemerintahan", "layanan", "warga", "ekonomi"]


def _id_number(value: float, decimals: int = 0) -> str:
    """1234567.5 -> '1.234.567,50': Indonesian separators."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def _topic(rng: random.Random, region: str, city: str, when: datetime) -> tuple[str, list[str]]:
    """A title and the paragraphs that carry the figures, for one of five subjects."""
    month = f"{_MONTHS[when.month - 1]} {when.year}"
    day = f"{when.day} {month}"
    official = rng.choice(_NAMES)
    subject = rng.randrange(5)
    if subject == 0:
        eligible = rng.randrange(300_000, 3_000_000)
        share = rng.uniform(93, 99.6)
        recorded = int(eligible * share / 100)
        title = rng.choice([f"Perekaman KTP-el di {region} Capai {_id_number(share, 2)} Persen",
                            f"{_id_number(recorded)} Warga {region} Sudah Rekam KTP Elektronik",
                            f"Disdukcapil {region} Kejar Warga yang Belum Rekam KTP-el"])
        return title, [
            f"Dinas Kependudukan dan Pencatatan Sipil (Disdukcapil) {region} mencatat sebanyak "
            f"{_id_number(recorded)} jiwa telah melakukan perekaman KTP elektronik hingga {day}. Jumlah itu "
            f"setara {_id_number(share, 2)} persen dari {_id_number(eligible)} jiwa wajib KTP-el.",
            f"Kepala Disdukcapil {region}, {official}, mengatakan sisa warga yang belum merekam sebagian "
            f"besar adalah pemula yang baru berusia 17 tahun dan warga yang bekerja di luar daerah.",
        ]
    if subject == 1:
        target = rng.randrange(20_000, 400_000)
        share = rng.uniform(12, 48)
        activated = int(target * share / 100)
        title = rng.choice([f"Aktivasi IKD di {region} Baru {_id_number(share, 1)} Persen",
                            f"{region} Genjot Aktivasi Identitas Kependudukan Digital",
                            f"Warga {city} Diajak Aktivasi KTP Digital"])
        return title, [
            f"Hingga akhir {month}, sebanyak {_id_number(activated)} warga {region} sudah mengaktifkan "
            f"Identitas Kependudukan Digital (IKD) di ponsel mereka, atau {_id_number(share, 1)} persen dari "
            f"target {_id_number(target)} orang yang ditetapkan tahun ini.",
            f"Menurut {official}, kendala utama aktivasi IKD adalah warga yang belum memiliki ponsel pintar "
            f"dan sinyal internet yang lemah di sejumlah desa.",
        ]
    if subject == 2:
        issued = rng.randrange(5_000, 250_000)
        children = int(issued / rng.uniform(0.3, 0.8))
        title = rng.choice([f"{_id_number(issued)} Anak di {region} Sudah Punya KIA",
                            f"Disdukcapil {region} Terbitkan Kartu Identitas Anak di Sekolah"])
        return title, [
            f"Disdukcapil {region} telah menerbitkan {_id_number(issued)} keping Kartu Identitas Anak (KIA) "
            f"sampai {day}. Jumlah anak usia 0 sampai 17 tahun di daerah itu sekitar {_id_number(children)} "
            f"jiwa.",
            f"{official} menjelaskan bahwa KIA berguna untuk mendaftar sekolah, membuka tabungan dan "
            f"mengurus layanan kesehatan anak.",
        ]
    if subject == 3:
        issued = rng.randrange(2_000, 90_000)
        title = rng.choice([f"Layanan Akta Kelahiran di {region} Kini Bisa dari Rumah Sakit",
                            f"{_id_number(issued)} Akta Kelahiran Terbit di {region} Sepanjang {when.year}"])
        return title, [
            f"Sepanjang {when.year}, Disdukcapil {region} menerbitkan {_id_number(issued)} lembar akta "
            f"kelahiran. Sebagian besar diurus langsung oleh bidan dan rumah sakit setelah persalinan.",
            f"\u201cOrang tua tidak perlu lagi datang ke kantor dinas,\u201d kata {official}, kepala dinas "
            f"tersebut.",
        ]
    printed = rng.randrange(3_000, 120_000)
    title = rng.choice([f"Disdukcapil {region} Cetak {_id_number(printed)} Kartu Keluarga Baru",
                        f"Pemutakhiran Data Kartu Keluarga di {region} Berlanjut"])
    return title, [
        f"Selama {month}, Disdukcapil {region} mencetak {_id_number(printed)} lembar kartu keluarga (KK) baru "
        f"karena perubahan alamat, kelahiran dan perkawinan.",
        f"{official} meminta warga memeriksa kembali data pada kartu keluarga agar sesuai dengan data "
        f"kependudukan yang tercatat secara nasional.",
    ]


_OPENERS = [
    "Pelayanan dokumen kependudukan di {region} terus ditingkatkan sepanjang tahun ini.",
    "Pemerintah {region} menargetkan seluruh warga memiliki dokumen kependudukan yang lengkap.",
    "Antrean warga terlihat di {place} sejak pagi hari untuk mengurus dokumen kependudukan.",
    "Program pelayanan keliling kembali digelar di sejumlah kecamatan di {region}.",
    "Kesadaran warga {city} untuk mengurus administrasi kependudukan dinilai makin baik.",
    "Petugas dinas berkeliling ke desa terpencil agar warga tidak perlu datang jauh ke kota.",
    "Musim pendaftaran sekolah membuat permintaan dokumen kependudukan di {city} meningkat tajam.",
    "Sejumlah desa di {region} menggelar pendataan ulang penduduk bersama petugas dinas.",
    "Menjelang pemilihan kepala daerah, pemutakhiran data penduduk di {region} dipercepat.",
]
_SERVICES = [
    "Petugas juga membuka layanan jemput bola di {place} setiap akhir pekan.",
    "Layanan di {place} dibuka mulai pukul 08.00 hingga 15.00 waktu setempat.",
    "Warga lanjut usia dan penyandang disabilitas dilayani langsung di rumah masing-masing.",
    "Pelayanan dilakukan tanpa biaya, warga cukup membawa kartu keluarga asli.",
    "Dinas menambah dua unit mobil pelayanan keliling untuk menjangkau wilayah pesisir.",
    "Pengajuan juga bisa dilakukan secara daring melalui aplikasi yang disediakan pemerintah daerah.",
    "Setiap {place} mendapat jadwal kunjungan petugas secara bergiliran.",
    "Blangko yang sempat kosong kini sudah tersedia kembali dalam jumlah cukup.",
    "Petugas membawa alat perekaman portabel sehingga pelayanan bisa dilakukan di mana saja.",
    "Pemohon yang datang sebelum pukul 12.00 bisa menerima dokumennya pada hari yang sama.",
]
_APPEALS = [
    "Ia mengimbau warga yang belum mengurus dokumen agar segera datang sebelum batas waktu berakhir.",
    "Pihaknya berharap camat dan kepala desa ikut mendorong warga datang ke lokasi pelayanan.",
    "Warga diminta tidak menggunakan jasa calo karena seluruh layanan kependudukan gratis.",
    "Dinas juga bekerja sama dengan sekolah untuk mendata siswa yang belum memiliki dokumen.",
    "Ia menambahkan, data kependudukan yang akurat penting untuk bantuan sosial dan pemilihan umum.",
    "Menurutnya, kerja sama dengan perangkat desa menjadi kunci keberhasilan program tersebut.",
    "Warga yang pindah domisili diminta segera melapor agar datanya tidak ganda.",
    "Ia juga mengingatkan agar dokumen yang rusak atau hilang segera dilaporkan untuk dicetak ulang.",
]
_CLOSERS = [
    "Informasi lengkap mengenai jadwal pelayanan dapat dilihat di media sosial resmi dinas.",
    "Pemerintah daerah berencana menambah anggaran pelayanan kependudukan pada tahun depan.",
    "Evaluasi program akan dilakukan setiap tiga bulan bersama pemerintah provinsi.",
    "Warga yang mengalami kendala dapat menghubungi layanan pengaduan di kantor dinas.",
    "Hingga kini pelayanan masih berjalan normal meski jumlah pemohon terus bertambah.",
]


_DETAILS = [
    "Dalam sehari, petugas melayani sekitar {k} pemohon di {place}.",
    "Sejak awal bulan, {k} warga datang mengurus dokumen di {place}.",
    "Antrean paling panjang terjadi pada hari {day}, dengan {k} pemohon dalam satu hari.",
    "Dinas menyiapkan {n} petugas tambahan selama masa pelayanan keliling.",
    "Pelayanan keliling sudah menjangkau {n} kecamatan dari rencana semula.",
    "Tercatat {k} berkas masih menunggu verifikasi oleh petugas dinas.",
    "Waktu tunggu rata-rata kini sekitar {n} menit, lebih singkat dari tahun lalu.",
    "Ada {n} titik pelayanan baru yang dibuka di {place} dan sekitarnya.",
]


def _article_text(rng: random.Random, region: str, city: str, when: datetime) -> tuple[str, str, list[str]]:
    """Title, dateline city and paragraphs of one article, from independently chosen sentences.

    Sentences are drawn from pools and carry their own small random figures, so
    two articles of one site are far apart for the near-duplicate fingerprint
    (while one site seed served under two names gives exact syndicated copies).
    """
    title, facts = _topic(rng, region, city, when - timedelta(days=rng.randrange(1, 5)))
    place = rng.choice(_PLACES)

    def fill(sentence: str) -> str:
        return sentence.format(region=region, city=city, place=place, day=rng.choice(_DAYS),
                               k=rng.randrange(40, 900), n=rng.randrange(3, 40))

    opener = fill(rng.choice(_OPENERS))
    services = [fill(s) for s in rng.sample(_SERVICES, 2)]
    details = [fill(s) for s in rng.sample(_DETAILS, 3)]
    middle = [" ".join(services), " ".join(details[:2]), rng.choice(_APPEALS)]
    rng.shuffle(middle)
    paragraphs = [f"{opener} {facts[0]}", facts[1], *middle, f"{details[2]} {fill(rng.choice(_CLOSERS))}"]
    return title, city, paragraphs


def _slug(title: str) -> str:
    words = "".join(ch.lower() if ch.isalnum() else " " for ch in title).split()
    return "-".join(words)[:80]


# --- page templates -----------------------------------------------------------------------------

_NAV = ("<nav class=\"menu\"><a href=\"/\">Beranda</a> <a href=\"/berita/daerah\">Daerah</a> "
        "<a href=\"/berita/nasional\">Nasional</a> <a href=\"/indeks\">Indeks</a> "
        "<a href=\"/cari\">Cari</a></nav>")
_FOOTER = ("<footer><p>Redaksi | Pedoman Media Siber | Kontak | Karier</p>"
           "<p>&copy; 2024 {site}. Seluruh hak cipta dilindungi.</p></footer>")


def _render(template: str, *, site: str, base: str, path: str, title: str, city: str,
            paragraphs: list[str], published: datetime, author: str, related: list[tuple[str, str]],
            charset: str = "utf-8") -> str:
    canonical = f"{base}{path}"
    iso = published.isoformat()
    t = escape(title)
    paras = [escape(p) for p in paragraphs]
    related_html = "".join(f'<li><a href="{escape(u)}">{escape(x)}</a></li>' for u, x in related)
    footer = _FOOTER.format(site=escape(site))
    day = _DAYS[published.weekday()]
    if template == "klasik":
        body = f"<p>{paras[1]}</p>"
        if related:
            body += (f'<p><strong>Baca juga:</strong> <a href="{escape(related[0][0])}">'
                     f"{escape(related[0][1])}</a></p>")
        body += "".join(f"<p>{p}</p>" for p in paras[2:])
        return f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="{charset}"><title>{t} - {escape(site)}</title>
<meta property="og:title" content="{t}"><meta property="og:site_name" content="{escape(site)}">
<meta property="og:type" content="article"><meta property="article:published_time" content="{iso}">
<meta name="author" content="{escape(author)}">
<link rel="canonical" href="{canonical}"><link rel="amphtml" href="{canonical}/amp"></head>
<body>{_NAV}<div class="wrap"><article class="post">
<h1 class="entry-title">{t}</h1>
<div class="entry-meta">Oleh {escape(author)} |
<time class="entry-date" datetime="{iso}">{day}, {published:%d/%m/%Y %H:%M} WIB</time></div>
<div class="entry-content"><p><strong>{escape(city.upper())}</strong> &ndash; {paras[0]}</p>{body}</div>
<div class="tags">Tag: <a href="/tag/ktp-el">KTP-el</a> <a href="/tag/disdukcapil">Disdukcapil</a></div>
<div class="share">Bagikan: Facebook Twitter WhatsApp</div></article>
<aside><h3>Berita Terkait</h3><ul>{related_html}</ul></aside></div>{footer}</body></html>"""
    if template == "portal":
        month = _MONTHS[published.month - 1][:3]
        when = f"{day}, {published.day:02d} {month} {published.year} {published:%H:%M} WIB"
        middle = "".join(f"<p>{p}</p>" for p in paras[1:3])
        rest = "".join(f"<p>{p}</p>" for p in paras[3:])
        return f"""<!DOCTYPE html>
<html lang="id-ID"><head><meta charset="{charset}"><title>{t}</title>
<meta property="og:title" content="{t}"><meta property="og:site_name" content="{escape(site)}">
<meta name="publishdate" content="{published:%Y/%m/%d %H:%M:%S}">
<link rel="canonical" href="{canonical}"></head>
<body><header class="header"><div class="logo">{escape(site)}</div>{_NAV}</header>
<div class="container"><div class="column-8"><article class="detail">
<h1 class="detail__title">{t}</h1>
<div class="detail__author">{escape(author)} - {escape(site)}</div>
<div class="detail__date">{when}</div>
<div class="detail__body-text itp_bodycontent"><p><strong>{escape(city)}</strong> - {paras[0]}</p>
<div class="ads">ADVERTISEMENT</div><div class="ads">SCROLL TO CONTINUE WITH CONTENT</div>
{middle}<div class="lihat-juga"><strong>Lihat juga:</strong> {related_html}</div>{rest}
<p>(<em>{escape(author.split()[0].lower())}/red</em>)</p></div></article></div>
<div class="column-4"><h3>Terpopuler</h3><ol>{related_html}</ol></div></div>{footer}</body></html>"""
    body = "".join(f"<p>{p}</p>" for p in paras[1:])
    jsonld = (f'{{"@context":"https://schema.org","@type":"NewsArticle","headline":"{t}",'
              f'"datePublished":"{iso}","author":{{"@type":"Person","name":"{escape(author)}"}},'
              f'"publisher":{{"@type":"Organization","name":"{escape(site)}"}}}}')
    return f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="{charset}"><title>{t} | {escape(site)}</title>
<script type="application/ld+json">{jsonld}</script>
<link rel="canonical" href="{canonical}"></head>
<body>{_NAV}<main><div class="read__header"><h1 class="read__title">{t}</h1>
<div class="read__time">{escape(site)} - {published:%d/%m/%Y, %H:%M} WIB</div></div>
<div class="read__content">
<p><strong>{escape(city.upper())}, {escape(site.upper())}</strong> - {paras[0]}</p>{body}
<p>Simak berita dan artikel lainnya di Google News.</p></div>
<div class="read__paging"><a href="{canonical}?page=all">Tampilkan semua</a></div>
<div class="related"><h3>Berita lainnya</h3><ul>{related_html}</ul></div></main>{footer}</body></html>"""


# --- the gzip bomb, built once --------------------------------------------------------------------

_BOMB: dict[int, bytes] = {}
_BOMB_LOCK = threading.Lock()


def gzip_bomb(inflated: int = 1 << 30) -> bytes:
    """A valid gzip stream of ``inflated`` zero bytes (a multiple of 1 MiB), about 1/1000 its size.

    Built from one full-flushed deflate block of 1 MiB of zeros repeated: each
    block then compresses to the same bytes, so no gigabyte is ever compressed.
    """
    with _BOMB_LOCK:
        if inflated not in _BOMB:
            mib = 1 << 20
            chunks = max(1, inflated // mib)
            zeros = bytes(mib)
            compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
            block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
            final = compressor.flush()
            crc = 0
            for _ in range(chunks):
                crc = zlib.crc32(zeros, crc)
            header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
            trailer = struct.pack("<II", crc, (chunks * mib) & 0xFFFFFFFF)
            _BOMB[inflated] = header + block * chunks + final + trailer
        return _BOMB[inflated]


# --- the server -----------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, site: NewsSite) -> None:
        self.site = site
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that hang up mid-body are the point of several faults

    def drop_connections(self) -> None:
        with self.connections_lock:
            connections = list(self.connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "BeritaDaerah/1.0"
    timeout = 60
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.arrived = time.monotonic()
        self.logged = False
        try:
            self.server.site._handle(self)
        finally:
            if not self.logged:  # no answer was sent (the site stopped during a slow fault)
                self._log_request(0)

    def send_response(self, code: int, message: str | None = None) -> None:
        # Logged as the status line goes out, so the entry is there before the client has the answer.
        self._log_request(code)
        super().send_response(code, message)

    def _log_request(self, status: int) -> None:
        self.logged = True
        self.server.site._record(LoggedRequest(
            time=self.arrived, client=self.client_address[0], host=self.headers.get("Host"), method="GET",
            path=self.path, status=status, user_agent=self.headers.get("User-Agent"),
            conditional=bool(self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since"))))


class NewsSite:
    """One generated news site on 127.0.0.1 at a random port; a context manager.

    ``articles`` article pages spread over ``feeds`` sections (a feed each,
    RSS for even sections and Atom for odd ones) and listed in the sitemaps;
    ``latency`` seconds are slept before every answer; ``crawl_delay`` goes
    into robots.txt when set; ``feed_limit`` keeps only the newest items in
    each feed; ``gzip_sitemap`` serves the plain sitemap as ``.xml.gz``;
    ``tracking`` adds ``utm_`` parameters to feed links (the pages keep their
    canonical URL); ``robots_status`` other than 200 answers robots.txt with
    that status (404: no rules; 5xx: the host must be left alone).
    """

    def __init__(self, articles: int = 30, *, feeds: int = 3, name: str | None = None, seed: int = 0,
                 latency: float = 0.0, crawl_delay: float | None = None, feed_limit: int | None = None,
                 gzip_sitemap: bool = False, tracking: bool = False, flaky_failures: int = 1,
                 slow_seconds: float = 5.0, bomb_bytes: int = 1 << 30, robots_status: int = 200) -> None:
        if not 1 <= feeds <= len(_SECTIONS):
            raise ValueError(f"feeds must be between 1 and {len(_SECTIONS)}")
        self.seed = seed
        self.name = name or _SITE_NAMES[seed % len(_SITE_NAMES)] + ("" if seed < len(_SITE_NAMES) else f" {seed}")
        self.latency = latency
        self.crawl_delay = crawl_delay
        self.feed_limit = feed_limit
        self.gzip_sitemap = gzip_sitemap
        self.tracking = tracking
        self.flaky_failures = flaky_failures
        self.slow_seconds = slow_seconds
        self.bomb_bytes = bomb_bytes
        self.robots_status = robots_status
        self.sections = _SECTIONS[:feeds]
        self._lock = threading.Lock()
        self._log: list[LoggedRequest] = []
        self._counters: dict[str, int] = {}
        self._articles: list[SiteArticle] = []
        self._by_path: dict[str, SiteArticle] = {}
        self._pages: dict[tuple[int, str], bytes] = {}  # rendered once: stable ETags
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._initial = articles
        self.base_url = ""

    # --- lifecycle --------------------------------------------------------------------------------

    def start(self) -> NewsSite:
        self._server = _Server(self)
        host, port = self._server.server_address[:2]
        self.base_url = f"http://{host}:{port}"
        self.port = int(port)
        self.add_articles(self._initial)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"httpsite-{port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.drop_connections()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> NewsSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- what a test asks ---------------------------------------------------------------------

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    @property
    def host(self) -> str:
        """The Host header a client sends: ``127.0.0.1:PORT``."""
        return self.base_url.split("://", 1)[1]

    @property
    def articles(self) -> list[SiteArticle]:
        with self._lock:
            return list(self._articles)

    @property
    def article_urls(self) -> list[str]:
        return [a.url for a in self.articles]

    @property
    def feed_urls(self) -> list[str]:
        return [self.url(self._feed_path(i)) for i in range(len(self.sections))]

    @property
    def sitemap_url(self) -> str:
        """The sitemap index (it lists the news sitemap and the plain one)."""
        return self.url("/sitemap.xml")

    @property
    def news_sitemap_url(self) -> str:
        return self.url("/sitemap-news.xml")

    @property
    def plain_sitemap_url(self) -> str:
        return self.url("/sitemap-artikel.xml.gz" if self.gzip_sitemap else "/sitemap-artikel.xml")

    @property
    def robots_url(self) -> str:
        return self.url("/robots.txt")

    @property
    def fault_urls(self) -> dict[str, str]:
        return {name: self.url(path) for name, path in FAULTS.items()}

    @property
    def fault_feed_url(self) -> str:
        """An RSS feed whose items point at every fault, the private page and the metadata address."""
        return self.url("/feed/gangguan.xml")

    @property
    def log(self) -> list[LoggedRequest]:
        """Every finished request so far, in order of arrival."""
        with self._lock:
            return sorted(self._log, key=lambda r: r.time)

    def requests_to(self, path: str) -> list[LoggedRequest]:
        return [r for r in self.log if r.path.split("?")[0] == path]

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    def add_articles(self, count: int, *, section: int | None = None) -> list[SiteArticle]:
        """Publish ``count`` new articles, newer than every one before (round-robin over sections)."""
        added = []
        with self._lock:
            for _ in range(count):
                number = len(self._articles)
                article = self._make_article(number, number % len(self.sections) if section is None else section)
                self._articles.append(article)
                self._by_path[article.path] = article
                added.append(article)
        return added

    # --- content ------------------------------------------------------------------------------

    def _make_article(self, number: int, section: int, path: str | None = None) -> SiteArticle:
        rng = random.Random(f"{self.seed}:{number}")
        region, city = rng.choice(_REGIONS)
        published = BASE_TIME + timedelta(hours=HOURS_BETWEEN_ARTICLES * number, minutes=rng.randrange(60))
        title, _, _ = _article_text(random.Random(f"{self.seed}:{number}:text"), region, city, published)
        if path is None:
            path = (f"/berita/{self.sections[section]}/{published:%Y/%m/%d}/"
                    f"{_slug(title)}-{number + 1}")
        template = ("klasik", "portal", "ringkas")[number % 3]
        return SiteArticle(number, section, path, self.url(path), title, published, template, region)

    def _page(self, article: SiteArticle, variant: str = "") -> bytes:
        key = (article.id, variant)
        with self._lock:
            cached = self._pages.get(key)
        if cached is not None:
            return cached
        rng = random.Random(f"{self.seed}:{article.id}:text")
        title, city, paragraphs = _article_text(rng, article.region, _CITIES[article.region],
                                                article.published)
        author = _REPORTERS[article.id % len(_REPORTERS)]
        with self._lock:
            others = [a for a in self._articles if a.id != article.id][-3:]
        related = [(a.url, a.title) for a in others]
        if variant == "cp1252":
            # Curly quotes and accents: bytes that are not UTF-8 once encoded as windows-1252.
            paragraphs[1] += " \u201cKami bekerja sama dengan Ren\u00e9 dan tim caf\u00e9 desa,\u201d ujarnya."
        template = "klasik" if variant == "amp" else article.template
        html = _render(template, site=self.name, base=self.base_url, path=article.path, title=title, city=city,
                       paragraphs=paragraphs, published=article.published, author=author, related=related)
        data = html.encode("cp1252" if variant == "cp1252" else "utf-8")
        with self._lock:
            self._pages[key] = data
        return data

    def _fault_article(self, name: str) -> SiteArticle:
        number = _FAULT_ARTICLE_IDS[name]
        with self._lock:
            existing = self._by_path.get(FAULTS[name])
        return existing or self._make_article(number, 0, path=FAULTS[name])

    def _feed_path(self, section: int) -> str:
        kind = "rss" if section % 2 == 0 else "atom"
        return f"/feed/{self.sections[section]}.{'xml' if kind == 'rss' else 'atom'}"

    def _feed_items(self, section: int) -> list[SiteArticle]:
        items = sorted((a for a in self.articles if a.section == section), key=lambda a: a.published,
                       reverse=True)
        return items[: self.feed_limit] if self.feed_limit else items

    def _link(self, article: SiteArticle, medium: str) -> str:
        if not self.tracking:
            return article.url
        return f"{article.url}?utm_source={medium}&utm_medium=feed&utm_campaign=harian"

    def _rss(self, title: str, items: list[tuple[str, str, datetime, str]]) -> bytes:
        entries = "".join(
            f"<item><title>{escape(t)}</title><link>{escape(link)}</link>"
            f"<guid isPermaLink=\"false\">{escape(guid)}</guid>"
            f"<pubDate>{format_datetime(when)}</pubDate>"
            f"<description>{escape(t)}. Berita selengkapnya di {escape(self.name)}.</description></item>\n"
            for t, link, when, guid in items)
        newest = max((w for _, _, w, _ in items), default=BASE_TIME)
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
                f"<title>{escape(self.name)} - {escape(title)}</title><link>{self.base_url}/</link>"
                f"<description>Berita {escape(title)}</description><language>id</language>"
                f"<lastBuildDate>{format_datetime(newest)}</lastBuildDate>\n{entries}</channel></rss>\n").encode()

    def _feed(self, section: int) -> bytes:
        items = self._feed_items(section)
        if section % 2 == 0:
            return self._rss(self.sections[section],
                             [(a.title, self._link(a, "rss"), a.published, f"{self.host}-{a.id}") for a in items])
        newest = max((a.published for a in items), default=BASE_TIME)
        entries = "".join(
            f"<entry><id>tag:{self.host},2024:{a.id}</id><title>{escape(a.title)}</title>"
            f'<link rel="alternate" href="{escape(self._link(a, "atom"))}"/>'
            f"<published>{a.published.isoformat()}</published><updated>{a.published.isoformat()}</updated>"
            f"<summary>{escape(a.title)}.</summary></entry>\n" for a in items)
        return (f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
                f"<title>{escape(self.name)} - {self.sections[section]}</title>"
                f"<id>{self.base_url}/feed/{self.sections[section]}</id>"
                f'<link rel="self" href="{self.url(self._feed_path(section))}"/>'
                f"<updated>{newest.isoformat()}</updated>\n{entries}</feed>\n").encode()

    def _fault_feed(self) -> bytes:
        items = [(f"Gangguan {name}", self.url(path), BASE_TIME + timedelta(hours=n), f"fault-{name}")
                 for n, (name, path) in enumerate(FAULTS.items())]
        items.append(("Data instansi", METADATA_URL + "iam/", BASE_TIME, "fault-metadata-direct"))
        return self._rss("gangguan", items)

    def _sitemap_index(self) -> bytes:
        newest = self._newest().isoformat()
        parts = "".join(f"<sitemap><loc>{url}</loc><lastmod>{newest}</lastmod></sitemap>"
                        for url in (self.news_sitemap_url, self.plain_sitemap_url))
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{parts}</sitemapindex>\n'
                ).encode()

    def _news_sitemap(self) -> bytes:
        urls = "".join(
            f"<url><loc>{escape(a.url)}</loc><news:news><news:publication><news:name>{escape(self.name)}"
            f"</news:name><news:language>id</news:language></news:publication>"
            f"<news:publication_date>{a.published.isoformat()}</news:publication_date>"
            f"<news:title>{escape(a.title)}</news:title></news:news></url>\n"
            for a in sorted(self.articles, key=lambda a: a.published, reverse=True))
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/'
                f'sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n{urls}</urlset>\n'
                ).encode()

    def _plain_sitemap(self) -> bytes:
        urls = "".join(f"<url><loc>{escape(a.url)}</loc><lastmod>{a.published.isoformat()}</lastmod></url>\n"
                       for a in self.articles)
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n').encode()

    def _robots(self) -> bytes:
        lines = ["User-agent: *", "Disallow: /private/", "Disallow: /cari"]
        if self.crawl_delay is not None:
            lines.append(f"Crawl-delay: {self.crawl_delay:g}")
        lines += ["", "User-agent: BadBot", "Disallow: /", "", f"Sitemap: {self.sitemap_url}", ""]
        return "\n".join(lines).encode()

    def _newest(self) -> datetime:
        return max((a.published for a in self.articles), default=BASE_TIME)

    # --- request handling ---------------------------------------------------------------------

    def _record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._log.append(entry)

    def _count(self, path: str) -> int:
        """How many times this exact path was asked for, this one included."""
        with self._lock:
            self._counters[path] = self._counters.get(path, 0) + 1
            return self._counters[path]

    def _handle(self, h: _Handler) -> None:
        if self.latency and self._stopping.wait(self.latency):
            return
        path, _, _ = h.path.partition("?")
        xml = "application/xml; charset=utf-8"
        if path == "/robots.txt" and self.robots_status != 200:
            return self._send(h, self.robots_status, b"<h1>robots.txt</h1>", "text/html", cache=False)
        if path == "/robots.txt":
            return self._send(h, 200, self._robots(), "text/plain; charset=utf-8", modified=self._newest())
        if path == "/sitemap.xml":
            return self._send(h, 200, self._sitemap_index(), xml, modified=self._newest())
        if path == "/sitemap-news.xml":
            return self._send(h, 200, self._news_sitemap(), xml, modified=self._newest())
        if path == "/sitemap-artikel.xml" and not self.gzip_sitemap:
            return self._send(h, 200, self._plain_sitemap(), xml, modified=self._newest())
        if path == "/sitemap-artikel.xml.gz" and self.gzip_sitemap:
            packed = zlib.compressobj(6, zlib.DEFLATED, 31)
            data = packed.compress(self._plain_sitemap()) + packed.flush()
            return self._send(h, 200, data, "application/gzip", modified=self._newest())
        for section in range(len(self.sections)):
            if path == self._feed_path(section):
                kind = "application/rss+xml" if section % 2 == 0 else "application/atom+xml"
                return self._send(h, 200, self._feed(section), f"{kind}; charset=utf-8", modified=self._newest())
        if path == "/feed/gangguan.xml":
            return self._send(h, 200, self._fault_feed(), "application/rss+xml; charset=utf-8")
        if path.startswith("/fault/") or path.startswith("/private/"):
            return self._fault(h, path)
        if path.startswith("/go/") and path[4:].isdigit():
            number = int(path[4:])
            articles = self.articles
            if number < len(articles):
                return self._redirect(h, 301, articles[number].url)
        variant = ""
        if path.endswith("/amp"):
            path, variant = path[: -len("/amp")], "amp"
        with self._lock:
            article = self._by_path.get(path)
        if article is None:
            return self._send(h, 404, b"<html><body><h1>Halaman tidak ditemukan</h1></body></html>",
                              "text/html; charset=utf-8", cache=False)
        return self._send(h, 200, self._page(article, variant), "text/html; charset=utf-8",
                          modified=article.published)

    def _fault(self, h: _Handler, path: str) -> None:
        html = "text/html; charset=utf-8"
        if path == FAULTS["private"]:
            return self._send(h, 200, self._page(self._fault_article("private")), html)
        if path.startswith(FAULTS["flaky"]):
            if self._count(path) <= self.flaky_failures:
                return self._send(h, 500, b"<h1>Internal Server Error</h1>", html, cache=False)
            return self._send(h, 200, self._page(self._fault_article("flaky")), html)
        if path.startswith(FAULTS["rate_limited"]):
            if self._count(path) == 1:
                return self._send(h, 429, b"<h1>Terlalu banyak permintaan</h1>", html, cache=False,
                                  extra={"Retry-After": "1"})
            return self._send(h, 200, self._page(self._fault_article("rate_limited")), html)
        if path.startswith(FAULTS["unavailable"]):
            if self._count(path) == 1:
                when = format_datetime(datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2),
                                       usegmt=True)
                return self._send(h, 503, b"<h1>Sedang pemeliharaan</h1>", html, cache=False,
                                  extra={"Retry-After": when})
            return self._send(h, 200, self._page(self._fault_article("unavailable")), html)
        if path == FAULTS["retry_after_long"]:
            return self._send(h, 503, b"<h1>Sibuk</h1>", html, cache=False, extra={"Retry-After": "3600"})
        if path in ("/fault/putar-a", "/fault/putar-b"):
            return self._redirect(h, 302, self.url("/fault/putar-b" if path.endswith("a") else "/fault/putar-a"))
        if path.startswith("/fault/rantai/"):
            left = int(path.rsplit("/", 1)[1] or 0)
            if left > 0:
                return self._redirect(h, 302, f"/fault/rantai/{left - 1}")  # relative on purpose
            first = self.articles[0].url if self.articles else self.url("/")
            return self._redirect(h, 302, first)
        if path == FAULTS["slow"]:
            if self._stopping.wait(self.slow_seconds):
                return None
            return self._send(h, 200, self._page(self._fault_article("slow")), html)
        if path == FAULTS["drip"]:
            h.close_connection = True
            h.send_response(200)
            h.send_header("Content-Type", html)
            h.send_header("Connection", "close")
            h.end_headers()
            h.wfile.write(b"<html><body>")
            for _ in range(6000):  # ten minutes at most
                if self._stopping.wait(0.1):
                    break
                h.wfile.write(b".")
                h.wfile.flush()
            return None
        if path in (FAULTS["huge"], FAULTS["endless"]):
            return self._stream(h, html, HUGE_BYTES, with_length=path == FAULTS["huge"])
        if path == FAULTS["gzip_bomb"]:
            return self._send(h, 200, gzip_bomb(self.bomb_bytes), html, cache=False,
                              extra={"Content-Encoding": "gzip"})
        if path == FAULTS["not_xml_feed"]:
            return self._send(h, 200, b"<!DOCTYPE html><html><body><p>Maaf, layanan RSS sedang tidak tersedia."
                              b"</p><p>Silakan kembali lagi nanti.</body></html>",
                              "application/rss+xml; charset=utf-8")
        if path == FAULTS["cp1252"]:
            return self._send(h, 200, self._page(self._fault_article("cp1252"), "cp1252"), html)
        if path == FAULTS["metadata_redirect"]:
            return self._redirect(h, 302, METADATA_URL)
        if path == FAULTS["image"]:
            png = b"\x89PNG\r\n\x1a\n" + bytes(64)
            return self._send(h, 200, png, "image/png")
        return self._send(h, 404, b"<h1>Halaman tidak ditemukan</h1>", html, cache=False)

    def _send(self, h: _Handler, status: int, body: bytes, content_type: str, *, cache: bool = True,
              modified: datetime | None = None, extra: dict[str, str] | None = None) -> None:
        headers = dict(extra or {})
        if status == 200 and cache:
            etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
            headers["ETag"] = etag
            if modified is not None:
                headers["Last-Modified"] = format_datetime(modified.astimezone(UTC), usegmt=True)
            if self._fresh(h, etag, modified):
                h.send_response(304)
                for name, value in headers.items():
                    h.send_header(name, value)
                h.send_header("Content-Length", "0")
                h.end_headers()
                return
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            h.send_header(name, value)
        h.end_headers()
        h.wfile.write(body)

    @staticmethod
    def _fresh(h: _Handler, etag: str, modified: datetime | None) -> bool:
        match = h.headers.get("If-None-Match")
        if match is not None:
            tags = [t.strip().removeprefix("W/") for t in match.split(",")]
            return "*" in tags or etag in tags
        since = h.headers.get("If-Modified-Since")
        if since and modified is not None:
            try:
                return modified.replace(microsecond=0) <= parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
        return False

    def _redirect(self, h: _Handler, status: int, location: str) -> None:
        h.send_response(status)
        h.send_header("Location", location)
        h.send_header("Content-Length", "0")
        h.end_headers()

    def _stream(self, h: _Handler, content_type: str, size: int, *, with_length: bool) -> None:
        """``size`` bytes of an endless page, written from a generator, never held in memory."""
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        if with_length:
            h.send_header("Content-Length", str(size))
        else:
            h.close_connection = True
            h.send_header("Connection", "close")
        h.end_headers()
        for chunk in _filler(size):
            if self._stopping.is_set():
                break
            h.wfile.write(chunk)


def _filler(size: int) -> Iterator[bytes]:
    block = (b"<p>Berita ini sangat panjang dan tidak pernah selesai. " * 1200)[:64 * 1024]
    for start in itertools.count(0, len(block)):
        if start >= size:
            return
        yield block[: size - start]
