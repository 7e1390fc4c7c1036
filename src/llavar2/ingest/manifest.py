"""Caption manifests: JSONL or CSV rows with ``image`` and ``caption``, or a LLaVA JSON file.

Rows come out as raw ``ManifestRow``s; validation happens in ``validate``. Files are decoded with
``surrogateescape`` so that a caption with invalid UTF-8 bytes becomes a rejected row, not a crash.
"""

from __future__ import annotations

import csv

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError

FORMATS = ("jsonl", "csv", "llava")
ENCODING = "utf-8-sig"  # UTF-8, ignoring the byte-order mark that spreadsheet exports add


@dataclass
class ManifestRow:
    row: int
    image: Any  # whatever the manifest holds; validated later
    caption: Any
    id: Any = None
    meta: dict[str, Any] = field(default_factory=dict)
    error: str | None = None  # the row itself is unreadable (bad JSON, missing column)


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return "csv"
    if suffix == ".json":
        return "llava"
    raise UsageError(f"{path}: unknown manifest format {suffix!r} (expected .jsonl, .csv or .json)")


def _row_from_mapping(row: int, obj: Any) -> ManifestRow:
    if not isinstance(obj, dict):
        return ManifestRow(row, None, None, error="row is not an object")
    obj = dict(obj)
    image, caption, id_ = obj.pop("image", None), obj.pop("caption", None), obj.pop("id", None)
    if image is None:
        return ManifestRow(row, None, caption, id_, obj, error="row has no 'image' field")
    return ManifestRow(row, image, caption, id_ or None, obj)


def _read_jsonl(path: Path) -> Iterator[ManifestRow]:
    with open(path, encoding=ENCODING, errors="surrogateescape", newline="") as f:
        row = 0
        for line in f:
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                yield ManifestRow(row, None, None, error=f"invalid JSON: {e.msg}")
            else:
                yield _row_from_mapping(row, obj)
            row += 1


def _read_csv(path: Path) -> Iterator[ManifestRow]:
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    with open(path, encoding=ENCODING, errors="surrogateescape", newline="") as f:
        reader = csv.DictReader(f, delimiter=delimiter)
        missing = {"image", "caption"} - set(reader.fieldnames or [])
        if missing:
            raise UsageError(f"{path}: CSV header lacks column(s) {sorted(missing)}")
        for row, obj in enumerate(reader):
            yield _row_from_mapping(row, {k: v for k, v in obj.items() if k is not None})


def _llava_caption(conversations: Any) -> Any:
    """The first model turn: in a caption-style LLaVA file that is the caption."""
    if not isinstance(conversations, list):
        return None
    for turn in conversations:
        if isinstance(turn, dict) and turn.get("from") in ("gpt", "assistant"):
            return turn.get("value")
    return None


def _read_llava(path: Path) -> Iterator[ManifestRow]:
    # LLaVA files are one JSON array, read whole: json has no streaming parser in the stdlib.
    with open(path, encoding=ENCODING, errors="surrogateescape") as f:
        try:
            data = json.load(f)
        except json.JSONDecodeError as e:
            raise UsageError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(data, list):
        raise UsageError(f"{path}: a LLaVA JSON manifest must be a list of samples")
    for row, obj in enumerate(data):
        if isinstance(obj, dict) and "caption" not in obj:
            obj = {**obj, "caption": _llava_caption(obj.get("conversations"))}
            obj.pop("conversations", None)
        yield _row_from_mapping(row, obj)


def read_manifest(path: str | Path, fmt: str | None = None) -> Iterator[ManifestRow]:
    path = Path(path)
    fmt = fmt or detect_format(path)
    readers = {"jsonl": _read_jsonl, "csv": _read_csv, "llava": _read_llava}
    if fmt not in readers:
        raise UsageError(f"unknown manifest format {fmt!r} (expected one of {FORMATS})")
    return readers[fmt](path)


def has_invalid_utf8(text: str) -> bool:
    """True when ``text`` came from bytes that are not valid UTF-8 (surrogateescape'd), or
    holds a lone surrogate from a JSON escape: either way it cannot be written as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


