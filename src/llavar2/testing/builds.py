"""A build's record files read back for comparison (resume and kill tests): creation times,
which differ between any two runs, are left out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..jsonl import read_jsonl

RECORD_FILES = ["images.jsonl", "ocr.jsonl", "captions.jsonl", "conversations.jsonl",
                "rejects.jsonl"]


def build_records(out: Path) -> dict[str, list[dict[str, Any]]]:
    """Each record file of the build in ``out``, its rows without ``provenance.created_at``."""
    got = {}
    for name in RECORD_FILES:
        rows = list(read_jsonl(out / name))
        for row in rows:
            row.get("provenance", {}).pop("created_at", None)
        got[name] = rows
    return got
