"""The Indonesian number reader: every quantity in a text that could be a count or a percentage.

It finds numbers as written in Indonesian news ("2.860.701 jiwa", "99,54 persen",
"1,2 juta", "500.000-an", "lima persen") with exact character offsets, and drops
what is a number but no quantity: years, money, ordinals, phone numbers, dates and
times, durations and measures, codes and names. Whether a quantity is a
registration fact is decided later (extractor/facts.py), from context words.

How a written number is read (the ambiguity rules):

- A dot followed by exactly three digits is a thousands separator: "1.200" is
  1200, "85.267" is 85267, "2.860.701" is 2860701. This is the Indonesian way
  and holds for every number, percentage or not.
- A comma is the decimal mark: "99,54" is 99.54, "1,200" is 1.2 (one comma
  group is always read the Indonesian way). Only two or more comma groups of
  three digits ("1,234,567", "1,234,567.5") are read as English thousands.
- A dot followed by one or two digits ("99.21", "2.5") is an English decimal
  point, but only when a percent word or a scale word follows ("99.21 persen",
  "(94.31%)", "2.5 juta"). Without one it is a time ("14.30"), a version
  ("2.0") or a section, and is dropped.
- Typos kept on purpose: "99, 21 %" (a comma, one space, one or two digits,
  then a percent word) is 99.21; "170. 194.798" (one to three digits, a dot,
  one space, then a dotted number of three-digit groups) is 170194798.
- Digits joined by "/", "-" or ":" ("4/11/2024", "17-19", "0812-3456",
  "08:00") are dates, ranges, phone numbers or times, never quantities; so are
  numbers next to a spaced "/" or "-" and another number ("27 / 3", "20 - 30").
- A plain four-digit number from 1900 to 2099 is a year unless a unit word
  follows ("2019 orang"). A plain number with a leading zero ("05", "0812")
  or of ten or more digits (NIK, phone) is a code.
- Word numbers ("lima persen", "seratus ribu", "sejuta") are read when they
  hold a multiplier (belas, puluh, ratus, ribu, juta, se-) or a unit word
  follows; a lone "satu" or "dua" ("salah satu", "dua kabupaten") is dropped.
- "ribuan", "puluhan ribu" without a number before them give no value and are
  not returned.
- Counts from a thousand up are written with dots, so a plain number below
  10000 right after a capitalized word that does not start a sentence is a
  model or a code ("Galaxy Note 8", "GTX 1080"), unless that word is a count cue
  of a title-case headline ("Tinggal 850 Lagi").
- Context cues (the word before: "Rp", "tahun", "Nomor", "ke"; the word after:
  "tahun", "km", "rupiah", "Oktober") drop a number; a unit word right after
  the number ("persen", "jiwa") overrides the cues after it and some cues
  before it ("naik dari 90 persen ke 95 persen").

The word lists (scale, unit, word numbers, exclusion cues, masks) are data in
patterns/numbers.jsonl, loaded and compiled once per process.
"""

from __future__ import annotations

import bisect
import logging
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from extractor.errors import PatternError
from extractor.models import NumberMention
from extractor.patternfiles import PATTERNS_DIR, read_jsonl

logger = logging.getLogger(__name__)

PATTERNS_PATH = PATTERNS_DIR / "numbers.jsonl"

# Roles a word number can play; see _read_words for how they combine.
_WORD_ROLES = {"digit", "group", "teen", "mul", "scale", "se_scale"}
_RULE_TYPES = {
    "word",
    "scale",
    "unit",
    "approx_before",
    "approx_bridge",
    "approx_after",
    "exclude_before",
    "exclude_after",
    "after_exception",
    "month",
    "mask_phrase",
    "mask_regex",
    "example",
    "count_cue",
}
# The units a mention can carry (NumberMention.unit).
_UNITS = {"percent", "people", "documents"}

# The space between a number and its scale or unit word: never a line break, so a
# number at the end of a line does not take the first word of the next paragraph.
_GAP = r"[^\S\n]"

# How far to look around a number for cues: long enough for "tidak kurang dari
# sebanyak" or "pasangan calon", short enough to stay in the same phrase.
_WINDOW = 40


@dataclass(frozen=True)
class _Rules:
    """The compiled form of patterns/numbers.jsonl."""

    candidate: re.Pattern[str]
    words: dict[str, tuple[str, float]]  # lower-cased word -> (role, value)
    scales: dict[str, float]  # lower-cased scale word -> multiplier
    units: dict[str, str]  # lower-cased unit word -> unit
    approx_before: re.Pattern[str]
    approx_after: re.Pattern[str]
    before_always: re.Pattern[str]
    before_unless_unit: re.Pattern[str]
    after_exclude: re.Pattern[str]
    after_exception: re.Pattern[str]
    after_exception_min: float
    date_list_after: re.Pattern[str]
    count_cues: frozenset[str]
    month_after: re.Pattern[str]
    month_before: re.Pattern[str]
    month_max: float
    masks: tuple[re.Pattern[str], ...]
    examples: tuple[dict[str, Any], ...]


# ---------------------------------------------------------------------------
# Loading the rules


def _alternation(words: list[str]) -> str:
    """A regex alternation of literal words, longest first so "persen" wins over "perse"."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def _phrase(words: list[str]) -> str:
    """Like _alternation, but spaces in a phrase match any run of whitespace."""
    parts = sorted(set(words), key=len, reverse=True)
    return "|".join(rf"{_GAP}+".join(re.escape(p) for p in w.split()) for w in parts)


def _cue_before(words: list[str]) -> str:
    """A cue word that ends right before the number: "No. 12", "Nomor: 24", "ke-3", "Rp 300"."""
    alt = _phrase(words)
    return rf"(?<![\w])(?:{alt})\.?\s*(?:[:\-–]\s*)?\Z"


def load_rules(path: Path = PATTERNS_PATH) -> list[dict[str, Any]]:
    """Read and validate patterns/numbers.jsonl; raise PatternError naming the bad line."""
    rules: list[dict[str, Any]] = []
    for number, rule in read_jsonl(path):
        where = f"{path}:{number}"
        if not isinstance(rule.get("id"), str):
            raise PatternError(f"{where}: every line needs a string 'id'")
        kind = rule.get("type")
        if kind not in _RULE_TYPES:
            raise PatternError(f"{where}: unknown type {kind!r}; use one of {sorted(_RULE_TYPES)}")
        if kind == "word":
            if rule.get("role") not in _WORD_ROLES or not isinstance(rule.get("word"), str):
                raise PatternError(f"{where}: a word needs 'word' and a 'role' in {_WORD_ROLES}")
            if not isinstance(rule.get("value"), int | float):
                raise PatternError(f"{where}: a word needs a numeric 'value'")
        elif kind == "example":
            if not isinstance(rule.get("text"), str) or not isinstance(rule.get("expect"), list):
                raise PatternError(f"{where}: an example needs 'text' and an 'expect' list")
        elif kind == "mask_regex":
            try:
                re.compile(rule.get("regex", ""))
            except re.error as exc:
                raise PatternError(f"{where}: bad regex ({exc})") from exc
        else:
            words = rule.get("words")
            if (
                not isinstance(words, list)
                or not words
                or not all(isinstance(w, str) and w.strip() for w in words)
            ):
                raise PatternError(f"{where}: 'words' must be a non-empty list of strings")
            if kind == "scale" and not isinstance(rule.get("value"), int | float):
                raise PatternError(f"{where}: a scale needs a numeric 'value'")
            if kind == "unit" and rule.get("unit") not in _UNITS:
                raise PatternError(f"{where}: 'unit' must be one of {sorted(_UNITS)}")
        rules.append(rule)
    return rules


def _compile(rules: list[dict[str, Any]]) -> _Rules:
    flags = re.IGNORECASE
    by_type: dict[str, list[dict[str, Any]]] = {}
    for rule in rules:
        by_type.setdefault(rule["type"], []).append(rule)

    def words_of(kind: str, **match: Any) -> list[str]:
        return [
            w
            for r in by_type.get(kind, [])
            if all(r.get(k, False) == v for k, v in match.items())
            for w in r["words"]
        ]

    words = {r["word"].lower(): (r["role"], float(r["value"])) for r in by_type.get("word", [])}
    scales = {w.lower(): float(r["value"]) for r in by_type.get("scale", []) for w in r["words"]}
    units = {w.lower(): r["unit"] for r in by_type.get("unit", []) for w in r["words"]}

    # A word number starts with a word that is a number by itself (never "ribu" or
    # "puluh" alone) and goes on with any number words.
    start_words = [w for w, (role, _) in words.items() if role in {"digit", "group", "se_scale"}]
    word_end = r"(?![\w-])"
    word_number = (
        rf"(?<![\w-])(?:{_alternation(start_words)}){word_end}"
        rf"(?:{_GAP}+(?:{_alternation(list(words))}){word_end})*"
    )
    percent_words = [w for w, unit in units.items() if unit == "percent"]
    percent_alt = _alternation([w for w in percent_words if w.isalpha()])
    percent_ahead = rf"(?=\s*(?:%|(?:{percent_alt})(?!\w)))"
    symbol_units = [w for w in units if not w[0].isalnum()]
    word_units = [w for w in units if w[0].isalnum()]
    scale_alt = _alternation(list(scales))

    # A cheap first test of each position (a digit, or the first letter of a word
    # number at a word start) makes the scan about three times faster.
    first_letters = "".join(sorted({re.escape(w[0]) for w in start_words}))
    candidate = re.compile(
        rf"(?=[0-9]|(?<![\w-])[{first_letters}])"
        r"(?P<core>"
        # "99, 21 %": a decimal comma with a stray space, only before a percent word.
        rf"(?P<typo_comma>(?<![0-9])(?:100|[0-9]{{1,2}}),[ \t][0-9]{{1,2}}(?![0-9]){percent_ahead})"
        # "170. 194.798": a thousands dot with a stray space.
        r"|(?P<typo_dot>(?<![0-9])[0-9]{1,3}\.[ \t][0-9]{3}(?:\.[0-9]{3})+(?![0-9,]))"
        # Any run of digit groups joined by single separators; its shape is judged later.
        r"|(?P<chain>(?<![0-9])[0-9]+(?:[.,:/\-][0-9]+)*)"
        rf"|(?P<words>{word_number})"
        r")"
        r"(?P<an1>-?an(?![\w-]))?"
        rf"(?:{_GAP}+(?P<scale>(?:(?:{scale_alt}){_GAP}+)*(?:{scale_alt}))(?P<an2>-?an)?(?![\w-]))?"
        rf"(?:{_GAP}*(?P<unit_symbol>{_alternation(symbol_units)})"
        rf"|{_GAP}+(?P<unit_word>{_phrase(word_units)})(?![\w]))?",
        flags,
    )

    approx_before = re.compile(
        rf"(?:^|(?<=[\s(]))(?:{_phrase(words_of('approx_before'))})\s*"
        rf"(?:(?:{_phrase(words_of('approx_bridge'))})\s+)?\Z",
        flags,
    )
    follow = [w for r in by_type.get("approx_after", []) for w in r.get("followed_by", [])]
    follow_alt = _phrase(follow or ["\x00"])
    approx_after = re.compile(
        rf"\A\s+(?:{_phrase(words_of('approx_after'))})"
        rf"(?=\s*(?:[.,;:!?)\"”]|\Z)|\s+(?:{follow_alt})(?!\w))",
        flags,
    )
    before_always = re.compile(_cue_before(words_of("exclude_before", unless_unit=False)), flags)
    before_unless_unit = re.compile(
        _cue_before(words_of("exclude_before", unless_unit=True) or ["\x00"]), flags
    )
    after_exclude = re.compile(rf"\A\s*(?:{_phrase(words_of('exclude_after'))})(?![\w])", flags)
    after_exception = re.compile(
        rf"\A\s*\S+\s+(?:(?:{_phrase(words_of('after_exception'))})(?!\w)|(?:19|20)[0-9]{{2}}(?![0-9]))",
        flags,
    )
    months = by_type.get("month", [])
    month_alt = _phrase([w for r in months for w in r["words"]])
    month_after = re.compile(rf"\A\s+(?:{month_alt})(?![\w])", flags)
    month_before = re.compile(rf"(?<![\w])(?:{month_alt})\.?\s+\Z", flags)
    # "7 dan 8 Desember", "8 hingga 15 November": the first day of a list of days.
    date_list_after = re.compile(
        rf"\A\s+(?:dan|hingga|sampai|s\.?d\.?|atau)\s+[0-9]{{1,2}}\s+(?:{month_alt})(?![\w])",
        flags,
    )
    month_max = float(max((r.get("max_value", 31) for r in months), default=31))
    masks = [re.compile(r["regex"]) for r in by_type.get("mask_regex", [])]
    phrases = words_of("mask_phrase")
    if phrases:
        first = "".join(sorted({re.escape(p[0]) for p in phrases}))
        masks.append(re.compile(rf"(?=[{first}])(?<![\w])(?:{_phrase(phrases)})(?![\w])", flags))
    return _Rules(
        candidate=candidate,
        words=words,
        scales=scales,
        units=units,
        approx_before=approx_before,
        approx_after=approx_after,
        before_always=before_always,
        before_unless_unit=before_unless_unit,
        after_exclude=after_exclude,
        after_exception=after_exception,
        after_exception_min=float(
            min((r.get("min_value", 0) for r in by_type.get("after_exception", [])), default=0)
        ),
        date_list_after=date_list_after,
        count_cues=frozenset(w.lower() for w in words_of("count_cue")),
        month_after=month_after,
        month_before=month_before,
        month_max=month_max,
        masks=tuple(masks),
        examples=tuple(by_type.get("example", [])),
    )


@lru_cache(maxsize=1)
def rules() -> _Rules:
    """The compiled number rules, built once per process."""
    return _compile(load_rules())


# ---------------------------------------------------------------------------
# Reading one number

_THOUSANDS_ID = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]+)?")  # 2.860.701 / 1.234,5
_DECIMAL_COMMA = re.compile(r"[0-9]+,[0-9]+")  # 99,54 / 1,200 (Indonesian: 1.2)
_THOUSANDS_EN = re.compile(r"[0-9]{1,3}(?:,[0-9]{3}){2,}(?:\.[0-9]+)?|[0-9]{1,3},[0-9]{3}\.[0-9]+")
_DECIMAL_DOT = re.compile(r"[0-9]+\.[0-9]{1,2}")  # 99.21, only before a percent or scale word
_PLAIN = re.compile(r"[0-9]+")
_YEAR = re.compile(r"(?:19|20)[0-9]{2}")


def _read_chain(chain: str, dot_decimal_ok: bool) -> str | None:
    """A run of digit groups as a plain decimal string ("2860701", "99.54"), or None.

    None when the run is not a quantity's shape (see the module docstring).
    """
    if _PLAIN.fullmatch(chain):
        # "05", "0812" are codes; ten digits or more are identity or phone numbers.
        if (len(chain) > 1 and chain[0] == "0") or len(chain) >= 10:
            return None
        return chain
    if _THOUSANDS_ID.fullmatch(chain):
        return chain.replace(".", "").replace(",", ".")
    if _THOUSANDS_EN.fullmatch(chain):
        return chain.replace(",", "")
    if _DECIMAL_COMMA.fullmatch(chain):
        return chain.replace(",", ".")
    if dot_decimal_ok and _DECIMAL_DOT.fullmatch(chain):
        return chain
    return None


def _scaled(number: str, scale: str | None, r: _Rules) -> float:
    """Apply scale words in decimal arithmetic, so "1,1 juta" is exactly 1100000."""
    value = Decimal(number)
    for word in (scale or "").split():
        value *= Decimal(repr(r.scales[word.lower()]))
    return float(value)


def _read_words(words: list[str], lexicon: dict[str, tuple[str, float]]) -> float:
    """The value of a word number ("dua ratus lima puluh ribu"); ValueError if ill-formed.

    A group below a thousand is built from digits and their multipliers
    (belas +10, puluh x10, ratus x100); a scale word (ribu, juta, ...) closes the
    group and multiplies it. "se-" words stand for one of their unit.
    """
    total = 0.0
    group = 0.0
    pending: float | None = None  # a digit waiting for its multiplier
    last_scale = float("inf")
    for word in words:
        role, value = lexicon[word.lower()]
        if role == "digit":
            if pending is not None:
                raise ValueError(f"two digits in a row in {' '.join(words)!r}")
            pending = value
        elif role == "group":
            if pending is not None:
                raise ValueError(f"a digit before {word!r} in {' '.join(words)!r}")
            group += value
        elif role in {"teen", "mul"}:
            if pending is None:
                raise ValueError(f"{word!r} needs a digit before it in {' '.join(words)!r}")
            group += pending + value if role == "teen" else pending * value
            pending = None
        else:  # scale or se_scale
            amount = group + (pending or 0.0)
            if role == "se_scale":
                if amount:
                    raise ValueError(f"{word!r} after a number in {' '.join(words)!r}")
                amount = 1.0
            if not amount or value >= last_scale:
                raise ValueError(f"misplaced scale word {word!r} in {' '.join(words)!r}")
            total += amount * value
            last_scale = value
            group, pending = 0.0, None
    return total + group + (pending or 0.0)


def _value(match: re.Match[str], r: _Rules, alone: bool = False) -> float | None:
    """The value of a candidate match (scale applied), or None when its shape is no number.

    ``alone`` is for parse_number: with no context, a dot before one or two digits
    can only be a decimal point.
    """
    scale = match.group("scale")
    number: str | None
    if match.group("typo_comma") is not None:
        whole, fraction = match.group("typo_comma").split(",")
        number = f"{whole}.{fraction.strip()}"
    elif match.group("typo_dot") is not None:
        number = match.group("typo_dot").replace(" ", "").replace(".", "")
    elif match.group("chain") is not None:
        dot_decimal_ok = alone or scale is not None or _unit_of(match, r) == "percent"
        number = _read_chain(match.group("chain"), dot_decimal_ok)
    else:
        try:
            number = repr(_read_words(match.group("words").split(), r.words))
        except ValueError:
            return None
    if number is None:
        return None
    return _scaled(number, scale, r)


def _unit_of(match: re.Match[str], r: _Rules) -> str | None:
    word = match.group("unit_symbol") or match.group("unit_word")
    if word is None:
        return None
    return r.units[" ".join(word.lower().split())]


def parse_number(s: str) -> float:
    """The value of one written number: "2.860.701" → 2860701, "1,2 juta" → 1200000.

    Takes the number alone or as find_numbers writes a mention (with its scale,
    "-an" and unit word: "186,87 juta jiwa", "99, 21 %"). Raises ValueError for
    anything else, without looking at context: "2019" reads as 2019 here.
    """
    r = rules()
    match = r.candidate.fullmatch(s.strip())
    value = _value(match, r, alone=True) if match is not None else None
    if value is None:
        raise ValueError(f"not a number: {s!r}")
    return value


# ---------------------------------------------------------------------------
# Finding numbers in a text

# Another number joined by a slash, a dash or a times sign, however spaced ("27 / 3",
# "20 - 30", "17–19", "1 x 24"), or by a colon or "x" with spaces on both sides ("2 : 1").
# A colon right after a number and followed by a space ("Tahun 2023: 95 persen") is a label.
_SPACED_JOIN_AFTER = re.compile(r"\A(?:\s*[/–×-]\s*|\s+[x:]\s+)[0-9]")
_SPACED_JOIN_BEFORE = re.compile(r"[0-9](?:\s*[/–×-]\s*|\s+[x:]\s+)\Z")
_GLUED_BEFORE = re.compile(r"(?:[^\W_]|[^\W\d_][-'’])\Z")  # "P4", "Covid-19", "Rp5"
_CAPS_BEFORE = re.compile(r"(?<![\w.])[A-Z][A-Z0-9]{0,4}\s+\Z")  # "PK 53002 SH"
_CAPS_AFTER = re.compile(r"\A\s+[A-Z][A-Z0-9]{0,4}(?![\w])")
# A word with a capital letter right before the number ("Note 8", "PlayStation 4"), and
# what stands before that word: a sentence start makes it an ordinary capitalized word.
_CAPITALIZED_BEFORE = re.compile(r"(?P<lead>\S?)\s*(?<![\w])(?P<word>[\w]*[A-Z][\w]*)\.?\s+\Z")
_SENTENCE_START = set(".!?:;\"“”'‘’(\n") | {""}
_HYPHEN_WORD_AFTER = re.compile(r"\A-[^\W\d_]")  # "12-core", "11-Ladislav"
_MINUTE_MARK_AFTER = re.compile(r"\A\s*['’′]\s*[),;]")  # "(Boyd 58 ')" match minutes
_SLASH_BEFORE = re.compile(r"/\s*\Z")
_SLASH_AFTER = re.compile(r"\A\s*/")
_ENUM_AFTER = re.compile(r"\A\s*\)|\A[.)](?:\s|\Z)")  # "1. ", "2) ", "(3)" list items


def _masked_spans(text: str, r: _Rules) -> tuple[list[int], list[int]]:
    """Starts and ends of phone numbers and names like "Lima Puluh Kota", merged and sorted."""
    starts: list[int] = []
    ends: list[int] = []
    for start, end in sorted((m.start(), m.end()) for mask in r.masks for m in mask.finditer(text)):
        if ends and start <= ends[-1]:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


def _overlaps(start: int, end: int, starts: list[int], ends: list[int]) -> bool:
    """Whether [start, end) overlaps one of the merged, sorted spans."""
    i = bisect.bisect_left(starts, end)
    return i > 0 and ends[i - 1] > start


def _reject_reason(
    text: str, match: re.Match[str], value: float, unit: str | None, r: _Rules
) -> str | None:
    """Why this number is no quantity (a year, money, a code, ...), or None when it is one."""
    start = match.start()
    core_end = match.end("core")
    # Where the number with its scale and "-an" ends, before any unit word.
    number_end = max(match.end(g) for g in ("core", "an1", "scale", "an2") if match.group(g))
    before = text[max(0, start - _WINDOW) : start]
    after_core = text[core_end : core_end + _WINDOW]
    after_number = text[number_end : number_end + _WINDOW]
    chain = match.group("chain")

    if match.group("words") is None:
        if _GLUED_BEFORE.search(before):
            return "glued to letters"
        if core_end < len(text) and (text[core_end].isalnum() or text[core_end] == "_"):
            return "glued to letters"
        if not match.group("an1") and _HYPHEN_WORD_AFTER.match(after_core):
            return "joined to a word by a hyphen"
        if _SPACED_JOIN_BEFORE.search(before) or _SPACED_JOIN_AFTER.match(after_core):
            return "part of a date, range or code"
        if _SLASH_BEFORE.search(before) or _SLASH_AFTER.match(after_core):
            return "part of a date or code with slashes"
    elif unit is None and value < 10:
        return "lone word number"
    if r.before_always.search(before):
        return "cue word before"
    if unit is None and r.before_unless_unit.search(before):
        return "cue word before"
    if unit is not None:
        return None
    if r.after_exclude.match(after_number) and not (
        value >= r.after_exception_min and r.after_exception.match(after_number)
    ):
        return "measure, money or time after"
    plain = chain is not None and _PLAIN.fullmatch(chain) is not None and not match.group("scale")
    if (
        plain
        and value <= r.month_max
        and (
            r.month_after.match(after_number)
            or r.date_list_after.match(after_number)
            or r.month_before.search(before)
        )
    ):
        return "day of a date"
    if _CAPS_BEFORE.search(before) and _CAPS_AFTER.match(after_number):
        return "code between capitals"
    if plain and _MINUTE_MARK_AFTER.match(after_core):
        return "minute or foot mark"
    if plain and match.group("an1") and len(chain) == 2 and chain.endswith("0"):
        return "decade"
    if plain and value < 100:
        line_start = text.rfind("\n", 0, start) + 1
        opening = text[line_start:start].strip()
        if (opening in {"", "("} or before.rstrip().endswith("(")) and _ENUM_AFTER.match(
            after_core
        ):
            return "list item number"
    # Counts of a thousand or more are written with a dot ("1.500"), so a plain number
    # below 10000 right after a capitalized word is a model or code ("GTX 1080", "Note 8").
    if plain and value < 10000 and not match.group("an1"):
        capitalized = _CAPITALIZED_BEFORE.search(before)
        if (
            capitalized is not None
            and capitalized.group("lead") not in _SENTENCE_START
            and capitalized.group("word").lower() not in r.count_cues
        ):
            return "model or version number"
    if plain and _YEAR.fullmatch(chain) and not match.group("an2"):
        return "year"
    return None


def find_numbers(text: str) -> list[NumberMention]:
    """Every quantity in ``text`` that could be a count or a percentage, in text order.

    Each mention's ``text`` is ``text[start:end]``: the number with its scale word
    and an adjacent unit word. Years, money, ordinals, phone numbers, dates,
    times, measures and codes are left out.
    """
    r = rules()
    starts, ends = _masked_spans(text, r)
    found: list[NumberMention] = []
    for match in r.candidate.finditer(text):
        start, end = match.start(), match.end()
        if starts and _overlaps(start, end, starts, ends):
            continue
        value = _value(match, r)
        if value is None:
            continue
        unit = _unit_of(match, r)
        reason = _reject_reason(text, match, value, unit, r)
        if reason is not None:
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug("not a quantity (%s): %r at %d", reason, match.group(), start)
            continue
        before = text[max(0, start - _WINDOW) : start]
        approximate = bool(
            match.group("an1")
            or match.group("an2")
            or r.approx_before.search(before)
            or r.approx_after.match(text[end : end + _WINDOW])
        )
        found.append(
            NumberMention(
                start=start,
                end=end,
                text=text[start:end],
                value=value,
                kind="percentage" if unit == "percent" else "count",
                unit=unit,
                approximate=approximate,
            )
        )
    return found
