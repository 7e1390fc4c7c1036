"""Where each OCR line sits: its bounding box, letter height and region of the image.

Regions are the 3 × 3 grid of thirds (top/middle/bottom × left/center/right) that the offline
questions and explanations refer to; letter height is what "most prominent" means.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from llavar2.records import OcrResult

ROWS = ("top", "middle", "bottom")
COLUMNS = ("left", "center", "right")


@dataclass(frozen=True)
class PlacedLine:
    index: int  # position in OcrResult.lines (reading order)
    text: str  # the line's text without surrounding whitespace; still a substring of OCR text
    left: float
    top: float
    right: float
    bottom: float
    height: float  # letter height
    row: str  # one of ROWS
    column: str  # one of COLUMNS

    @property
    def region(self) -> tuple[str, str]:
        return self.row, self.column


def _edge(a: list[float], b: list[float]) -> float:
    return math.hypot(b[0] - a[0], b[1] - a[1])


def _letter_height(box: list[list[float]], fallback: float) -> float:
    # Mean of the left and right edges rather than the axis-aligned height, so that a rotated
    # line is not mistaken for large lettering.
    if len(box) == 4:
        return (_edge(box[0], box[3]) + _edge(box[1], box[2])) / 2
    return fallback


def _third(position: float, extent: float, names: tuple[str, str, str]) -> str:
    share = position / extent if extent > 0 else 0.0
    return names[min(2, max(0, int(share * 3)))]


def place_lines(ocr: OcrResult) -> list[PlacedLine]:
    """Lines with readable text and a box, with their geometry; others are left out."""
    boxed = [
        (i, line)
        for i, line in enumerate(ocr.lines)
        if line.box and any(c.isalnum() for c in line.text)
    ]
    # Fall back to the extent of the boxes when the OCR record lacks image dimensions.
    width = ocr.width or max((p[0] for _, line in boxed for p in line.box), default=0.0)
    height = ocr.height or max((p[1] for _, line in boxed for p in line.box), default=0.0)
    placed = []
    for i, line in boxed:
        xs = [p[0] for p in line.box]
        ys = [p[1] for p in line.box]
        left, top, right, bottom = min(xs), min(ys), max(xs), max(ys)
        placed.append(
            PlacedLine(
                index=i,
                text=line.text.strip(),
                left=left,
                top=top,
                right=right,
                bottom=bottom,
                height=_letter_height(line.box, bottom - top),
                row=_third((top + bottom) / 2, height, ROWS),
                column=_third((left + right) / 2, width, COLUMNS),
            )
        )
    return placed


def most_prominent(lines: list[PlacedLine], margin: float = 1.2) -> PlacedLine | None:
    """The line in clearly the largest lettering (``margin`` × the next distinct line), if any."""
    ranked = sorted(lines, key=lambda line: (-line.height, line.index))
    if not ranked:
        return None
    rivals = [line for line in ranked[1:] if line.text != ranked[0].text]
    if rivals and ranked[0].height < margin * rivals[0].height:
        return None
    return ranked[0]
