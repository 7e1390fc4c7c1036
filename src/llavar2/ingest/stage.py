"""The ingest stage's entry point: manifest rows in, one ``ImageRecord`` or ``Reject`` each out."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from ..imaging import DEFAULT_MAX_PIXELS
from ..records import ImageRecord, Reject
from .manifest import ManifestRow
from .validate import RowRejected, Seen, reject_for, validate_row


def run(
    rows: Iterable[ManifestRow],
    images_dir: Path,
    seen: Seen | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Iterator[ImageRecord | Reject]:
    """One ImageRecord or one Reject per manifest row, in manifest order. ``seen``: the records
    of earlier rows (a resumed build's), which later rows must not duplicate."""
    seen = seen if seen is not None else Seen()
    for row in rows:
        try:
            record = validate_row(row, images_dir, seen, max_pixels)
        except RowRejected as err:
            yield reject_for(row, err)
        else:
            seen.add(record)
            yield record
