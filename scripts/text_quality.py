"""How clean is the article text? Word-level F1 against hand-checked bodies.

For every page listed in ``expected.jsonl`` (fields ``page``, ``url``, ``body``)
this compares, as bags of lower-cased word tokens (multiset overlap):

  (a) trafilatura's own ``trafilatura.extract(html, url=url)``, and
  (b) our cleaned body: ``Article.text`` without the title, from ``html_to_article``.

The length and language gates are off here (``min_body_chars=0``,
``check_language=False``): this measures the text, not the refusals, which are
listed apart. Also times both extractors, each in a fresh process (ours
against trafilatura's extract with metadata, the yardstick of the speed
requirement).

    .venv/bin/python scripts/text_quality.py [--pages DIR] [--expected FILE]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import trafilatura  # noqa: E402

from extractor.article import html_to_article  # noqa: E402
from extractor.errors import ExtractorError  # noqa: E402

DEFAULT_PAGES = Path("/work/shared/data/news-html/pages")
_TOKEN = re.compile(r"\w+")


def tokens(text: str) -> Counter[str]:
    return Counter(_TOKEN.findall(text.lower()))


def word_f1(predicted: str, expected: str) -> float:
    p, e = tokens(predicted), tokens(expected)
    overlap = sum((p & e).values())
    if not overlap:
        return 0.0
    precision = overlap / sum(p.values())
    recall = overlap / sum(e.values())
    return 2 * precision * recall / (precision + recall)


def _time_pages(which: str, pages: list[tuple[str, str | None]]) -> float:
    """Mean ms per page for one extractor; runs in a fresh process (see below)."""
    import logging

    logging.disable(logging.CRITICAL)
    data = [(Path(path).read_bytes(), url) for path, url in pages]

    def run(html: bytes, url: str | None) -> None:
        if which == "trafilatura":
            trafilatura.extract(html, url=url, with_metadata=True)
        else:
            try:
                html_to_article(
                    html, input="timing", url=url, min_body_chars=0, check_language=False
                )
            except ExtractorError:
                pass

    run(*data[0])  # imports and first-call set-up are not per-page costs
    start = time.perf_counter()
    for html, url in data:
        run(html, url)
    return (time.perf_counter() - start) * 1000 / len(data)


def time_in_fresh_process(which: str, pages: list[tuple[str, str | None]]) -> float:
    """Time in a new process each: trafilatura and htmldate cache results per text, so a page
    already extracted once in this process comes out several times faster the second time."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_time_pages, (which, pages))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=Path, default=DEFAULT_PAGES, help="folder of saved pages")
    parser.add_argument(
        "--expected",
        type=Path,
        default=None,
        help="expected.jsonl (default: beside the pages folder)",
    )
    args = parser.parse_args(argv)
    expected_file = args.expected or args.pages.parent / "expected.jsonl"
    rows = [
        json.loads(line) for line in expected_file.read_text(encoding="utf-8").splitlines() if line
    ]

    theirs_scores, ours_scores = [], []
    refusals = []
    print(f"{'page':<32} {'trafilatura':>11} {'ours':>7}")
    for row in rows:
        path = args.pages / Path(row["page"]).name
        html = path.read_bytes()
        url = row.get("url")

        theirs = trafilatura.extract(html, url=url) or ""
        try:
            article = html_to_article(
                html, input=str(path), url=url, min_body_chars=0, check_language=False
            )
            ours = article.text[article.body_start :]
        except ExtractorError as err:
            ours = ""
            refusals.append(f"{path.name}: {err}")
        try:
            html_to_article(html, input=path.name, url=url)
        except ExtractorError as err:
            refusals.append(f"gate (as in production): {err}")

        a, b = word_f1(theirs, row["body"]), word_f1(ours, row["body"])
        theirs_scores.append(a)
        ours_scores.append(b)
        print(f"{path.name:<32} {a:>11.3f} {b:>7.3f}")

    n = len(rows)
    label = f"mean of {n} pages"
    print(f"{label:<32} {sum(theirs_scores) / n:>11.3f} {sum(ours_scores) / n:>7.3f}")
    pages = [(str(args.pages / Path(row["page"]).name), row.get("url")) for row in rows]
    theirs_ms, ours_ms = (
        time_in_fresh_process("trafilatura", pages),
        time_in_fresh_process("ours", pages),
    )
    print(
        f"time per page: trafilatura extract with metadata {theirs_ms:.1f} ms, "
        f"ours {ours_ms:.1f} ms ({ours_ms / theirs_ms:.2f}x)"
    )
    for line in refusals:
        print("refused:", line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
