"""A page or a text file → an :class:`Article`.

trafilatura gives the text and the metadata; clutter removal does the rest.

Facts are found in ``Article.text`` by offset, so everything that is not the
story (links to other stories, captions, bylines, share buttons, comment forms)
must be gone before that, and what stays must not be rewritten. Page furniture
is removed twice over: nodes are pruned from the HTML before trafilatura
extracts (``prune_xpath``), and the extracted lines are filtered by the line
rules in ``patterns/clutter.json``, which also serve plain-text input.
"""

from __future__ import annotations

import codecs
import json
import logging
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import trafilatura
from lxml.etree import XPath, XPathSyntaxError
from lxml.html import HtmlElement
from trafilatura.settings import use_config

from extractor.errors import NotAnArticle, PatternError, UnreadableInput
from extractor.models import Article
from extractor.patternfiles import PATTERNS_DIR

logger = logging.getLogger(__name__)


CLUTTER_FILE = PATTERNS_DIR / "clutter.json"
LANGUAGE_FILE = PATTERNS_DIR / "language.json"

DEFAULT_MAX_BYTES = 5_000_000
# A bare index or navigation page leaves a line or two after clutter removal;
# the shortest real news item seen is several times this.
DEFAULT_MIN_BODY_CHARS = 250

LINE_RULE_KINDS = ("drop", "heading", "end", "cut")

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MIN_BODY_CHARS",
    "clean_text",
    "html_to_article",
    "load_article",
    "text_to_article",
]


# --------------------------------------------------------------------------- patterns


@dataclass(frozen=True)
class LineRule:
    id: str
    kind: str
    regex: re.Pattern[str]
    examples: tuple[str, ...] = ()
    counterexamples: tuple[str, ...] = ()


@dataclass(frozen=True)
class PruneRule:
    id: str
    xpath: str  # with the guard appended: what trafilatura receives
    examples: tuple[str, ...] = ()
    counterexamples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Clutter:
    line_rules: tuple[LineRule, ...]  # drop / heading / end, in file order (= priority)
    cut_rules: tuple[LineRule, ...]
    any_line_rule: re.Pattern[str]  # one alternation of line_rules: most lines match none
    prune_rules: tuple[PruneRule, ...]

    @property
    def prune_xpaths(self) -> list[str]:
        return [rule.xpath for rule in self.prune_rules]


@dataclass(frozen=True)
class LanguageCheck:
    words: frozenset[str]
    min_share: float
    min_words: int
    examples: tuple[str, ...] = ()
    counterexamples: tuple[str, ...] = ()


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise PatternError(f"{path}: cannot be read as JSON ({err})") from err
    if not isinstance(data, dict):
        raise PatternError(f"{path}: expected a JSON object at the top")
    return data


def _strings(path: Path, entry: dict[str, Any], key: str) -> tuple[str, ...]:
    values = entry.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise PatternError(f"{path}: entry {entry.get('id')!r}: {key!r} must be a list of strings")
    return tuple(values)


@lru_cache(maxsize=4)
def load_clutter(path: Path = CLUTTER_FILE) -> Clutter:
    """Load and validate the clutter rules (once per process and path)."""
    data = _read_json(path)
    seen: set[str] = set()

    def check_id(entry: Any, where: str) -> str:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not entry["id"]:
            raise PatternError(f"{path}: {where}: every entry needs a string 'id'")
        if entry["id"] in seen:
            raise PatternError(f"{path}: {where}: duplicate id {entry['id']!r}")
        seen.add(entry["id"])
        return entry["id"]

    line_rules: list[LineRule] = []
    cut_rules: list[LineRule] = []
    alternatives: list[str] = []
    for n, entry in enumerate(data.get("line_rules", [])):
        rule_id = check_id(entry, f"line_rules[{n}]")
        kind = entry.get("kind")
        if kind not in LINE_RULE_KINDS:
            raise PatternError(f"{path}: {rule_id}: kind {kind!r} is not one of {LINE_RULE_KINDS}")
        pattern = entry.get("pattern")
        if not isinstance(pattern, str) or not pattern:
            raise PatternError(f"{path}: {rule_id}: 'pattern' must be a non-empty string")
        flags = re.IGNORECASE if entry.get("ignore_case", True) else 0
        try:
            regex = re.compile(pattern, flags)
        except re.error as err:
            raise PatternError(f"{path}: {rule_id}: bad regular expression ({err})") from err
        rule = LineRule(
            rule_id,
            kind,
            regex,
            _strings(path, entry, "examples"),
            _strings(path, entry, "counterexamples"),
        )
        if kind == "cut":
            cut_rules.append(rule)
        else:
            line_rules.append(rule)
            alternatives.append(f"(?i:{pattern})" if flags else f"(?:{pattern})")

    guard = data.get("prune_guard", "")
    if not isinstance(guard, str):
        raise PatternError(f"{path}: 'prune_guard' must be a string")
    prune_rules: list[PruneRule] = []
    for n, entry in enumerate(data.get("prune_xpaths", [])):
        rule_id = check_id(entry, f"prune_xpaths[{n}]")
        xpath = entry.get("xpath")
        if not isinstance(xpath, str) or not xpath.startswith("//") or "|" in xpath:
            raise PatternError(
                f"{path}: {rule_id}: 'xpath' must be one path starting with // and no '|' "
                "(the guard is appended to it)"
            )
        full = xpath + guard
        try:
            XPath(full)
        except XPathSyntaxError as err:
            raise PatternError(f"{path}: {rule_id}: bad XPath {full!r} ({err})") from err
        prune_rules.append(
            PruneRule(
                rule_id,
                full,
                _strings(path, entry, "examples"),
                _strings(path, entry, "counterexamples"),
            )
        )
    if not line_rules:
        raise PatternError(f"{path}: no line_rules")
    return Clutter(
        line_rules=tuple(line_rules),
        cut_rules=tuple(cut_rules),
        any_line_rule=re.compile("|".join(alternatives)),
        prune_rules=tuple(prune_rules),
    )


@lru_cache(maxsize=4)
def load_language_check(path: Path = LANGUAGE_FILE) -> LanguageCheck:
    """Load the Indonesian function-word list (once per process and path)."""
    data = _read_json(path)
    words = data.get("words")
    if not isinstance(data.get("id"), str):
        raise PatternError(f"{path}: needs a string 'id'")
    if not isinstance(words, list) or not words or not all(isinstance(w, str) for w in words):
        raise PatternError(f"{path}: 'words' must be a non-empty list of strings")
    try:
        min_share = float(data["min_share"])
        min_words = int(data["min_words"])
    except (KeyError, TypeError, ValueError) as err:
        raise PatternError(f"{path}: 'min_share' and 'min_words' must be numbers ({err})") from err
    return LanguageCheck(
        frozenset(w.lower() for w in words),
        min_share,
        min_words,
        _strings(path, data, "examples"),
        _strings(path, data, "counterexamples"),
    )


# --------------------------------------------------------------------------- text


# Every space-like character becomes one space; zero-width ones and control
# characters go. Nothing else in a line is touched, so offsets stay meaningful.
_SPACES = re.compile(r"[ \t\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u0000-\u0008\u000e-\u001f\u007f\u00ad\u200b-\u200d\u2060\ufeff]")
_LIST_BULLET = re.compile(r"^(?:[-–•*·]|\d{1,2}[.)])\s")
_SENTENCE_END = (".", "!", "?", '"', "”", "’", "'", ";", ":")
_HEADING_REST = " :»>|-–—"
# A headline in a list of other stories is short and is not a sentence.
_MAX_HEADLINE_CHARS = 160


def _normalize_line(line: str) -> str:
    return _SPACES.sub(" ", _INVISIBLE.sub("", line)).strip()


def _looks_like_list_item(line: str) -> bool:
    if _LIST_BULLET.match(line):
        return True
    return len(line) <= _MAX_HEADLINE_CHARS and not line.endswith(_SENTENCE_END)


def _match_line_rule(line: str, clutter: Clutter) -> tuple[LineRule, re.Match[str]] | None:
    if not clutter.any_line_rule.search(line):
        return None
    for rule in clutter.line_rules:
        found = rule.regex.search(line)
        if found:
            return rule, found
    return None  # pragma: no cover - the alternation and the rules agree


def clean_text(text: str) -> str:
    """Remove page furniture from extracted or plain text; paragraphs joined by one blank line.

    Every non-empty line is a paragraph. Lines are whitespace-normalized and either
    kept whole, cut (an inline "Baca juga:"), or dropped: nothing inside a kept
    line is rewritten.
    """
    clutter = load_clutter()
    kept: list[str] = []
    in_list = False  # after a lone "Baca juga" / "Berita terkait" heading
    for raw in text.splitlines():
        line = _normalize_line(raw)
        if not line:
            continue
        for rule in clutter.cut_rules:
            found = rule.regex.search(line)
            if found:
                line = line[: found.start()].rstrip()
        if not line:
            continue
        matched = _match_line_rule(line, clutter)
        if matched:
            rule, found = matched
            if rule.kind == "end":
                break
            if rule.kind == "heading":
                in_list = not line[found.end() :].strip(_HEADING_REST)
            continue
        if in_list and _looks_like_list_item(line):
            continue
        in_list = False
        kept.append(line)
    return "\n\n".join(kept)


def _drop_title_repeat(body: str, title: str) -> str:
    """Drop the title when the extractor repeated it at the top of the body."""
    if not title or not body:
        return body
    key = title.casefold()
    paragraphs = body.split("\n\n")
    for n, paragraph in enumerate(paragraphs[:3]):
        if paragraph.casefold() == key:
            return "\n\n".join(paragraphs[:n] + paragraphs[n + 1 :])
    return body


_WORD = re.compile(r"[^\W\d_]+")


def _check_language(body: str, input: str) -> None:
    check = load_language_check()
    words = _WORD.findall(body.lower())
    if len(words) < check.min_words:
        return  # too short to judge; the length gate speaks for short pages
    hits = sum(word in check.words for word in words)
    if hits / len(words) < check.min_share:
        raise NotAnArticle(
            f"{input}: not an Indonesian article: only {hits} of {len(words)} words are common "
            "Indonesian function words (yang, dan, di, ...); the tool reads Indonesian news only"
        )


# --------------------------------------------------------------------------- bytes


def _cp1252_for_bad_utf8(err: UnicodeError) -> tuple[str, int]:
    """Decode the bytes that are not UTF-8 as windows-1252: pages that claim UTF-8 and are not."""
    if not isinstance(err, UnicodeDecodeError):  # pragma: no cover - registered for decoding only
        raise err
    bad = err.object[err.start : err.end]
    return bytes(bad).decode("cp1252", errors="replace"), err.end


_UTF8_CP1252 = "adminduk-utf8-cp1252"
codecs.register_error(_UTF8_CP1252, _cp1252_for_bad_utf8)

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE
)
# WHATWG: a page labelled latin-1 or ascii is decoded as windows-1252.
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
}
_BINARY_SHARE = 0.01


def _refuse_binary(data: bytes, input: str) -> None:
    head = data[:1024].lstrip()
    if head.startswith(b"%PDF"):
        raise NotAnArticle(f"{input}: is a PDF document, not a web page; convert it to text first")
    if b"\x00" in data:
        raise NotAnArticle(f"{input}: binary data (NUL bytes), not a web page or text")


_GARBAGE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\ufffd]")


def _refuse_garbage(text: str, input: str) -> None:
    sample = text[:65536]
    bad = len(_GARBAGE.findall(sample))
    if sample and bad / len(sample) > _BINARY_SHARE:
        raise NotAnArticle(
            f"{input}: undecodable bytes ({bad} of {len(sample)} characters), not text"
        )


def decode_bytes(data: bytes, *, input: str) -> str:
    """Bytes → str: BOM, then UTF-8 if it is valid, then the declared charset, then UTF-8 with
    windows-1252 for the bytes that are not UTF-8. Never fails on a wrong declaration."""
    if data.startswith(codecs.BOM_UTF8):
        text = data[3:].decode("utf-8", errors=_UTF8_CP1252)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    else:
        _refuse_binary(data, input)
        try:
            # Valid UTF-8 with non-ASCII bytes is almost never another encoding,
            # whatever the page declares.
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = ""
            declared = _META_CHARSET.search(data[:4096])
            if declared:
                label = declared.group(1).decode("ascii").lower()
                codec = _CHARSET_ALIASES.get(label, label)
                try:
                    if codecs.lookup(codec).name != "utf-8":
                        text = data.decode(codec, errors="replace")
                except LookupError:
                    logger.warning(
                        "%s: unknown charset %r declared; reading as UTF-8", input, label
                    )
            if not text:
                text = data.decode("utf-8", errors=_UTF8_CP1252)
    _refuse_garbage(text, input)
    return text


# --------------------------------------------------------------------------- HTML


# htmldate, trafilatura's date finder, falls back to dateparser for a date written in the
# page's text, and its parser tries every language dateparser knows (~200): that was most
# of the extraction time (150 ms per page on the 26 saved pages; 53 ms with these two
# languages, and the same dates). Indonesian pages write dates in Indonesian or English.
HTMLDATE_LANGUAGES = ("id", "en")


def _limit_htmldate_languages() -> None:
    """Narrow htmldate's dateparser to HTMLDATE_LANGUAGES (a process-wide setting of htmldate's
    own parser object; left alone if htmldate changed or someone set languages already)."""
    try:
        from htmldate import extractors
    except ImportError:  # pragma: no cover - htmldate comes with trafilatura
        return
    parser = getattr(extractors, "EXTERNAL_PARSER", None)
    if parser is not None and getattr(parser, "languages", False) is None:
        parser.languages = list(HTMLDATE_LANGUAGES)


@lru_cache(maxsize=1)
def _trafilatura_config() -> Any:
    _limit_htmldate_languages()
    config = use_config()
    # The signal-based timeout is for trafilatura's own CLI; it breaks in threads.
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
    return config


_BLOCK_TAGS = frozenset(
    "p div br ul ol li dl table section article aside header footer nav form figure "
    "blockquote pre hr h1 h2 h3 h4 h5 h6 main".split()
)
_MIN_LEAD_CHARS = 30
_MIN_LOOSE_CHARS = 15


def _wrap_loose_lead_text(tree: HtmlElement) -> None:
    """Put the loose text at the top of a content container into a <p> of its own.

    trafilatura reads the children of the container it picks (itemprop=articleBody,
    ...) but not the container's own leading text, so "Mataram (ANTARA) - Sebanyak
    29 penerbangan ...<br><br>..." loses its first paragraph, dateline and all; so does
    "<span itemprop=articleBody><strong>VIVA.co.id</strong> - Pianis ...<div>...".
    """
    # A list first: the loop below moves nodes around.
    for element in list(tree.iter("div", "article", "section", "main", "td", "span")):
        if len(element) == 0:
            continue
        children = iter(element)
        position = 0
        lead_holder: Any = None  # the element whose .text / .tail holds the lead text
        lead = element.text or ""
        child = next(children, None)
        # Skip leading <br>s with nothing after them: "<div><br><strong>Jakarta</strong> - ..."
        while (
            child is not None
            and child.tag == "br"
            and not lead.strip()
            and not (child.tail or "").strip()
        ):
            position += 1
            child = next(children, None)
        if position:
            lead_holder = element[position - 1]
            lead = lead_holder.tail or ""
        run: list[Any] = []
        while child is not None and not (isinstance(child.tag, str) and child.tag in _BLOCK_TAGS):
            run.append(child)
            child = next(children, None)
        if child is None:
            continue  # no block after the run: trafilatura reads such an element whole
        loose = lead + "".join(c.tail or "" for c in run)
        if len(loose.strip()) < _MIN_LOOSE_CHARS:
            continue  # inline elements with no prose between them: a menu, a byline
        text = loose + "".join("".join(c.itertext()) for c in run if isinstance(c.tag, str))
        if len(text.strip()) < _MIN_LEAD_CHARS:
            continue
        paragraph = element.makeelement("p", {})
        paragraph.text = lead
        if lead_holder is None:
            element.text = None
        else:
            lead_holder.tail = None
        for c in run:
            paragraph.append(c)  # moves the child, its tail with it
        element.insert(position, paragraph)


_TITLE_SEPARATORS = re.compile(r"\s+[-|–—·•:»]{1,2}\s+|\s*\|\s*|(?<=\.com):\s+|(?<=\.id):\s+")
_NOT_ALNUM = re.compile(r"[\W_]+")
_DOMAIN = re.compile(r"\.(?:com|co\.id|id|net|org|go\.id)\b")


def _host(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None


def _site_keys(sitename: str | None, host: str | None) -> set[str]:
    keys = set()
    if sitename:
        keys.add(_NOT_ALNUM.sub("", sitename.casefold()))
    if host:
        labels = host.split(".")
        keys.add(_NOT_ALNUM.sub("", host))
        keys.update(label for label in labels if len(label) > 3 and label not in {"news", "berita"})
    return {key for key in keys if len(key) > 2}


def _is_site_segment(segment: str, keys: set[str]) -> bool:
    flat = _NOT_ALNUM.sub("", segment.casefold())
    if not flat:
        return True
    if _DOMAIN.search(segment.casefold()):
        return True
    return any(key in flat or (len(flat) > 3 and flat in key) for key in keys)


def _choose_title(
    meta_title: str | None, h1s: list[str], sitename: str | None, host: str | None
) -> str:
    """The headline: the page's h1 when the metadata title contains it, else the metadata
    title without the site's name ("... - Kompas.com", "KapanLagi.com: ...")."""
    meta = _normalize_line(meta_title or "")
    folded = meta.casefold()
    for h1 in sorted(h1s, key=len, reverse=True):
        if len(h1.split()) >= 3 and folded and h1.casefold() in folded:
            return h1
    if meta:
        keys = _site_keys(sitename, host)
        parts = _TITLE_SEPARATORS.split(meta)
        if len(parts) > 1:
            while len(parts) > 1 and _is_site_segment(parts[-1], keys):
                meta = meta[: meta.rfind(parts[-1])].rstrip(" -|–—·•:»")
                parts.pop()
            while len(parts) > 1 and _is_site_segment(parts[0], keys):
                meta = meta[meta.find(parts[0]) + len(parts[0]) :].lstrip(" -|–—·•:»")
                parts.pop(0)
        return meta
    return max(h1s, key=len) if h1s else ""


_WEEKDAYS = {"senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu", "ahad"}
_AUTHOR_LABEL = re.compile(
    r"^(?:pewarta|penulis|reporter|wartawan|oleh|by|rep|red|kontributor)\b\s*:?\s*", re.IGNORECASE
)
_AUTHOR_TAIL = re.compile(r"\s*(?:[;|]|\b(?:editor|redaktur|penyunting)\b).*$", re.IGNORECASE)


def _clean_author(author: str | None) -> str | None:
    if not author:
        return None
    name = _AUTHOR_TAIL.sub("", _AUTHOR_LABEL.sub("", _normalize_line(author))).strip(" ,-")
    if not name or name.casefold() in _WEEKDAYS or len(name) > 100:
        return None
    return name


def _clean_site(sitename: str | None, title: str, host: str | None) -> str | None:
    site = _normalize_line(sitename or "")
    if (
        not site
        or site.casefold() == title.casefold()
        or site.casefold().startswith(("http://", "https://"))
        or len(site) > 60
    ):
        return host
    return site


def _normalize_given_date(published: str, input: str) -> str:
    try:
        return date.fromisoformat(published.strip()[:10]).isoformat()
    except ValueError as err:
        raise ValueError(f"{input}: published date {published!r} is not YYYY-MM-DD") from err


# Where pages declare their publication date; used only to warn when it cannot be read.
DECLARED_DATE_XPATH = XPath(
    "//meta[@property='article:published_time' or @name='pubdate' or @name='publishdate' "
    "or @itemprop='datePublished' or @name='date' or @name='DC.date.issued']/@content"
    " | //time[@itemprop='datePublished']/@datetime"
)


def _metadata_date(raw: str | None, input: str) -> str | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw.strip()[:10]).isoformat()
    except ValueError:
        logger.warning(
            "%s: unreadable publication date %r in the page metadata; left empty", input, raw
        )
        return None


def _size_of(html: bytes | str) -> int:
    if isinstance(html, bytes):
        return len(html)
    return len(html) if html.isascii() else len(html.encode("utf-8", errors="replace"))


def _make_article(
    *,
    input: str,
    url: str | None,
    title: str,
    body: str,
    published: str | None,
    published_source: str | None,
    site: str | None,
    author: str | None,
    min_body_chars: int,
    check_language: bool,
    short_hint: str,
) -> Article:
    if len(body) < min_body_chars:
        raise NotAnArticle(
            f"{input}: only {len(body)} characters of article text once page furniture is removed "
            f"(at least {min_body_chars} needed); {short_hint}"
        )
    if check_language:
        _check_language(body, input)
    return Article(
        input=input,
        url=url,
        title=title,
        text=f"{title}\n\n{body}",
        body_start=len(title) + 2,
        published=published,
        site=site,
        author=author,
        published_source=published_source,
    )


def html_to_article(
    html: bytes | str,
    *,
    input: str,
    url: str | None = None,
    published: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    min_body_chars: int = DEFAULT_MIN_BODY_CHARS,
    check_language: bool = True,
) -> Article:
    """Read one news page. ``published`` (YYYY-MM-DD) overrides the date found in the page.

    Raises NotAnArticle, with the reason, for an empty, binary, PDF, oversized,
    unparsable, article-less or non-Indonesian page.
    """
    size = _size_of(html)
    if size > max_bytes:
        raise NotAnArticle(
            f"{input}: {size:,} bytes, more than the {max_bytes:,}-byte limit for one page; "
            "not parsed (raise max_bytes if it really is one article)"
        )
    if isinstance(html, bytes):
        if not html.strip():
            raise NotAnArticle(f"{input}: empty file")
        text = decode_bytes(html, input=input)
    else:
        text = html.lstrip("\ufeff")
        if text.lstrip().startswith("%PDF"):
            raise NotAnArticle(
                f"{input}: is a PDF document, not a web page; convert it to text first"
            )
        if "\x00" in text:
            raise NotAnArticle(f"{input}: binary data (NUL characters), not a web page")
        _refuse_garbage(text, input)
    if not text.strip():
        raise NotAnArticle(f"{input}: empty file")
    given = _normalize_given_date(published, input) if published is not None else None

    tree = trafilatura.load_html(text)
    if tree is None:
        raise NotAnArticle(
            f"{input}: not readable as HTML (no <html> document found); "
            "if it is plain article text, give it a .txt name"
        )
    h1s = [h for h in (_normalize_line(h.text_content()) for h in tree.iter("h1")) if h]
    declared_dates = [v.strip() for v in DECLARED_DATE_XPATH(tree) if v and v.strip()]
    _wrap_loose_lead_text(tree)
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=True,
        include_comments=False,
        prune_xpath=load_clutter().prune_xpaths,
        config=_trafilatura_config(),
    )
    if document is None or not (document.text or "").strip():
        raise NotAnArticle(
            f"{input}: no article text found in the page (a bare index page, or broken HTML)"
        )

    page_url = url or document.url or None
    host = _host(page_url)
    title = _choose_title(document.title, h1s, document.sitename, host)
    body = _drop_title_repeat(clean_text(document.text), title)
    if given is not None:
        published_value, source = given, "given"
    else:
        published_value = _metadata_date(document.date, input)
        if published_value is None and document.date is None and declared_dates:
            # htmldate drops a date it cannot read without a word; say so.
            logger.warning("%s: unreadable publication date %r in the page metadata; left empty",
                           input, declared_dates[0])
        source = "metadata" if published_value else None
    return _make_article(
        input=input,
        url=page_url,
        title=title,
        body=body,
        published=published_value,
        published_source=source,
        site=_clean_site(document.sitename, title, host),
        author=_clean_author(document.author),
        min_body_chars=min_body_chars,
        check_language=check_language,
        short_hint="this looks like an index or navigation page, not an article",
    )


def text_to_article(
    text: str,
    *,
    input: str,
    url: str | None = None,
    published: str | None = None,
    min_body_chars: int = DEFAULT_MIN_BODY_CHARS,
    check_language: bool = True,
) -> Article:
    """Read a plain-text article: its first non-empty line is the title, the rest the body."""
    text = text.lstrip("\ufeff")
    if "\x00" in text:
        raise NotAnArticle(f"{input}: binary data (NUL characters), not article text")
    given = _normalize_given_date(published, input) if published is not None else None
    lines = text.splitlines()
    for n, line in enumerate(lines):
        title = _normalize_line(line)
        if title:
            body = clean_text("\n".join(lines[n + 1 :]))
            break
    else:
        raise NotAnArticle(f"{input}: empty file")
    return _make_article(
        input=input,
        url=url,
        title=title,
        body=_drop_title_repeat(body, title),
        published=given,
        published_source="given" if given else None,
        site=_host(url),
        author=None,
        min_body_chars=min_body_chars,
        check_language=check_language,
        short_hint="no article after the title line (the first non-empty line is the title)",
    )


def load_article(
    path: str,
    *,
    url: str | None = None,
    published: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Article:
    """Read a file: ``.txt`` is article text (title on the first line), anything else HTML."""
    file = Path(path)
    try:
        if file.is_dir():
            raise IsADirectoryError(path)
        size = file.stat().st_size
        if size > max_bytes:
            raise NotAnArticle(
                f"{path}: {size:,} bytes, more than the {max_bytes:,}-byte limit for one page; "
                "not read (raise max_bytes if it really is one article)"
            )
        data = file.read_bytes()
    except FileNotFoundError as err:
        raise UnreadableInput(f"{path}: no such file") from err
    except IsADirectoryError as err:
        raise UnreadableInput(f"{path}: is a directory, not a file") from err
    except PermissionError as err:
        raise UnreadableInput(f"{path}: permission denied") from err
    except OSError as err:
        raise UnreadableInput(f"{path}: cannot be read ({err.strerror or err})") from err
    if not data.strip():
        raise NotAnArticle(f"{path}: empty file")
    if file.suffix.lower() == ".txt":
        return text_to_article(
            decode_bytes(data, input=path), input=path, url=url, published=published
        )
    return html_to_article(data, input=path, url=url, published=published, max_bytes=max_bytes)
