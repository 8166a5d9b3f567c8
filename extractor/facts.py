"""Article → facts and awards: what each number counts, for which region, as of when.

How a number becomes a fact (each step is a rule over cue words from ``patterns/``):

1. The number reader finds quantities; the sentence it stands in is its context.
2. Every cue (indicator, role, region, date) is ranked by how closely it is tied
   to the number: a cue earlier in the same clause binds tightest, then a cue
   right after the number ("85.267 wajib e-KTP"), then one across a comma, and
   a cue that has another number between it and ours binds least.
3. A number with no indicator in its sentence borrows the context of the
   sentence before it in the same paragraph (a quote split over sentences), or
   of the heading of the list it is an item of.
4. A percentage that restates a count ("3.657.555 (93,09%)", "..., setara
   90,48%") shares the count's indicator, role and region.
5. Numbers that are parts of a breakdown (by district, sex, age), thresholds
   ("di atas 90 persen"), counts of regions or votes are dropped.
6. The same fact said twice is kept once, at its first mention; a rounded
   restatement ("192 jutaan") merges into the exact figure.

``facts.py`` never touches the network or the database.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache

from spacy.tokens import Doc

from .awards import find_awards
from .cues import Cue, CueFinder, get_cue_finder
from .dates import DateReader, get_date_reader
from .models import (
    Article,
    Award,
    DateMention,
    Extraction,
    Fact,
    NumberMention,
    Region,
    RegionMention,
)
from .nlp import build_nlp, sentence_bounds
from .numbers import find_numbers
from .regions import Gazetteer, get_gazetteer, region_summary
from .timing import NO_TIMER, StageTimer

log = logging.getLogger(__name__)

COUNTRY = "ID"
# Words between two numbers that make the second a restatement of the first.
RESTATEMENT_LINKS = {"(", ",", "atau", "setara", "dengan", "sekitar", "sebesar", "yakni", "yaitu",
                     "hanya", "sama"}
# At least one of these must stand between them: a bare comma separates two figures.
RESTATEMENT_MARKERS = {"(", "atau", "setara", "yakni", "yaitu", "sebesar"}
BREAKDOWN = "part of a breakdown"
NON_FACT_CONTEXT = "about moves, deaths, voters or evacuees"
NON_FACT_UNIT = "counts something that is no registration figure"
# A list of parts, or of evacuees, goes on after a comma or "dan".
CONTAGIOUS_DROPS = {BREAKDOWN, NON_FACT_CONTEXT, NON_FACT_UNIT}
# A "sentence" this short under a heading ending in ":" is an item of a list.
LIST_ITEM_TOKENS = 20
# "tiga orang tersangka", "10 orang": a region's registration total is larger.
COUNT_MINIMUM = 100
# A count written with no unit word ("93 emas", "sembilan Kepala Dinas") is seldom
# a region's total; below this it is left out.
UNITLESS_MINIMUM = 1000
CLAUSE_BREAKS = {",", ";", "sedangkan", "sementara", "namun", "tetapi", "adapun", "—", "–"}
UNIT_WORDS = {"jiwa", "orang", "warga", "penduduk", "anak", "keping", "lembar", "dokumen",
              "blangko", "blanko", "kartu", "persen", "%", "perse", "ribu", "juta", "jutaan",
              "ribuan", "lebih", "-an", "an", "nya", "-nya"}
# Date cue words that tie a date to a figure; a bare weekday form is when
# someone spoke, never what a figure refers to.
AS_OF_CUES = {"hingga", "sampai", "sampai dengan", "per", "pada", "akhir", "awal", "sepanjang",
              "tahun", "semester", "selama", "dalam", "data", "tanggal", "dibandingkan",
              "pertengahan", "triwulan", "bulan", None}
DEADLINE_CUES = {"hingga", "sampai", "sampai dengan", "pada", "akhir", "tahun", "sepanjang",
                 "dalam", None}
DOCUMENT_INDICATORS = {"ktp_el_printed", "kia", "birth_certificate", "family_card"}


@dataclass
class Candidate:
    """A number on its way to becoming one or more facts."""

    number: NumberMention
    tok_start: int
    tok_end: int
    sentence: tuple[int, int]
    sentence_index: int
    indicator: str | None = None
    role: str = "actual"
    region_codes: list[str] = field(default_factory=list)
    as_of: str | None = None
    dropped: str | None = None
    after_dari: bool = False  # "dari 85.267 ...": the whole that a share is taken of
    also: tuple[str, str] | None = None  # a second (indicator, role) the same number is


class FactFinder:
    """Builds the cue finder, gazetteer and date reader once; call ``extract`` per article."""

    def __init__(self) -> None:
        self.nlp = build_nlp()
        self.cues: CueFinder = get_cue_finder()
        self.gazetteer: Gazetteer = get_gazetteer()
        self.dates: DateReader = get_date_reader()

    # ------------------------------------------------------------------ public
    def extract(self, article: Article, timer: StageTimer | None = None) -> Extraction:
        """Facts and awards of ``article``; ``timer`` (the bench command's) adds up each stage."""
        clock = timer or NO_TIMER
        text = article.text
        with clock.stage("spacy"):
            doc = self.nlp(text)
            sentences = sentence_bounds(doc)
            paragraphs = _paragraph_starts(text)
            cues = self.cues.find(doc, sentences)
        with clock.stage("numbers_regions"):
            numbers = [n for n in find_numbers(text) if n.start >= 0]
            mentions = self.gazetteer.find_mentions(text, body_start=article.body_start)
        with clock.stage("dates"):
            dates = self.dates.find_dates(text, article.published)
        with clock.stage("facts"):
            ctx = _Context(doc, text, sentences, paragraphs, cues, mentions, dates, numbers, self)
            facts = ctx.build_facts()
            awards = ctx.build_awards()
            regions = tuple(region_summary(mentions))
        return Extraction(article=article, regions=regions, facts=tuple(facts), awards=tuple(awards))


@lru_cache(maxsize=1)
def get_fact_finder() -> FactFinder:
    return FactFinder()


def extract_facts(article: Article) -> Extraction:
    """Find the facts and awards of one article (builds the rules once per process)."""
    return get_fact_finder().extract(article)


# ---------------------------------------------------------------------- helpers
def _paragraph_starts(text: str) -> list[int]:
    starts = [0]
    for match in re.finditer(r"\n\s*\n", text):
        starts.append(match.end())
    return starts


def _paragraph_of(paragraphs: list[int], char: int) -> int:
    index = 0
    for i, start in enumerate(paragraphs):
        if start <= char:
            index = i
        else:
            break
    return index


class _Context:
    """Everything found in one article, and the rules that tie it together."""

    def __init__(self, doc, text, sentences, paragraphs, cues, mentions, dates, numbers, finder):  # type: ignore[no-untyped-def]
        self.doc: Doc = doc
        self.text: str = text
        self.sentences = sentences
        self.paragraphs = paragraphs
        self.cues: list[Cue] = cues
        self.finder: FactFinder = finder
        self.gazetteer = finder.gazetteer
        # "Indonesia" inside "Ombudsman Republik Indonesia" is no region: the country
        # is named through the national cues of patterns/cues.jsonl instead.
        self.mentions = self._governing_mentions(mentions)
        self.all_mentions = mentions
        self.dates: list[DateMention] = dates
        self.numbers: list[NumberMention] = numbers
        self.char_to_token = self._char_index()
        self.number_spans = [self._tok_span(n.start, n.end) for n in numbers]
        self.mention_spans = [self._tok_span(m.start, m.end) for m in self.mentions]
        self.date_spans = [self._tok_span(d.start, d.end) for d in dates]
        self.linked_after: dict[int, tuple[int, int]] = {}
        self.accepted: list[Candidate] = []
        self.focus = self._focus_region()
        self.topic = self._topic()

    def _governing_mentions(self, mentions: list[RegionMention]) -> list[RegionMention]:
        """Mentions that can govern a figure.

        Left out: datelines and outlet names; "Indonesia" (the country is named
        through the national cues); a province that only locates the regency
        before it ("Kota Jayapura, Papua"); a place people move to ("pindah
        keluar NTT").
        """
        kept: list[RegionMention] = []
        previous: RegionMention | None = None
        for mention in mentions:
            if mention.role != "mention" or not mention.code or mention.code == COUNTRY:
                previous = mention
                continue
            before = self.text[max(0, mention.start - 16):mention.start].lower()
            if re.search(r"(keluar|ke luar|pindah ke|menuju|asal)\s+$", before):
                previous = mention
                continue
            if previous is not None and previous.code and self._locates(previous, mention):
                previous = mention
                continue
            kept.append(mention)
            previous = mention
        return kept

    def _locates(self, previous: RegionMention, mention: RegionMention) -> bool:
        gap = self.text[previous.end:mention.start]
        if not re.fullmatch(r"\s*,\s*|\s*\(\s*", gap):
            return False
        inner, outer = self._region(previous.code or ""), self._region(mention.code or "")
        if inner is None or outer is None or outer.level != "province" or inner.level == "province":
            return False
        # "Merauke, Papua": Papua Selatan was split from Papua, so Papua still locates it.
        return self.gazetteer.lies_in(inner.code, outer.code)

    def _region(self, code: str) -> Region | None:
        try:
            return self.gazetteer.get(code)
        except KeyError:
            return None

    # ------------------------------------------------------------- positions
    def _char_index(self) -> list[int]:
        index = [0] * (len(self.text) + 1)
        for token in self.doc:
            for i in range(token.idx, token.idx + len(token.text)):
                index[i] = token.i
        # whitespace maps to the next token
        last = len(self.doc)
        for i in range(len(self.text), -1, -1):
            if i < len(self.text) and (self.text[i].isspace()):
                index[i] = last
            else:
                last = index[i] if i < len(self.text) else last
        return index

    def _tok_span(self, start: int, end: int) -> tuple[int, int]:
        first = self.char_to_token[start]
        last = self.char_to_token[max(start, end - 1)]
        return first, max(first, last) + 1

    def _sentence_index(self, char: int) -> int:
        for i, (start, end, _, _) in enumerate(self.sentences):
            if start <= char < end:
                return i
        return max(0, len(self.sentences) - 1)

    def _is_break(self, i: int) -> bool:
        return self.doc[i].lower_ in CLAUSE_BREAKS

    def _tier(self, start: int, end: int, n_start: int, n_end: int, lo: int, hi: int) -> tuple[int, int] | None:
        """How tightly a span at tokens [start, end) binds to a number at [n_start, n_end).

        Returns (tier, distance), lower is tighter; None when outside [lo, hi).
        """
        if start < lo or end > hi:
            return None
        if end <= n_start:
            between = range(end, n_start)
            other_number = any(end <= s and e <= n_start for s, e in self.number_spans)
            if other_number:
                return 4, n_start - end
            if any(self._is_break(i) for i in between):
                return 2, n_start - end
            return 0, n_start - end
        if start >= n_end:
            between = [i for i in range(n_end, start) if self.doc[i].lower_ not in UNIT_WORDS]
            linked = self.linked_after.get(n_start)
            other_number = any(n_end <= s and e <= start and (s, e) != linked
                               for s, e in self.number_spans)
            if other_number:
                return 5, start - n_end
            if linked and linked[1] <= start:
                # "389.930 jiwa atau 97,10 persen sudah merekam": skip the restatement
                between = [i for i in between if not (linked[0] <= i < linked[1])
                           and self.doc[i].lower_ not in RESTATEMENT_LINKS]
            if any(self._is_break(i) for i in between):
                return 6, start - n_end
            return (1 if len(between) <= 3 else 3), start - n_end
        return 0, 0

    # ------------------------------------------------------------- focus
    def _focus_region(self) -> str | None:
        """The region the article is about: most named, the title counting double."""
        body_start = self.text.find("\n\n")
        counts: Counter[str] = Counter()
        first_seen: dict[str, int] = {}
        for mention in self.mentions:
            weight = 3 if mention.start < body_start else 1
            counts[mention.code] += weight
            first_seen.setdefault(mention.code, mention.start)
        for cue in self.cues:
            if cue.type == "national" and self._national_ok(cue):
                char = self.doc[cue.start].idx
                counts[COUNTRY] += 3 if char < body_start else 1
                first_seen.setdefault(COUNTRY, char)
        if not counts:
            return None
        best = max(counts.items(), key=lambda kv: (kv[1], -first_seen[kv[0]]))
        return best[0]

    def _topic(self) -> Cue | None:
        """What the title says is counted, by a word of substance ("Rekam e-KTP ...")."""
        if not self.sentences:
            return None
        _, _, t0, t1 = self.sentences[0]
        for cue in self.cues:
            if cue.type == "indicator" and not cue.rule.weak and t0 <= cue.start < t1:
                return cue
        return None

    def _national_ok(self, cue: Cue) -> bool:
        """"target nasional" is the region's own target (spec): not a national mention."""
        if cue.start > 0 and self.doc[cue.start - 1].lower_ in {"target", "standar", "rata-rata"}:
            return False
        return True

    # ------------------------------------------------------------- facts
    def build_facts(self) -> list[Fact]:
        if not self.sentences:
            return []
        candidates: list[Candidate] = []
        for index, number in enumerate(self.numbers):
            if any(d.start < number.end and number.start < d.end for d in self.dates):
                continue  # "hingga 8 November 2024 warga ...": part of a date
            start, end = self.number_spans[index]
            s_index = self._sentence_index(number.start)
            s_start, s_end, _, _ = self.sentences[s_index]
            candidate = Candidate(number, start, end, (s_start, s_end), s_index)
            before = [t.lower_ for t in self.doc[max(0, start - 2):start]]
            candidate.after_dari = "dari" in before and before[-1] not in {"target", "sasaran"}
            candidates.append(candidate)
        self.linked_after = {}
        for first, second in zip(candidates, candidates[1:], strict=False):
            if first.sentence_index == second.sentence_index and self._linked(first, second):
                self.linked_after[first.tok_start] = (second.tok_start, second.tok_end)
        earlier: list[Candidate] = []
        for candidate in candidates:
            same_sentence = [e for e in earlier if e.sentence_index == candidate.sentence_index]
            self._classify(candidate, same_sentence)
            earlier.append(candidate)
            if candidate.indicator and not candidate.dropped:
                self.accepted.append(candidate)
        return self._assemble(candidates)

    def _linked(self, first: Candidate, second: Candidate) -> bool:
        """ "389.930 jiwa atau 97,10 persen": two forms of one figure."""
        if first.number.kind == second.number.kind:
            return False
        between = [t.lower_ for t in self.doc[first.tok_end:second.tok_start]]
        if len(between) > 4 or not set(between) & RESTATEMENT_MARKERS:
            return False
        return all(w in RESTATEMENT_LINKS or w in UNIT_WORDS for w in between)

    def _sentence_tokens(self, s_index: int) -> tuple[int, int]:
        _, _, t_start, t_end = self.sentences[s_index]
        return t_start, t_end

    def _restated(self, candidate: Candidate, earlier: list[Candidate]) -> Candidate | None:
        """The figure this one restates: "3.657.555 (93,09%)", "3.555.216 orang, setara 90,48%".

        In "31.491.386 jiwa dari 31.742.508 jiwa wajib KTP-el, atau 99,21 persen"
        the share restates the first figure, not the whole it was taken of.
        """
        if not earlier or self.linked_after.get(earlier[-1].tok_start) != \
                (candidate.tok_start, candidate.tok_end):
            if not (len(earlier) >= 2 and earlier[-1].after_dari and
                    self._linked(earlier[-1], candidate)):
                return None
        for previous in reversed(earlier):
            if previous.after_dari and previous is earlier[-1]:
                continue
            # a dropped figure's restatement is dropped with it ("11,13 persen
            # atau sekitar 28,5 juta" of the poor)
            return previous if (previous.indicator is not None or previous.dropped) else None
        return None

    def _cues_of(self, types: set[str], lo: int, hi: int) -> list[Cue]:
        return [cue for cue in self.cues if cue.type in types and lo <= cue.start and cue.end <= hi]

    def _near_left(self, c: Candidate, types: set[str], lo: int, reach: int) -> Cue | None:
        """A cue of these types ending at most ``reach`` tokens before the number, same clause."""
        for cue in self._cues_of(types, lo, c.tok_start):
            rank = self._tier(cue.start, cue.end, c.tok_start, c.tok_end, lo, c.tok_start)
            if rank is not None and rank[0] == 0 and rank[1] <= reach:
                return cue
        return None

    def _near_right(self, c: Candidate, types: set[str], hi: int, reach: int) -> Cue | None:
        """A cue of these types within ``reach`` words after the number (units skipped), same clause."""
        for cue in self._cues_of(types, c.tok_end, hi):
            rank = self._tier(cue.start, cue.end, c.tok_start, c.tok_end, c.tok_end, hi)
            if rank is None or rank[0] not in (1, 3):
                continue
            words = [t for t in self.doc[c.tok_end:cue.start] if t.lower_ not in UNIT_WORDS]
            if len(words) <= reach:
                return cue
        return None

    def _classify(self, c: Candidate, earlier: list[Candidate]) -> None:
        previous = earlier[-1] if earlier else None
        n = c.number
        if n.kind == "percentage" and not (0 < n.value <= 100):
            c.dropped = "percentage out of range"
            return
        if n.kind == "count" and n.value < 1:
            c.dropped = "zero count"
            return
        if n.kind == "count" and n.unit is None and n.value < UNITLESS_MINIMUM:
            c.dropped = "a small count with no unit word"
            return
        if n.kind == "count" and n.value < COUNT_MINIMUM:
            c.dropped = "too small to be a region's total"
            return
        lo, hi = self._sentence_tokens(c.sentence_index)
        if self._has_non_fact_unit(c, hi):
            c.dropped = NON_FACT_UNIT
            return
        if previous is not None and previous.dropped in CONTAGIOUS_DROPS and \
                {t.lower_ for t in self.doc[previous.tok_end:c.tok_start]} & {"dan", ",", "masing-masing"}:
            own = self._best_cue(c, lo, hi, {"indicator"})
            if own is None or own[1] >= 2:
                # "2.749 orang dari ... dan 1.140 orang dari ...", "korban hilang 72
                # orang, masing-masing 28 orang di Alor": the list goes on.
                c.dropped = previous.dropped
                return
        restated = self._restated(c, earlier)
        if restated is not None:
            c.indicator, c.role = restated.indicator, restated.role
            c.region_codes = list(restated.region_codes)
            c.as_of = restated.as_of
            c.dropped = restated.dropped
            return
        if self._cues_of({"veto"}, lo, hi):
            c.dropped = "a sentence about a court case, not registration"
            return
        if self._near_right(c, {"back_reference"}, hi, 0):
            c.dropped = "refers back to a figure given before (\"30.000 warga itu\")"
            return
        if self._near_left(c, {"change"}, lo, 2):
            c.dropped = "a change between two figures, not a figure"
            return
        if self._near_left(c, {"negation"}, lo, 4) or self._near_right(c, {"negation"}, hi, 3):
            c.dropped = "negated"
            return
        if self._near_right(c, {"non_fact_context"}, hi, 6) or \
                self._near_left(c, {"non_fact_context"}, lo, 10):
            c.dropped = NON_FACT_CONTEXT
            return
        if self._is_denominator_only(c, previous, lo, hi):
            c.dropped = "the whole a share is taken of (\"dari total ...\")"
            return
        indicator_cue = self._best_cue(c, lo, hi, {"indicator"})
        context = (lo, hi)
        if self._refers_back(c, lo):
            # "jumlah tersebut mencapai 99,54 persen": the figure belongs to the
            # sentence before, and so does its date; "target itu setara 147.403
            # orang": so does what it counts, unless the sentence says it closely.
            fallbacks = self._fallback_contexts(c.sentence_index, refers_back=True)
            if fallbacks:
                context = fallbacks[0]
                if indicator_cue is None or indicator_cue[1] >= 2:
                    borrowed = self._best_cue(c, context[0], context[1], {"indicator"}, outside=True)
                    indicator_cue = borrowed or indicator_cue
        inherited_role = None
        listed = [e for e in earlier if e.indicator and not e.dropped and e.number.kind == n.kind]
        if not listed and self._region_attached(c):
            # "Adapun Kabupaten Semarang tercatat 99,12 persen": the list of the
            # sentence before, in the same paragraph, goes on.
            paragraph = _paragraph_of(self.paragraphs, n.start)
            listed = [a for a in self.accepted if a.number.kind == n.kind and
                      _paragraph_of(self.paragraphs, a.number.start) == paragraph and
                      a.sentence_index == c.sentence_index - 1]
        if listed and (indicator_cue is None or indicator_cue[1] >= 4):
            # "Kota Magelang dengan 99,95 persen, disusul Kota Semarang 99,87 persen":
            # a list shares what it counts.
            c.indicator = listed[-1].indicator
            inherited_role = listed[-1].role
            indicator_cue = None
        if indicator_cue is None:
            # A quote split over sentences, or a list item under its heading.
            for fallback in self._fallback_contexts(c.sentence_index, refers_back=context != (lo, hi)):
                indicator_cue = self._best_cue(c, fallback[0], fallback[1], {"indicator"}, outside=True)
                if indicator_cue is not None:
                    context = fallback
                    break
        if indicator_cue is None and c.indicator is None:
            # "belum mencapai target 30 persen" after "dari target 30 persen": the
            # same figure said again is the same fact.
            same = [a for a in self.accepted if a.number.kind == n.kind and
                    abs(a.number.value - n.value) < 0.005 and a.indicator]
            if same and self._near_left(c, {"achievement", "role"}, lo, 6):
                c.indicator = same[0].indicator
        if indicator_cue is None and c.indicator is None and self.topic and self._about_topic(c, lo):
            # "capaian kita sudah 90,40 persen" in a story whose title names what
            # is counted: the figure is of that.
            indicator_cue = (self.topic, 7)
            fallbacks = self._fallback_contexts(c.sentence_index, refers_back=True)
            if fallbacks:
                context = fallbacks[0]
        if indicator_cue is None and c.indicator is None:
            c.dropped = "no indicator"
            return
        if indicator_cue is not None:
            c.indicator = self._refine_indicator(c, indicator_cue[0], lo, hi)
        if c.indicator == "population" and (indicator_cue is None or indicator_cue[1] >= 7):
            # A population is stated, never borrowed from a sentence before.
            c.dropped = "no indicator"
            return
        if self._is_breakdown(c, lo, hi, indicator_cue):
            c.dropped = BREAKDOWN
            return
        c.role = self._role(c, lo, hi, indicator_cue[0] if indicator_cue else None,
                            default=inherited_role or "actual")
        if self._is_threshold(c) and c.role != "target":
            c.dropped = "a threshold, not a figure"
            return
        c.region_codes = self._regions(c, lo, hi, context)
        if not c.region_codes:
            c.dropped = "no region"
            return
        c.as_of = self._as_of(c, lo, hi, context)
        c.also = self._also_target(c, hi)

    def _region_attached(self, c: Candidate) -> bool:
        """A region named right before the number: "Kota Magelang 99,95 persen"."""
        return any(e <= c.tok_start and c.tok_start - e <= 3 for _, e in self.mention_spans)

    def _about_topic(self, c: Candidate, lo: int) -> bool:
        """A figure with no word of what it counts, in a sentence about reaching it."""
        if self._near_left(c, {"achievement", "role"}, lo, 4):
            return True
        for cue in self._cues_of({"achievement"}, lo, c.tok_start):
            rank = self._tier(cue.start, cue.end, c.tok_start, c.tok_end, lo, hi=c.tok_start)
            if rank is not None and rank[0] == 2 and rank[1] <= 6:
                return True  # "capaian tertinggi, yakni 99,08 persen"
        regions_before = [s for s, e in self.mention_spans if e <= c.tok_start and c.tok_start - e <= 2]
        achieved = any(cue.type == "achievement" and lo <= cue.start < c.tok_start for cue in self.cues)
        return bool(regions_before) and achieved

    def _also_target(self, c: Candidate, hi: int) -> tuple[str, str] | None:
        """"185.249.711 jiwa wajib KTP-el, yang sekaligus menjadi target perekaman":
        one number, two facts: the eligible, and the recording target."""
        for cue in self._cues_of({"also_target"}, c.tok_end, hi):
            if any(c.tok_end <= s and e <= cue.start for s, e in self.number_spans):
                return None
            for other in self._cues_of({"indicator"}, cue.end, min(hi, cue.end + 4)):
                if other.value != c.indicator:
                    return other.value, "target"
        return None

    def _is_denominator_only(self, c: Candidate, previous: Candidate | None, lo: int, hi: int) -> bool:
        """"74.989.988 dari total 79.964.264 anak": the total is no fact unless it says what it is."""
        if previous is None or previous.sentence_index != c.sentence_index:
            return False
        before = [t.lower_ for t in self.doc[max(lo, c.tok_start - 2):c.tok_start]]
        if "dari" not in before or before[-1] in {"target", "sasaran"}:
            return False
        return self._near_right(c, {"indicator"}, hi, 1) is None

    def _refers_back(self, c: Candidate, lo: int) -> bool:
        """The sentence opens with, or the number follows, "jumlah tersebut", "atau" ..."""
        for cue in self.cues:
            if cue.type == "anaphor" and lo <= cue.start and cue.end <= c.tok_start:
                if cue.start - lo <= 1 or cue.end - cue.start > 1:
                    return True
        return False

    def _fallback_contexts(self, s_index: int, refers_back: bool = False) -> list[tuple[int, int]]:
        """Sentences whose cues a sentence without its own may borrow, nearest first."""
        out = []
        s_char = self.sentences[s_index][0]
        paragraph = _paragraph_of(self.paragraphs, s_char)
        if s_index > 0:
            prev = self.sentences[s_index - 1]
            same_paragraph = _paragraph_of(self.paragraphs, prev[0]) == paragraph
            lo, hi = self.sentences[s_index][2], self.sentences[s_index][3]
            anaphoric = refers_back or any(
                cue.type == "anaphor" and lo <= cue.start < hi for cue in self.cues)
            if same_paragraph or (anaphoric and s_index > 1):
                out.append((prev[2], prev[3]))
        heading = self._list_heading(s_index)
        if heading is not None:
            out.append(heading)
        return out

    def _list_heading(self, s_index: int) -> tuple[int, int] | None:
        """For an item of a list, the tokens of the heading that ends with ":" above it."""
        for back in range(s_index - 1, max(-1, s_index - 8), -1):
            start, end, t0, t1 = self.sentences[back]
            if self.text[start:end].rstrip().endswith(":"):
                return t0, t1
            if end - start > 200:
                return None
        return None

    def _best_cue(self, c: Candidate, lo: int, hi: int, types: set[str], outside: bool = False):  # type: ignore[no-untyped-def]
        """The cue of the given types that binds tightest to the number (cue, tier)."""
        best = None
        hidden = self._denominator_spans(c, lo, hi)
        for cue in self.cues:
            if cue.type not in types:
                continue
            if any(s <= cue.start < e for s, e in hidden):
                continue
            if outside:
                if not (lo <= cue.start and cue.end <= hi):
                    continue
                # in a borrowed sentence the cue nearest its end is the topic
                rank = (7, hi - cue.end)
            else:
                rank = self._tier(cue.start, cue.end, c.tok_start, c.tok_end, lo, hi)
                if rank is None or rank[0] == 5:
                    # a cue after the next number is that number's
                    continue
                if cue.start >= c.tok_end and self._after_denominator(cue, c.tok_end):
                    continue
                if (cue.start >= c.tok_end and c.number.kind == "percentage"
                        and cue.value == "ktp_el_eligible"):
                    # "99,54 persen masyarakat wajib KTP": the share is of the
                    # eligible, the figure itself is what was reached.
                    continue
            key = (rank[0], cue.rule.weak, rank[1])
            if best is None or key < best[0]:
                best = (key, cue)
        if best is None:
            return None
        cue, tier = best[1], best[0][0]
        if cue.value == "ktp_el_eligible" and tier == 1 and not outside:
            # "30 ribu warga wajib KTP ... belum merekam": the eligible noun names
            # the people; the predicate after it says what is counted.
            later = [x for x in self.cues if x.type == "indicator" and x.start >= cue.end
                     and not x.rule.weak and x.value != "ktp_el_eligible"
                     and not self._after_target_phrase(x)
                     and (rank := self._tier(x.start, x.end, c.tok_start, c.tok_end, lo, hi))
                     and rank[0] in (1, 3, 6)]
            if later:
                return later[0], tier
        return cue, tier

    def _after_target_phrase(self, cue: Cue) -> bool:
        """"... sekaligus menjadi target perekaman": what a target is of, not a predicate."""
        return any(other.type in {"also_target", "role"} and other.value == "target"
                   and 0 <= cue.start - other.end <= 1 for other in self.cues)

    def _denominator_spans(self, c: Candidate, lo: int, hi: int) -> list[tuple[int, int]]:
        """Token spans that name the whole a share is of; cues inside them say nothing."""
        spans = []
        for cue in self._cues_of({"denominator"}, lo, hi):
            if cue.end - cue.start <= 1:
                continue
            if self.doc[cue.start].lower_ == "dari":
                # "Dari total 183 juta penduduk yang wajib ber-KTP, 90 persen ...":
                # the whole clause names the whole, for figures outside it; a
                # figure inside it ("dari jumlah wajib KTP-el yang mencapai
                # 562.318 jiwa") is the whole itself, and the cue is its own.
                end = next((i for i in range(cue.end, hi) if self._is_break(i)), hi)
                if not (cue.start <= c.tok_start < end):
                    spans.append((cue.start, end))
            else:
                spans.append((cue.start, cue.end))
        # "99,47 persen wajib KTP-el": the eligible named right after any share in
        # the sentence is the whole it is of, for every figure there.
        for (n_start, n_end), number in zip(self.number_spans, self.numbers, strict=False):
            if number.kind != "percentage" or not (lo <= n_start < hi):
                continue
            for cue in self._cues_of({"indicator"}, n_end, hi):
                if cue.value != "ktp_el_eligible" or cue.start - n_end > 3:
                    continue
                if any(n_end <= s and e <= cue.start for s, e in self.number_spans):
                    continue  # "99,12 persen dari 1.889.403 wajib KTP-el": that number's own
                spans.append((cue.start, self._past_parenthesis(cue.end, hi)))
        return spans

    def _past_parenthesis(self, end: int, hi: int) -> int:
        """Extend a span over an abbreviation in brackets after it: "... Penduduk (KTP)"."""
        if end < hi and self.doc[end].text == "(":
            for i in range(end + 1, min(hi, end + 6)):
                if self.doc[i].text == ")":
                    return i + 1
        return end

    def _after_denominator(self, cue: Cue, number_end: int) -> bool:
        """"90,48% dari wajib KTP": a cue after "dari" names the whole, not the figure."""
        window = [t.lower_ for t in self.doc[max(number_end, cue.start - 2):cue.start]]
        return "dari" in window

    def _refine_indicator(self, c: Candidate, cue: Cue, lo: int, hi: int) -> str:
        indicator = cue.value
        if indicator == "ktp_el_printed":
            # "mencetak 10 ribu KIA": printing words go with the document named.
            for other in self.cues:
                if other.type == "indicator" and other.value in {"kia", "birth_certificate", "family_card"}:
                    rank = self._tier(other.start, other.end, c.tok_start, c.tok_end, lo, hi)
                    if rank is not None and rank[0] <= 3:
                        return other.value
        if indicator == "ktp_el_recorded" and cue.rule.weak:
            # "KTP-el-nya belum dicetak": a stage word in the same clause as the
            # document word says which count it is.
            for other in self.cues:
                if other.type != "indicator" or other.rule.weak or not other.value.startswith("ktp_el"):
                    continue
                first, last = sorted([(cue.start, cue.end), (other.start, other.end)])
                gap = range(first[1], last[0])
                if len(gap) <= 4 and not any(self._is_break(i) for i in gap) and \
                        not any(first[1] <= s and e <= last[0] for s, e in self.number_spans):
                    return other.value
        return indicator

    def _role(self, c: Candidate, lo: int, hi: int, indicator_cue: Cue | None,
              default: str = "actual") -> str:
        best = None
        for cue in self.cues:
            if cue.type != "role":
                continue
            rank = self._tier(cue.start, cue.end, c.tok_start, c.tok_end, lo, hi)
            if rank is None:
                continue
            tier, distance = rank
            value = cue.value
            if cue.start >= c.tok_end:
                # "18,25 persen dari target" is a share of the target: actual.
                # "30 ribu warga wajib KTP ... belum merekam": the role word
                # that opens the predicate after the number.
                right_of_indicator = indicator_cue is not None and \
                    indicator_cue.start >= c.tok_end and \
                    0 <= indicator_cue.start - cue.end <= 1 and tier in (1, 3, 6)
                if self._after_denominator(cue, c.tok_end) and cue.value == "target":
                    continue
                if not right_of_indicator and (tier > 1 or distance > 5):
                    continue
            elif cue.value == "target" or self.doc[cue.end - 1].lower_ == "target":
                # "belum mencapai target 30 persen": the figure right after "target" is it
                if cue.value != "target":
                    if tier != 0 or distance > 1:
                        continue
                    value = "target"
                if tier not in (0, 2) or distance > 14:
                    continue
                if cue.start > 0 and self.doc[cue.start - 1].lower_ == "dari" and distance > 1:
                    continue
            elif value == "remaining" and tier == 2 and distance <= 4:
                pass  # "warga belum merekam terbanyak, yakni 21.430 orang"
            elif tier != 0 or distance > 6:
                continue
            key = (tier, distance)
            if best is None or key < best[0]:
                best = (key, value)
        return best[1] if best else default

    def _has_non_fact_unit(self, c: Candidate, hi: int) -> bool:
        # "67 kabupaten/kota": counts of regions; but "1.250 warga Kota Metro" names one.
        types = {"non_fact_unit"} if c.number.unit else {"non_fact_unit", "region_count"}
        for cue in self.cues:
            if cue.type in types and c.tok_start < cue.start < hi and cue.end > c.tok_end:
                if cue.start < c.tok_end:
                    return True  # "16 juta keping blanko": the unit word opens the phrase
                gap = [t.lower_ for t in self.doc[c.tok_end:cue.start]]
                if all(w in UNIT_WORDS for w in gap) and len(gap) <= 1:
                    return True
        return False

    def _is_breakdown(self, c: Candidate, lo: int, hi: int, indicator_cue) -> bool:  # type: ignore[no-untyped-def]
        """By district, sex, age or place: nearer to the number than what it counts."""
        cue = indicator_cue[0] if indicator_cue else None
        cue_distance = c.tok_start - cue.end if cue and cue.end <= c.tok_start else None
        for other in self._cues_of({"breakdown"}, lo, c.tok_start):
            if self._whole_age_range(other):
                continue
            distance = c.tok_start - other.end
            between = self.doc[other.end:c.tok_start]
            if any(t.lower_ in {";"} for t in between):
                continue
            if distance <= 5 and (cue_distance is None or distance < cue_distance):
                return True
        right = self._near_right(c, {"breakdown"}, hi, 2)
        return right is not None and not self._whole_age_range(right)

    def _whole_age_range(self, cue: Cue) -> bool:
        """"anak usia 0-18 tahun" is all children, the base of birth certificates and KIA,
        not one age group of them."""
        following = self.doc[cue.end:cue.end + 3].text.replace(" ", "")
        return cue.rule.id == "breakdown" and bool(re.match(r"0-1[78]\b", following))

    def _is_threshold(self, c: Candidate) -> bool:
        for cue in self.cues:
            if cue.type == "threshold" and cue.end <= c.tok_start and c.tok_start - cue.end <= 1:
                return True
        return False

    def _regions(self, c: Candidate, lo: int, hi: int, context: tuple[int, int]) -> list[str]:
        distributive = any(
            cue.type == "distributive" and cue.end <= c.tok_start and c.tok_start - cue.end <= 2
            for cue in self.cues
        )
        ranked = []
        for mention, (m_start, m_end) in zip(self.mentions, self.mention_spans, strict=False):
            rank = self._tier(m_start, m_end, c.tok_start, c.tok_end, lo, hi)
            if rank is None:
                continue
            if m_start >= c.tok_end and rank[0] != 1:
                continue
            ranked.append((rank, mention.code, m_start))
        for cue in self.cues:
            if cue.type == "national" and self._national_ok(cue):
                rank = self._tier(cue.start, cue.end, c.tok_start, c.tok_end, lo, hi)
                if rank is None or (cue.start >= c.tok_end and rank[0] != 1):
                    continue
                ranked.append((rank, COUNTRY, cue.start))
        if distributive:
            codes = []
            for rank, code, _ in sorted(ranked, key=lambda r: r[2]):
                if rank[0] in (0, 2) and code not in codes:
                    codes.append(code)
            if codes:
                return [code for code in codes if self._plausible(code, c)]
        explicit = True
        heading = self._list_heading(c.sentence_index)
        if ranked:
            ranked.sort(key=lambda r: r[0])
            code = ranked[0][1]
        elif context != (lo, hi) and self._region_in(context):
            code = self._region_in(context)
        elif heading is not None and self._region_in(heading):
            code = self._region_in(heading)
        else:
            code, explicit = self.focus, False
        if c.indicator == "population" and not explicit:
            return []  # "negara berpenduduk 17 juta jiwa": a population is said of a place
        plausible = self._plausible(code, c, explicit) if code else None
        return [plausible] if plausible else []

    def _region_in(self, span: tuple[int, int]) -> str | None:
        for mention, (m_start, m_end) in zip(self.mentions, self.mention_spans, strict=False):
            if span[0] <= m_start and m_end <= span[1]:
                return mention.code
        for cue in self.cues:
            if cue.type == "national" and span[0] <= cue.start and cue.end <= span[1] \
                    and self._national_ok(cue):
                return COUNTRY
        return None

    def _plausible(self, code: str, c: Candidate, explicit: bool = True) -> str | None:
        """A count larger than a region's population cannot be that region's.

        Taken from the article's focus, such a figure is national; said of a
        region by name ("1,9 jutaan ... di Papua dan Papua Barat"), it is a joint
        figure of several regions, and none of them alone.
        """
        if c.number.kind != "count" or code == COUNTRY:
            return code
        region = self._region(code)
        population = region.population if region else None
        if population and c.number.value > population * 1.2:
            if explicit:
                return None
            country = self._region(COUNTRY)
            if country and country.population and c.number.value <= country.population * 1.2:
                return COUNTRY
            return None
        return code

    def _as_of(self, c: Candidate, lo: int, hi: int, context: tuple[int, int]) -> str | None:
        """The date of the figure, from its own sentence only (the spec).

        Two exceptions, where the sentence itself points elsewhere: a sentence
        that refers back ("jumlah tersebut ...") takes the date of the sentence
        it continues, and a list item takes the date of its heading ("Rincian
        per akhir Maret 2019:").
        """
        heading = self._list_heading(c.sentence_index)
        if context == (lo, hi) and heading is not None and (hi - lo) <= LIST_ITEM_TOKENS:
            context = heading
        best = None
        for date, (d_start, d_end) in zip(self.dates, self.date_spans, strict=False):
            if date.weekday_form:
                continue
            cue = date.cue.lower() if date.cue else None
            if cue not in AS_OF_CUES:
                continue
            in_sentence = lo <= d_start and d_end <= hi
            in_context = context != (lo, hi) and context[0] <= d_start and d_end <= context[1]
            if not (in_sentence or in_context):
                continue
            if cue is None and (len(date.value) < 7 or not any(ch.isdigit() for ch in date.text)):
                continue  # a bare "hari ini" or "Maret" ties no figure to a date
            deadline = self._after_target_word(d_start)
            if c.role == "target" and cue not in DEADLINE_CUES:
                continue
            if c.role != "target" and deadline:
                continue
            distance = abs(d_start - c.tok_start) if in_sentence else 1000
            if best is None or distance < best[0]:
                best = (distance, date.value)
        return best[1] if best else None

    def _after_target_word(self, token: int) -> bool:
        """"ditargetkan rampung sampai Desember 2018": a deadline, not the figure's date."""
        window = self.doc[max(0, token - 5):token]
        return any(t.lower_.startswith(("target", "ditarget", "menarget")) for t in window)

    def _assemble(self, candidates: list[Candidate]) -> list[Fact]:
        facts: dict[tuple, dict] = {}
        order: list[tuple] = []
        approximate: list[tuple[Candidate, str]] = []
        for c in candidates:
            if c.dropped or c.indicator is None:
                if c.dropped:
                    log.debug("number %r dropped: %s", c.number.text, c.dropped)
                continue
            for code in c.region_codes:
                if c.number.approximate and c.number.kind == "count":
                    approximate.append((c, code))
                    continue
                self._add(facts, order, c, code)
                if c.also:
                    self._add(facts, order, replace(c, indicator=c.also[0], role=c.also[1],
                                                    as_of=None, also=None), code)
        for c, code in approximate:
            # "192 jutaan" after "192.676.863 jiwa": the rounded restatement is the
            # exact fact; alone, it is a fact of its own.
            exact = None
            for key in order:
                kind, indicator, role, region, value = key
                if (kind, indicator, role, region) == ("count", c.indicator, c.role, code) and \
                        abs(value - c.number.value) <= 0.05 * value:
                    exact = key
                    break
            if exact is not None:
                if facts[exact]["as_of"] is None and c.as_of:
                    facts[exact]["as_of"] = c.as_of
                continue
            self._add(facts, order, c, code)
        out = []
        for key in order:
            entry = facts[key]
            out.append(Fact(**entry))
        return out

    def _add(self, facts: dict, order: list, c: Candidate, code: str) -> None:
        value = round(c.number.value, 4)
        key = (c.number.kind, c.indicator, c.role, code, value)
        if key in facts:
            if facts[key]["as_of"] is None and c.as_of:
                facts[key]["as_of"] = c.as_of
            return
        region = self._region(code)
        if region is None:
            return
        unit = c.number.unit if c.number.kind == "count" else "percent"
        if c.number.kind == "count" and unit not in ("people", "documents"):
            unit = "documents" if c.indicator in DOCUMENT_INDICATORS else "people"
        s_start, s_end = c.sentence
        facts[key] = dict(
            kind=c.number.kind, indicator=c.indicator, value=value, unit=unit, role=c.role,
            region_code=region.code, region=region.name, region_level=region.level,
            province_code=region.province_code, province=region.province, as_of=c.as_of,
            text=c.number.text, start=c.number.start, end=c.number.end,
            sentence=self.text[s_start:s_end],
        )
        order.append(key)

    # ------------------------------------------------------------- awards
    def build_awards(self) -> list[Award]:
        return find_awards(self)

    def paragraph_of(self, char: int) -> int:
        return _paragraph_of(self.paragraphs, char)

    def region(self, code: str) -> Region | None:
        return self._region(code)
