"""Cue words from ``patterns/``: what is counted, its role, awards, givers.

The cue lists are data (``patterns/cues.jsonl``, ``patterns/awards.jsonl``,
``patterns/organisations.jsonl``); this module loads and validates them once
and finds them in a spaCy ``Doc`` with one PhraseMatcher, which stays fast
however many phrases the lists hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from .errors import PatternError
from .nlp import build_nlp
from .patternfiles import PATTERNS_DIR, read_jsonl

CUE_TYPES = {
    "indicator", "role", "distributive", "threshold", "denominator", "breakdown",
    "non_fact_unit", "national", "award", "anaphor", "change", "non_fact_context",
    "negation", "back_reference", "achievement", "context", "veto", "region_count",
    "also_target",
}
INDICATORS = {
    "ktp_el_recorded", "ktp_el_eligible", "ktp_el_printed", "ikd_activated", "kia",
    "birth_certificate", "family_card", "population",
}


@dataclass(frozen=True)
class CueRule:
    id: str
    type: str
    value: str
    weak: bool = False
    # ids of cues one of which must stand nearby (same or previous sentence, or the
    # title) for this one to count: "merekam" means recording a KTP only near one.
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cue:
    """One cue found in a document, as token offsets (end exclusive)."""

    start: int
    end: int
    rule: CueRule

    @property
    def type(self) -> str:
        return self.rule.type

    @property
    def value(self) -> str:
        return self.rule.value


@dataclass(frozen=True)
class Organisation:
    id: str
    name: str
    aliases: tuple[str, ...]


def _validate_cue_row(row: dict, path: Path) -> CueRule:
    where = f"{path.name} id={row['id']}"
    if row.get("type") not in CUE_TYPES:
        raise PatternError(f"{where}: unknown type {row.get('type')!r}")
    if row["type"] == "indicator" and row.get("value") not in INDICATORS:
        raise PatternError(f"{where}: unknown indicator {row.get('value')!r}")
    if not row.get("phrases") and not row.get("patterns"):
        raise PatternError(f"{where}: no phrases and no patterns")
    return CueRule(id=row["id"], type=row["type"], value=row["value"], weak=bool(row.get("weak")),
                   needs=tuple(row.get("needs", ())))


def _phrase_docs(nlp, phrases) -> list[Doc]:  # type: ignore[no-untyped-def]
    """Token docs for each phrase as written, in lower and in upper case.

    Matching is on LOWER, but tokenization depends on case ("e-KTP" is three
    tokens, "e-ktp" one), so each phrase is tokenized in the forms it is written.
    """
    docs = {}
    for phrase in phrases:
        for form in (phrase, phrase.lower(), phrase.upper(), phrase.title()):
            doc = nlp.make_doc(form)
            docs[tuple(t.lower_ for t in doc)] = doc
    return list(docs.values())


class CueFinder:
    """Finds every cue phrase of ``patterns/`` in a Doc."""

    def __init__(self, patterns_dir: Path = PATTERNS_DIR) -> None:
        nlp = build_nlp()
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        # Token patterns for the few cues a phrase list cannot say ("penduduk
        # Sumbar jumlahnya"); validated when the pipeline is built.
        self.token_matcher = Matcher(nlp.vocab, validate=True)
        self.rules: dict[str, CueRule] = {}
        self.phrases: dict[str, list[str]] = {}
        for filename in ("cues.jsonl", "awards.jsonl"):
            path = patterns_dir / filename
            for _, row in read_jsonl(path):
                rule = _validate_cue_row(row, path)
                if rule.id in self.rules:
                    raise PatternError(f"{path.name}: id {rule.id!r} is used in another file too")
                self.rules[rule.id] = rule
                self.phrases[rule.id] = list(row.get("phrases", []))
                # make_doc tokenizes the phrase the way the article is tokenized
                # ("KTP-el" is three tokens), so the phrase matches as written.
                if row.get("phrases"):
                    self.matcher.add(rule.id, _phrase_docs(nlp, row["phrases"]))
                if row.get("patterns"):
                    try:
                        self.token_matcher.add(rule.id, row["patterns"])
                    except (ValueError, KeyError) as error:
                        raise PatternError(f"{path.name} id={rule.id}: bad pattern ({error})") from error
        self.organisations = [
            Organisation(row["id"], row["name"], tuple(row["aliases"]))
            for _, row in read_jsonl(patterns_dir / "organisations.jsonl", ("id", "name", "aliases"))
        ]
        for rule in self.rules.values():
            unknown = [n for n in rule.needs if n not in self.rules]
            if unknown:
                raise PatternError(f"cues: id={rule.id} needs unknown ids {unknown}")
        self.org_matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for org in self.organisations:
            self.org_matcher.add(org.id, _phrase_docs(nlp, org.aliases))
        self.org_by_id = {org.id: org for org in self.organisations}
        self.organisation_aliases = {a.lower() for org in self.organisations for a in org.aliases}
        from .awards import AwardWords  # awards.py reads its word lists from here

        try:
            self.award_words = AwardWords.from_phrases(self.phrases)
        except KeyError as error:
            raise PatternError(f"awards.jsonl: missing word list {error}") from error

    def find(self, doc: Doc, sentences: list[tuple[int, int, int, int]] | None = None) -> list[Cue]:
        """All cues of a document, longest first where two of one type overlap.

        ``sentences`` are (char start, char end, token start, token end); with them,
        a cue whose ``needs`` are not met in its sentence, the one before, or the
        first (the title) is dropped. Without them the whole text is one sentence.
        """
        found = []
        for match_id, start, end in [*self.matcher(doc), *self.token_matcher(doc)]:
            rule = self.rules[doc.vocab.strings[match_id]]
            found.append(Cue(start, end, rule))
        found = self._with_needs_met(found, sentences or [(0, len(doc.text), 0, len(doc))])
        # Within one type keep the longest of overlapping matches: "wajib e-KTP"
        # is one eligible cue, not also "e-KTP" on its own; "melampaui target"
        # is reached, not a target.
        found.sort(key=lambda c: (c.type, -(c.end - c.start), c.start))
        kept: list[Cue] = []
        taken: dict[str, list[tuple[int, int]]] = {}
        for cue in found:
            spans = taken.setdefault(cue.type, [])
            if any(cue.start < e and s < cue.end for s, e in spans):
                continue
            spans.append((cue.start, cue.end))
            kept.append(cue)
        kept.sort(key=lambda c: (c.start, c.end))
        return kept

    @staticmethod
    def _with_needs_met(cues: list[Cue], sentences: list[tuple[int, int, int, int]]) -> list[Cue]:
        def sentence_of(token: int) -> int:
            for index, (_, _, t0, t1) in enumerate(sentences):
                if t0 <= token < t1:
                    return index
            return -1

        where = [sentence_of(cue.start) for cue in cues]
        present: dict[int, set[str]] = {}
        for cue, index in zip(cues, where, strict=True):
            present.setdefault(index, set()).add(cue.rule.id)
        kept = []
        for cue, index in zip(cues, where, strict=True):
            if cue.rule.needs:
                near = present.get(index, set()) | present.get(index - 1, set()) | present.get(0, set())
                if not near & set(cue.rule.needs):
                    continue
            kept.append(cue)
        return kept

    def find_organisations(self, doc: Doc) -> list[tuple[int, int, Organisation]]:
        """(start token, end token, organisation) of each giver named, longest match."""
        matches = sorted(self.org_matcher(doc), key=lambda m: (-(m[2] - m[1]), m[1]))
        kept: list[tuple[int, int, Organisation]] = []
        for match_id, start, end in matches:
            if any(start < e and s < end for s, e, _ in kept):
                continue
            kept.append((start, end, self.org_by_id[doc.vocab.strings[match_id]]))
        kept.sort(key=lambda m: m[0])
        return kept


@lru_cache(maxsize=1)
def get_cue_finder() -> CueFinder:
    """The process-wide cue finder (patterns are read and validated once)."""
    return CueFinder()
