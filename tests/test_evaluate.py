"""The scorer: matching rules of the spec, pooled figures, empty sets, the report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from extractor.evaluate import (
    PRF,
    GoldError,
    Scores,
    format_report,
    load_gold,
    score,
)


def fact(**changes: Any) -> dict[str, Any]:
    base = {
        "kind": "count",
        "indicator": "ktp_el_recorded",
        "role": "actual",
        "value": 2860701,
        "unit": "people",
        "region_code": "64",
        "as_of": "2024-10",
        "text": "2.860.701 jiwa",
    }
    return {**base, **changes}


def pct(value: float, **changes: Any) -> dict[str, Any]:
    return fact(kind="percentage", unit="percent", value=value, text=f"{value} persen", **changes)


def award(**changes: Any) -> dict[str, Any]:
    base = {
        "recipient": "Pemerintah Provinsi Kalimantan Timur",
        "recipient_region_code": "64",
        "giver": "Kementerian Dalam Negeri",
        "name": "Dukcapil Prima",
        "date": "2024-11-04",
    }
    return {**base, **changes}


def key(id_: str = "a", facts: list | None = None, awards: list | None = None) -> dict:
    return {"id": id_, "facts": facts or [], "awards": awards or []}


def found(facts: list | None = None, awards: list | None = None) -> dict:
    return {"facts": facts or [], "awards": awards or []}


def counts(prf: PRF) -> tuple[int, int, int]:
    return prf.tp, prf.fp, prf.fn


# -- facts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key_fact", "found_fact", "matches"),
    [
        (fact(), fact(), True),
        (fact(), fact(value=2860701.0, text="2,86 juta", as_of=None), True),
        (fact(value=30000), fact(value="30000"), True),
        (fact(), fact(value=2860702), False),
        (pct(99.54), pct(99.544), True),
        (pct(99.54), pct(99.536), True),
        (pct(99.54), pct(99.545), True),
        (pct(99.54), pct(99.546), False),
        (pct(99.54), pct(99.534), False),
        (fact(), fact(role="target"), False),
        (fact(), fact(indicator="ktp_el_eligible"), False),
        (fact(), fact(region_code="64.72"), False),
        (pct(30), fact(value=30), False),
        (fact(region_code="64"), fact(region_code=" 64 "), True),
    ],
    ids=[
        "exact",
        "int-vs-float-other-text",
        "number-as-string",
        "count-off-by-one",
        "pct-within-0.004",
        "pct-within-0.004-below",
        "pct-at-0.005",
        "pct-off-by-0.006",
        "pct-off-by-0.006-below",
        "other-role",
        "other-indicator",
        "other-region",
        "other-kind",
        "region-code-spaces",
    ],
)
def test_fact_match(key_fact: dict, found_fact: dict, matches: bool) -> None:
    scores = score([key(facts=[key_fact])], {"a": found(facts=[found_fact])})
    assert counts(scores.facts) == ((1, 0, 0) if matches else (0, 1, 1))


def test_double_extraction_is_one_tp_one_fp() -> None:
    scores = score([key(facts=[fact()])], {"a": found(facts=[fact(), fact(text="2,8 juta")])})
    assert counts(scores.facts) == (1, 1, 0)
    assert (scores.facts.precision, scores.facts.recall) == (0.5, 1.0)
    assert scores.facts.f1 == pytest.approx(2 / 3)
    assert len(scores.articles[0].spurious_facts) == 1


def test_one_found_fact_matches_one_key_fact() -> None:
    scores = score([key(facts=[fact(), fact(text="2,86 juta")])], {"a": found(facts=[fact()])})
    assert counts(scores.facts) == (1, 0, 1)


def test_tolerance_prefers_the_closest() -> None:
    # 99.544 is within tolerance of both key values; it should pair with 99.544.
    scores = score(
        [key(facts=[pct(99.54, as_of="2024-06"), pct(99.544, as_of="2024-12")])],
        {"a": found(facts=[pct(99.544, as_of="2024-12")])},
    )
    assert counts(scores.facts) == (1, 0, 1)
    assert [f["value"] for f in scores.articles[0].missed_facts] == [99.54]
    assert (scores.as_of_correct, scores.as_of_total) == (1, 1)


def test_matching_is_maximum_not_greedy() -> None:
    # Closest-first alone pairs 50.002 with 50.0 (0.002) and leaves 49.996, which
    # only 50.0 is near, unmatched; the maximum matching pairs both.
    keys = [pct(50.0), pct(50.005)]
    got = [pct(50.002), pct(49.996)]
    scores = score([key(facts=keys)], {"a": found(facts=got)})
    assert counts(scores.facts) == (2, 0, 0)


def test_pooled_over_articles() -> None:
    gold = [key("a", facts=[fact(), pct(99.54)]), key("b", facts=[fact(region_code="53")])]
    extracted = {
        "a": found(facts=[fact()]),
        "b": found(facts=[fact(region_code="53"), fact(region_code="53", value=1)]),
    }
    scores = score(gold, extracted)
    assert counts(scores.facts) == (2, 1, 1)
    assert (scores.facts.precision, scores.facts.recall) == (2 / 3, 2 / 3)


def test_ids_outside_the_key_are_not_scored() -> None:
    scores = score([key(facts=[fact()])], {"a": found(facts=[fact()]), "z": found([fact()])})
    assert counts(scores.facts) == (1, 0, 0)


@pytest.mark.parametrize(
    "extracted",
    [{}, {"a": {"input": "a.html", "error": "not an article"}}],
    ids=["absent", "error-line"],
)
def test_missing_extraction_counts_as_nothing_found(extracted: dict) -> None:
    scores = score([key(facts=[fact()], awards=[award()])], extracted)
    assert counts(scores.facts) == (0, 0, 1)
    assert counts(scores.awards) == (0, 0, 1)
    assert scores.articles[0].error


# -- as_of ----------------------------------------------------------------------


def test_as_of_accuracy() -> None:
    gold = [
        key(
            facts=[
                fact(),  # 2024-10, found right
                pct(99.54, as_of="2024-10"),  # found wrong
                fact(role="target", as_of=None),  # key gives none: not scored
                fact(role="remaining", as_of="2024-10"),  # not found: not scored
            ]
        )
    ]
    extracted = {
        "a": found(
            facts=[
                fact(),
                pct(99.54, as_of="2024-11"),
                fact(role="target", as_of="2024-12"),
                fact(indicator="kia", as_of="2024-10"),
            ]
        )
    }
    scores = score(gold, extracted)
    assert (scores.as_of_correct, scores.as_of_total, scores.as_of_accuracy) == (1, 2, 0.5)
    [(wanted, got)] = scores.articles[0].as_of_mismatches
    assert (wanted["as_of"], got["as_of"]) == ("2024-10", "2024-11")


def test_as_of_absent_from_key_is_not_scored() -> None:
    key_fact = fact()
    del key_fact["as_of"]
    scores = score([key(facts=[key_fact])], {"a": found(facts=[fact(as_of="2020")])})
    assert (scores.as_of_total, scores.as_of_accuracy) == (0, 1.0)


# -- awards ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key_award", "found_award", "matches"),
    [
        (award(), award(), True),
        (award(), award(recipient="Pemprov Kaltim", name=None, date=None), True),
        (award(), award(giver="Ombudsman Republik Indonesia"), False),
        (award(), award(recipient_region_code="64.72"), False),
        (award(), award(recipient_region_code=None), False),
        (award(), award(giver="kementerian dalam  negeri"), True),
        (
            award(recipient="Yayasan Peduli Anak", recipient_region_code=None),
            award(recipient="Pengurus Yayasan Peduli Anak Samarinda", recipient_region_code=None),
            True,
        ),
        (
            award(recipient="RSUD Abdul Wahab Sjahranie", recipient_region_code=None),
            award(recipient="rsud abdul wahab", recipient_region_code=None),
            True,
        ),
        (
            award(recipient="Yayasan Peduli Anak", recipient_region_code=None),
            award(recipient="Yayasan Cinta Anak", recipient_region_code=None),
            False,
        ),
        (
            award(recipient="Yayasan Peduli Anak", recipient_region_code=None),
            award(recipient="Yayasan Peduli Anak", recipient_region_code="64"),
            False,
        ),
        (
            award(recipient="Yayasan Peduli Anak", recipient_region_code=None),
            award(recipient="", recipient_region_code=None),
            False,
        ),
    ],
    ids=[
        "exact",
        "region-decides-not-name",
        "other-giver",
        "other-region",
        "region-missing",
        "giver-case-and-spaces",
        "found-name-contains-key",
        "key-name-contains-found",
        "names-differ",
        "found-has-a-region",
        "empty-recipient",
    ],
)
def test_award_match(key_award: dict, found_award: dict, matches: bool) -> None:
    scores = score([key(awards=[key_award])], {"a": found(awards=[found_award])})
    assert counts(scores.awards) == ((1, 0, 0) if matches else (0, 1, 1))


def test_two_awards_to_one_region_pair_by_name() -> None:
    keys = [award(name="Dukcapil Prima"), award(name="Pelayanan Terbaik", date="2024-11-05")]
    got = [award(name="Pelayanan Terbaik", date="2024-11-05")]
    scores = score([key(awards=keys)], {"a": found(awards=got)})
    assert counts(scores.awards) == (1, 0, 1)
    assert [w["name"] for w in scores.articles[0].missed_awards] == ["Dukcapil Prima"]


# -- empty sets -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("key_facts", "found_facts", "expected"),
    [
        ([], [], (1.0, 1.0, 1.0)),
        ([fact()], [], (0.0, 0.0, 0.0)),
        ([], [fact()], (0.0, 0.0, 0.0)),
    ],
    ids=["both-empty", "nothing-found", "empty-key"],
)
def test_empty_sets(key_facts: list, found_facts: list, expected: tuple) -> None:
    scores = score([key(facts=key_facts)], {"a": found(facts=found_facts)})
    assert (scores.facts.precision, scores.facts.recall, scores.facts.f1) == expected


def test_no_articles_at_all() -> None:
    scores = score([], {})
    assert (scores.facts.f1, scores.awards.f1, scores.as_of_accuracy) == (1.0, 1.0, 1.0)
    assert "articles 0" in format_report(scores, show=True)


# -- the report -----------------------------------------------------------------


def test_report_figures_and_misses() -> None:
    gold = [
        key("dev_a", facts=[fact(), pct(30, role="target", as_of="2024-12")], awards=[award()]),
        key("dev_b", facts=[fact(region_code="53")]),
    ]
    extracted = {
        "dev_a": found(
            facts=[fact(as_of="2024-11"), fact(indicator="kia", value=1200, text="1.200 keping")],
            awards=[award(giver="Ombudsman Republik Indonesia")],
        ),
        "dev_b": found(facts=[fact(region_code="53")]),
    }
    scores = score(gold, extracted)
    assert isinstance(scores, Scores)
    short = format_report(scores, show=False)
    assert short.splitlines() == [
        "articles 2",
        "facts   P 0.667  R 0.667  F1 0.667  (tp 2, fp 1, fn 1)",
        "awards  P 0.000  R 0.000  F1 0.000  (tp 0, fp 1, fn 1)",
        "as_of   0.500  (1/2 matched facts whose key gives a date)",
    ]
    full = format_report(scores, show=True)
    assert full.startswith(short)
    detail = full.splitlines()[len(short.splitlines()):]
    assert detail == [
        "",
        "dev_a",
        "  missed fact    ktp_el_recorded target 30% @ 64 as_of 2024-12 “30 persen”",
        "  wrong fact     kia actual 1.200 @ 64 as_of 2024-10 “1.200 keping”",
        "  missed award   Kementerian Dalam Negeri → Pemerintah Provinsi Kalimantan Timur [64]"
        " “Dukcapil Prima” 2024-11-04",
        "  wrong award    Ombudsman Republik Indonesia → Pemerintah Provinsi Kalimantan Timur [64]"
        " “Dukcapil Prima” 2024-11-04",
        "  as_of          ktp_el_recorded actual 2.860.701 @ 64 “2.860.701 jiwa”:"
        " key 2024-10, found 2024-11",
    ]


# -- loading the key ------------------------------------------------------------


def write_gold(folder: Path, keys: list[dict], files: list[str]) -> None:
    (folder / "gold.jsonl").write_text(
        "\n".join(json.dumps(k) for k in keys) + "\n\n", encoding="utf-8"
    )
    for name in files:
        (folder / name).write_text("Judul\n\nIsi berita.", encoding="utf-8")


def test_load_gold(tmp_path: Path) -> None:
    keys = [
        {"id": "dev_a", "url": None, "published": "2024-11-05", "facts": [fact()],
         "awards": [], "regions": ["64"], "notes": "contoh"},
        {"id": "dev_b", "published": "2020-01-02", "facts": [], "awards": [award()]},
    ]
    write_gold(tmp_path, keys, ["dev_a.txt", "dev_b.html"])
    gold = load_gold(str(tmp_path))
    assert [g["id"] for g in gold] == ["dev_a", "dev_b"]
    assert [Path(g["path"]).name for g in gold] == ["dev_a.txt", "dev_b.html"]
    assert gold[0]["facts"] == [fact()] and gold[0]["notes"] == "contoh"
    assert gold[1]["awards"] == [award()]


@pytest.mark.parametrize(
    ("lines", "files", "message"),
    [
        (None, [], "cannot read the answer key"),
        (['{"id": "dev_a", "facts": []}'], [], r"dev_a\.txt or dev_a\.html"),
        (['{"id": "dev_a", "facts": [}'], ["dev_a.txt"], r"gold\.jsonl:1: not JSON"),
        (['{"facts": []}'], [], "string 'id'"),
        (['{"id": "dev_a", "facts": {}}'], ["dev_a.txt"], "'facts' must be a list"),
        (['{"id": "dev_a"}', '{"id": "dev_a"}'], ["dev_a.txt"], r"gold\.jsonl:2: .*twice"),
    ],
    ids=["no-gold-file", "no-article-file", "bad-json", "no-id", "facts-not-list", "id-twice"],
)
def test_load_gold_errors(
    tmp_path: Path, lines: list[str] | None, files: list[str], message: str
) -> None:
    if lines is not None:
        (tmp_path / "gold.jsonl").write_text("\n".join(lines), encoding="utf-8")
    for name in files:
        (tmp_path / name).write_text("Judul\n\nIsi.", encoding="utf-8")
    with pytest.raises(GoldError, match=message):
        load_gold(str(tmp_path))
