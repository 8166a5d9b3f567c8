"""Run extraction over real pages and articles and list every fact and award found.

For reading what the extractor claims on material nobody keyed: saved news pages
(a folder of .html files, with an optional expected.jsonl giving each page's url
and publication time) and IndoSum-style JSON lines (``id``, ``text``; the id
starts with the article's Unix time). Prints counts per set, then each fact and
award with its sentence, for a careful reader to judge.

    python scripts/survey.py --pages ../shared/data/news-html/pages \
        --texts ../shared/data/indosum/articles.jsonl [--out survey.txt]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from extractor.article import html_to_article, text_to_article  # noqa: E402
from extractor.errors import ExtractorError  # noqa: E402
from extractor.facts import extract_facts  # noqa: E402


def _pages(folder: Path):  # type: ignore[no-untyped-def]
    expected = {}
    index = folder.parent / "expected.jsonl"
    if index.exists():
        for line in index.open(encoding="utf-8"):
            row = json.loads(line)
            expected[Path(row["page"]).name] = row
    for path in sorted(folder.glob("*.html")):
        row = expected.get(path.name, {})
        published = None
        if row.get("published_ms"):
            published = datetime.fromtimestamp(row["published_ms"] / 1000, UTC).date().isoformat()
        yield str(path), lambda p=path, r=row, d=published: html_to_article(
            p.read_bytes(), input=str(p), url=r.get("url"), published=d)


def _texts(path: Path):  # type: ignore[no-untyped-def]
    for line in path.open(encoding="utf-8"):
        row = json.loads(line)
        stamp = row["id"].split("-", 1)[0]
        published = None
        if stamp.isdigit():
            published = datetime.fromtimestamp(int(stamp), UTC).date().isoformat()
        # IndoSum keeps no headline; the id carries a slug of it.
        slug = row["id"].split("-", 1)[-1].replace("-", " ")
        yield row["id"], lambda r=row, d=published, t=slug: text_to_article(
            t + "\n\n" + r["text"], input=r["id"], url=r.get("source_url"), published=d)


def survey(name: str, items, out) -> dict:  # type: ignore[no-untyped-def]
    counts = {"set": name, "inputs": 0, "errors": 0, "articles_with_facts": 0, "facts": 0,
              "awards": 0}
    started = time.perf_counter()
    for source, make in items:
        counts["inputs"] += 1
        try:
            extraction = extract_facts(make())
        except ExtractorError as error:
            counts["errors"] += 1
            print(f"[{name}] skipped {error}", file=out)
            continue
        if extraction.facts:
            counts["articles_with_facts"] += 1
        counts["facts"] += len(extraction.facts)
        counts["awards"] += len(extraction.awards)
        for fact in extraction.facts:
            print(f"[{name}] {source}\n  FACT {fact.indicator} {fact.kind} {fact.role} "
                  f"{fact.value} @ {fact.region_code} {fact.region} as_of={fact.as_of} "
                  f"“{fact.text}”\n  | {fact.sentence}", file=out)
        for award in extraction.awards:
            print(f"[{name}] {source}\n  AWARD {award.giver} → {award.recipient} "
                  f"[{award.recipient_region_code}] {award.date}\n  | {award.sentence}", file=out)
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path, help="folder of saved .html pages")
    parser.add_argument("--texts", type=Path, help="JSON lines with id and text")
    parser.add_argument("--out", type=Path, help="write the listing here (default stdout)")
    args = parser.parse_args()
    out = args.out.open("w", encoding="utf-8") if args.out else sys.stdout
    results = []
    if args.pages:
        results.append(survey("pages", _pages(args.pages), out))
    if args.texts:
        results.append(survey("texts", _texts(args.texts), out))
    for result in results:
        print(json.dumps(result), file=sys.stderr)


if __name__ == "__main__":
    main()
