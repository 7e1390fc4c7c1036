"""Where each clean OCR line sits: its bounding box, letter height, tilt and region of the image.

Regions are the 3 × 3 grid of thirds (top/middle/bottom × left/center/right) that the offline
questions and explanations refer to. Lines the OCR quality gate flagged (``llavar2.ocr.gate``)
are left out: nothing here quotes them, though indices still point into ``OcrResult.lines``.

"Most prominent" is glyph height: the height of the line's box, capped by what its width allows
for its number of characters (a box two text lines tall, or padded around a stamp or a logo,
is not large lettering), on lines running with the page (a slanted stamp or a line of
handwriting at an angle is not a heading).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from llavar2.records import OcrResult

ROWS = ("top", "middle", "bottom")
COLUMNS = ("left", "center", "right")
MIN_CHAR_WIDTH = 0.3  # narrowest mean character width (spaces included) as a share of its height
MAX_SKEW_DEG = 30.0  # the page itself is never taken to be turned further than this
MAX_TILT_DEG = 10.0  # a line turned further from the page's direction is not a heading
PROMINENCE_MARGIN = 1.2  # how much taller the largest lettering is than any other line's
MIN_TITLE_SCORE = 0.9  # engine confidence a heading is read with (not handwriting, a stamp)


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
    glyph: float = 0.0  # letter height capped by width / (characters × MIN_CHAR_WIDTH)
    tilt: float = 0.0  # degrees between the line's baseline and the page's main direction
    score: float = 1.0  # the engine's confidence

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


def _angle(box: list[list[float]]) -> float | None:
    """The direction of the line's baseline in degrees, (-180, 180]; None without four corners."""
    if len(box) != 4:
        return None
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = box
    return math.degrees(math.atan2((y1 - y0) + (y2 - y3), (x1 - x0) + (x2 - x3)))


def _page_angle(boxes: list[list[list[float]]]) -> float:
    """The page's skew: the median baseline direction of the lines at least twice as long as
    tall (short boxes give noisy angles) and within ``MAX_SKEW_DEG`` of horizontal (text
    running down a spine or a banner says nothing about the page); 0 without any."""
    angles = sorted(
        angle for box in boxes
        if (angle := _angle(box)) is not None and abs(angle) <= MAX_SKEW_DEG
        and _edge(box[0], box[1]) >= 2 * _edge(box[0], box[3])
    )
    return angles[(len(angles) - 1) // 2] if angles else 0.0


def _tilt(angle: float | None, page: float) -> float:
    if angle is None:
        return 0.0
    return abs((angle - page + 180.0) % 360.0 - 180.0)


def _third(position: float, extent: float, names: tuple[str, str, str]) -> str:
    share = position / extent if extent > 0 else 0.0
    return names[min(2, max(0, int(share * 3)))]


def place_lines(ocr: OcrResult, flagged: bool = False) -> list[PlacedLine]:
    """Clean lines with readable text and a box, with their geometry; others are left out.

    With ``flagged``, the lines the quality gate flagged instead: never quoted, but marks a
    reader sees, which "the line below" or "the top line" must not pretend are not there."""
    boxed = [
        (i, line)
        for i, line in enumerate(ocr.lines)
        if line.box and line.clean != flagged and any(c.isalnum() for c in line.text)
    ]
    # Fall back to the extent of the boxes when the OCR record lacks image dimensions.
    width = ocr.width or max((p[0] for _, line in boxed for p in line.box), default=0.0)
    height = ocr.height or max((p[1] for _, line in boxed for p in line.box), default=0.0)
    page = _page_angle([line.box for _, line in boxed])
    placed = []
    for i, line in boxed:
        xs = [p[0] for p in line.box]
        ys = [p[1] for p in line.box]
        left, top, right, bottom = min(xs), min(ys), max(xs), max(ys)
        text = line.text.strip()
        letter_height = _letter_height(line.box, bottom - top)
        length = (_edge(line.box[0], line.box[1]) + _edge(line.box[3], line.box[2])) / 2 \
            if len(line.box) == 4 else right - left
        placed.append(
            PlacedLine(
                index=i,
                text=text,
                left=left,
                top=top,
                right=right,
                bottom=bottom,
                height=letter_height,
                row=_third((top + bottom) / 2, height, ROWS),
                column=_third((left + right) / 2, width, COLUMNS),
                glyph=min(letter_height, length / (max(len(text), 1) * MIN_CHAR_WIDTH)),
                tilt=_tilt(_angle(line.box), page),
                score=line.score,
            )
        )
    return placed


def _title_like(text: str) -> bool:
    """Mostly letters: a heading, not a price, table number or code set large."""
    letters = sum(c.isalpha() for c in text)
    return letters >= 2 and letters > sum(c.isdigit() for c in text)


def most_prominent(lines: list[PlacedLine],
                   margin: float = PROMINENCE_MARGIN) -> PlacedLine | None:
    """The heading in clearly the largest lettering, or None when no line stands out.

    The line with the largest glyph height is the answer when it is at least ``margin`` × as
    tall as every line with other text, runs with the page (tilt at most ``MAX_TILT_DEG``), was
    read with confidence (``MIN_TITLE_SCORE``: large handwriting, stamps and logos are not),
    starts in the upper half of the text (large print further down is a total, a table number
    or a stamp) and is mostly letters.
    Otherwise there is none: a slanted stamp that is the largest text makes no horizontal line
    the largest, it does not promote the runner-up."""
    ranked = sorted(lines, key=lambda line: (-line.glyph, line.index))
    if not ranked:
        return None
    top = ranked[0]
    rivals = [line for line in ranked[1:] if line.text != top.text]
    if rivals and top.glyph < margin * rivals[0].glyph:
        return None
    text_top = min(line.top for line in lines)
    middle = (text_top + max(line.bottom for line in lines)) / 2
    if (top.tilt > MAX_TILT_DEG or top.score < MIN_TITLE_SCORE
            or (rivals and top.top >= middle) or not _title_like(top.text)):
        return None
    return top
