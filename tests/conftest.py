"""Shared fixtures: the project's folders, the shared example data, a warmed pipeline.

Building the spaCy pipeline, the cue matchers and the gazetteer takes seconds, so
it happens once per test session; every test that runs the CLI after that pays
only for the articles it reads.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
PATTERNS = ROOT / "patterns"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def find_shared() -> Path | None:
    """The shared folder beside the project (a checkout's sibling), else /work/shared."""
    for candidate in (Path(__file__).parents[1].parent / "shared", Path("/work/shared")):
        if candidate.is_dir():
            return candidate
    return None


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared example data; tests that need it are skipped where it is absent."""
    found = find_shared()
    if found is None:
        pytest.skip("the shared folder (corpus-dev, data) is not present on this machine")
    return found


@pytest.fixture(scope="session")
def corpus_dev(shared_dir: Path) -> Path:
    folder = shared_dir / "corpus-dev"
    if not (folder / "gold.jsonl").is_file():
        pytest.skip(f"{folder} has no gold.jsonl")
    return folder


@pytest.fixture(scope="session")
def fact_finder():  # type: ignore[no-untyped-def]
    """Build the pipeline (spaCy, cue patterns, gazetteer) once for the whole session."""
    from extractor.facts import get_fact_finder
    from extractor.regions import get_gazetteer

    get_gazetteer()
    return get_fact_finder()
