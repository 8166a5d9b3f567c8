"""How close does a crawl of many slow hosts get to the bound the per-host delay sets?

Starts HOSTS generated news sites on 127.0.0.1 (tests/httpsite.py), each
answering after LATENCY seconds, crawls their feeds with a per-host delay of
DELAY seconds, and compares the wall time with the bound: the busiest host's
requests cannot be closer than DELAY apart, so that host alone needs
(requests - 1) * DELAY plus one answer's latency. Everything stays on loopback.

    python scripts/bench_crawl.py [--hosts 10] [--articles 10] [--latency 0.1] [--delay 1.0]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractor.crawl import CrawlConfig, Crawler  # noqa: E402
from extractor.facts import get_fact_finder  # noqa: E402
from extractor.fetch import FetchConfig, Fetcher  # noqa: E402
from extractor.regions import get_gazetteer  # noqa: E402
from extractor.store import load_regions, open_store  # noqa: E402
from tests.httpsite import NewsSite  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--articles", type=int, default=10, help="articles per host")
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--delay", type=float, default=1.0)
    args = parser.parse_args()
    get_fact_finder()  # build the rules before the clock starts
    with ExitStack() as stack, tempfile.TemporaryDirectory() as folder:
        sites = [stack.enter_context(NewsSite(articles=args.articles, feeds=1, seed=10 + i,
                                              latency=args.latency)) for i in range(args.hosts)]
        db = open_store(str(Path(folder) / "bench.db"))
        load_regions(db, get_gazetteer().regions())
        fetcher = Fetcher(FetchConfig(delay=args.delay, allow_private=True))
        crawler = Crawler(db, fetcher, CrawlConfig(parallel_hosts=args.hosts))
        started = time.perf_counter()
        run = crawler.crawl([s.feed_urls[0] for s in sites], [])
        wall = time.perf_counter() - started
        db.close()
        requests = [len(s.log) for s in sites]
        bound = (max(requests) - 1) * args.delay + args.latency
        gaps = [b.time - a.time for s in sites for a, b in zip(s.log, s.log[1:], strict=False)]
    print(json.dumps({
        "hosts": args.hosts, "articles_stored": run.fetched, "failed": run.failed,
        "requests_per_host": max(requests), "delay_s": args.delay, "latency_s": args.latency,
        "wall_s": round(wall, 2), "bound_s": round(bound, 2), "ratio": round(wall / bound, 3),
        "shortest_gap_s": round(min(gaps), 3),
    }))


if __name__ == "__main__":
    main()
