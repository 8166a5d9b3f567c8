"""Find date expressions in Indonesian news text and normalize them.

Spans are found with our own compiled patterns, never with
``dateparser.search_dates``: that finds dates in "1,2 juta", "00 WIB" and bare
years. Each span is then read by table look-up and date arithmetic, because
the patterns already split it into day, month word and year: handing the span
back to dateparser would re-guess what the pattern knows and cost about 0.8 ms
a call, as much as this module spends on a whole article. The month, weekday and cue words
are data in ``patterns/dates.json``; tests/test_dates.py checks the month table
against dateparser's own Indonesian data.

Every relative form ("kemarin", "Senin", "(26/12)", "tahun ini") is read
against the article's publication date, never the machine clock; without a
publication date those forms are skipped.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import PatternError
from .models import DateMention
from .patternfiles import PATTERNS_DIR

log = logging.getLogger(__name__)

PATTERNS_PATH = PATTERNS_DIR / "dates.json"

# Kinds of span, each with its own pattern. They are tried on the whole text and
# overlapping spans are settled by "earliest start, then longest" (see _choose).
# These say the day something was said or done: DateMention.weekday_form.
WEEKDAY_KINDS = frozenset({"weekday_date", "paren_numeric", "weekday"})

_CACHE_LIMIT = 200_000
_MISSING = object()

_Groups = dict[str, str | None]


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    kind: str
    groups: _Groups  # the pattern's groups, with those of the words looked back at
    cue: str | None


def _alternation(words: Iterable[str], *, spaces: str = r"\s+") -> str:
    """A regex alternation of ``words``, longest first, spaces matching any run of blanks."""
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    return "(?:" + "|".join(re.escape(w).replace(r"\ ", spaces) for w in ordered) + ")"


def _compile(pattern: str) -> re.Pattern[str]:
    """Compile with every blank kept within a line: a cue or a date never runs across a
    paragraph break ("... hingga" ending a title is no cue for the body's first date)."""
    return re.compile(pattern.replace(r"\s", r"[^\S\n]"))


def _as_written(names: Iterable[str]) -> list[str]:
    """Title-case and upper-case forms: weekday names and month abbreviations are case-sensitive."""
    forms: list[str] = []
    for name in names:
        forms += [name[:1].upper() + name[1:], name.upper()]
    return forms


class DateReader:
    """Finds and normalizes every date expression in a text; build once per process."""

    def __init__(self, patterns_path: Path = PATTERNS_PATH) -> None:
        self.patterns_path = patterns_path
        data = self._load(patterns_path)
        try:
            self._build_tables(data)
            self._build_patterns()
        except (KeyError, TypeError, AttributeError, re.error) as exc:
            raise PatternError(f"{patterns_path}: malformed date patterns ({exc!r}); "
                               "compare it with the repository's copy") from exc
        self._cache: dict[tuple[str, str, dt.date | None], str | None] = {}

    # ----------------------------------------------------------------- loading

    @staticmethod
    def _load(path: Path) -> dict[str, Any]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise PatternError(f"{path}: cannot read the date patterns ({exc}); "
                               "restore it from the repository") from exc
        required = ("months", "weekdays", "cues", "period_parts", "halves", "quarters",
                    "relative_days", "directions", "times_of_day", "week_words_after",
                    "week_words_before", "names_not_days", "quantity_words", "year_unit_words",
                    "semester_words", "quarter_words", "period_words")
        missing = [key for key in required if key not in data]
        if missing:
            raise PatternError(f"{path}: missing section(s) {', '.join(missing)}")
        seen: set[str] = set()
        for key in (*required, "examples", "counterexamples"):
            if key not in data:
                continue
            entries = data[key] if isinstance(data[key], list) else [data[key]]
            for number, entry in enumerate(entries, 1):
                ident = entry.get("id") if isinstance(entry, dict) else None
                if not ident:
                    raise PatternError(f"{path}: entry {number} of '{key}' has no id")
                if ident in seen:
                    raise PatternError(f"{path}: id '{ident}' is used twice")
                seen.add(ident)
        months = sorted(entry["month"] for entry in data["months"])
        if months != list(range(1, 13)):
            raise PatternError(f"{path}: 'months' must hold months 1 to 12 once each")
        weekdays = sorted(entry["weekday"] for entry in data["weekdays"])
        if weekdays != list(range(7)):
            raise PatternError(f"{path}: 'weekdays' must hold weekdays 0 (Senin) to 6 once each")
        return data

    def _build_tables(self, data: dict[str, Any]) -> None:
        def lower_map(entries: list[dict[str, Any]], field: str, value: str) -> dict[str, Any]:
            return {w.lower(): entry[value] for entry in entries for w in entry[field]}

        self.month_names = lower_map(data["months"], "names", "month")
        self.month_abbreviations = lower_map(data["months"], "abbreviations", "month")
        self.weekday_names = lower_map(data["weekdays"], "names", "weekday")
        self.ambiguous_weekdays = {
            w.lower() for entry in data["weekdays"] for w in entry.get("ambiguous", [])}
        self.cues = lower_map(data["cues"], "words", "cue")
        self.parts = {e["word"].lower(): e for e in data["period_parts"]}
        self.halves = lower_map(data["halves"], "words", "half")
        self.quarters = lower_map(data["quarters"], "words", "quarter")
        self.relative_days = lower_map(data["relative_days"], "words", "offset")
        self.directions = lower_map(data["directions"], "words", "step")
        self.times_of_day = [w.lower() for w in data["times_of_day"]["words"]]
        self.week_after = {w.lower() for w in data["week_words_after"]["words"]}
        self.week_before = {w.lower() for w in data["week_words_before"]["words"]}
        self.names_not_days = {w.lower().rstrip(".") for w in data["names_not_days"]["words"]}
        self.quantity_words = {w.lower() for w in data["quantity_words"]["words"]}
        self.year_units = [w.lower() for w in data["year_unit_words"]["words"]]
        self.semester_words = [w.lower() for w in data["semester_words"]["words"]]
        self.quarter_words = [w.lower() for w in data["quarter_words"]["words"]]
        self.year_words = [w.lower() for w in data["period_words"]["year"]]
        self.month_words = [w.lower() for w in data["period_words"]["month"]]
        self.day_words = [w.lower() for w in data["period_words"]["day"]]
        self.examples: list[dict[str, Any]] = data.get("examples", [])
        self.counterexamples: list[dict[str, Any]] = data.get("counterexamples", [])

    def _build_patterns(self) -> None:
        def ci(words: Iterable[str]) -> str:
            return "(?i:" + _alternation(words) + ")"

        # Building blocks. (?i:...) scopes case-insensitivity to the words that
        # may be written in any case; weekday names and month abbreviations are
        # matched only as written because lower-case forms are ordinary words.
        weekday = _alternation(_as_written(self.weekday_names))
        month = ci(self.month_names)
        abbreviation = _alternation(_as_written(self.month_abbreviations))
        part = ci(self.parts)
        tod = ci(self.times_of_day)
        direction = ci(self.directions)
        year_word = ci(self.year_words)
        units = ci(self.year_units)
        day = r"(?<![\d.,/])[0-3]?\d(?!\d)"
        day_range = (r"(?:\s*(?:[-\u2013\u2014]|(?i:s\.d\.?|s/d|sampai|hingga|dan))"
                     r"\s*[0-3]?\d(?!\d))?")
        # Not "2.018", "2019,5" nor the decade "1970-an".
        year = r"(?<![\d.,])(?:19|20)\d{2}(?![\d]|[.,]\d|[-\u2013]?an(?!\w))"
        yearish = (rf"(?:(?:{year_word}\s+)?(?P<year>{year})"
                   rf"|{year_word}\s+(?P<ydir>{direction})(?!\w))")
        # Loose on purpose: "(45/13)" must be found, then refused, not left to
        # the bare-weekday pattern.
        numeric = (r"\d{1,2}\s*/\s*\d{1,2}(?:\s*/\s*(?:\d{4}|\d{2}))?(?![\d/])"
                   r"|\d{1,2}-\d{1,2}-\d{4}(?![\d-])")
        named = (rf"{day}{day_range}\s+(?:{month}(?!\w)|{abbreviation}(?!\w)\.?)"
                 rf"(?:,?\s+(?:{year_word}\s+)?{year}|\s+{year_word}\s+{direction}(?!\w)"
                 rf"|\s+{direction}(?!\w))?")
        half = ci(self.halves)
        quarter = ci(self.quarters)

        self.body_numeric = re.compile(
            r"(?P<day>\d{1,2})\s*(?P<sep>[/-])\s*(?P<month>\d{1,2})"
            r"(?:\s*(?P=sep)\s*(?P<year>\d{4}|\d{2}))?")
        self.body_named = re.compile(
            rf"(?P<day>[0-3]?\d){day_range}\s+(?:(?P<month>{month})|(?P<abbr>{abbreviation})\.?)"
            rf"(?:,?\s+{yearish}|\s+(?P<dir>{direction}))?")

        # Each pattern starts at its anchor word or digit, behind a look-behind
        # that fails fast inside words: an optional leading group ("akhir",
        # "tahun") would make the engine try every position, four times slower.
        # Those words are found by looking back from the anchor (see _prefix).
        patterns = {
            "weekday_date": (
                rf"(?<!\w)(?P<wd>{weekday})(?!\w)(?:\s+{tod}(?!\w))?\s*,?\s*"
                rf"(?:\(\s*(?P<body>{numeric}|{named})\s*\)|(?P<bare>{numeric}|{named}))"),
            "paren_numeric": (
                rf"\(\s*(?:(?P<wd>{weekday})\s*,?\s*)?(?P<body>{numeric})\s*\)"),
            "numeric": (
                r"(?<![\w/.,-])(?P<day>[0-3]?\d)(?P<sep>[/-])(?P<month>[01]?\d)(?P=sep)"
                r"(?P<year>(?:19|20)\d{2})(?![\w/-]|[.,]\d)"),
            "iso": (
                r"(?<![\w/.-])(?P<year>(?:19|20)\d{2})-(?P<month>[01]\d)-(?P<day>[0-3]\d)"
                r"(?![\d/-])"),
            "day_month": rf"(?P<body>{named})",
            "month": (
                rf"(?<!\w)(?:(?P<month>{month})(?!\w)"
                rf"(?:,?\s+{yearish}|\s+(?P<dir>{direction})(?!\w))?"
                rf"|(?P<abbr>{abbreviation})(?!\w)\.?\s+(?P<ayear>{year}))"),
            "semester": (
                rf"(?<!\w)(?P<word>{ci(self.semester_words)})\s+(?P<half>{half})(?!\w)"
                rf"(?:\s*/\s*{half}(?!\w))?(?:\s*[/-]\s*|\s*,?\s+){yearish}"),
            "quarter": (
                rf"(?<!\w)(?P<word>{ci(self.quarter_words)})\s+(?P<quarter>{quarter})(?!\w)"
                rf"(?:\s*[/-]\s*|\s*,?\s+){yearish}"),
            "year": rf"(?P<year>{year})(?!\s*[/\u2013-]\s*\d)(?!\s+{units}(?!\w))",
            "relative_period": (
                rf"(?<![\w-])(?P<unit>{year_word}|{ci(self.month_words)})"
                rf"(?!\w)(?:\s+(?P<dir>{direction})(?!\w))?"),
            "relative_day": (
                rf"(?<![\w-])(?P<rel>{ci(self.relative_days)})(?![\w-])(?:\s+{tod}(?!\w))?"),
            "weekday": (
                rf"(?<![\w-])(?P<wd>{weekday})(?![\w'\u2019-])(?:\s+(?P<tod>{tod})(?!\w))?"
                rf"(?:\s+(?:(?i:pekan|minggu)\s+)?(?P<dir>{direction})(?!\w))?"),
        }
        self.patterns = {kind: _compile(p) for kind, p in patterns.items()}
        # Words that belong to the expression but stand before its anchor.
        lead = r"(?<![\w-])"
        part_prefix = rf"(?:{lead}(?P<part>{part})\s+)?"
        prefixes = {
            "day_month": rf"(?:{lead}(?P<tgl>{ci(self.day_words)})\s+)?\Z",
            "month": rf"{part_prefix}(?:{lead}(?P<bulan>{ci(self.month_words)})\s+)?\Z",
            "semester": rf"{part_prefix}\Z",
            "quarter": rf"{part_prefix}\Z",
            "year": (rf"{part_prefix}(?:{lead}(?P<tahun>{year_word})\s+"
                     rf"(?:(?i:anggaran)\s+)?)?\Z"),
            "relative_period": rf"{part_prefix}\Z",
        }
        self.prefixes = {kind: _compile(p) for kind, p in prefixes.items()}
        self.cue_before = _compile(
            rf"(?<![\w-])(?P<cue>{ci(self.cues)})\s+(?:(?i:hari)\s+)?\Z")
        self.word_before = _compile(r"(?P<word>[\w-]+)\s*\Z")
        self.word_after = _compile(r"\s*(?P<word>[\w-]+)")

    # ----------------------------------------------------------------- finding

    def find_dates(self, text: str, published: str | None) -> list[DateMention]:
        """Every date expression in ``text``, in order, read against ``published`` (YYYY-MM-DD).

        Pass a whole article (or sentence) at a time: one call scans for every form.
        """
        base = _parse_published(published)
        candidates = []
        for kind, pattern in self.patterns.items():
            for match in pattern.finditer(text):
                candidate = self._license(kind, match, text)
                if candidate is not None:
                    candidates.append(candidate)
        mentions = []
        for candidate in _choose(candidates):
            span = text[candidate.start:candidate.end]
            value = self._value(candidate, span, base)
            if value is None:
                continue
            mentions.append(DateMention(
                start=candidate.start, end=candidate.end, text=span, value=value,
                cue=candidate.cue or self._inner_cue(candidate),
                weekday_form=candidate.kind in WEEKDAY_KINDS))
        return mentions

    def _license(self, kind: str, match: re.Match[str], text: str) -> _Candidate | None:
        """Keep a match only if it is a date here; add its leading words and its cue."""
        start, end = match.span()
        groups = match.groupdict()
        prefix_pattern = self.prefixes.get(kind)
        if prefix_pattern is not None:
            groups.update(dict.fromkeys(prefix_pattern.groupindex))
            prefix = prefix_pattern.search(text, max(0, start - 40), start)
            if prefix is not None and prefix.start() < start:
                groups.update(prefix.groupdict())
                start = prefix.start()
        cue_match = self.cue_before.search(text, max(0, start - 40), start)
        cue = self.cues[_squeeze(cue_match.group("cue"))] if cue_match else None
        if kind == "year":
            # A year alone is too often an event's name ("Pemilu 2019").
            if not (groups["part"] or groups["tahun"] or cue):
                return None
        elif kind == "month":
            # "April" alone may be a name; a year, a cue or "bulan" makes it a month.
            if not (groups["part"] or groups["bulan"] or groups["year"] or groups["ydir"]
                    or groups["dir"] or groups["abbr"] or cue):
                return None
        elif kind == "relative_period":
            if not (groups["dir"] or groups["part"]):
                return None
            if self._after_quantity(text, match.start()):
                return None  # "tiga tahun lalu" is a duration back, not last year
        elif kind == "weekday":
            if self._word_before(text, start) in self.names_not_days:
                return None
            if groups["wd"].lower() in self.ambiguous_weekdays and self._is_week(match, text):
                return None
        return _Candidate(start, end, kind, groups, cue)

    def _word_before(self, text: str, position: int) -> str:
        before = self.word_before.search(text, max(0, position - 30), position)
        return before.group("word").lower() if before else ""

    def _after_quantity(self, text: str, position: int) -> bool:
        word = self._word_before(text, position)
        return word[-1:].isdigit() or word in self.quantity_words

    def _is_week(self, match: re.Match[str], text: str) -> bool:
        """True where "Minggu" said alone means "week" ("dua Minggu", "Minggu lalu")."""
        if match.group("dir") and not match.group("tod"):
            return True
        after = self.word_after.match(text, match.end("wd"), match.end("wd") + 30)
        if after and (after.group("word").lower() in self.week_after
                      or after.group("word").lower().startswith("ke-")):
            return True
        return (self._after_quantity(text, match.start())
                or self._word_before(text, match.start()) in self.week_before)

    def _inner_cue(self, candidate: _Candidate) -> str | None:
        """The cue an expression carries itself when no word before it gives one."""
        groups = candidate.groups
        if groups.get("part"):
            return self.parts[groups["part"].lower()]["cue"]
        if candidate.kind == "semester":
            return "semester"
        if groups.get("tahun") or (candidate.kind == "relative_period"
                                   and groups["unit"].lower() in self.year_words):
            return "tahun"
        if groups.get("tgl"):
            return "tanggal"
        return None

    # ----------------------------------------------------------------- reading

    def _value(self, candidate: _Candidate, span: str, base: dt.date | None) -> str | None:
        key = (candidate.kind, span, base)
        cached = self._cache.get(key, _MISSING)
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        try:
            value: str | None = self._readers[candidate.kind](self, candidate.groups, base)
        except _Skip as skip:
            log.debug("date %r skipped: %s", span, skip)
            value = None
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[key] = value
        return value

    def _read_weekday_date(self, g: _Groups, base: dt.date | None) -> str:
        value = self._read_body(g["body"] or g["bare"], base)
        self._check_weekday(g["wd"], value)
        return value

    def _read_paren_numeric(self, g: _Groups, base: dt.date | None) -> str:
        value = self._read_body(g["body"], base)
        if g["wd"]:
            self._check_weekday(g["wd"], value)
        return value

    def _read_body(self, body: str | None, base: dt.date | None) -> str:
        numeric = self.body_numeric.fullmatch(body or "")
        if numeric:
            day, month = int(numeric.group("day")), int(numeric.group("month"))
            written_year = numeric.group("year")
            if written_year is None:
                return _nearest_day(month, day, base, 0).isoformat()
            year = int(written_year)
            if len(written_year) == 2:
                year += 2000 if year < 70 else 1900
            return _day(year, month, day).isoformat()
        named = self.body_named.fullmatch(body or "")
        if named is None:
            raise _Skip(f"unreadable date body {body!r}")
        g = named.groupdict()
        month = self._month_of(g)
        day = int(g["day"])
        if g["year"]:
            return _day(int(g["year"]), month, day).isoformat()
        if g["ydir"]:
            return _day(_need(base).year + self._step(g["ydir"]), month, day).isoformat()
        return _nearest_day(month, day, base, self._step(g["dir"])).isoformat()

    def _step(self, direction: str | None) -> int:
        return self.directions[_squeeze(direction)] if direction else 0

    def _month_of(self, g: _Groups) -> int:
        if g["month"]:
            return self.month_names[g["month"].lower()]
        return self.month_abbreviations[str(g["abbr"]).lower()]

    def _check_weekday(self, written: str | None, value: str) -> None:
        weekday = self.weekday_names[str(written).lower()]
        if dt.date.fromisoformat(value).weekday() != weekday:
            # The figures in the parentheses are what reporters copy; keep them.
            log.debug("%s is not a %s; keeping the day and month given", value, written)

    def _read_numeric(self, g: _Groups, base: dt.date | None) -> str:
        return _day(int(str(g["year"])), int(str(g["month"])), int(str(g["day"]))).isoformat()

    def _read_day_month(self, g: _Groups, base: dt.date | None) -> str:
        return self._read_body(g["body"], base)

    def _read_month(self, g: _Groups, base: dt.date | None) -> str:
        month = self._month_of(g)
        if g["abbr"]:
            year = int(str(g["ayear"]))
        elif g["year"]:
            year = int(g["year"])
        elif g["ydir"]:
            year = _need(base).year + self._step(g["ydir"])
        else:
            year = _nearest_month_year(month, _need(base), self._step(g["dir"]))
        return f"{year:04d}-{month:02d}"

    def _year_of(self, g: _Groups, base: dt.date | None) -> int:
        if g["year"]:
            return int(g["year"])
        return _need(base).year + self._step(g["ydir"])

    def _read_semester(self, g: _Groups, base: dt.date | None) -> str:
        half = self.halves[_squeeze(str(g["half"]))]
        return f"{self._year_of(g, base):04d}-{6 * half:02d}"

    def _read_quarter(self, g: _Groups, base: dt.date | None) -> str:
        quarter = self.quarters[_squeeze(str(g["quarter"]))]
        return f"{self._year_of(g, base):04d}-{3 * quarter:02d}"

    def _with_part(self, year: int, part: str | None) -> str:
        if part:
            return f"{year:04d}-{self.parts[part.lower()]['month_of_year']:02d}"
        return f"{year:04d}"

    def _read_year(self, g: _Groups, base: dt.date | None) -> str:
        return self._with_part(int(str(g["year"])), g["part"])

    def _read_relative_period(self, g: _Groups, base: dt.date | None) -> str:
        base = _need(base)
        step = self._step(g["dir"])
        if str(g["unit"]).lower() in self.year_words:
            return self._with_part(base.year + step, g["part"])
        index = base.year * 12 + base.month - 1 + step
        return f"{index // 12:04d}-{index % 12 + 1:02d}"

    def _read_relative_day(self, g: _Groups, base: dt.date | None) -> str:
        offset = self.relative_days[_squeeze(str(g["rel"]))]
        return (_need(base) + dt.timedelta(days=offset)).isoformat()

    def _read_weekday(self, g: _Groups, base: dt.date | None) -> str:
        base = _need(base)
        weekday = self.weekday_names[str(g["wd"]).lower()]
        back = (base.weekday() - weekday) % 7  # days back to the last one on or before
        if not g["dir"]:  # bare "Senin": the last Monday on or before publication
            delta = -back
        elif self._step(g["dir"]) < 0:  # "Senin lalu": strictly before
            delta = -(back or 7)
        elif self._step(g["dir"]) > 0:  # "Senin depan": strictly after
            delta = (7 - back) if back else 7
        else:  # "Senin ini": the nearest one, the past on a tie
            delta = -back if back <= 3 else 7 - back
        return (base + dt.timedelta(days=delta)).isoformat()

    _readers: dict[str, Callable[[DateReader, _Groups, dt.date | None], str]] = {
        "weekday_date": _read_weekday_date,
        "paren_numeric": _read_paren_numeric,
        "numeric": _read_numeric,
        "iso": _read_numeric,
        "day_month": _read_day_month,
        "month": _read_month,
        "semester": _read_semester,
        "quarter": _read_quarter,
        "year": _read_year,
        "relative_period": _read_relative_period,
        "relative_day": _read_relative_day,
        "weekday": _read_weekday,
    }


class _Skip(Exception):
    """A span that looked like a date but is impossible or unreadable here."""


def _squeeze(words: str) -> str:
    return " ".join(words.lower().split())


def _need(base: dt.date | None) -> dt.date:
    if base is None:
        raise _Skip("a relative date needs the publication date")
    return base


def _day(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise _Skip(f"impossible date {year}-{month}-{day}: {exc}") from None


def _nearest_day(month: int, day: int, base: dt.date | None, step: int) -> dt.date:
    """The year-less day-month nearest publication ("Rabu (26/12)" on 5 January is last year's).

    ``step`` -1 ("15 Juli lalu") keeps it on or before publication, +1 ("mendatang") on or after.
    """
    base = _need(base)
    if not 1 <= month <= 12:
        raise _Skip(f"impossible month {month}")
    options = []
    for year in (base.year - 1, base.year, base.year + 1):
        try:
            options.append(dt.date(year, month, day))
        except ValueError:
            continue
    if step < 0:
        options = [d for d in options if d <= base]
    elif step > 0:
        options = [d for d in options if d >= base]
    else:
        # Half a year either way: "(29/2)" a year off is no one's nearest date.
        options = [d for d in options if abs((d - base).days) <= 183]
    if not options:
        raise _Skip(f"impossible date {day}/{month}")
    return min(options, key=lambda d: (abs((d - base).days), d > base))


def _nearest_month_year(month: int, base: dt.date, step: int) -> int:
    """The year of a year-less month: the nearest, or the side ``step`` says ("Mei lalu")."""
    here = base.year * 12 + base.month - 1
    options = [(year * 12 + month - 1, year) for year in (base.year - 1, base.year, base.year + 1)]
    if step < 0:
        options = [o for o in options if o[0] <= here]
    elif step > 0:
        options = [o for o in options if o[0] >= here]
    return min(options, key=lambda o: (abs(o[0] - here), o[0] > here))[1]


def _choose(candidates: list[_Candidate]) -> list[_Candidate]:
    """Non-overlapping spans, the earliest first and the longest of those that start together.

    "Senin, 5 November 2024" beats "Senin" and "5 November 2024"; "akhir April 2024"
    beats "April 2024". An impossible span still wins its place, so "Senin (45/13)"
    yields nothing rather than a bare "Senin".
    """
    chosen: list[_Candidate] = []
    last_end = -1
    for candidate in sorted(candidates, key=lambda c: (c.start, -c.end)):
        if candidate.start >= last_end:
            chosen.append(candidate)
            last_end = candidate.end
    return chosen


def _parse_published(published: str | None) -> dt.date | None:
    if not published:
        return None
    try:
        return dt.date.fromisoformat(published[:10])
    except ValueError:
        log.warning("publication date %r is not YYYY-MM-DD: relative dates are skipped",
                    published)
        return None


@lru_cache(maxsize=1)
def get_date_reader() -> DateReader:
    """The process-wide DateReader (built on first call)."""
    return DateReader()
