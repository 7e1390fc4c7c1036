"""The files of a build folder, and the resumable writers over them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..jsonl import ResumableJsonl, read_jsonl
from ..keyset import KeySet

IMAGES = "images.jsonl"
OCR = "ocr.jsonl"
CAPTIONS = "captions.jsonl"  # same name the exporters read
CONVERSATIONS = "conversations.jsonl"
REJECTS = "rejects.jsonl"
SUMMARY = "summary.json"
BUILD = "build.json"  # the settings the records were made with
LLAVA = "llava.json"


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
