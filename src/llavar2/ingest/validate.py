"""Checks that turn a manifest row into an ``ImageRecord`` or a ``Reject`` with a reason.

Reasons (``Reject.reason``), in the order they are checked:
bad_row, empty_caption, caption_not_utf8, path_escapes_dir, bad_path, missing_file, not_a_file,
empty_file, not_an_image, too_many_pixels, truncated_image, duplicate_image, duplicate_id.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import numpy as np
from PIL import Image

from ..imaging import TooManyPixels, open_checked
from ..keyset import KeySet
from ..records import ImageRecord, Reject
from .manifest import ManifestRow, has_invalid_utf8


class RowRejected(Exception):
    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class DigestRows:
    """SHA-256 digests of accepted images → the manifest row of the first one, in 24 bytes an
    entry (16 of the digest, 8 of the row) instead of two Python strings and a dict slot: a
    400k-image build keeps about 10 MB here. Most entries are in sorted NumPy arrays searched by
    bisection, the latest in a small dict merged into them as it grows (as ``KeySet``)."""

    def __init__(self) -> None:
        self._keys = np.empty(0, dtype="S16")
        self._rows = np.empty(0, dtype=np.int64)
        self._recent: dict[bytes, int] = {}

    @staticmethod
    def _key(sha256: str) -> bytes:
        # 120 bits of the digest; the last byte is never NUL (NumPy drops trailing NULs).
        return bytes.fromhex(sha256)[:15] + b"\x01"

    def get(self, sha256: str) -> int | None:
        key = self._key(sha256)
        if key in self._recent:
            return self._recent[key]
        i = int(np.searchsorted(self._keys, key))
        return int(self._rows[i]) if i < len(self._keys) and self._keys[i] == key else None

    def __contains__(self, sha256: str) -> bool:
        return self.get(sha256) is not None

    def setdefault(self, sha256: str, row: int) -> None:
        if sha256 in self:
            return
        self._recent[self._key(sha256)] = row
        if len(self._recent) >= max(1024, len(self._keys) // 8):
            keys = np.concatenate([self._keys, np.array(list(self._recent), dtype="S16")])
            rows = np.concatenate([self._rows, np.fromiter(self._recent.values(), np.int64)])
            order = np.argsort(keys, kind="stable")
            self._keys, self._rows = keys[order], rows[order]
            self._recent.clear()

    def __len__(self) -> int:
        return len(self._keys) + len(self._recent)


@dataclass
class Seen:
    """What earlier accepted rows used, to reject duplicates (rebuilt from disk on resume):
    fixed-size digests of image contents and ids, not the strings themselves."""

    hashes: DigestRows = field(default_factory=DigestRows)  # sha256 -> manifest row
    ids: KeySet = field(default_factory=KeySet)

    def add(self, record: ImageRecord) -> None:
        self.hashes.setdefault(record.sha256, record.row)
        self.ids.add(record.id)


def _check_caption(caption: object) -> str:
    if caption is None or (isinstance(caption, str) and not caption.strip()):
        raise RowRejected("empty_caption", "the caption is empty")
    if not isinstance(caption, str):
        raise RowRejected("bad_row", f"caption must be text, got {type(caption).__name__}")
    if has_invalid_utf8(caption):
        raise RowRejected("caption_not_utf8", "the caption is not valid UTF-8")
    return caption.strip()


def _resolve_inside(images_dir: Path, image: object) -> tuple[str, Path]:
    """The image's path relative to images_dir, refusing anything that leaves it."""
    if not isinstance(image, str) or not image.strip():
        raise RowRejected("bad_row", "the image path is empty or not text")
    if has_invalid_utf8(image):
        raise RowRejected("bad_row", "the image path is not valid UTF-8")
    rel = PurePosixPath(image.replace("\\", "/"))
    windows = PureWindowsPath(image)
    if rel.is_absolute() or ".." in rel.parts or windows.drive or windows.root:
        raise RowRejected("path_escapes_dir", f"{image!r} is not a path inside the images folder")
    root = images_dir.resolve()
    path = images_dir / rel
    # resolve() follows symlinks, so a link inside the folder that points outside is caught.
    if not path.resolve().is_relative_to(root):
        raise RowRejected("path_escapes_dir", f"{image!r} resolves outside the images folder")
    return rel.as_posix(), path


def resolve_image(images_dir: Path, image: object) -> tuple[str, Path]:
    """(the path relative to images_dir, the path) of a manifest's or a benchmark's image, or
    RowRejected: ``path_escapes_dir`` for an absolute path, ``..``, a drive or a symlink that
    leads outside the folder, ``bad_path`` for one the filesystem refuses, ``bad_row`` for one
    that is empty or not text. Whatever a file names, only files inside the folder are read."""
    try:
        return _resolve_inside(images_dir, image)
    except (OSError, ValueError, RuntimeError) as e:  # NUL byte, name too long, symlink loop
        raise RowRejected("bad_path", f"{image!r} cannot be used as a path ({e})") from None


def _check_file(path: Path, rel: str) -> bytes:
    if not path.exists():
        raise RowRejected("missing_file", f"{rel} does not exist")
    if not path.is_file():
        raise RowRejected("not_a_file", f"{rel} is not a regular file")
    data = path.read_bytes()
    if not data:
        raise RowRejected("empty_file", f"{rel} has zero bytes")
    return data


def _check_image(path: Path, rel: str, max_pixels: int) -> tuple[int, int, str]:
    try:
        img = open_checked(path, max_pixels)  # reads the header only
    except TooManyPixels as e:  # checked before decoding: a bomb is never decoded
        raise RowRejected("too_many_pixels", f"{rel} has {e}") from None
    except Exception as e:  # Pillow raises several types for non-images
        raise RowRejected("not_an_image", f"{rel} is not a readable image ({e})") from None
    with img:
        try:
            img.load()  # decodes fully: the only reliable way to catch truncation
        except Image.DecompressionBombError as e:  # TIFF checks Pillow's own limit here
            raise RowRejected("too_many_pixels", f"{rel}: {e}") from None
        except Exception as e:
            raise RowRejected("truncated_image", f"{rel} cannot be decoded ({e})") from None
        return img.width, img.height, img.format or "unknown"


_SURROGATES = re.compile("[\ud800-\udfff]")


def _clean(value: Any) -> Any:
    """Manifest extras (JSON values) are kept verbatim, except text that is not UTF-8 (replaced
    by U+FFFD)."""
    if isinstance(value, str):  # bad bytes arrive as (escaped) surrogates: one U+FFFD each
        return _SURROGATES.sub("\ufffd", value)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    return value


def validate_row(row: ManifestRow, images_dir: Path, seen: Seen, max_pixels: int) -> ImageRecord:
    """Return the row's ImageRecord, or raise RowRejected with the first reason that applies."""
    if row.error:
        raise RowRejected("bad_row", row.error)
    caption = _check_caption(row.caption)
    rel, path = resolve_image(images_dir, row.image)
    try:
        data = _check_file(path, rel)
    except (OSError, ValueError, RuntimeError) as e:  # NUL byte, name too long, symlink loop
        raise RowRejected("bad_path", f"{row.image!r} cannot be used as a path ({e})") from None
    width, height, fmt = _check_image(path, rel, max_pixels)
    sha = hashlib.sha256(data).hexdigest()
    image_id = str(row.id) if row.id not in (None, "") else sha
    if has_invalid_utf8(image_id):
        raise RowRejected("bad_row", "the id is not valid UTF-8")
    record = ImageRecord(
        id=image_id,
        image=rel,
        caption=caption,
        row=row.row,
        sha256=sha,
        width=width,
        height=height,
        format=fmt,
        meta=_clean(row.meta),
    )
    check_duplicate(record, seen)
    return record


def check_duplicate(record: ImageRecord, seen: Seen) -> None:
    """The last checks, the only ones that depend on earlier rows: a parallel runner validates
    rows with an empty ``Seen`` and applies these afterwards, in manifest order."""
    if (row := seen.hashes.get(record.sha256)) is not None:
        raise RowRejected(
            "duplicate_image", f"{record.image} has the same bytes as the image of row {row}"
        )
    if record.id in seen.ids:
        raise RowRejected("duplicate_id", f"id {record.id!r} was already used")


def reject_for(row: ManifestRow, err: RowRejected) -> Reject:
    image = row.image if isinstance(row.image, str) and not has_invalid_utf8(row.image) else None
    return Reject(stage="ingest", reason=err.reason, detail=err.detail, image=image, row=row.row)
