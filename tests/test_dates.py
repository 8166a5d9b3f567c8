"""Date finding and normalization: one row per written form.

The sentences are made up for these tests; each row says what must be found
(span, value, cue, weekday_form) against a given publication date.
"""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractor.dates import PATTERNS_PATH, DateReader, get_date_reader
from extractor.errors import PatternError


@pytest.fixture(scope="module")
def reader() -> DateReader:
    return get_date_reader()


def found(reader: DateReader, text: str, published: str | None) -> list[tuple]:
    return [(m.text, m.value, m.cue, m.weekday_form) for m in reader.find_dates(text, published)]


# (text, published, [(span, value, cue, weekday_form), ...])
FORMS = [
    # month and year, with the cue before it
    pytest.param("Capaian rekam KTP-el hingga Oktober 2024 naik tajam.", "2024-11-05",
                 [("Oktober 2024", "2024-10", "hingga", False)], id="hingga-month-year"),
    pytest.param("Jumlah itu tercatat sampai Maret 2022.", None,
                 [("Maret 2022", "2022-03", "sampai", False)], id="sampai-month-year"),
    pytest.param("Anggaran Desember 2023 sudah cair.", None,
                 [("Desember 2023", "2023-12", None, False)], id="month-year-no-cue"),
    pytest.param("Laporan Des 2023 menyebut angka baru.", None,
                 [("Des 2023", "2023-12", None, False)], id="month-abbreviation-year"),
    pytest.param("Data Juli 2021 dipakai sebagai dasar.", None,
                 [("Juli 2021", "2021-07", "data", False)], id="data-month-year"),
    pytest.param("Target itu berlaku mulai Januari 2025.", None,
                 [("Januari 2025", "2025-01", "sejak", False)], id="mulai-is-sejak"),
    pytest.param("Perekaman dipercepat s/d Agustus 2020.", None,
                 [("Agustus 2020", "2020-08", "sampai dengan", False)], id="s-slash-d"),
    pytest.param("Laporan bulan Mei 2019 diterbitkan.", None,
                 [("bulan Mei 2019", "2019-05", None, False)], id="bulan-month-year"),
    pytest.param("OKTOBER 2022 JADI BULAN TERSIBUK", None,
                 [("OKTOBER 2022", "2022-10", None, False)], id="upper-case-month"),
    pytest.param("Kunjungan pada Pebruari 2018 dan Nopember 2018.", None,
                 [("Pebruari 2018", "2018-02", "pada", False),
                  ("Nopember 2018", "2018-11", None, False)], id="old-spellings"),
    # day, month and year
    pytest.param("Cakupan per 24 Desember 2018 sudah 97 persen.", None,
                 [("24 Desember 2018", "2018-12-24", "per", False)], id="per-day-month-year"),
    pytest.param("Per 30 Juni 2023, sisa yang belum merekam 4.120 jiwa.", None,
                 [("30 Juni 2023", "2023-06-30", "per", False)], id="per-capitalized"),
    pytest.param("Rapat dijadwalkan pada tanggal 12 Mei 2022 di aula.", None,
                 [("tanggal 12 Mei 2022", "2022-05-12", "pada", False)], id="pada-tanggal"),
    pytest.param("Surat tertanggal 3 Februari 2020 itu beredar.", None,
                 [("3 Februari 2020", "2020-02-03", None, False)], id="day-month-year"),
    pytest.param("Blangko tiba 7 Sep 2021 di gudang.", None,
                 [("7 Sep 2021", "2021-09-07", None, False)], id="day-abbreviation-year"),
    pytest.param("Pelayanan keliling digelar pada 10-14 Maret 2023.", None,
                 [("10-14 Maret 2023", "2023-03-10", "pada", False)], id="day-range-first-day"),
    pytest.param("Formulir diterima 05/11/2024 pukul 10.00.", None,
                 [("05/11/2024", "2024-11-05", None, False)], id="numeric-day-first"),
    pytest.param("Tanggal unggah 2024-11-05 tercatat di sistem.", None,
                 [("2024-11-05", "2024-11-05", None, False)], id="iso"),
    pytest.param("Sejak 1 Januari lalu pelayanan dibuka Sabtu.", "2022-03-09",
                 [("1 Januari lalu", "2022-01-01", "sejak", False),
                  ("Sabtu", "2022-03-05", None, True)], id="day-month-lalu"),
    pytest.param("Peluncuran pada 20 Agustus mendatang.", "2021-09-01",
                 [("20 Agustus mendatang", "2022-08-20", "pada", False)], id="day-month-mendatang"),
    # part of a month or year
    pytest.param("Capaiannya sampai dengan akhir April 2024 sebesar 88 persen.", None,
                 [("akhir April 2024", "2024-04", "sampai dengan", False)], id="sd-akhir-month"),
    pytest.param("Per akhir Juni 2021 tercatat naik.", None,
                 [("akhir Juni 2021", "2021-06", "per", False)], id="per-akhir-month"),
    pytest.param("Sampai awal Agustus 2019 sudah 70 persen.", None,
                 [("awal Agustus 2019", "2019-08", "sampai", False)], id="awal-month"),
    pytest.param("Jumlah penduduk akhir 2022 naik tipis.", None,
                 [("akhir 2022", "2022-12", "akhir", False)], id="akhir-year"),
    pytest.param("Angka akhir tahun 2022 dirilis.", None,
                 [("akhir tahun 2022", "2022-12", "akhir", False)], id="akhir-tahun-year"),
    pytest.param("Programnya dimulai awal 2023.", None,
                 [("awal 2023", "2023-01", "awal", False)], id="awal-year-is-january"),
    pytest.param("Evaluasi pertengahan 2020 menunjukkan kenaikan.", None,
                 [("pertengahan 2020", "2020-06", None, False)], id="pertengahan-year"),
    pytest.param("Kami optimistis sampai akhir tahun target tercapai.", "2019-06-26",
                 [("akhir tahun", "2019-12", "sampai", False)], id="akhir-tahun-relative"),
    # semesters and quarters
    pytest.param("Menurut DKB semester II tahun 2021 jumlahnya 515.881 jiwa.", None,
                 [("semester II tahun 2021", "2021-12", "semester", False)],
                 id="semester-ii-tahun"),
    pytest.param("Data semester I 2024 menunjukkan kenaikan.", None,
                 [("semester I 2024", "2024-06", "data", False)], id="semester-i"),
    pytest.param("berdasarkan konsolidasi per semester 1/2018, jumlahnya naik", None,
                 [("semester 1/2018", "2018-06", "per", False)], id="semester-slash"),
    pytest.param("DKB Semester dua/2 Tahun 2022 dirilis.", None,
                 [("Semester dua/2 Tahun 2022", "2022-12", "semester", False)],
                 id="semester-word-and-digit"),
    pytest.param("Hasil semester pertama 2023 memuaskan.", None,
                 [("semester pertama 2023", "2023-06", "semester", False)], id="semester-pertama"),
    pytest.param("Layanan itu meluncur pada semester kedua tahun ini.", "2018-03-01",
                 [("semester kedua tahun ini", "2018-12", "pada", False)], id="semester-tahun-ini"),
    pytest.param("Hingga triwulan III 2023 realisasinya 61 persen.", None,
                 [("triwulan III 2023", "2023-09", "hingga", False)], id="quarter"),
    # years
    pytest.param("Target tahun 2023 belum tercapai.", None,
                 [("tahun 2023", "2023", "tahun", False)], id="tahun-year"),
    pytest.param("Sepanjang tahun 2019 dicetak 12.000 keping.", None,
                 [("tahun 2019", "2019", "sepanjang", False)], id="sepanjang-tahun"),
    pytest.param("Kontraknya berlaku hingga 2024.", None,
                 [("2024", "2024", "hingga", False)], id="hingga-year"),
    pytest.param("Selama 2020 kami menerbitkan 7.000 akta.", None,
                 [("2020", "2020", "selama", False)], id="selama-year"),
    pytest.param("Jumlahnya naik dibandingkan 2015 yang hanya 40 persen.", None,
                 [("2015", "2015", "dibandingkan", False)], id="dibandingkan-year"),
    pytest.param("sesuai UU Nomor 24 Tahun 2013 tentang Adminduk", None,
                 [("Tahun 2013", "2013", "tahun", False)], id="law-year-caller-filters"),
    pytest.param("Tahun ini kami menargetkan 25 persen.", "2023-04-13",
                 [("Tahun ini", "2023", "tahun", False)], id="tahun-ini"),
    pytest.param("Kenaikan bulan ini cukup tinggi.", "2023-04-13",
                 [("bulan ini", "2023-04", None, False)], id="bulan-ini"),
    pytest.param("Dibanding tahun lalu, jumlahnya naik.", "2023-04-13",
                 [("tahun lalu", "2022", "dibandingkan", False)], id="tahun-lalu"),
    pytest.param("Sisa blangko habis bulan lalu.", "2023-01-13",
                 [("bulan lalu", "2022-12", None, False)], id="bulan-lalu-across-year"),
    pytest.param("Anggaran tahun depan dinaikkan.", "2023-04-13",
                 [("tahun depan", "2024", "tahun", False)], id="tahun-depan"),
    # the day something was said or done
    pytest.param("Penghargaan diserahkan di Jakarta, Senin (4/11/2024).", "2024-11-05",
                 [("Senin (4/11/2024)", "2024-11-04", None, True)], id="weekday-numeric"),
    pytest.param("ujar Kepala Dinas, Kamis (25/1/2024), di kantornya", None,
                 [("Kamis (25/1/2024)", "2024-01-25", None, True)], id="weekday-numeric-no-base"),
    pytest.param("kata Sekda, Rabu (26/12).", "2019-01-05",
                 [("Rabu (26/12)", "2018-12-26", None, True)], id="yearless-last-year"),
    pytest.param("kata Sekda, Kamis (27/12).", "2018-12-26",
                 [("Kamis (27/12)", "2018-12-27", None, True)], id="yearless-this-year"),
    pytest.param("saat ditemui (16/10) di lapangan", "2019-10-17",
                 [("(16/10)", "2019-10-16", None, True)], id="paren-numeric"),
    pytest.param("jelasnya di Medan, Jumat ( 27 / 3 ).", "2020-03-28",
                 [("Jumat ( 27 / 3 )", "2020-03-27", None, True)], id="spaced-tokens"),
    pytest.param("ujarnya, Senin malam (9/9) di posko.", "2019-09-10",
                 [("Senin malam (9/9)", "2019-09-09", None, True)], id="weekday-time-of-day"),
    pytest.param("disampaikan (Selasa, 3/9) lewat rilis", "2019-09-04",
                 [("(Selasa, 3/9)", "2019-09-03", None, True)], id="weekday-inside-paren"),
    pytest.param("Rilis itu terbit Selasa, 5 November 2024 14:30 WIB.", None,
                 [("Selasa, 5 November 2024", "2024-11-05", None, True)], id="weekday-long-date"),
    pytest.param("kata Bupati, Sabtu (8/6/24).", None,
                 [("Sabtu (8/6/24)", "2024-06-08", None, True)], id="two-digit-year"),
    pytest.param("Data per Senin (5/4/2021) pukul 23.00 WIB mencatat 80 korban.", None,
                 [("Senin (5/4/2021)", "2021-04-05", "per", True)], id="per-weekday-date"),
    # relative to publication
    pytest.param("Hal itu diumumkan kemarin di Ambon.", "2024-11-05",
                 [("kemarin", "2024-11-04", None, False)], id="kemarin"),
    pytest.param("Hingga hari ini tercatat 120 pemohon.", "2024-11-05",
                 [("hari ini", "2024-11-05", "hingga", False)], id="hingga-hari-ini"),
    pytest.param("Pelayanan dibuka lagi besok pagi.", "2024-11-05",
                 [("besok pagi", "2024-11-06", None, False)], id="besok"),
    pytest.param("dalam rapat yang digelar Senin di kantor bupati", "2024-11-06",
                 [("Senin", "2024-11-04", None, True)], id="bare-weekday"),
    pytest.param("dalam rapat Selasa sore itu", "2024-11-05",
                 [("Selasa sore", "2024-11-05", None, True)], id="bare-weekday-same-day"),
    pytest.param("seperti disampaikan Jumat lalu", "2024-11-08",
                 [("Jumat lalu", "2024-11-01", None, True)], id="weekday-lalu-strictly-before"),
    pytest.param("akan dilantik Rabu depan", "2024-11-06",
                 [("Rabu depan", "2024-11-13", None, True)], id="weekday-depan"),
    pytest.param("ditutup pada hari Minggu", "2024-11-06",
                 [("Minggu", "2024-11-03", "pada", True)], id="hari-minggu"),
    pytest.param("Rekapitulasi rampung Mei lalu.", "2019-06-26",
                 [("Mei lalu", "2019-05", None, False)], id="month-lalu"),
    pytest.param("Kantor pindah pada Desember ini.", "2019-12-02",
                 [("Desember ini", "2019-12", "pada", False)], id="month-ini"),
    pytest.param("Pendataan dilakukan pada Juli, lalu diverifikasi.", "2023-10-01",
                 [("Juli", "2023-07", "pada", False)], id="pada-month-yearless"),
    pytest.param("Lebaran jatuh di bulan Juni tahun ini.", "2017-05-02",
                 [("bulan Juni tahun ini", "2017-06", "pada", False)], id="month-tahun-ini"),
    pytest.param("Rekap sementara hingga\nOktober 2024 naik", None,
                 [("Oktober 2024", "2024-10", None, False)], id="no-cue-across-lines"),
    pytest.param("di laut.\nTahun lalu, mereka", "2024-11-05",
                 [("Tahun lalu", "2023", "tahun", False)], id="span-starts-after-newline"),
    pytest.param("Acara dibuka 22 Mei di alun-alun.", "2019-05-19",
                 [("22 Mei", "2019-05-22", None, False)], id="day-month-nearest"),
]


@pytest.mark.parametrize(("text", "published", "expected"), FORMS)
def test_forms(reader: DateReader, text: str, published: str | None, expected: list) -> None:
    assert found(reader, text, published) == expected


NOT_DATES = [
    pytest.param("sebanyak 1,2 juta jiwa", id="decimal-scale"),
    pytest.param("mencapai 99,54 persen", id="percentage"),
    pytest.param("layanan dibuka 08.00 WIB", id="time-alone"),
    pytest.param("total 2.860.701 jiwa dan 2.018 anak", id="thousands"),
    pytest.param("anak berusia 17 tahun ke atas", id="age"),
    pytest.param("peringkat ke-3 se-provinsi", id="ordinal"),
    pytest.param("jelang Pemilu 2019 dan PON 2024", id="event-years"),
    pytest.param("hubungi 0812-3456-7890 atau (0274) 512345", id="phone"),
    pytest.param("hubungi 021-5551234", id="phone-dash"),
    pytest.param("dua Minggu terakhir dan Minggu lalu", id="minggu-is-week"),
    pytest.param("rumahnya di Pasar Minggu", id="place-name"),
    pytest.param("tiga tahun lalu dan jutaan tahun lalu", id="duration-back"),
    pytest.param("pada 2019 orang pemilih", id="count-after-cue"),
    pytest.param("era 1970-an hingga 2000-an", id="decades"),
    pytest.param("periode 2019-2024 dan tahun ajaran 2019/2020", id="year-ranges"),
    pytest.param("bertanding di Parc des Princes", id="abbreviation-as-word"),
    pytest.param("penyanyi April Jasmine tampil", id="month-as-name"),
    pytest.param("skor akhir 3.1 dan rasio 1/2", id="fractions-outside-paren"),
]


@pytest.mark.parametrize("text", NOT_DATES)
def test_not_dates(reader: DateReader, text: str) -> None:
    assert found(reader, text, "2024-11-05") == []


@pytest.mark.parametrize(("text", "published"), [
    pytest.param("batas waktu 31/2/2024", None, id="day-31-february"),
    pytest.param("kata dia, Senin (45/13).", "2024-11-05", id="impossible-weekday-date"),
    pytest.param("kata dia, Rabu (29/2).", "2023-03-01", id="29-february-no-leap-year-near"),
    pytest.param("semester III 2020", None, id="no-third-semester"),
])
def test_impossible_dates_are_skipped(reader: DateReader, text: str, published: str | None) -> None:
    assert found(reader, text, published) == []


@pytest.mark.parametrize("text", [
    pytest.param("kata dia kemarin", id="kemarin"),
    pytest.param("kata dia, Rabu (26/12).", id="yearless"),
    pytest.param("rapat Senin sore", id="bare-weekday"),
    pytest.param("tahun ini dan bulan lalu", id="relative-periods"),
])
def test_relative_forms_need_a_publication_date(reader: DateReader, text: str) -> None:
    assert found(reader, text, None) == []


def test_malformed_publication_date_is_treated_as_missing(reader: DateReader) -> None:
    assert found(reader, "kemarin, per 1 Mei 2020", "05/11/2024") == [
        ("1 Mei 2020", "2020-05-01", "per", False)]


def test_several_dates_in_order_with_offsets(reader: DateReader) -> None:
    text = ("Bupati menyerahkan piagam, Senin (4/11/2024). Hingga Oktober 2024 "
            "perekaman mencapai 98 persen, naik dari semester I 2024.")
    mentions = reader.find_dates(text, "2024-11-05")
    assert [m.value for m in mentions] == ["2024-11-04", "2024-10", "2024-06"]
    assert all(text[m.start:m.end] == m.text for m in mentions)


def test_process_wide_reader_and_cache(reader: DateReader) -> None:
    assert get_date_reader() is reader
    text = "kata dia, Rabu (26/12)."
    assert reader.find_dates(text, "2019-01-05") == reader.find_dates(text, "2019-01-05")
    # The cache is keyed on the base date too: the same words, another year.
    assert reader.find_dates(text, "2020-01-05")[0].value == "2019-12-26"


# ----------------------------------------------------------------- the pattern file

PATTERN_DATA = json.loads(PATTERNS_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize("example", PATTERN_DATA["examples"], ids=lambda e: e["id"])
def test_pattern_file_examples(reader: DateReader, example: dict) -> None:
    mentions = reader.find_dates(example["text"], example["published"])
    assert [(m.text, m.value, m.cue) for m in mentions] == [
        (example["date"], example["value"], example["cue"])]


@pytest.mark.parametrize("example", PATTERN_DATA["counterexamples"], ids=lambda e: e["id"])
def test_pattern_file_counterexamples(reader: DateReader, example: dict) -> None:
    assert reader.find_dates(example["text"], "2024-11-05") == []


def test_month_and_weekday_names_cover_dateparser_data(reader: DateReader) -> None:
    """Every Indonesian month and weekday word dateparser knows reads the same here."""
    from dateparser.data.date_translation_data import id as dateparser_id

    months = ["january", "february", "march", "april", "may", "june", "july", "august",
              "september", "october", "november", "december"]
    ours = {**reader.month_abbreviations, **reader.month_names}
    for number, name in enumerate(months, 1):
        for word in dateparser_id.info[name]:
            assert ours.get(word.lower()) == number, (name, word)
    days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    for number, name in enumerate(days):
        for word in dateparser_id.info[name]:
            if len(word) > 3:  # "sen", "min": abbreviations we do not read alone
                assert reader.weekday_names.get(word.lower()) == number, (name, word)


def test_full_dates_agree_with_dateparser(reader: DateReader) -> None:
    from dateparser.date import DateDataParser

    parser = DateDataParser(languages=["id"], settings={"DATE_ORDER": "DMY"})
    for text in ["5 November 2024", "31 Desember 2018", "17 Agustus 2045", "05/11/2024",
                 "1 Mei 2020"]:
        ours = reader.find_dates(text, None)[0].value
        theirs = parser.get_date_data(text).date_obj
        assert theirs is not None and ours == theirs.date().isoformat(), text


@pytest.mark.parametrize(("content", "message"), [
    pytest.param("{not json", "cannot read", id="not-json"),
    pytest.param('{"months": []}', "missing section", id="missing-section"),
])
def test_broken_pattern_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "dates.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PatternError, match=message):
        DateReader(path)


def test_pattern_entry_without_id(tmp_path: Path) -> None:
    data = json.loads(PATTERNS_PATH.read_text(encoding="utf-8"))
    del data["cues"][0]["id"]
    path = tmp_path / "dates.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(PatternError, match="has no id"):
        DateReader(path)


# ----------------------------------------------------------------- any text at all

WORDS = ["Senin", "Minggu", "(", ")", "/", "-", ",", ".", "per", "hingga", "akhir", "tahun",
         "semester", "II", "Mei", "Des", "2024", "1/2018", "26/12", "31", "45/13", "kemarin",
         "lalu", "ini", "bulan", "17", "2.860", "08.00", "Jumat", "sore", "1990-an"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(WORDS), st.text(string.printable, max_size=4)),
                max_size=25),
       st.sampled_from([None, "2024-02-29", "2019-01-05"]))
def test_any_text(reader: DateReader, words: list[str], published: str | None) -> None:
    text = " ".join(words)
    mentions = reader.find_dates(text, published)
    last_end = 0
    for mention in mentions:
        assert text[mention.start:mention.end] == mention.text
        assert mention.start >= last_end
        last_end = mention.end
        assert len(mention.value) in (4, 7, 10)
