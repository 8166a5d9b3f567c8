"""Award events: who received which award from whom, and when.

An award sentence names an award ("penghargaan", "piagam", "anugerah") with a
verb of giving or receiving, or names its recipients ("penerimanya ialah").
The sentences after it that say who else received it ("kategori kecil diraih
oleh ...") belong to the same event. In each, a region's government or office
named as receiver is a recipient; the giver is the ministry or agency named
(by its full name from ``patterns/organisations.jsonl``), or a governor,
regent or mayor handing it over (written as their government), or else the
giver of the award sentence before.

Word lists are in ``patterns/awards.jsonl``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .models import Award, RegionMention

# How many paragraphs after an award sentence may still name its recipients.
CONTINUATION_PARAGRAPHS = 2


def _alternation(phrases: list[str]) -> str:
    ordered = sorted({p.lower() for p in phrases}, key=len, reverse=True)
    return "|".join(re.escape(p) for p in ordered)


@dataclass(frozen=True)
class AwardWords:
    """Compiled from patterns/awards.jsonl once per process."""

    give: re.Pattern[str]
    receive: re.Pattern[str]
    recipient_head: re.Pattern[str]
    giver_head: re.Pattern[str]
    giver_context: re.Pattern[str]
    venue: re.Pattern[str]

    @classmethod
    def from_phrases(cls, phrases: dict[str, list[str]]) -> AwardWords:
        def words(rule_id: str) -> str:
            return _alternation(phrases[rule_id])

        return cls(
            give=re.compile(rf"\b({words('award-give')})\b", re.IGNORECASE),
            receive=re.compile(rf"\b({words('award-receive')})\b", re.IGNORECASE),
            # the office or government word right before a region's name
            recipient_head=re.compile(
                rf"\b({words('award-recipient-head')})\s*(\([^)]{{0,40}}\)\s*)?$", re.IGNORECASE),
            giver_head=re.compile(rf"\b({words('award-giver-head')})\s*$", re.IGNORECASE),
            giver_context=re.compile(
                rf"\b({words('award-giver-context')})\b[^,.;]{{0,30}}$", re.IGNORECASE),
            venue=re.compile(rf"\b({words('award-venue')})\s+(\w+\s+){{0,2}}$", re.IGNORECASE),
        )


def find_awards(ctx: Any) -> list[Award]:
    """All award events of one article (``ctx`` is the facts module's article context)."""
    return _AwardFinder(ctx).find()


class _AwardFinder:
    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.text: str = ctx.text
        self.words: AwardWords = ctx.finder.cues.award_words
        self.orgs = ctx.finder.cues.find_organisations(ctx.doc)

    # ---------------------------------------------------------------- event
    def find(self) -> list[Award]:
        sentences = self._award_sentences()
        if not sentences:
            return []
        givers = self._givers(sentences)
        event_date = self._event_date(sentences)
        name = self._award_name(sentences)
        awards: dict[tuple[str | None, str], Award] = {}
        for index in sentences:
            s_start, s_end, _, _ = self.ctx.sentences[index]
            giver = givers[index]
            date = self._sentence_date(index, event_date)
            if giver is None:
                continue  # "berada di Solo untuk menerima penghargaan": from whom, unsaid
            for mention in self._recipients(index):
                key = (giver, mention.code or "")
                if key in awards:
                    continue
                awards[key] = Award(
                    recipient=self._recipient_name(mention, s_start),
                    recipient_region_code=mention.code, giver=giver, name=name, date=date,
                    sentence=self.text[s_start:s_end], start=s_start, end=s_end,
                )
        if not awards:
            implied = self._implied_recipient(sentences, givers, name, event_date)
            if implied is not None:
                return [implied]
        return list(awards.values())

    def _award_sentences(self) -> list[int]:
        """Award sentences, and the sentences after them that name more recipients."""
        found: list[int] = []
        last_paragraph: int | None = None
        for index, (s_start, s_end, t0, t1) in enumerate(self.ctx.sentences):
            values = {c.value for c in self.ctx.cues if c.type == "award" and t0 <= c.start < t1}
            sentence = self.text[s_start:s_end]
            paragraph = self.ctx.paragraph_of(s_start)
            is_award = "noun" in values and bool({"give", "receive"} & values)
            # "penerimanya ialah ...", "kategori kecil diraih oleh ...": more
            # recipients of an award already named.
            continues = last_paragraph is not None and "recipient_noun" in values or \
                last_paragraph is not None and \
                paragraph - last_paragraph <= CONTINUATION_PARAGRAPHS and \
                self.words.receive.search(sentence) is not None
            if is_award or continues:
                found.append(index)
                if is_award:
                    last_paragraph = paragraph
        return found

    # ---------------------------------------------------------------- who
    def _recipients(self, index: int) -> list[RegionMention]:
        s_start, s_end, _, _ = self.ctx.sentences[index]
        if self._negated(self.text[s_start:s_end]):
            return []  # "masuk nominasi, namun belum berhasil meraih penghargaan"
        return [m for m in self.ctx.all_mentions
                if m.code and m.code != "ID" and m.role == "mention" and s_start <= m.start < s_end
                and self._is_recipient(m, s_start, s_end)]

    def _is_recipient(self, mention: RegionMention, s_start: int, s_end: int) -> bool:
        before = self.text[max(s_start, mention.start - 90):mention.start]
        after = self.text[mention.end:min(s_end, mention.end + 50)]
        if self.words.giver_context.search(before):
            return False  # "Ombudsman RI Perwakilan Sulawesi Selatan", "dari Pemprov Jatim"
        if self._gives(mention, after):
            return False  # "Pj Gubernur Jawa Tengah menyerahkan ..."
        head = self.words.recipient_head.search(before)
        if head is None and not mention.qualified:
            # A bare name receives only as the subject of a receiving verb:
            # "Kaltim Diganjar Penghargaan".
            return re.match(r"\s*(\([^)]{0,40}\)\s*)?(berhasil\s+|kembali\s+|juga\s+)?"
                            rf"({self.words.receive.pattern})", after, re.IGNORECASE) is not None
        prefix = before[:head.start()] if head else before
        return self.words.venue.search(prefix) is None

    def _negated(self, sentence: str) -> bool:
        return re.search(rf"\b(belum|tidak|tak|gagal)\s+(\w+\s+)?({self.words.receive.pattern})",
                         sentence, re.IGNORECASE) is not None

    def _gives(self, mention: RegionMention, after: str) -> bool:
        give = self.words.give.search(after)
        receive = self.words.receive.search(after)
        return give is not None and give.start() < 25 and (receive is None or give.start() < receive.start())

    def _recipient_name(self, mention: RegionMention, s_start: int) -> str:
        before = self.text[max(s_start, mention.start - 90):mention.start]
        head = re.search(r"((Dinas Kependudukan dan Pencatatan Sipil|Dinas Kependudukan dan Catatan Sipil|"
                         r"Disdukcapil|Dinas Dukcapil|Dispendukcapil|Dindukcapil)\s*(\([^)]*\)\s*)?)$",
                         before)
        region = self.ctx.region(mention.code or "")
        if head and region:
            return f"{head.group(2)} {region.name}".strip()
        if region:
            return government_name(region.level, region.name)
        return mention.text

    def _givers(self, sentences: list[int]) -> dict[int, str | None]:
        """Each award sentence's giver; one that names none takes the one before (or after).

        Whoever hands an award over ("diserahkan oleh ... Ombudsman RI") gives it
        only when no giver was named before: an official often presents another
        ministry's award.
        """
        own = {index: self._sentence_giver(index) for index in sentences}
        resolved: dict[int, str | None] = {}
        last: str | None = None
        for index in sentences:
            giver, presenter = own[index]
            last = giver or (presenter if last is None else None) or last
            resolved[index] = last
        following: str | None = None
        for index in reversed(sentences):
            following = own[index][0] or following
            if resolved[index] is None:
                resolved[index] = following
        return resolved

    def _sentence_giver(self, index: int) -> tuple[str | None, str | None]:
        """(giver, presenter) named in one sentence."""
        s_start, s_end, t0, t1 = self.ctx.sentences[index]
        for start, _, org in self.orgs:
            if t0 <= start < t1:
                char = self.ctx.doc[start].idx
                before = self.text[max(s_start, char - 80):char]
                if re.search(r"\bkepada\s*$", before[-12:], re.IGNORECASE):
                    continue
                if re.search(r"\bdiserahkan\s+(langsung\s+|sendiri\s+)?oleh\b[^,.]*$", before,
                             re.IGNORECASE):
                    return None, org.name
                return org.name, None
        # A governor, regent or mayor handing it over gives on behalf of their government.
        for mention in self.ctx.all_mentions:
            if not mention.code or not (s_start <= mention.start < s_end):
                continue
            before = self.text[max(s_start, mention.start - 40):mention.start]
            after = self.text[mention.end:min(s_end, mention.end + 50)]
            headed = self.words.giver_head.search(before) or \
                self.words.giver_head.search(mention.text.split(" ")[0] + " ")
            if headed and self._gives(mention, after):
                region = self.ctx.region(mention.code)
                if region is not None:
                    return government_name(region.level, region.name), None
        return None, None

    def _implied_recipient(self, sentences: list[int], givers: dict[int, str | None],
                           name: str | None, date: str | None) -> Award | None:
        """"Diganjar penghargaan" with the recipient only implied: the article's focus region."""
        focus = self.ctx.focus
        giver = next((givers[i] for i in sentences if givers[i]), None)
        if not focus or focus == "ID" or giver is None or sentences[0] != 0:
            return None  # only a headline about the award implies its recipient
        if not any(self.words.receive.search(self._sentence(i)) for i in sentences):
            return None
        region = self.ctx.region(focus)
        if region is None:
            return None
        s_start, s_end, _, _ = self.ctx.sentences[sentences[0]]
        return Award(recipient=government_name(region.level, region.name),
                     recipient_region_code=region.code, giver=giver, name=name, date=date,
                     sentence=self.text[s_start:s_end], start=s_start, end=s_end)

    # ---------------------------------------------------------------- when, what
    def _sentence(self, index: int) -> str:
        s_start, s_end, _, _ = self.ctx.sentences[index]
        return self.text[s_start:s_end]

    def _dates_in(self, index: int) -> list:  # type: ignore[type-arg]
        s_start, s_end, _, _ = self.ctx.sentences[index]
        return [d for d in self.ctx.dates if s_start <= d.start < s_end]

    def _event_date(self, sentences: list[int]) -> str | None:
        """The ceremony's day: a written date ("Senin (4/11/2024)") before a bare weekday."""
        found = []
        for index in sentences:
            for date in self._dates_in(index):
                if len(date.value) == 10:
                    written = any(ch.isdigit() for ch in date.text)
                    found.append((not written, not date.weekday_form, date.start, date.value))
        return min(found)[3] if found else None

    def _sentence_date(self, index: int, event_date: str | None) -> str | None:
        dates = self._dates_in(index)
        days = [d.value for d in dates if len(d.value) == 10]
        if days:
            return days[0]
        if dates:
            return None  # "pada Mei 2023": a month, not the day of the ceremony
        return event_date

    def _award_name(self, sentences: list[int]) -> str | None:
        aliases = self.ctx.finder.cues.organisation_aliases
        for index in sentences:
            sentence = self._sentence(index)
            match = re.search(r"[\"“]([^\"”]{3,80})[\"”]", sentence)
            if match and re.search(r"penghargaan|piagam|anugerah|piala|trofi", sentence[:match.start()], re.I):
                return match.group(1).strip()
            match = re.search(r"(?:[Pp]enghargaan|[Pp]iala|[Aa]nugerah|[Tt]rofi|[Pp]redikat)\s+"
                              r"((?:[A-Z][\w-]*\s?){1,5})", sentence)
            if match:
                name = match.group(1).strip()
                if not re.match(r"(Dari|Kepada|Yang|Tersebut|Itu|Ini|Dan)\b", name) and \
                        name.lower() not in aliases:
                    return name
        return None


def government_name(level: str, name: str) -> str:
    """How a region's government is written: "Pemerintah Provinsi Jawa Timur"."""
    if level == "province":
        return f"Pemerintah Provinsi {name}"
    if level in ("regency", "city"):
        return "Pemerintah " + name
    return name
