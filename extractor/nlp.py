"""The spaCy pipeline: built once per process from ``spacy.blank("id")``.

We need tokens and sentences, not a trained model: the rules in ``patterns/``
do the rest, so the pipeline loads with no download.
"""

from __future__ import annotations

import re
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.symbols import ORTH
from spacy.tokens import Doc

# Abbreviations that end in a full stop but do not end a sentence. The
# sentencizer would otherwise split "Kab. Cirebon" into two sentences.
ABBREVIATIONS = (
    "Kab.", "Prov.", "Kec.", "Kel.", "Jl.", "Ds.", "Kp.", "No.", "Dr.", "dr.", "Ir.",
    "H.", "Hj.", "Drs.", "Dra.", "Prof.", "St.", "Tbk.", "Sdr.", "Bpk.", "Kapt.",
    "Kol.", "Let.", "Brigjen.", "Kompol.", "AKBP.", "drg.", "Moh.", "Muh.", "M.",
)


# Longest stray piece that is joined to the sentence before it rather than
# standing alone: fits "Selasa (12/12/2023)." but no real sentence.
FRAGMENT_CHARS = 24
NUMBER_BEFORE_STOP = re.compile(r"(?<![\d.])\d{1,3}\.$")


@lru_cache(maxsize=1)
def build_nlp() -> Language:
    """Return the process-wide tokenizer and sentencizer (built on first call)."""
    nlp = spacy.blank("id")
    for abbreviation in ABBREVIATIONS:
        nlp.tokenizer.add_special_case(abbreviation, [{ORTH: abbreviation}])
    # Paragraph breaks always end a sentence; a full stop followed by a quote too.
    nlp.add_pipe("sentencizer", config={"punct_chars": [".", "!", "?", "。", "…"]})
    nlp.add_pipe("paragraph_boundaries", before="sentencizer")
    return nlp


@Language.component("paragraph_boundaries")
def paragraph_boundaries(doc):  # type: ignore[no-untyped-def]
    """Start a sentence after every line break: titles and list items have no full stop."""
    for token in doc[:-1]:
        if "\n" in token.text:
            doc[token.i + 1].is_sent_start = True
    return doc


def sentence_bounds(doc: Doc) -> list[tuple[int, int, int, int]]:
    """(char start, char end, token start, token end) of each sentence, whitespace trimmed.

    A fragment of a few characters ("Senin (4/11/2024).", "11)") left by a
    stray full stop or bracket is joined to the sentence before it in the same
    paragraph, so a date stays with what happened on it.
    """
    text = doc.text
    bounds: list[tuple[int, int, int, int]] = []
    for sent in doc.sents:
        start, end = sent.start_char, sent.end_char
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end <= start:
            continue
        joined = bounds and "\n" not in text[bounds[-1][1]:start] and (
            end - start <= FRAGMENT_CHARS
            # "170. 194.798 keping": a typo inside a number, not a sentence end
            or (NUMBER_BEFORE_STOP.search(text[bounds[-1][0]:bounds[-1][1]])
                and text[start].isdigit()))
        if joined:
            previous = bounds[-1]
            bounds[-1] = (previous[0], end, previous[2], sent.end)
            continue
        bounds.append((start, end, sent.start, sent.end))
    return bounds


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of each sentence in ``text``."""
    return [(start, end) for start, end, _, _ in sentence_bounds(build_nlp()(text))]
