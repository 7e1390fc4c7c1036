"""OCR results cached by image content: rerunning on the same bytes with the same engine
version costs a file read, whatever the image's name or folder.

One JSON file per key under ``<dir>/<first 2 hex digits>/<key>.json``, written atomically, so
concurrent workers and killed runs never leave a half-written entry. Entries hold the engine's
raw lines; reading order is recomputed on every run, so changing it needs no cache flush.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from ..jsonl import atomic_open
from ..records import OcrLine, Record

logger = logging.getLogger(__name__)


class CachedOcr(Record):
    width: int
    height: int
    lines: list[OcrLine]  # as the engine returned them


def cache_key(engine_name: str, engine_version: str, image_sha256: str) -> str:
    return hashlib.sha256(f"{engine_name}\0{engine_version}\0{image_sha256}".encode()).hexdigest()


class OcrCache:
    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self._warned = False

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> CachedOcr | None:
        try:
            text = self._path(key).read_text(encoding="utf-8")
            return CachedOcr.model_validate_json(text)
        except (OSError, ValueError):  # missing, or not an entry (ValidationError is a ValueError)
            return None

    def put(self, key: str, entry: CachedOcr) -> None:
        """Store an entry; a full or read-only disk costs a warning, not the run."""
        try:
            with atomic_open(self._path(key)) as f:
                json.dump(
                    entry.model_dump(mode="json"), f, ensure_ascii=False, separators=(",", ":")
                )
        except OSError as e:
            if not self._warned:
                logger.warning(
                    "OCR cache %s is not writable, results are not cached: %s", self.directory, e
                )
                self._warned = True
