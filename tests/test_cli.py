"""The command line end to end: bad input, the extract contract, ingest, evaluate, help.

Commands run in-process through click's ``CliRunner`` (the pipeline is built once
per session); one test runs ``cli.py`` as a real process for its stderr and exit
status. Every fact of every article in ``corpus/`` and in the shared corpus-dev
is checked against the spec's provenance rules: ``text == article[start:end]``.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from cli import cli
from extractor.regions import get_gazetteer
from extractor.store import open_store

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
BAD = Path(__file__).resolve().parent / "fixtures" / "bad"
ARTICLE_SUFFIXES = (".html", ".htm", ".txt")

ARTICLE_FIELDS = {"url", "title", "published", "site", "text", "regions", "facts", "awards"}
FACT_FIELDS = {
    "kind", "indicator", "value", "unit", "role", "region_code", "region", "region_level",
    "province_code", "province", "as_of", "text", "start", "end", "sentence",
}
AWARD_FIELDS = {
    "recipient", "recipient_region_code", "giver", "name", "date", "sentence", "start", "end",
}
REGION_FIELDS = {"code", "name", "level", "mentions"}
KINDS = {"count": {"people", "documents"}, "percentage": {"percent"}}
INDICATORS = {
    "ktp_el_recorded", "ktp_el_eligible", "ktp_el_printed", "ikd_activated", "kia",
    "birth_certificate", "family_card", "population",
}
ROLES = {"actual", "target", "remaining"}
LEVELS = {"country", "province", "regency", "city"}
AS_OF = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")

GOOD_TXT = CORPUS / "txt_dki_ikd.txt"
GOOD_HTML = CORPUS / "html_bekasi_ktp_el.html"
UNREADABLE_DATE = BAD / "unreadable_date.html"


def invoke(*args: Any) -> Result:
    """Run the CLI in-process; a crash (anything but a clean exit) fails the test loudly."""
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def json_lines(result: Result) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def article_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in ARTICLE_SUFFIXES)


def read_key(folder: Path) -> dict[str, dict[str, Any]]:
    with (folder / "gold.jsonl").open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return {row["id"]: row for row in rows}


# --------------------------------------------------------------------------- bad input

BAD_INPUTS = [
    pytest.param(BAD / "empty.html", r"empty", id="empty"),
    pytest.param(BAD / "binary.bin", r"binary", id="binary"),
    pytest.param(BAD / "document.pdf", r"PDF", id="pdf"),
    pytest.param(
        BAD / "broken.html",
        r"no article text|not readable as HTML|characters of article text",
        id="broken-html",
    ),
    pytest.param(BAD / "english.html", r"not an Indonesian article", id="english"),
    pytest.param(
        BAD / "no_article.html", r"no article text|index or navigation page", id="no-article"
    ),
    pytest.param(BAD / "does_not_exist.html", r"no such file", id="missing"),
]


@pytest.mark.parametrize(("path", "reason"), BAD_INPUTS)
def test_bad_input_gives_one_error_line(fact_finder, path, reason):
    result = invoke("extract", path)
    assert result.exit_code == 1, result.output
    lines = json_lines(result)
    assert len(lines) == 1, result.stdout
    assert set(lines[0]) == {"input", "error"}
    assert lines[0]["input"] == str(path)
    assert str(path) in lines[0]["error"], "the error names its input"
    assert re.search(reason, lines[0]["error"]), lines[0]["error"]


def test_folder_without_articles_is_an_error(fact_finder, tmp_path):
    """A folder that holds no article file is bad input, not a silent success."""
    (tmp_path / "notes.md").write_text("nothing to read here\n", encoding="utf-8")
    result = invoke("extract", tmp_path)
    lines = json_lines(result)
    assert result.exit_code == 1, result.output
    assert len(lines) == 1 and lines[0]["input"] == str(tmp_path), result.stdout
    assert str(tmp_path) in lines[0]["error"]


def test_mixed_batch_keeps_input_order(fact_finder, corpus_lines):
    inputs = [GOOD_TXT, BAD / "empty.html", GOOD_HTML, BAD / "document.pdf", BAD / "english.html"]
    result = invoke("extract", *inputs)
    assert result.exit_code == 1, result.output
    lines = json_lines(result)
    assert len(lines) == len(inputs), result.stdout
    by_path = {path: line for path, line in corpus_lines}
    for path, line in zip(inputs, lines, strict=True):
        if path.parent == CORPUS:
            assert "error" not in line, line
            assert set(line) == ARTICLE_FIELDS
            # The same article as read from the folder (where the key adds url and date).
            assert line["text"] == by_path[path]["text"]
            assert line["title"] == by_path[path]["title"]
        else:
            assert line["input"] == str(path)
            assert str(path) in line["error"]


def test_unreadable_metadata_date_is_left_empty_with_a_warning(fact_finder, caplog):
    with caplog.at_level(logging.WARNING):
        result = invoke("extract", UNREADABLE_DATE)
    assert result.exit_code == 0, result.output
    [line] = json_lines(result)
    assert line["published"] is None
    assert line["title"].startswith("Perekaman KTP-el di Kabupaten Purbalingga")
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any(
        str(UNREADABLE_DATE) in message and "date" in message.lower() for message in warnings
    ), f"no warning about the unreadable date; warnings were {warnings}"


def test_real_process_stderr_and_exit_status():
    """The one real process: what a user sees on stdout and stderr, and the exit status."""
    inputs = [GOOD_TXT, BAD / "empty.html", UNREADABLE_DATE]
    done = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "extract", *map(str, inputs)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [("error" in line) for line in lines] == [False, True, False]
    assert lines[2]["published"] is None
    stderr_lines = done.stderr.splitlines()
    assert any(str(BAD / "empty.html") in s and "empty" in s for s in stderr_lines), done.stderr
    assert any(
        str(UNREADABLE_DATE) in s and "date" in s.lower() for s in stderr_lines
    ), f"no warning about the unreadable date on stderr:\n{done.stderr}"


def test_pdf_fixture_is_a_well_formed_pdf():
    """The PDF is refused for being a PDF, not for being broken: its xref table is right."""
    data = (BAD / "document.pdf").read_bytes()
    assert data.startswith(b"%PDF-1.") and data.rstrip().endswith(b"%%EOF")
    xref_at = int(re.search(rb"startxref\s+(\d+)", data).group(1))
    assert data[xref_at:].startswith(b"xref")
    entries = re.findall(rb"(\d{10}) 00000 n ", data[xref_at:])
    assert entries
    for number, offset in enumerate(entries, 1):
        assert data[int(offset):].startswith(b"%d 0 obj" % number)


# --------------------------------------------------------------------------- extract output


def _extract_folder(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    result = invoke("extract", folder)
    lines = json_lines(result)
    files = article_files(folder)
    assert len(lines) == len(files), f"{len(lines)} lines for {len(files)} files in {folder}"
    return list(zip(files, lines, strict=True))


@pytest.fixture(scope="module")
def corpus_lines(fact_finder) -> list[tuple[Path, dict[str, Any]]]:
    return _extract_folder(CORPUS)


@pytest.fixture(scope="module")
def dev_lines(fact_finder, corpus_dev) -> list[tuple[Path, dict[str, Any]]]:
    return _extract_folder(corpus_dev)


@pytest.fixture(params=["corpus", "corpus-dev"])
def folder_lines(request) -> list[tuple[Path, dict[str, Any]]]:
    return request.getfixturevalue("corpus_lines" if request.param == "corpus" else "dev_lines")


def test_every_article_file_is_read(folder_lines):
    errors = [f"{path.name}: {line['error']}" for path, line in folder_lines if "error" in line]
    assert not errors, "\n".join(errors)


def test_folder_key_gives_url_and_date(folder_lines):
    key = read_key(folder_lines[0][0].parent)
    for path, line in folder_lines:
        if "error" in line:
            continue
        assert line["published"] == key[path.stem]["published"], path.name
        assert line["url"] == key[path.stem]["url"], path.name


def test_txt_title_is_its_first_line(folder_lines):
    for path, line in folder_lines:
        if path.suffix == ".txt" and "error" not in line:
            first = next(s for s in path.read_text(encoding="utf-8").splitlines() if s.strip())
            assert line["title"] == " ".join(first.split()), path.name
            assert line["text"].startswith(line["title"] + "\n\n"), path.name


def test_output_follows_the_spec(folder_lines):
    """Field names, vocabularies, and region names as the gazetteer has them."""
    gazetteer = get_gazetteer()
    problems: list[str] = []
    for path, line in folder_lines:
        if "error" in line:
            continue
        where = path.name
        if set(line) != ARTICLE_FIELDS:
            problems.append(f"{where}: article fields {sorted(line)}")
        if line["published"] is not None:
            date.fromisoformat(line["published"])
        for region in line["regions"]:
            if set(region) != REGION_FIELDS:
                problems.append(f"{where}: region fields {sorted(region)}")
        for fact in line["facts"]:
            tag = f"{where}: {fact.get('text')!r}"
            if set(fact) != FACT_FIELDS:
                problems.append(f"{tag}: fields {sorted(set(fact) ^ FACT_FIELDS)} differ")
                continue
            if fact["unit"] not in KINDS.get(fact["kind"], ()):
                problems.append(f"{tag}: kind {fact['kind']!r} with unit {fact['unit']!r}")
            if fact["indicator"] not in INDICATORS:
                problems.append(f"{tag}: indicator {fact['indicator']!r}")
            if fact["role"] not in ROLES:
                problems.append(f"{tag}: role {fact['role']!r}")
            if isinstance(fact["value"], bool) or not isinstance(fact["value"], int | float):
                problems.append(f"{tag}: value {fact['value']!r} is not a number")
            if fact["as_of"] is not None and not AS_OF.match(fact["as_of"]):
                problems.append(f"{tag}: as_of {fact['as_of']!r}")
            try:
                region = gazetteer.get(fact["region_code"])
            except KeyError:
                problems.append(f"{tag}: region_code {fact['region_code']!r} unknown")
                continue
            expected = (region.name, region.level, region.province_code, region.province)
            found = (fact["region"], fact["region_level"], fact["province_code"], fact["province"])
            if found != expected:
                problems.append(f"{tag}: region fields {found} != gazetteer {expected}")
        for award in line["awards"]:
            if set(award) != AWARD_FIELDS:
                problems.append(f"{where}: award fields {sorted(set(award) ^ AWARD_FIELDS)}")
    assert not problems, "\n".join(problems)


def test_every_fact_and_award_points_at_its_text(folder_lines):
    """Provenance: text == article[start:end], and the sentence holds it (spec, Facts)."""
    problems: list[str] = []
    for path, line in folder_lines:
        if "error" in line:
            continue
        text = line["text"]
        for fact in line["facts"]:
            start, end = fact["start"], fact["end"]
            if text[start:end] != fact["text"]:
                problems.append(
                    f"{path.name}: fact {fact['text']!r} at {start}:{end} is "
                    f"{text[start:end]!r} in the text"
                )
            if fact["text"] not in fact["sentence"]:
                problems.append(
                    f"{path.name}: fact {fact['text']!r} not in its sentence {fact['sentence']!r}"
                )
            elif fact["sentence"] not in text:
                problems.append(f"{path.name}: sentence {fact['sentence'][:60]!r}... not in text")
        for award in line["awards"]:
            if text[award["start"]:award["end"]] != award["sentence"]:
                problems.append(
                    f"{path.name}: award sentence {award['sentence'][:60]!r}... is not "
                    f"text[{award['start']}:{award['end']}]"
                )
    assert not problems, "\n".join(problems)


def test_same_fact_is_given_once(folder_lines):
    """Spec: equal kind, indicator, role, region_code and value within an article is one fact."""
    problems = []
    for path, line in folder_lines:
        seen: dict[tuple, dict] = {}
        for fact in line.get("facts", []):
            key = tuple(fact[k] for k in ("kind", "indicator", "role", "region_code"))
            key += (round(float(fact["value"]), 6),)
            if key in seen:
                problems.append(f"{path.name}: {key} at {seen[key]['start']} and {fact['start']}")
            else:
                seen[key] = fact
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- --published


@pytest.mark.parametrize("path", [GOOD_HTML, GOOD_TXT], ids=["html", "txt"])
def test_published_option_overrides_the_page(fact_finder, path):
    [plain] = json_lines(invoke("extract", path))
    assert plain["published"] != "2021-03-09"
    result = invoke("extract", "--published", "2021-03-09", path)
    assert result.exit_code == 0, result.output
    [line] = json_lines(result)
    assert line["published"] == "2021-03-09"


@pytest.mark.parametrize("value", ["notadate", "2024-02-30", "05/11/2024"])
def test_published_must_be_a_date(value):
    result = invoke("extract", "--published", value, GOOD_TXT)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Usage:" in result.stderr
    assert f"{value!r} is not a date written YYYY-MM-DD" in result.stderr


# --------------------------------------------------------------------------- ingest

INGEST_BAD = ["empty.html", "binary.bin", "document.pdf", "broken.html", "english.html",
              "no_article.html"]


def snapshot(db_path: Path) -> dict[str, list[tuple]]:
    """Every row of every table (FTS tables too), in a fixed order."""
    connection = sqlite3.connect(db_path)
    try:
        tables = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        contents = {}
        for table in tables:
            width = len(connection.execute(f"SELECT * FROM [{table}] LIMIT 0").description)
            order = ", ".join(str(n) for n in range(1, width + 1))
            contents[table] = connection.execute(
                f"SELECT * FROM [{table}] ORDER BY {order}").fetchall()
        return contents
    finally:
        connection.close()


@pytest.fixture(scope="module")
def ingested(fact_finder, tmp_path_factory) -> tuple[Path, list[str], Result]:
    db_path = tmp_path_factory.mktemp("ingest") / "facts.db"
    args = ["ingest", "--db", str(db_path), str(CORPUS), str(UNREADABLE_DATE)]
    args += [str(BAD / name) for name in INGEST_BAD]
    return db_path, args, invoke(*args)


def test_ingest_stores_the_good_and_reports_the_bad(ingested):
    db_path, _, result = ingested
    assert result.exit_code == 0, result.output
    good = len(article_files(CORPUS)) + 1
    assert f"{good + len(INGEST_BAD)} inputs: {good} new" in result.stdout
    assert f"{len(INGEST_BAD)} failed" in result.stdout
    connection = sqlite3.connect(db_path)
    try:
        assert connection.execute("SELECT count(*) FROM articles").fetchone()[0] == good
    finally:
        connection.close()
    stderr = result.stderr.splitlines()
    for name, reason in [
        ("empty.html", "empty"), ("binary.bin", "binary"), ("document.pdf", "PDF"),
        ("english.html", "not an Indonesian"), ("no_article.html", "article text"),
        ("broken.html", "article text|HTML"),
    ]:
        said = [s for s in stderr if str(BAD / name) in s]
        assert said, f"{name} not reported on stderr:\n{result.stderr}"
        assert any(re.search(reason, s) for s in said), said


def test_ingest_folder_applies_its_manifest(ingested):
    db_path, _, _ = ingested
    key = read_key(CORPUS)
    connection = sqlite3.connect(db_path)
    try:
        rows = connection.execute("SELECT input, url, published FROM articles").fetchall()
    finally:
        connection.close()
    stored = {Path(input).stem: (url, published) for input, url, published in rows}
    for stem, entry in key.items():
        assert stored[stem] == (entry["url"], entry["published"]), stem
    assert stored[UNREADABLE_DATE.stem] == (None, None)


def test_ingest_again_changes_nothing(ingested):
    db_path, args, _ = ingested
    before = snapshot(db_path)
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert f"0 new, 0 updated, {len(article_files(CORPUS)) + 1} unchanged" in result.stdout
    after = snapshot(db_path)
    assert list(after) == list(before)
    for table in before:
        assert after[table] == before[table], f"table {table} changed on re-ingest"


def test_store_enforces_foreign_keys_in_wal_mode(ingested):
    db_path, _, _ = ingested
    db = open_store(str(db_path))
    try:
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        db.close()
    connection = sqlite3.connect(db_path)  # WAL is a property of the file, not the connection
    try:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        connection.close()


def test_ingest_of_only_bad_inputs_fails_and_says_why(fact_finder, tmp_path):
    bad = [BAD / "empty.html", BAD / "document.pdf"]
    result = invoke("ingest", "--db", tmp_path / "facts.db", *bad)
    assert result.exit_code != 0
    assert "0 new, 0 updated, 0 unchanged, 2 failed" in result.stdout
    assert any(str(bad[0]) in s and "empty" in s for s in result.stderr.splitlines())
    assert any(str(bad[1]) in s and "PDF" in s for s in result.stderr.splitlines())


def test_ingest_into_a_missing_folder_is_a_clear_error(tmp_path):
    result = invoke("ingest", "--db", tmp_path / "no" / "such" / "facts.db", GOOD_TXT)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot open the database")
    assert "Check that its folder exists" in result.stderr


# --------------------------------------------------------------------------- evaluate

PRF_LINE = r"P \d\.\d{3}  R \d\.\d{3}  F1 \d\.\d{3}  \(tp \d+, fp \d+, fn \d+\)"


def test_evaluate_prints_scores(fact_finder):
    result = invoke("evaluate", CORPUS)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"articles {len(read_key(CORPUS))}"
    assert re.fullmatch(rf"facts +{PRF_LINE}", lines[1]), lines[1]
    assert re.fullmatch(rf"awards +{PRF_LINE}", lines[2]), lines[2]
    assert re.fullmatch(r"as_of +\d\.\d{3}  \(\d+/\d+ matched facts whose key gives a date\)",
                        lines[3]), lines[3]
    assert "missed fact" not in result.stdout


@pytest.fixture
def tiny_gold(tmp_path) -> Path:
    """One corpus article whose key also holds a fact and an award the text never says."""
    shutil.copy(GOOD_TXT, tmp_path / GOOD_TXT.name)
    key = read_key(CORPUS)[GOOD_TXT.stem]
    key["facts"] = [*key["facts"], {
        "kind": "count", "indicator": "population", "role": "actual", "value": 987654321,
        "unit": "people", "region_code": "ID", "text": "987.654.321 jiwa",
    }]
    key["awards"] = [*key["awards"], {
        "recipient": "Pemerintah Provinsi Papua", "recipient_region_code": "91",
        "giver": "Badan Pemeriksa Keuangan", "name": None, "date": None,
    }]
    (tmp_path / "gold.jsonl").write_text(json.dumps(key) + "\n", encoding="utf-8")
    return tmp_path


def test_evaluate_show_lists_misses_per_article(fact_finder, tiny_gold):
    plain = invoke("evaluate", tiny_gold)
    assert "987.654.321" not in plain.stdout
    result = invoke("evaluate", "--show", tiny_gold)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    block = lines[lines.index(GOOD_TXT.stem) + 1:]
    assert any(s.startswith("  missed fact") and "987.654.321 @ ID" in s for s in block), block
    assert any(
        s.startswith("  missed award") and "Badan Pemeriksa Keuangan" in s and "[91]" in s
        for s in block
    ), block


def test_evaluate_without_a_key_is_a_clear_error(tmp_path):
    result = invoke("evaluate", tmp_path)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot read the answer key")


# --------------------------------------------------------------------------- help


def test_the_group_has_help():
    assert cli.help
    result = invoke("--help")
    assert result.exit_code == 0
    for name in cli.commands:
        assert re.search(rf"^  {name}\s+\S", result.stdout, re.MULTILINE), name


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help(name):
    command = cli.commands[name]
    assert command.help, f"command {name!r} has no docstring or help"
    missing = [
        param.name for param in command.params
        if isinstance(param, click.Option) and param.name != "help" and not param.help
    ]
    assert not missing, f"options of {name!r} without help: {missing}"
    result = invoke(name, "--help")
    assert result.exit_code == 0
    assert command.help.split("\n")[0].strip() in result.stdout
