"""The files of a build folder, and the resumable writers over them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..imaging import DEFAULT_MAX_PIXELS
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


def recorded_max_pixels(out: Path) -> int:
    """The ``--max-pixels`` the build in ``out`` was made with: what the stages that open its
    images again (score, report) allow by default. Pillow's default without a build.json."""
    path = out / BUILD
    if not path.is_file():
        return DEFAULT_MAX_PIXELS
    try:
        return int(
            json.loads(path.read_text(encoding="utf-8")).get("max_pixels") or DEFAULT_MAX_PIXELS
        )
    except (ValueError, TypeError, AttributeError) as e:
        raise UsageError(f"{path}: not a build's settings ({e})") from None
