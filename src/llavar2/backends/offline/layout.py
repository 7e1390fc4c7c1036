"""Where each clean OCR line sits: its bounding box, letter height, tilt and region of the image.

Regions are the 3 × 3 grid of thirds (top/middle/bottom × left/center/right) that the offline
questions and explanations refer to. Lines the OCR quality gate flagged (``llavar2.ocr.gate``)
are left out: nothing here quotes them, though indices still point into ``OcrResult.lines``.

"Most prominent" is glyph height: the height of the line's box, capped by what its width allows
for its number of characters (a box two text lines tall, or padded around a stamp or a logo,
is not large lettering), on lines running with the page (a slanted stamp or a line of
handwriting at an angle is not a heading).

"Printed" lines are those a question may quote whole as "the top line", "the line below" or a
heading. OCR reads more than print: a file number stamped or written in a margin, a large
handwritten total, the scrap of another page at the image's edge, a name misread letter by
letter. A quoted line must be all right, so it needs a quality (``llavar2.ocr.gate``) of at
least ``MIN_PRINTED_QUALITY``, a box clear of the image's border (text touching the frame may
be cut off), and text that reads as print: a word of three letters or more, a lone short word
("NO"), or numbers in lettering no larger than ``MAX_NUMBER_SIZE`` × the median line's (a
number or code set much larger than the text around it is a stamp or handwriting as often as
print); lettering that large with words in it needs the engine's confidence of a heading
(``MIN_TITLE_SCORE``): large words read with doubt are handwriting ("& Hand Wash." for a
scrawled "Tissue & Hand Wash"). A line's text is quoted without the runs of symbols that
decorate it ("** Thank you **" is "Thank you"). Lines that are not printed still count as text
for "top", "below" and "largest": a question whose true answer is one of them is not asked.
"""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass

from llavar2.records import OcrLine, OcrResult
from llavar2.text.entities import has_word

ROWS = ("top", "middle", "bottom")
COLUMNS = ("left", "center", "right")
MIN_CHAR_WIDTH = 0.3  # narrowest mean character width (spaces included) as a share of its height
MAX_SKEW_DEG = 30.0  # the page itself is never taken to be turned further than this
MAX_TILT_DEG = 10.0  # a line turned further from the page's direction is not a heading
PROMINENCE_MARGIN = 1.2  # how much taller the largest lettering is than any other line's
MIN_TITLE_SCORE = 0.9  # engine confidence a heading is read with (not handwriting, a stamp)
# Below this gate quality a third of the line's words are unknown or doubtful: quoted whole, a
# misreading ("LIVE9 FHARHACY") or glued words ("SANYUSTATIONERYSHOP") would be the answer.
MIN_PRINTED_QUALITY = 0.7
EDGE_MARGIN = 0.1  # a box closer to the image's border than this × its letter height touches it
MAX_NUMBER_SIZE = 1.5  # largest glyph height of a line of numbers, × the median line's
# Runs of two or more symbols around a line's words: "** Thank you **", "=== MENU ===".
_DECORATION = re.compile(r"^[*=~#_+•·<>|-]{2,}\s*|\s*[*=~#_+•·<>|-]{2,}$")


@dataclass(frozen=True)
class PlacedLine:
    index: int  # position in OcrResult.lines (reading order)
    text: str  # the line's text without surrounding whitespace and decoration; still a
    # substring of the OCR text
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
    printed: bool = True  # reads as print a question may quote whole (see the module docstring)

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
        angle
        for box in boxes
        if (angle := _angle(box)) is not None
        and abs(angle) <= MAX_SKEW_DEG
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
    glyphs = [_glyph(line) for _, line in boxed]
    median = statistics.median(glyphs) if glyphs else 0.0
    placed = []
    for (i, line), glyph in zip(boxed, glyphs):
        xs = [p[0] for p in line.box]
        ys = [p[1] for p in line.box]
        left, top, right, bottom = min(xs), min(ys), max(xs), max(ys)
        text = _undecorated(line.text.strip())
        letter_height = _letter_height(line.box, bottom - top)
        # Without the image's size (``ocr.width`` 0) the extent of the text is no border.
        margin = (
            min(left, top, width - right, height - bottom) if ocr.width and ocr.height else math.inf
        )
        printed = (
            (line.quality is None or line.quality >= MIN_PRINTED_QUALITY)
            and margin >= EDGE_MARGIN * letter_height
            and _reads_as_print(text, glyph, median, line.score)
        )
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
                glyph=glyph,
                tilt=_tilt(_angle(line.box), page),
                score=line.score,
                printed=printed,
            )
        )
    return placed


def _glyph(line: OcrLine) -> float:
    """Letter height capped by what the box's width allows for its characters."""
    xs = [p[0] for p in line.box]
    ys = [p[1] for p in line.box]
    letter_height = _letter_height(line.box, max(ys) - min(ys))
    length = (
        (_edge(line.box[0], line.box[1]) + _edge(line.box[3], line.box[2])) / 2
        if len(line.box) == 4
        else max(xs) - min(xs)
    )
    return min(letter_height, length / (max(len(line.text.strip()), 1) * MIN_CHAR_WIDTH))


def _undecorated(text: str) -> str:
    """The text without the symbol runs around its words (all of it when nothing is left)."""
    bare = _DECORATION.sub("", text)
    return bare if any(c.isalnum() for c in bare) else text


def _reads_as_print(text: str, glyph: float, median: float, score: float = 1.0) -> bool:
    """A word, a lone short word, or numbers at the size of the text around them; not scraps
    of letters ("ed Ea.", a mirrored word on a torn edge), an outsized code ("H1 A05125") nor
    outsized words read with doubt (handwriting)."""
    if glyph > MAX_NUMBER_SIZE * median and score < MIN_TITLE_SCORE:
        return False
    if has_word(text) or (len(text.split()) == 1 and text.isalpha()):
        return True
    return any(c.isdigit() for c in text) and glyph <= MAX_NUMBER_SIZE * median


def _title_like(text: str) -> bool:
    """Mostly letters: a heading, not a price, table number or code set large."""
    letters = sum(c.isalpha() for c in text)
    return letters >= 2 and letters > sum(c.isdigit() for c in text)


def most_prominent(lines: list[PlacedLine], margin: float = PROMINENCE_MARGIN) -> PlacedLine | None:
    """The heading in clearly the largest lettering, or None when no line stands out.

    The line with the largest glyph height is the answer when it is at least ``margin`` × as
    tall as every line with other text, runs with the page (tilt at most ``MAX_TILT_DEG``), was
    read with confidence (``MIN_TITLE_SCORE``: large handwriting, stamps and logos are not),
    starts in the upper half of the text (large print further down is a total, a table number
    or a stamp), is mostly letters and is printed (``PlacedLine.printed``).
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
    if (
        top.tilt > MAX_TILT_DEG
        or top.score < MIN_TITLE_SCORE
        or (rivals and top.top >= middle)
        or not _title_like(top.text)
        or not top.printed
    ):
        return None
    return top
