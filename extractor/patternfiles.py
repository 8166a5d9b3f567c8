"""Reading the rule files of ``patterns/``: one reader, one error for all of them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import PatternError

PATTERNS_DIR = Path(__file__).resolve().parent.parent / "patterns"


def read_jsonl(path: Path, required: Sequence[str] = ("id",)) -> list[tuple[int, dict[str, Any]]]:
    """(line number, row) of each non-empty line; PatternError names the file and line.

    Every row must be a JSON object holding the ``required`` keys, and ids are unique.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise PatternError(f"{path}: cannot read ({error}); restore or regenerate it") from error
    rows: list[tuple[int, dict[str, Any]]] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise PatternError(f"{path}:{number}: not valid JSON ({error.msg})") from error
        if not isinstance(row, dict):
            raise PatternError(f"{path}:{number}: each line must be a JSON object")
        missing = [key for key in required if key not in row]
        if missing:
            raise PatternError(f"{path}:{number}: missing keys {missing}")
        if "id" in row:
            if row["id"] in seen:
                raise PatternError(f"{path}:{number}: duplicate id {row['id']!r}")
            seen.add(row["id"])
        rows.append((number, row))
    return rows
