"""The Indonesian number reader: one table row per written form, and per non-quantity."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractor.errors import PatternError
from extractor.numbers import find_numbers, load_rules, parse_number, rules

# (written number, value)
PARSE_CASES = [
    ("2.860.701", 2860701),
    ("99,54", 99.54),
    ("99, 21 %", 99.21),
    ("99.21 persen", 99.21),
    ("94.31%", 94.31),
    ("1,2 juta", 1200000),
    ("186,87 juta jiwa", 186870000),
    ("250 ribu", 250000),
    ("500.000-an", 500000),
    ("2 juta-an", 2000000),
    ("192 jutaan", 192000000),
    ("lima persen", 5),
    ("seratus ribu", 100000),
    ("sejuta", 1000000),
    ("dua ratus ribu", 200000),
    ("10 ribu", 10000),
    ("10 Ribu", 10000),
    ("170. 194.798", 170194798),
    ("85.267", 85267),
    ("1.200", 1200),
    ("3,4 jutaan", 3400000),
    ("1,5 miliar", 1500000000),
    ("12.000 warga", 12000),
    ("100%", 100),
    ("1,1 juta", 1100000),
    ("1.234,5", 1234.5),
    ("1,234,567", 1234567),
    ("2.5 juta", 2500000),
    ("99.5", 99.5),
    ("0,5 persen", 0.5),
    ("dua puluh lima", 25),
    ("dua belas ribu", 12000),
    ("sebelas", 11),
    ("dua juta lima ratus ribu", 2500000),
    ("seratus lima puluh", 150),
    ("setengah juta", 500000),
    ("5 ratus ribu", 500000),
    ("11,29 perse", 11.29),
    ("7.464 dokumen", 7464),
    ("2019", 2019),
]


@pytest.mark.parametrize(("written", "value"), PARSE_CASES, ids=[c[0] for c in PARSE_CASES])
def test_parse_number(written: str, value: float) -> None:
    assert parse_number(written) == pytest.approx(value, rel=1e-12)


NOT_NUMBERS = [
    "",
    "jiwa",
    "abc",
    "4/11/2024",
    "0812-3456-7890",
    "14:30",
    "1.2.3",
    "Rp 300",
    "dua tiga",
    "ribu",
    "satu-satunya",
    "2.860.701 rupiah",
]


@pytest.mark.parametrize("written", NOT_NUMBERS, ids=[repr(w) for w in NOT_NUMBERS])
def test_parse_number_rejects(written: str) -> None:
    with pytest.raises(ValueError):
        parse_number(written)


# (sentence, mention text, value, kind, unit, approximate): the sentence holds exactly one
# quantity, the one named.
FIND_CASES = [
    ("sebanyak 2.860.701 jiwa sudah merekam", "2.860.701 jiwa", 2860701, "count", "people", False),
    ("mencapai 99,54 persen dari wajib KTP", "99,54 persen", 99.54, "percentage", "percent", False),
    ("capaian 99, 21 % dari target", "99, 21 %", 99.21, "percentage", "percent", False),
    ("capaian 99.21 persen dari target", "99.21 persen", 99.21, "percentage", "percent", False),
    ("sudah merekam (94.31%)", "94.31%", 94.31, "percentage", "percent", False),
    ("terdapat 1,2 juta penduduk", "1,2 juta penduduk", 1200000, "count", "people", False),
    ("wajib KTP 186,87 juta jiwa", "186,87 juta jiwa", 186870000, "count", "people", False),
    ("masih 250 ribu yang belum", "250 ribu", 250000, "count", None, False),
    ("tinggal 500.000-an orang", "500.000-an orang", 500000, "count", "people", True),
    ("tersisa 2 juta-an", "2 juta-an", 2000000, "count", None, True),
    ("dari total 192 jutaan orang", "192 jutaan orang", 192000000, "count", "people", True),
    ("meningkat lima persen", "lima persen", 5, "percentage", "percent", False),
    ("seratus ribu warga", "seratus ribu warga", 100000, "count", "people", False),
    ("sejuta KTP tercetak", "sejuta KTP", 1000000, "count", "documents", False),
    ("dua ratus ribu keping blangko", "dua ratus ribu keping", 200000, "count", "documents", False),
    ("sebanyak 10 ribu lembar", "10 ribu lembar", 10000, "count", "documents", False),
    ("yakni 170. 194.798 sudah diproses", "170. 194.798", 170194798, "count", None, False),
    ("dari 85.267 wajib e-KTP", "85.267", 85267, "count", None, False),
    ("sekitar 1.200 orang", "1.200 orang", 1200, "count", "people", True),
    ("tinggal 3,4 jutaan orang", "3,4 jutaan orang", 3400000, "count", "people", True),
    ("sebanyak 1,5 miliar", "1,5 miliar", 1500000000, "count", None, False),
    ("Baca juga: 12.000 Warga Belum Miliki KTP", "12.000 Warga", 12000, "count", "people", False),
    ("sudah 100% terekam", "100%", 100, "percentage", "percent", False),
    ("target 30 persen", "30 persen", 30, "percentage", "percent", False),
    ("tercatat 11,29 perse", "11,29 perse", 11.29, "percentage", "percent", False),
    ("naik 2 prosen", "2 prosen", 2, "percentage", "percent", False),
    ("sudah 96 Persen", "96 Persen", 96, "percentage", "percent", False),
    ("mencetak 5.000 keping", "5.000 keping", 5000, "count", "documents", False),
    ("menerbitkan 7.464 akta kelahiran", "7.464 akta", 7464, "count", "documents", False),
    ("sebanyak 3.717 wajib e-KTP", "3.717", 3717, "count", None, False),
    ("kurang lebih 30.000 anak", "30.000 anak", 30000, "count", "people", True),
    ("lebih dari 51 persen", "51 persen", 51, "percentage", "percent", True),
    ("hampir 90 persen", "90 persen", 90, "percentage", "percent", True),
    ("sekitar 10 juta", "10 juta", 10000000, "count", None, True),
    ("sebanyak 5.000 orang lebih", "5.000 orang", 5000, "count", "people", True),
    ("ada 2.000 pemilih baru", "2.000", 2000, "count", None, False),
    ("IKD bagi 156.639 warganya", "156.639", 156639, "count", None, False),
    ("sebanyak 1,5 juta KTP-el", "1,5 juta KTP-el", 1500000, "count", "documents", False),
    ("sekitar 2,5 juta jiwa", "2,5 juta jiwa", 2500000, "count", "people", True),
    ("baru 0,5 persen", "0,5 persen", 0.5, "percentage", "percent", False),
    ("sebanyak 1500 orang", "1500 orang", 1500, "count", "people", False),
    ("sebanyak 2019 orang", "2019 orang", 2019, "count", "people", False),
    ("mencapai 5.000 tahun ini", "5.000", 5000, "count", None, False),
    ("mencapai 1.234.567,89 jiwa", "1.234.567,89 jiwa", 1234567.89, "count", "people", False),
    ("mencapai 3.956.000", "3.956.000", 3956000, "count", None, False),
    ("sebanyak 12,5%", "12,5%", 12.5, "percentage", "percent", False),
    ("mencapai 1,234,567 orang", "1,234,567 orang", 1234567, "count", "people", False),
    ("dua puluh lima orang", "dua puluh lima orang", 25, "count", "people", False),
    ("naik dari 90 persen ke 95 persen", "90 persen", 90, "percentage", "percent", False),
    ("selesai. Kemudian 74 desa ikut", "74", 74, "count", None, False),
    ("Disdukcapil Tinggal 850 Lagi", "850", 850, "count", None, False),
    ("Kaltim Capai 99,54 Persen", "99,54 Persen", 99.54, "percentage", "percent", False),
    ("sebanyak 5.000 lebih yang belum", "5.000", 5000, "count", None, True),
    ("robot itu 50 persen lebih produktif", "50 persen", 50, "percentage", "percent", False),
    ("masih 1.500 dari 2.000", "1.500", 1500, "count", None, False),
    ("jumlahnya 5.000\n\nOrang tua datang", "5.000", 5000, "count", None, False),
    ("on Tuesday (November 3), 11 companies", "11", 11, "count", None, False),
]


@pytest.mark.parametrize(
    ("sentence", "text", "value", "kind", "unit", "approximate"),
    FIND_CASES,
    ids=[c[1] + " | " + c[0] for c in FIND_CASES],
)
def test_find_one_quantity(
    sentence: str, text: str, value: float, kind: str, unit: str | None, approximate: bool
) -> None:
    found = find_numbers(sentence)
    assert found, f"nothing found in {sentence!r}"
    mention = found[0]
    assert mention.text == text
    assert sentence[mention.start : mention.end] == mention.text
    assert mention.value == pytest.approx(value, rel=1e-12)
    assert (mention.kind, mention.unit, mention.approximate) == (kind, unit, approximate)
    if "ke 95" not in sentence and "dari 2.000" not in sentence:
        assert len(found) == 1, found


# (sentence, why): the sentence holds no quantity at all.
NOT_QUANTITIES = [
    ("Pada tahun 2024 perekaman naik", "year after tahun"),
    ("menjelang Pemilu 2019 lalu", "election year"),
    ("sejak 2018 silam", "bare year"),
    ("lahir 1985 di Makassar", "bare year"),
    ("sejak 1990-an", "decade"),
    ("anggaran Rp5,9 triliun", "money glued to Rp"),
    ("biaya Rp 300 ribu", "money with Rp"),
    ("sebesar Rp1.500.000", "money"),
    ("senilai Rp. 2,5 miliar", "money with Rp."),
    ("bantuan US$ 2 juta", "dollars before"),
    ("dana 5 juta rupiah", "rupiah after"),
    ("investasi 2 miliar dolar", "dolar after"),
    ("HUT ke-3 kabupaten", "hyphen ordinal"),
    ("tahap ke 4 pelayanan", "spaced ordinal"),
    ("berada di urutan ketiga", "word ordinal"),
    ("hubungi 0812-3456-7890", "mobile phone"),
    ("telepon (0541) 123456", "phone with area code"),
    ("WhatsApp +62 812 345 678", "international phone"),
    ("nomor 0812 3456 7890", "spaced phone"),
    ("Senin (4/11/2024) lalu", "date with slashes"),
    ("Rabu (26/12) kemarin", "day and month"),
    ("Senin (27 / 3) kemarin", "spaced slashes"),
    ("digelar 17-19 Januari 2019", "date range"),
    ("digelar 17–19 Januari", "date range with en dash"),
    ("pukul 08.00 WIB", "time"),
    ("sekitar 14.30 WITA", "time without pukul"),
    ("pukul 9 pagi", "hour"),
    ("pada 16 Oktober lalu", "day of month"),
    ("per 31 Des lalu", "day of abbreviated month"),
    ("remaja berusia 17 tahun", "age"),
    ("selama 3 bulan terakhir", "months"),
    ("dalam 5 hari kerja", "days"),
    ("selesai dalam 2 jam", "hours"),
    ("sejauh 10 km dari kota", "distance"),
    ("seberat 50 kg", "weight"),
    ("lahan 1.000 hektare", "area"),
    ("3 menit baca", "reading time"),
    ("layanan 1 x 24 jam", "round the clock"),
    ("dua puluh tahun lalu", "word duration"),
    ("Mounted Crane PK 53002 SH", "crane model"),
    ("pandemi Covid-19 melanda", "disease name"),
    ("UU Nomor 24 Tahun 2013", "law"),
    ("lihat No. 12 di atas", "number sign"),
    ("sesuai Pasal 3", "article of law"),
    ("diatur Perpres 96 Tahun 2018", "regulation"),
    ("berlokasi di KM 5 arah", "kilometre post"),
    ("tinggal di RT 05/RW 02", "neighbourhood"),
    ("tinggal di RT 5 RW 2", "neighbourhood without zeros"),
    ("program P4 dan G20", "codes glued to letters"),
    ("NIK 3201234567890001 miliknya", "identity number"),
    ("kantor di Lantai 2", "floor"),
    ("berada di peringkat 2", "rank"),
    ("pasangan nomor urut 1", "ballot number"),
    ("menjadi juara 1 lomba", "winner"),
    ("ponsel iPhone 15 baru", "model"),
    ("aplikasi versi 2.0 dirilis", "version"),
    ("aplikasi v2 dirilis", "version glued"),
    ("jaringan 4G tersedia", "glued letter after"),
    ("siswa SMAN 1 Palu", "school"),
    ("di TPS 12 Kelurahan", "polling station"),
    ("Kabupaten Lima Puluh Kota", "regency name"),
    ("Kabupaten 50 Kota", "regency name in digits"),
    ("Kepulauan Seribu", "regency name"),
    ("salah satu kabupaten", "lone word number"),
    ("dua kabupaten dan tiga kota", "lone word numbers"),
    ("satu-satunya daerah", "reduplicated word"),
    ("ribuan warga antre", "vague plural without number"),
    ("bab 3.2 tentang data", "section number"),
    ("skor 2:1 untuk tuan rumah", "score"),
    ("hasil imbang 2 - 1", "spaced score"),
    ("Ayat (1) menyebutkan", "clause in parentheses"),
    ("1. Kabupaten Kutai", "list item"),
    ("naik dua kali lipat", "times"),
    ("suhu 30 derajat", "temperature"),
    ("jalan 17 Agustus", "street named after a date"),
    ("pukul 10:30 WIB", "time with colon"),
    ("kartu grafis GeForce GTX 1080 baru", "model number"),
    ("ponsel Galaxy Note 8 dirilis", "model number below ten"),
    ("mobil berpelat BE 2844 CH itu", "licence plate"),
    ("formasi dengan 1-Navas di gawang", "squad number"),
    ("layar 5,5-inci penuh", "measure joined by a hyphen"),
    ("lagu era 90-an", "decade"),
    ("digelar 7 dan 8 Desember", "list of days"),
    ("gol Ronaldo (76 ') memastikan", "match minute"),
    ("Putusan Nomor 81/PUU-XV/2017", "decision number with slashes"),
    ("gelandang 24 tahun ini", "age before 'ini'"),
    ("gempa 6,6 SR mengguncang", "magnitude"),
    ("Idul Fitri 1438 H", "hijri year"),
    ("arus balik H+ 4 lebaran", "day after a holiday"),
    ("layar 120 Hz", "frequency"),
    ("diikuti 40 ribu rupiah", "money after a scale word"),
]


@pytest.mark.parametrize(
    ("sentence", "why"), NOT_QUANTITIES, ids=[c[1] + " | " + c[0] for c in NOT_QUANTITIES]
)
def test_not_a_quantity(sentence: str, why: str) -> None:
    assert find_numbers(sentence) == [], why


def test_offsets_and_order_in_an_article() -> None:
    text = (
        "Capaian KTP-el Kaltim 99,54 Persen\n\n"
        "SAMARINDA - Hingga Oktober 2024, sebanyak 2.860.701 jiwa sudah merekam, kata Sulekan, "
        "Senin (4/11/2024). Target IKD 30 persen, capaian baru 18,25 persen atau 156.639 orang. "
        "Info: 0812-3456-7890. Anggaran Rp 1,5 miliar."
    )
    found = find_numbers(text)
    assert [m.text for m in found] == [
        "99,54 Persen",
        "2.860.701 jiwa",
        "30 persen",
        "18,25 persen",
        "156.639 orang",
    ]
    for mention in found:
        assert text[mention.start : mention.end] == mention.text
    assert [m.start for m in found] == sorted(m.start for m in found)


def test_list_of_national_figures() -> None:
    text = (
        "1. Wajib KTP: 192.676.863 jiwa\n\n"
        "2. Sudah merekam: 189.253.247 jiwa (98.22%)\n\n"
        "3. Belum merekam: 3.423.616 jiwa (1,78%)"
    )
    assert [(m.text, m.value) for m in find_numbers(text)] == [
        ("192.676.863 jiwa", 192676863),
        ("189.253.247 jiwa", 189253247),
        ("98.22%", 98.22),
        ("3.423.616 jiwa", 3423616),
        ("1,78%", 1.78),
    ]


# ---------------------------------------------------------------------------
# The examples that patterns/numbers.jsonl carries

EXAMPLES = list(rules().examples)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["id"] for e in EXAMPLES])
def test_pattern_file_examples(example: dict) -> None:
    got = [
        {
            "text": m.text,
            "value": m.value,
            "kind": m.kind,
            "unit": m.unit,
            "approximate": m.approximate,
        }
        for m in find_numbers(example["text"])
    ]
    assert got == example["expect"]


def test_every_rule_has_an_id() -> None:
    assert all(rule["id"] for rule in load_rules())


BAD_PATTERN_FILES = [
    ('{"type": "scale", "words": ["juta"], "value": 1}', "'id'"),
    ('{"id": "x", "type": "nope"}', "unknown type"),
    ('{"id": "x", "type": "unit", "unit": "kg", "words": ["kg"]}', "'unit'"),
    ('{"id": "x", "type": "mask_regex", "regex": "("}', "bad regex"),
    ('{"id": "x", "type": "scale", "words": []}', "'words'"),
    ("not json", "not valid JSON"),
]


@pytest.mark.parametrize(
    ("line", "message"), BAD_PATTERN_FILES, ids=[b[1] for b in BAD_PATTERN_FILES]
)
def test_bad_pattern_file(tmp_path, line: str, message: str) -> None:
    path = tmp_path / "numbers.jsonl"
    path.write_text(
        json.dumps({"id": "ok", "type": "approx_after", "words": ["lebih"]}) + "\n" + line
    )
    with pytest.raises(PatternError, match=message) as info:
        load_rules(path)
    assert f"{path}:2" in str(info.value)


# ---------------------------------------------------------------------------
# Property: any number written the Indonesian way reads back to its value


def write_indonesian(cents: int) -> str:
    """Write cents/100 with thousands dots and, when not whole, a decimal comma."""
    whole, fraction = divmod(cents, 100)
    written = f"{whole:,}".replace(",", ".")
    if fraction:
        written += "," + f"{fraction:02d}".rstrip("0")
    return written


integers = st.integers(min_value=0, max_value=10**12).map(lambda n: n * 100)
decimals = st.integers(min_value=0, max_value=10**12 * 100)


@given(st.one_of(integers, decimals))
def test_indonesian_numbers_read_back(cents: int) -> None:
    written = write_indonesian(cents)
    expected = float(Decimal(cents) / 100)
    assert parse_number(written) == expected
    for template, unit in (("sebanyak {} jiwa", "people"), ("{} persen", "percent")):
        sentence = template.format(written)
        found = find_numbers(sentence)
        assert len(found) == 1, (sentence, found)
        assert found[0].value == expected
        assert found[0].unit == unit
        assert found[0].text.startswith(written)
