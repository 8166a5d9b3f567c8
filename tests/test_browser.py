"""End to end in a real headless Chromium: the facts table and the charts render.

Serves the fixture store of ``test_serve`` with ``python cli.py serve`` on
127.0.0.1, loads pages in Debian's ``chromium`` with the flags that keep it off
the network, and reads the DOM after the page's scripts ran (``--dump-dom``).
Screenshots go to the test's temporary folder; their paths are printed.

Chromium is installed by ``.ci/run`` when missing; elsewhere the test is skipped
without it (and fails under CI, where its absence is a broken install).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from extractor.serve import prepare_database
from tests.serving import served
from tests.test_serve import build_fixture

# The flags, plus one that makes every host but loopback unresolvable, so
# nothing the page or the browser asks for can leave the machine.
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--window-size=1400,1100",
    # Scripts run with time fast-forwarded up to this budget (ms) before the DOM
    # is read: the charts fetch their data and draw within it.
    "--virtual-time-budget=20000",
)


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI"):
        pytest.fail("chromium is missing: .ci/run should have installed it")
    pytest.skip("no chromium on this machine (apt-get install chromium)")


def _browse(url: str, profile: Path, *extra: str) -> str:
    """Run Chromium once on ``url``; returns what it printed (the DOM for --dump-dom)."""
    done = subprocess.run(
        [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, url],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    _chromium()  # skip before serving when there is no browser
    path = tmp_path_factory.mktemp("browser") / "facts.db"
    build_fixture(path)
    prepare_database(path)
    with served(path) as base:
        yield base, path


def _page(base: str, route: str, tmp_path: Path, name: str, capsys: pytest.CaptureFixture) -> str:
    """The page's DOM after its scripts ran, and a screenshot of it (path printed)."""
    dom = _browse(base + route, tmp_path / f"{name}-profile", "--dump-dom")
    screenshot = tmp_path / f"{name}.png"
    _browse(base + route, tmp_path / f"{name}-shot-profile", f"--screenshot={screenshot}")
    assert screenshot.stat().st_size > 10_000, "the screenshot is (nearly) empty"
    with capsys.disabled():
        print(f"\nscreenshot of {route}: {screenshot}")
    return dom


def test_facts_table_renders_rows_with_marked_sentences(site, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture) -> None:
    base, db_path = site
    with sqlite3.connect(db_path) as conn:
        facts = conn.execute("select count(*) from facts").fetchone()[0]
        regions = {row[0] for row in conn.execute("select distinct region from facts")}
    dom = _page(base, "/facts/facts", tmp_path, "facts-table", capsys)
    body = dom.split('<table class="rows-and-columns">', 1)[1].split("</table>", 1)[0]
    row_count = len(re.findall(r"<tr>", body.split("<tbody>", 1)[1]))
    assert row_count == facts
    # Every fact's sentence shows with its number marked, and the region facet lists the regions.
    assert len(re.findall(r"<mark>", body)) == facts
    assert all(region in dom for region in regions)
    assert 'class="facet-info' in dom


def test_dashboard_draws_the_province_charts(site, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    base, db_path = site
    dom = _page(base, "/-/dashboards/adminduk?region=ID&indicator=ikd_activated", tmp_path, "dashboard",
                capsys)
    for chart in ("ikd-by-province", "ktp-by-province", "series"):
        card = dom.split(f'id="chart-{chart}"', 1)[1].split('class="dashboard-card"', 1)[0]
        assert 'class="marks"' in card and "<svg" in card, f"chart {chart} was not drawn"
    ikd = dom.split('id="chart-ikd-by-province"', 1)[1].split('id="card-', 1)[0]
    # Each bar carries its data as a label: one per province and measure that has a figure.
    with sqlite3.connect(db_path) as conn:
        expected = {
            f"province: {province}; percent: {value:g}; measure: {measure}"
            for province, activated, target in conn.execute(
                "select province, activated_percent, target_percent from ikd_by_province")
            for measure, value in (("activated_percent", activated), ("target_percent", target))
            if value is not None
        }
    bars = {label for label in re.findall(r'aria-label="([^"]*)"', ikd) if label.startswith("province: ")}
    assert expected and bars == expected
