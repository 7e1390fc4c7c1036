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

On a skewed scan (a receipt photographed at 4 degrees) rows must be found across the text's
baseline, not the image's: otherwise a row's right end overlaps the next row's left end and the
reference interleaves rows, charging a reader that follows the printed rows. The annotation
can't tell the skew (its rectangles are upright), so ``text_skew`` measures it from an engine's
detected boxes (quadrilaterals that follow the baselines); ``reference_rows`` then groups the
segments by their centres rotated by that angle, each as tall as its rectangle less the part
the tilt adds. A benchmark passes the same skew for every reading order it scores.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..ocr.base import OcrEngine
from ..ocr.cache import CachedOcr, OcrCache, cache_key
from ..ocr.quality import character_errors
from ..ocr.run import decode_image
from ..records import OcrLine

_REPO = Path(__file__).resolve().parents[3]
MIN_SKEW_DEG = 0.5  # a scan skewed less is taken as straight


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
    return sorted(
        p.stem
        for p in (root / "img").glob("*.jpg")
        if (root / "box" / f"{p.stem}.csv").exists() and (root / "key" / f"{p.stem}.json").exists()
    )


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


def text_skew(boxes: Iterable[Sequence[Sequence[float]]]) -> float:
    """The scan's skew in radians: the median baseline angle of the long boxes (at least
    three times as wide as tall) among ``boxes``, each four corners clockwise from top left;
    0 when there are none or the median is under ``MIN_SKEW_DEG``."""
    angles = []
    for (x0, y0), (x1, y1), (x2, y2), (x3, y3) in boxes:
        dx, dy = (x1 - x0) + (x2 - x3), (y1 - y0) + (y2 - y3)
        height = (math.hypot(x3 - x0, y3 - y0) + math.hypot(x2 - x1, y2 - y1)) / 2
        if math.hypot(dx, dy) / 2 >= 3 * height:
            angles.append(math.atan2(dy, dx))
    angle = statistics.median(angles) if angles else 0.0
    return angle if abs(math.degrees(angle)) >= MIN_SKEW_DEG else 0.0


def reference_rows(name: str, root: Path | None = None, skew: float = 0.0) -> list[list[Segment]]:
    """The annotated segments grouped into printed rows (see the module docstring), in the
    frame of a scan skewed by ``skew`` radians."""
    c, s = math.cos(skew), math.sin(skew)
    placed = []  # (segment, top, bottom) across the deskewed baseline
    for seg in segments(name, root):
        cy = -(seg.x0 + seg.x1) / 2 * s + (seg.y0 + seg.y1) / 2 * c
        # The annotated rectangles are upright, so a tilted segment's is taller than its text
        # by its width times sin(skew); loose rectangles can make that overshoot, hence the floor.
        height = max(seg.y1 - seg.y0 - (seg.x1 - seg.x0) * abs(s), (seg.y1 - seg.y0) / 2)
        placed.append((seg, cy - height / 2, cy + height / 2))
    rows: list[list[tuple[Segment, float, float]]] = []
    for item in sorted(placed, key=lambda p: p[1] + p[2]):
        _, y0, y1 = item
        if rows:
            top, bottom = min(p[1] for p in rows[-1]), max(p[2] for p in rows[-1])
            overlap = min(bottom, y1) - max(top, y0)
            if overlap >= 0.5 * min(y1 - y0, bottom - top):
                rows[-1].append(item)
                continue
        rows.append([item])
    return [sorted((p[0] for p in row), key=lambda seg: seg.x0) for row in rows]


def reference_text(name: str, root: Path | None = None, skew: float = 0.0) -> str:
    """The transcription in reading order, one printed row a line (``skew`` as for
    ``reference_rows``)."""
    return "\n".join(" ".join(s.text for s in row) for row in reference_rows(name, root, skew))


def order_aware_errors(hypothesis: str, reference: str) -> tuple[int, int]:
    """(character edit distance, reference length), case-insensitive, whitespace runs as one
    space: text read in the wrong order costs edits, line breaks do not."""
    return character_errors(hypothesis.upper(), reference.upper())


def engine_lines(
    name: str, engine: OcrEngine, cache: OcrCache, root: Path | None = None
) -> list[OcrLine]:
    """The engine's own lines of a receipt, in its box order, through the OCR cache that builds
    use (the engine runs only on a miss, and fills it)."""
    data = image_path(name, root).read_bytes()
    key = cache_key(engine.name, engine.version, hashlib.sha256(data).hexdigest())
    if (entry := cache.get(key)) is None:
        image = decode_image(data)
        entry = CachedOcr(width=image.width, height=image.height, lines=engine.read(image))
        cache.put(key, entry)
    return entry.lines
