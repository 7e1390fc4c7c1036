"""Images found in a folder, as ImageRecords, for ``llavar2 ocr DIR`` (no manifest)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from ..imaging import DEFAULT_MAX_PIXELS, TooManyPixels, file_sha256, open_checked
from ..ingest.manifest import has_invalid_utf8, printable_name
from ..records import ImageRecord, Reject

IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif"})


def _image_paths(directory: Path) -> Iterator[Path]:
    """Image files: each folder's files, then its subfolders, names sorted; hidden ones skipped.
    Streams: memory grows with the largest folder, not the tree."""
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and Path(name).suffix.lower() in IMAGE_EXTENSIONS:
                yield Path(root, name)


def _unreadable(rel: str, row: int, error: Exception, sha: str | None = None) -> Reject:
    return Reject(
        stage="ocr",
        reason="unreadable_image",
        detail=f"{type(error).__name__}: {error}",
        image=rel,
        id=sha,
        row=row,
    )


def scan_images(
    directory: Path, max_pixels: int = DEFAULT_MAX_PIXELS
) -> Iterator[ImageRecord | Reject]:
    """Every image file under ``directory``: an ImageRecord (id = sha256 of its bytes, empty
    caption, row = position in the scan), or a Reject for a file PIL can't open (id = its
    sha256, when it could be read) or whose bytes repeat an earlier file's (no id: ids must be
    unique), or has more than ``max_pixels`` pixels, or whose name is not UTF-8 (``image`` is
    then ``printable_name``'s; the file is not read: its path could not be recorded). Only
    headers are decoded here. Keeps each distinct image's digest and path to find duplicates:
    a few hundred bytes per image."""
    directory = Path(directory)
    first_path: dict[bytes, str] = {}  # digest → first file with it, to report duplicates
    for row, path in enumerate(_image_paths(directory)):
        rel = path.relative_to(directory).as_posix()
        if has_invalid_utf8(rel):
            shown = printable_name(rel)
            yield Reject(
                stage="ocr",
                reason="bad_file_name",
                image=shown,
                row=row,
                detail=f"the file name {shown} is not valid UTF-8; rename the file to OCR it",
            )
            continue
        try:
            sha = file_sha256(path)
        except OSError as e:
            yield _unreadable(rel, row, e)
            continue
        try:
            with open_checked(path, max_pixels) as image:
                width, height, fmt = image.width, image.height, image.format or ""
        except TooManyPixels as e:
            yield Reject(
                stage="ocr", reason="too_many_pixels", detail=str(e), image=rel, id=sha, row=row
            )
            continue
        except Exception as e:  # PIL raises many types for bad files
            yield _unreadable(rel, row, e, sha)
            continue
        first = first_path.setdefault(bytes.fromhex(sha), rel)
        if first != rel:
            yield Reject(
                stage="ocr",
                reason="duplicate_image",
                detail=f"same bytes as {first}",
                image=rel,
                row=row,
            )
            continue
        yield ImageRecord(
            id=sha,
            image=rel,
            caption="",
            row=row,
            sha256=sha,
            width=width,
            height=height,
            format=fmt,
        )
