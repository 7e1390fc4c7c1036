"""Real receipts with annotated text (ICDAR 2019 SROIE, tasks 1 and 3), for tests and benchmarks.

The scans are not part of this project (their licence keeps them out of anything published):
they are read from the folder ``$LLAVAR2_REALDATA/sroie-dev``, by default
``../shared/realdata/sroie-dev`` beside the repository. That folder holds ``img/NNN.jpg``,
``box/NNN.csv`` (one segment a line: four corners, then the text, which may hold commas) and
``key/NNN.json`` (company, date, address, total).

The annotated segments are listed roughly top to bottom, but not always (a price can be listed
with a row far above it), so the reference reading order is rebuilt from their boxes: segments
whose vertical extents overlap by at least half the smaller height form one printed row, rows go
top to bottom and segments left to right. SROIE transcribes in capitals, so texts are compared
upper-cased.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..ocr.quality import character_errors

_REPO = Path(__file__).resolve().parents[3]


def realdata_dir() -> Path:
    return Path(os.environ.get("LLAVAR2_REALDATA", _REPO.parent / "shared" / "realdata"))


def sroie_dir() -> Path:
    return realdata_dir() / "sroie-dev"


@dataclass(frozen=True)
class Segment:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


def receipts(root: Path | None = None) -> list[str]:
    """The receipt names (``NNN``) that have an image, boxes and key fields, sorted."""
    root = root or sroie_dir()
    return sorted(p.stem for p in (root / "img").glob("*.jpg")
                  if (root / "box" / f"{p.stem}.csv").exists()
                  and (root / "key" / f"{p.stem}.json").exists())


def image_path(name: str, root: Path | None = None) -> Path:
    return (root or sroie_dir()) / "img" / f"{name}.jpg"


def segments(name: str, root: Path | None = None) -> list[Segment]:
    """The annotated segments in file order (blank texts left out)."""
    path = (root or sroie_dir()) / "box" / f"{name}.csv"
    found = []
    for row in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = row.split(",", 8)
        if len(parts) < 9 or not parts[8].strip():
            continue
        xs, ys = [float(v) for v in parts[0:8:2]], [float(v) for v in parts[1:8:2]]
        found.append(Segment(parts[8].strip(), min(xs), min(ys), max(xs), max(ys)))
    return found


def key_fields(name: str, root: Path | None = None) -> dict[str, str]:
    path = (root or sroie_dir()) / "key" / f"{name}.json"
    return {k: str(v) for k, v in json.loads(path.read_text(encoding="utf-8")).items()}


def reference_rows(name: str, root: Path | None = None) -> list[list[Segment]]:
    """The annotated segments grouped into printed rows (see the module docstring)."""
    rows: list[list[Segment]] = []
    for seg in sorted(segments(name, root), key=lambda s: (s.y0 + s.y1) / 2):
        if rows:
            top, bottom = min(s.y0 for s in rows[-1]), max(s.y1 for s in rows[-1])
            overlap = min(bottom, seg.y1) - max(top, seg.y0)
            if overlap >= 0.5 * min(seg.y1 - seg.y0, bottom - top):
                rows[-1].append(seg)
                continue
        rows.append([seg])
    return [sorted(row, key=lambda s: s.x0) for row in rows]


def reference_text(name: str, root: Path | None = None) -> str:
    """The transcription in reading order, one printed row a line."""
    return "\n".join(" ".join(s.text for s in row) for row in reference_rows(name, root))


def order_aware_errors(hypothesis: str, reference: str) -> tuple[int, int]:
    """(character edit distance, reference length), case-insensitive, whitespace runs as one
    space: text read in the wrong order costs edits, line breaks do not."""
    return character_errors(hypothesis.upper(), reference.upper())
