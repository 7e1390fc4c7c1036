"""The resumable writers over a build folder's files (their names are ``llavar2.layout``'s)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..jsonl import ResumableJsonl, read_jsonl
from ..keyset import KeySet
from ..layout import REJECTS


def reject_key(obj: dict[str, Any]) -> tuple[str, Any]:
    """Ingest rejects may have no id yet, so they are keyed by manifest row."""
    return (obj["stage"], obj["id"] if obj.get("id") is not None else obj["row"])


def open_rejects(out: Path) -> ResumableJsonl:
    return ResumableJsonl(out / REJECTS, reject_key, compact=True)


def open_by_id(path: Path) -> ResumableJsonl:
    return ResumableJsonl(path, lambda obj: obj["id"], compact=True)


def rejected_ids(rejects: ResumableJsonl, stage: str) -> KeySet:
    """The keys (ids, or rows for ingest) that ``stage`` has rejected so far."""
    return KeySet(key for st, key in map(reject_key, read_jsonl(rejects.path)) if st == stage)
