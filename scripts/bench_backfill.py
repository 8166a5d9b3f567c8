"""How fast the backfill reads archives and extracts their pages: 1 vs N Dask workers.

Writes --files WARC files into a temporary folder, each holding --pages copies
of the corpus's HTML pages (under new URLs) among --noise records per page from
other sites and request records, as a news archive mixes them; then

1. reads one file with FastWARC and the host filter alone (no extraction), the
   cost of every record that is not from an Indonesian site;
2. runs the whole backfill (a local Dask cluster, merge into a new SQLite file)
   with 1 and with N workers, and prints records and pages per second (the
   cluster's start, with the rules built on every worker, timed apart) and
   each worker's peak memory.

    .venv/bin/python scripts/bench_backfill.py --files 4 --pages 96 --noise 20 --workers 2
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractor.archives import ArchiveCounts, ArchiveFilter, HostFilter, read_archive  # noqa: E402
from extractor.backfill import (  # noqa: E402
    DEFAULT_HOSTS_FILE,
    BackfillOptions,
    dask_client,
    pipeline_plugin,
    run_backfill,
)
from extractor.regions import get_gazetteer  # noqa: E402
from extractor.store import load_regions, open_store  # noqa: E402
from extractor.workers import peak_rss_mb  # noqa: E402
from tests.warcs import corpus_pages, request, response, write_warc  # noqa: E402


def make_archive(path: Path, pages: int, noise: int, tag: str) -> int:
    """A WARC with ``pages`` corpus pages and ``noise`` other-site responses per page; returns records."""
    corpus = corpus_pages()
    members = []
    for number in range(pages):
        page = corpus[number % len(corpus)]
        url = f"{page.url}-{tag}{number}"
        members += [request(url), response(url, page.html)]
        for other in range(noise):
            elsewhere = f"https://news{other}.example.com/{tag}/{number}"
            members += [request(elsewhere), response(elsewhere, page.html)]
    write_warc(path, members)
    return len(members)


def backfill_run(archives: list[Path], folder: Path, workers: int,
                 options: BackfillOptions) -> tuple[float, float, list[float]]:
    """(seconds to start the cluster and build the rules, seconds of the backfill, peak MB per worker)."""
    started = time.perf_counter()
    with dask_client(None, workers) as client:
        client.register_plugin(pipeline_plugin())
        start_seconds = time.perf_counter() - started
        db = open_store(str(folder / f"w{workers}.db"))
        load_regions(db, get_gazetteer().regions())
        started = time.perf_counter()
        report = run_backfill(db, [str(a) for a in archives], folder / f"w{workers}.shards", options,
                              scheduler=client.scheduler.address, progress=False)
        seconds = time.perf_counter() - started
        db.close()
        peaks = sorted(client.run(peak_rss_mb).values())
    assert report.loaded == len(archives), report
    return start_seconds, seconds, peaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--pages", type=int, default=96, help="Indonesian news pages per file")
    parser.add_argument("--noise", type=int, default=20, help="other-site responses per page")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    hosts = HostFilter.from_file(DEFAULT_HOSTS_FILE)
    options = BackfillOptions(tuple(sorted(hosts.domains)))
    with tempfile.TemporaryDirectory(prefix="adminduk-backfill-bench-") as tmp:
        folder = Path(tmp)
        archives = [folder / f"part-{n:03d}.warc.gz" for n in range(args.files)]
        records = sum(make_archive(a, args.pages, args.noise, f"f{n}-") for n, a in enumerate(archives))
        size_mb = sum(a.stat().st_size for a in archives) / 1e6
        print(f"{args.files} files, {size_mb:.1f} MB, {records} records, "
              f"{args.files * args.pages} pages from the listed sites")

        counts = ArchiveCounts()
        started = time.perf_counter()
        for _ in read_archive(archives[0], ArchiveFilter(hosts), counts):
            pass
        seconds = time.perf_counter() - started
        print(f"read and filter only (1 process)  {counts.records / seconds:10.0f} records/s  "
              f"{archives[0].stat().st_size / 1e6 / seconds:6.1f} MB/s")

        results = {}
        for workers in sorted({1, args.workers}):
            start, seconds, peaks = backfill_run(archives, folder, workers, options)
            results[workers] = seconds
            print(f"backfill, {workers} worker(s)           {records / seconds:10.0f} records/s  "
                  f"{args.files * args.pages / seconds:6.1f} pages/s  ({seconds:.1f} s, and {start:.1f} s "
                  f"to start the cluster; peak MB per worker {', '.join(f'{p:.0f}' for p in peaks)})")
        if len(results) == 2:
            print(f"speed-up                          {results[1] / results[args.workers]:10.2f}")


if __name__ == "__main__":
    main()
