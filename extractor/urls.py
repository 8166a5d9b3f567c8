"""Canonical URLs: one key for the many addresses one article is reached by.

A feed links an article with ``?utm_source=rss``, a share button with ``?fbclid=``,
a sitemap links its AMP form, a reader its ``?page=all`` form: the crawl must
store it once. ``canonical_url`` is an identity key, not a better address to
fetch; the rules that remove parts of a URL are data in ``patterns/urls.json``,
each with examples and counterexamples.

Choices, so that a reader need not guess:

- scheme and host are lower-cased, a trailing dot on the host is dropped, a
  non-ASCII host is written in punycode; default ports (80 for http, 443 for
  https) are dropped, other ports kept (test servers run on 127.0.0.1:PORT);
- the ``#fragment`` is dropped (it never selects another article on a news site);
- percent-escapes are upper-cased, escapes of unreserved characters decoded,
  unsafe characters (spaces, non-ASCII) escaped, ``.`` and ``..`` segments resolved;
- an empty path becomes ``/``; otherwise the trailing slash is kept as given,
  because ``/berita/1`` and ``/berita/1/`` are different URLs to many servers
  and guessing wrong would fetch a 404;
- the remaining query parameters are sorted by name (stable, so repeated names
  keep their order); their values are left as written.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote_plus, urljoin, urlsplit, urlunsplit

from lxml import etree
from lxml import html as lxml_html
from tld import get_fld

from .errors import PatternError
from .patternfiles import PATTERNS_DIR

log = logging.getLogger(__name__)

URL_RULES_FILE = PATTERNS_DIR / "urls.json"
RULE_KINDS = ("drop_parameter", "drop_parameter_value", "path_prefix", "path_suffix", "host")
DEFAULT_PORTS = {"http": 80, "https": 443}

_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# RFC 3986 sub-delims and the characters a path or query may hold as they are;
# '%' stays so that existing escapes are not escaped twice.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"


@dataclass(frozen=True)
class UrlRule:
    """One rule of ``patterns/urls.json`` (see its ``about``)."""

    id: str
    kind: str
    names: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    values: frozenset[str] = frozenset()
    hosts: tuple[str, ...] = ()
    source: str = ""  # path_prefix "from", host "from"
    target: str = ""  # path_prefix "to", host "to"
    segment: str = ""
    examples: tuple[tuple[str, str], ...] = ()
    counterexamples: tuple[str, ...] = ()

    def applies_to_host(self, host: str) -> bool:
        return not self.hosts or any(host == h or host.endswith("." + h) for h in self.hosts)


@dataclass(frozen=True)
class UrlRules:
    """The rules, grouped the way ``canonical_url`` applies them."""

    rules: tuple[UrlRule, ...]

    @property
    def parameter_rules(self) -> tuple[UrlRule, ...]:
        return tuple(r for r in self.rules if r.kind in ("drop_parameter", "drop_parameter_value"))

    @property
    def path_rules(self) -> tuple[UrlRule, ...]:
        return tuple(r for r in self.rules if r.kind in ("path_prefix", "path_suffix"))

    @property
    def host_map(self) -> dict[str, str]:
        return {r.source: r.target for r in self.rules if r.kind == "host"}


def load_url_rules(path: Path = URL_RULES_FILE) -> UrlRules:
    """Read and check ``patterns/urls.json``; a malformed rule is a PatternError naming its id."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise PatternError(f"{path}: cannot read ({error}); restore it from the repository") from error
    except json.JSONDecodeError as error:
        raise PatternError(f"{path}:{error.lineno}: not valid JSON ({error.msg})") from error
    rows = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise PatternError(f"{path}: needs a 'rules' list")
    rules: list[UrlRule] = []
    seen: set[str] = set()
    for n, row in enumerate(rows):
        rules.append(_read_rule(path, n, row, seen))
    return UrlRules(tuple(rules))


def _read_rule(path: Path, n: int, row: Any, seen: set[str]) -> UrlRule:
    if not isinstance(row, dict) or not isinstance(row.get("id"), str):
        raise PatternError(f"{path}: rule {n} needs an 'id'")
    rule_id = row["id"]
    where = f"{path}: rule {rule_id!r}"
    if rule_id in seen:
        raise PatternError(f"{where}: duplicate id")
    seen.add(rule_id)
    kind = row.get("kind")
    if kind not in RULE_KINDS:
        raise PatternError(f"{where}: kind must be one of {', '.join(RULE_KINDS)}, not {kind!r}")
    examples = row.get("examples", [])
    if not examples or not all(isinstance(e, list) and len(e) == 2 for e in examples):
        raise PatternError(f"{where}: needs examples as [url, canonical url] pairs")
    common: dict[str, Any] = {
        "id": rule_id,
        "kind": kind,
        "hosts": tuple(h.lower() for h in row.get("hosts", [])),
        "examples": tuple((str(a), str(b)) for a, b in examples),
        "counterexamples": tuple(str(c) for c in row.get("counterexamples", [])),
    }
    if kind == "drop_parameter":
        names = frozenset(x.lower() for x in row.get("names", []))
        prefixes = tuple(x.lower() for x in row.get("prefixes", []))
        if not names and not prefixes:
            raise PatternError(f"{where}: needs 'names' or 'prefixes'")
        return UrlRule(**common, names=names, prefixes=prefixes)
    if kind == "drop_parameter_value":
        if not isinstance(row.get("name"), str) or not isinstance(row.get("values"), list):
            raise PatternError(f"{where}: needs 'name' and a 'values' list")
        return UrlRule(
            **common,
            names=frozenset([row["name"].lower()]),
            values=frozenset(str(v).lower() for v in row["values"]),
        )
    if kind == "path_prefix":
        source, target = row.get("from"), row.get("to")
        if not (isinstance(source, str) and isinstance(target, str)) or not (
            source.startswith("/") and source.endswith("/") and target.startswith("/") and target.endswith("/")
        ):
            raise PatternError(f"{where}: 'from' and 'to' must be paths that start and end with '/'")
        return UrlRule(**common, source=source, target=target)
    if kind == "path_suffix":
        segment = row.get("segment")
        if not isinstance(segment, str) or not segment or "/" in segment:
            raise PatternError(f"{where}: 'segment' must be one path segment")
        return UrlRule(**common, segment=segment)
    source, target = row.get("from"), row.get("to")
    if not (isinstance(source, str) and isinstance(target, str) and source and target):
        raise PatternError(f"{where}: 'from' and 'to' must be host names")
    return UrlRule(**common, source=source.lower(), target=target.lower())


@lru_cache(maxsize=1)
def _default_rules() -> UrlRules:
    return load_url_rules()


def is_http_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host: the only URLs the crawler follows."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number from 0 to 65535
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def canonical_url(url: str, rules: UrlRules | None = None) -> str:
    """The identity key of ``url`` (see the module docstring for every choice made).

    Never raises: a string that is not an http(s) URL, or whose host or port
    cannot be read, comes back stripped of surrounding whitespace and otherwise
    as given, so callers check ``is_http_url`` for what they may fetch.
    Idempotent: ``canonical_url(canonical_url(u)) == canonical_url(u)``.
    """
    rules = rules or _default_rules()
    url = url.strip()
    current = url
    for _ in range(8):  # a rule's output can expose another rule's input (/amp/amp/...)
        following = _canonical_once(current, rules)
        if following is None:
            return url
        if following == current:
            return current
        current = following
    return current


def _canonical_once(url: str, rules: UrlRules) -> str | None:
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            return None
        port = parts.port
        host = parts.hostname
    except ValueError:
        return None
    if not host or any(c in host for c in " \t\r\n/\\@"):
        return None
    host = _normalise_host(host)
    if host is None:
        return None
    host = rules.host_map.get(host, host)
    netloc = host if ":" not in host else f"[{host}]"
    if parts.username is not None or parts.password is not None:
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = f"{userinfo}@{netloc}"
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    try:
        path = _normalise_path(parts.path)
        query = _normalise_query(parts.query, rules)
    except UnicodeError:  # lone surrogates: not a URL anyone can fetch
        return None
    path = _apply_path_rules(path, host, rules)
    return urlunsplit((scheme, netloc, path, query, ""))


def _normalise_host(host: str) -> str | None:
    host = host.rstrip(".").lower()
    if not host:
        return None
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return host


def _normalise_escapes(text: str, safe: str) -> str:
    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    return _ESCAPE.sub(fix, quote(text, safe=safe))


def _normalise_path(path: str) -> str:
    path = _normalise_escapes(path, _PATH_SAFE)
    if not path.startswith("/"):
        path = "/" + path
    segments = path.split("/")
    if any(s in (".", "..") for s in segments):
        kept: list[str] = []
        for segment in segments[1:]:
            if segment == "..":
                if kept:
                    kept.pop()
            elif segment != ".":
                kept.append(segment)
        if segments[-1] in (".", ".."):
            kept.append("")
        path = "/" + "/".join(kept)
    return path


def _apply_path_rules(path: str, host: str, rules: UrlRules) -> str:
    lowered = path.lower()
    for rule in rules.path_rules:
        if not rule.applies_to_host(host):
            continue
        if rule.kind == "path_prefix":
            if lowered.startswith(rule.source):
                return rule.target + path[len(rule.source) :]
        else:
            segment = "/" + rule.segment.lower()
            if lowered.endswith(segment + "/"):
                return path[: -len(segment)]
            if lowered.endswith(segment):
                return path[: -len(segment)] if len(path) > len(segment) + 1 else "/"
    return path


def _normalise_query(query: str, rules: UrlRules) -> str:
    if not query:
        return ""
    query = _normalise_escapes(query, _QUERY_SAFE)
    kept: list[tuple[str, str]] = []
    for piece in query.split("&"):
        if not piece:
            continue
        raw_name, _, raw_value = piece.partition("=")
        name = unquote_plus(raw_name).lower()
        value = unquote_plus(raw_value).lower()
        if not _drops_parameter(name, value, rules.parameter_rules):
            kept.append((name, piece))
    kept.sort(key=lambda item: item[0])
    return "&".join(piece for _, piece in kept)


def _drops_parameter(name: str, value: str, rules: tuple[UrlRule, ...]) -> bool:
    for rule in rules:
        if rule.kind == "drop_parameter":
            if name in rule.names or name.startswith(rule.prefixes):
                return True
        elif name in rule.names and value in rule.values:
            return True
    return False


# ----------------------------------------------------------------------------- rel=canonical


def registrable_domain(host: str) -> str:
    """``regional.kompas.com`` → ``kompas.com``, ``x.go.id`` → ``x.go.id`` (Public Suffix List).

    An IP address, ``localhost`` or a name under no known suffix is its own domain.
    """
    host = host.rstrip(".").lower()
    domain = get_fld(host, fix_protocol=True, fail_silently=True)
    return domain if isinstance(domain, str) else host


_HEAD_END = re.compile(rb"</head\s*>", re.IGNORECASE)
_CANONICAL_XPATH = etree.XPath(
    "//link[contains(concat(' ', translate(normalize-space(@rel), "
    "'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), ' '), ' canonical ')]/@href"
)
_OG_URL_XPATH = etree.XPath("//meta[@property='og:url' or @name='og:url']/@content")


def canonical_from_html(html: str | bytes, page_url: str) -> str | None:
    """The article's own canonical URL as its page states it, or None.

    ``<link rel="canonical">`` first, ``og:url`` when there is none; resolved
    against ``page_url`` and passed through ``canonical_url``. A canonical on
    another registrable domain is ignored: a site that republishes another's
    story often points there, and the copy must still be stored as its own
    article (syndication links the two). Empty, non-http(s) and unparsable
    values are ignored too. Only the ``<head>`` is parsed when it can be found.
    """
    data = html.encode("utf-8", "replace") if isinstance(html, str) else html
    if not data.strip():
        return None
    head_end = _HEAD_END.search(data, 0, 2_000_000)
    if head_end:
        data = data[: head_end.end()]
    try:
        tree = lxml_html.document_fromstring(data)
    except (etree.ParserError, ValueError) as error:
        log.debug("%s: page not parsed for rel=canonical (%s)", page_url, error)
        return None
    for xpath, what in ((_CANONICAL_XPATH, "rel=canonical"), (_OG_URL_XPATH, "og:url")):
        for value in xpath(tree):
            found = _accept_canonical(str(value), page_url, what)
            if found:
                return found
    return None


def _accept_canonical(value: str, page_url: str, what: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    try:
        absolute = urljoin(page_url, value)
    except ValueError:
        log.debug("%s: %s %r is not a URL", page_url, what, value)
        return None
    if not is_http_url(absolute):
        log.debug("%s: %s %r is not an http(s) URL, ignored", page_url, what, value)
        return None
    try:
        page_host = urlsplit(page_url).hostname or ""
        target_host = urlsplit(absolute).hostname or ""
    except ValueError:
        return None
    if registrable_domain(target_host) != registrable_domain(page_host):
        log.debug("%s: %s points to another site (%s), ignored", page_url, what, target_host)
        return None
    return canonical_url(absolute)
