"""Scoring extracted facts and awards against a hand-made answer key.

Follows the spec's "Scoring against an answer key" section:

- a fact matches a key fact when ``kind``, ``indicator``, ``role`` and
  ``region_code`` are equal and ``value`` is equal (counts: as numbers, so
  ``30000`` equals ``30000.0``; percentages: within 0.005);
- an award matches when ``giver`` and ``recipient_region_code`` are equal and,
  where the key's ``recipient_region_code`` is null, one recipient name
  contains the other (case-insensitive);
- each key item matches at most once: a maximum matching per article, which
  among equally many matches prefers the closest values (and, for awards, the
  same name and date), so the lists of misses name the right items;
- precision, recall and F1 are pooled over all articles, separately for facts
  and awards; ``as_of`` accuracy is over matched facts whose key gives one.

Empty sets: precision is 1.0 when nothing was extracted and the key is empty
too, else 0.0 when nothing was extracted; recall likewise for an empty key; F1
is 0.0 when precision and recall are both 0. So an off-topic article with an
empty key scores 1.0 when nothing is found, and the as_of accuracy of a run
with no dated matched fact is 1.0 (nothing was got wrong).

Strings (giver, region code, as_of) are compared after trimming and folding
case and runs of spaces: a key written by hand should not fail on "Kementerian
Dalam  Negeri".
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extractor.errors import ExtractorError

logger = logging.getLogger(__name__)

PERCENTAGE_TOLERANCE = 0.005
# Binary fractions: 99.54 vs 99.545 is 0.00499999999999545 or 0.0050000000000097
# depending on the operands; the spec's "within 0.005" means the decimal figure.
_EPSILON = 1e-9

ARTICLE_SUFFIXES = (".txt", ".html", ".htm")


class GoldError(ExtractorError):
    """An answer key (gold.jsonl) or its article files are missing or malformed."""


@dataclass(frozen=True)
class PRF:
    """Pooled counts and the figures made from them."""

    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f1: float

    @classmethod
    def from_counts(cls, tp: int, fp: int, fn: int) -> PRF:
        precision = tp / (tp + fp) if tp + fp else (1.0 if fn == 0 else 0.0)
        recall = tp / (tp + fn) if tp + fn else (1.0 if fp == 0 else 0.0)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return cls(tp, fp, fn, precision, recall, f1)


@dataclass(frozen=True)
class ArticleScore:
    """One article's outcome: what the key has that was not found, and the reverse.

    ``as_of_mismatches`` pairs (key fact, extracted fact) for matched facts whose
    key gives an ``as_of`` the extraction got wrong. ``error`` says why the
    article has no extraction (absent from the output, or an error line).
    """

    id: str
    fact_tp: int
    award_tp: int
    missed_facts: tuple[dict[str, Any], ...] = ()
    spurious_facts: tuple[dict[str, Any], ...] = ()
    missed_awards: tuple[dict[str, Any], ...] = ()
    spurious_awards: tuple[dict[str, Any], ...] = ()
    as_of_mismatches: tuple[tuple[dict[str, Any], dict[str, Any]], ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class Scores:
    facts: PRF
    awards: PRF
    as_of_correct: int
    as_of_total: int
    as_of_accuracy: float
    articles: tuple[ArticleScore, ...] = field(default_factory=tuple)


# -- the answer key -------------------------------------------------------------


def load_gold(gold_dir: str) -> list[dict[str, Any]]:
    """Read ``gold_dir/gold.jsonl``; each key gains ``path``, its article file.

    An article is ``<id>.txt`` (text, title on the first line) or ``<id>.html``.
    """
    folder = Path(gold_dir)
    gold_file = folder / "gold.jsonl"
    try:
        lines = gold_file.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise GoldError(
            f"cannot read the answer key {gold_file}: {error.strerror}. "
            "Give the folder that holds gold.jsonl and the article files."
        ) from error
    keys: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{gold_file}:{number}"
        try:
            key = json.loads(line)
        except json.JSONDecodeError as error:
            raise GoldError(f"{where}: not JSON ({error.msg}); fix that line.") from error
        if not isinstance(key, dict) or not isinstance(key.get("id"), str):
            raise GoldError(f"{where}: each line must be an object with a string 'id'.")
        for name in ("facts", "awards"):
            if not isinstance(key.get(name, []), list):
                raise GoldError(f"{where}: '{name}' must be a list.")
        if key["id"] in seen:
            raise GoldError(f"{where}: id {key['id']!r} is given twice; ids must be unique.")
        seen.add(key["id"])
        path = next(
            (folder / f"{key['id']}{s}" for s in ARTICLE_SUFFIXES
             if (folder / f"{key['id']}{s}").is_file()),
            None,
        )
        if path is None:
            raise GoldError(
                f"{where}: no article file for id {key['id']!r}: expected "
                f"{key['id']}.txt or {key['id']}.html in {folder}."
            )
        keys.append({**key, "facts": key.get("facts", []), "awards": key.get("awards", []),
                     "path": str(path)})
    logger.info("%s: %d answer keys", gold_file, len(keys))
    return keys


# -- matching -----------------------------------------------------------------


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return " ".join(str(value).split()).casefold() or None


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _fact_group(fact: dict[str, Any]) -> tuple[str | None, ...]:
    return tuple(_text(fact.get(k)) for k in ("kind", "indicator", "role", "region_code"))


def _fact_distance(key: dict[str, Any], found: dict[str, Any]) -> float | None:
    """How far apart two facts are, or None when they do not match."""
    if _fact_group(key) != _fact_group(found):
        return None
    a, b = _number(key.get("value")), _number(found.get("value"))
    if a is None or b is None:
        return None
    gap = abs(a - b)
    if _text(key.get("kind")) == "percentage":
        return gap if gap <= PERCENTAGE_TOLERANCE + _EPSILON else None
    return 0.0 if a == b else None


def _award_distance(key: dict[str, Any], found: dict[str, Any]) -> float | None:
    if _text(key.get("giver")) != _text(found.get("giver")):
        return None
    region = _text(key.get("recipient_region_code"))
    if region != _text(found.get("recipient_region_code")):
        return None
    if region is None:
        a, b = _text(key.get("recipient")) or "", _text(found.get("recipient")) or ""
        if not a or not b or (a not in b and b not in a):
            return None
    # Any of these is a match; the name and date only decide which one when
    # an article has two awards from one giver to one region.
    return float(_text(key.get("name")) != _text(found.get("name"))) + float(
        key.get("date") != found.get("date")
    )


def _match(
    keys: list[dict[str, Any]],
    found: list[dict[str, Any]],
    distance: Callable[[dict[str, Any], dict[str, Any]], float | None],
) -> dict[int, int]:
    """A maximum matching key index -> found index, closest pairs first.

    Closest-first greedy, then Kuhn's augmenting paths: greedy alone can miss a
    match when one extracted value lies within tolerance of two key values.
    """
    edges = sorted(
        (d, i, j)
        for i, k in enumerate(keys)
        for j, f in enumerate(found)
        if (d := distance(k, f)) is not None
    )
    near: dict[int, list[int]] = {}
    key_of: dict[int, int] = {}  # found index -> key index
    found_of: dict[int, int] = {}
    for _, i, j in edges:
        near.setdefault(i, []).append(j)
        if i not in found_of and j not in key_of:
            found_of[i], key_of[j] = j, i

    def augment(i: int, visited: set[int]) -> bool:
        for j in near.get(i, []):
            if j in visited:
                continue
            visited.add(j)
            if j not in key_of or augment(key_of[j], visited):
                key_of[j], found_of[i] = i, j
                return True
        return False

    for i in near:
        if i not in found_of:
            augment(i, set())
    return found_of


# -- scoring ------------------------------------------------------------------


def score(gold: list[dict[str, Any]], extracted: dict[str, dict[str, Any]]) -> Scores:
    """Score extract output (id -> its JSON object) against the answer keys.

    An id with no extraction, or with an error line, counts as nothing found.
    Extractions of ids not in the key are not scored.
    """
    counts = {"fact": [0, 0, 0], "award": [0, 0, 0]}
    as_of_correct = as_of_total = 0
    articles: list[ArticleScore] = []
    for key in gold:
        output = extracted.get(key["id"])
        error = None
        if output is None:
            error = "no extraction for this article"
            output = {}
        elif output.get("error"):
            error = str(output["error"])
        key_facts = list(key.get("facts") or [])
        found_facts = list(output.get("facts") or [])
        key_awards = list(key.get("awards") or [])
        found_awards = list(output.get("awards") or [])

        fact_pairs = _match(key_facts, found_facts, _fact_distance)
        award_pairs = _match(key_awards, found_awards, _award_distance)
        for name, pairs, k, f in (
            ("fact", fact_pairs, key_facts, found_facts),
            ("award", award_pairs, key_awards, found_awards),
        ):
            counts[name][0] += len(pairs)
            counts[name][1] += len(f) - len(pairs)
            counts[name][2] += len(k) - len(pairs)

        mismatches = []
        for i, j in sorted(fact_pairs.items()):
            wanted = key_facts[i].get("as_of")
            if wanted is None:
                continue
            as_of_total += 1
            if _text(found_facts[j].get("as_of")) == _text(wanted):
                as_of_correct += 1
            else:
                mismatches.append((key_facts[i], found_facts[j]))

        articles.append(
            ArticleScore(
                id=key["id"],
                fact_tp=len(fact_pairs),
                award_tp=len(award_pairs),
                missed_facts=_unmatched(key_facts, fact_pairs.keys()),
                spurious_facts=_unmatched(found_facts, fact_pairs.values()),
                missed_awards=_unmatched(key_awards, award_pairs.keys()),
                spurious_awards=_unmatched(found_awards, award_pairs.values()),
                as_of_mismatches=tuple(mismatches),
                error=error,
            )
        )
    return Scores(
        facts=PRF.from_counts(*counts["fact"]),
        awards=PRF.from_counts(*counts["award"]),
        as_of_correct=as_of_correct,
        as_of_total=as_of_total,
        as_of_accuracy=as_of_correct / as_of_total if as_of_total else 1.0,
        articles=tuple(articles),
    )


def _unmatched(items: list[dict[str, Any]], matched: Iterable[int]) -> tuple[dict[str, Any], ...]:
    taken = set(matched)
    return tuple(item for n, item in enumerate(items) if n not in taken)


# -- the report -----------------------------------------------------------------


def _value(fact: dict[str, Any]) -> str:
    number = _number(fact.get("value"))
    if number is None:
        return repr(fact.get("value"))
    if fact.get("kind") == "percentage":
        return f"{number:g}%"
    return f"{int(number):,}".replace(",", ".") if number.is_integer() else f"{number:g}"


def describe_fact(fact: dict[str, Any]) -> str:
    """One readable line: indicator, role, value, region, as_of and the text as written."""
    parts = [
        f"{fact.get('indicator')} {fact.get('role')} {_value(fact)}",
        f"@ {fact.get('region_code')}",
    ]
    if fact.get("region"):
        parts.append(f"({fact['region']})")
    if fact.get("as_of"):
        parts.append(f"as_of {fact['as_of']}")
    if fact.get("text"):
        parts.append(f"“{fact['text']}”")
    return " ".join(parts)


def describe_award(award: dict[str, Any]) -> str:
    line = f"{award.get('giver')} → {award.get('recipient')} [{award.get('recipient_region_code')}]"
    if award.get("name"):
        line += f" “{award['name']}”"
    if award.get("date"):
        line += f" {award['date']}"
    return line


def _prf_line(label: str, prf: PRF) -> str:
    return (
        f"{label:<7} P {prf.precision:.3f}  R {prf.recall:.3f}  F1 {prf.f1:.3f}"
        f"  (tp {prf.tp}, fp {prf.fp}, fn {prf.fn})"
    )


def format_report(scores: Scores, show: bool = False) -> str:
    """The text ``cli.py evaluate`` prints; with ``show``, every miss one line each."""
    lines = [
        f"articles {len(scores.articles)}",
        _prf_line("facts", scores.facts),
        _prf_line("awards", scores.awards),
        f"as_of   {scores.as_of_accuracy:.3f}  ({scores.as_of_correct}/{scores.as_of_total}"
        " matched facts whose key gives a date)",
    ]
    if not show:
        return "\n".join(lines)
    for article in scores.articles:
        body: list[str] = []
        if article.error:
            body.append(f"  error          {article.error}")
        body += [f"  missed fact    {describe_fact(f)}" for f in article.missed_facts]
        body += [f"  wrong fact     {describe_fact(f)}" for f in article.spurious_facts]
        body += [f"  missed award   {describe_award(w)}" for w in article.missed_awards]
        body += [f"  wrong award    {describe_award(w)}" for w in article.spurious_awards]
        body += [
            f"  as_of          {describe_fact({**k, 'as_of': None})}: "
            f"key {k.get('as_of')}, found {f.get('as_of')}"
            for k, f in article.as_of_mismatches
        ]
        if body:
            lines.append("")
            lines.append(article.id)
            lines.extend(body)
    return "\n".join(lines)
