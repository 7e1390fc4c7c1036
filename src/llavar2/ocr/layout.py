"""Reading order: engine lines → visual lines → blocks → columns, top-to-bottom, left-to-right.

Engines return text in pieces: RapidOCR sometimes splits one visual line into several boxes,
and both engines may put the two ends of a row ("Coffee ........ $3.50") in separate boxes.
``order_lines`` rebuilds the page in five steps; distances are in units of text height, so
they hold at any resolution:

1. Deskew. The median angle of the long boxes is the page skew; all geometry below is done
   in coordinates rotated by it, so a slightly rotated photo reads like a straight one.
2. Join words. Boxes that share a row (vertical overlap ≥ half the smaller height) and are at
   most ``WORD_GAP`` heights apart are one line, joined left to right with a space.
3. Blocks. A line and the line right below it are in the same block when each is the only
   line directly below / above the other, they overlap horizontally and the vertical gap is
   at most ``LINE_GAP`` heights. One-to-one links keep a heading or footer that spans two
   columns from fusing the columns into one block.
4. Tables vs columns. Two side-by-side blocks whose rows line up (most lines of the shorter
   one have a same-row partner in the other) are one block read row by row, as a menu, table,
   agenda or label/value list should be, when both are single lines ("Coffee   $3.50" is one
   line), or the narrower block's lines are short cells (at most ``CELL_WIDTH`` heights wide,
   about 10 characters), or the gap between them is wider than those lines. Otherwise they
   are columns: text columns have long lines and a gutter narrower than them, and columns
   whose rows do not line up can't be read across anyway.
5. Order. Blocks that overlap vertically form a band; bands go top to bottom. Inside a band,
   blocks that overlap horizontally form a column; columns go left to right, and blocks in a
   column top to bottom. Inside a block, rows go top to bottom and each row, joined left to
   right, becomes one output line.

Rows that were joined get the union box (rotated back by the skew) and the length-weighted
mean score of their parts; a line left alone keeps the engine's box.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from ..records import OcrLine

SAME_ROW = 0.5  # vertical overlap, as a share of the smaller height, that puts two boxes on a row
WORD_GAP = 1.0  # widest horizontal gap (in heights) inside one line
LINE_GAP = 1.5  # widest vertical gap (in heights) between lines of one block
ALIGNED_ROWS = 0.75  # share of the shorter block's rows that must line up for a table
CELL_WIDTH = 6.0  # lines at most this many heights wide (~10 characters) are cells, not text
MIN_SKEW_DEG = 0.5  # below this the page is taken as straight
MAX_SKEW_DEG = 30.0  # boxes tilted more are other-orientation text, not evidence of skew


@dataclass
class _Seg:
    """Engine lines that have been joined, with their bounding box in deskewed coordinates."""

    lines: list[OcrLine]
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def height(self) -> float:
        return max(self.y1 - self.y0, 1.0)

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


def order_lines(lines: list[OcrLine]) -> list[OcrLine]:
    """Lines in reading order, pieces of one visual line joined (see the module docstring)."""
    if len(lines) < 2:
        return list(lines)
    angle = _skew(lines)
    segs = _join_words([_deskewed(line, angle) for line in lines])
    blocks = _join_tables(_blocks(segs))
    return [_merge(row, angle) for block in _order_blocks(blocks) for row in _rows(block)]


# --- geometry -------------------------------------------------------------------------------


def _skew(lines: list[OcrLine]) -> float:
    """The page's skew in radians: the median baseline angle of boxes at least twice as wide as
    they are tall (short boxes give noisy angles)."""
    angles = []
    for line in lines:
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = line.box
        dx, dy = (x1 - x0) + (x2 - x3), (y1 - y0) + (y2 - y3)
        height = math.hypot(x3 - x0, y3 - y0) + math.hypot(x2 - x1, y2 - y1)
        angle = math.atan2(dy, dx)
        if math.hypot(dx, dy) >= 2 * height and abs(math.degrees(angle)) <= MAX_SKEW_DEG:
            angles.append(angle)
    if not angles:
        return 0.0
    angle = statistics.median(angles)
    return angle if abs(math.degrees(angle)) >= MIN_SKEW_DEG else 0.0


def _rotate(x: float, y: float, angle: float) -> tuple[float, float]:
    c, s = math.cos(angle), math.sin(angle)
    return x * c - y * s, x * s + y * c


def _deskewed(line: OcrLine, angle: float) -> _Seg:
    points = [_rotate(x, y, -angle) for x, y in line.box]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return _Seg([line], min(xs), min(ys), max(xs), max(ys))


def _union(parts: Iterable[_Seg]) -> _Seg:
    parts = sorted(parts, key=lambda s: (s.x0, s.y0))
    return _Seg(
        [line for s in parts for line in s.lines],
        min(s.x0 for s in parts), min(s.y0 for s in parts),
        max(s.x1 for s in parts), max(s.y1 for s in parts),
    )


def _same_row(a: _Seg, b: _Seg) -> bool:
    overlap = min(a.y1, b.y1) - max(a.y0, b.y0)
    return overlap >= SAME_ROW * min(a.height, b.height)


def _x_overlap(a: _Seg, b: _Seg) -> bool:
    return min(a.x1, b.x1) > max(a.x0, b.x0)


def _components(n: int, edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Connected components of nodes 0..n-1, each sorted, in order of their first node."""
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in edges:
        parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values())


# --- steps ----------------------------------------------------------------------------------


def _join_words(segs: list[_Seg]) -> list[_Seg]:
    segs = sorted(segs, key=lambda s: s.y0)
    edges = []
    for i, a in enumerate(segs):
        for j in range(i + 1, len(segs)):
            b = segs[j]
            if b.y0 >= a.y1:  # sorted by top: no later box overlaps a's row
                break
            gap = max(a.x0, b.x0) - min(a.x1, b.x1)
            if _same_row(a, b) and gap <= WORD_GAP * (a.height + b.height) / 2:
                edges.append((i, j))
    return [_union(segs[k] for k in group) for group in _components(len(segs), edges)]


def _directly_below(segs: list[_Seg]) -> list[list[int]]:
    """For each segment, the segments on the nearest row below it that overlap it
    horizontally."""
    order = sorted(range(len(segs)), key=lambda i: segs[i].y0)
    tops = [segs[i].y0 for i in order]
    tallest = max(s.height for s in segs)
    result = []
    for a in segs:
        nearest: _Seg | None = None
        found = []
        # A box whose top is more than the tallest height above a's top has its centre above a's.
        for k in range(bisect.bisect_left(tops, a.y0 - tallest), len(order)):
            b = segs[order[k]]
            if nearest is not None and b.y0 > nearest.y1:
                break
            if b.cy <= a.cy or not _x_overlap(a, b) or _same_row(a, b):
                continue
            if nearest is None:  # scanning by top: the first candidate is the nearest
                nearest = b
            if _same_row(b, nearest):
                found.append(order[k])
        result.append(found)
    return result


def _blocks(segs: list[_Seg]) -> list[list[_Seg]]:
    below = _directly_below(segs)
    flipped = [_Seg(s.lines, s.x0, -s.y1, s.x1, -s.y0) for s in segs]
    above = _directly_below(flipped)  # "below" on the page turned upside down
    edges = []
    for i, a in enumerate(segs):
        if len(below[i]) == 1 and above[below[i][0]] == [i]:
            b = segs[below[i][0]]
            if b.y0 - a.y1 <= LINE_GAP * min(a.height, b.height):
                edges.append((i, below[i][0]))
    return [[segs[k] for k in group] for group in _components(len(segs), edges)]


def _box(block: list[_Seg]) -> _Seg:
    return _Seg([], min(s.x0 for s in block), min(s.y0 for s in block),
                max(s.x1 for s in block), max(s.y1 for s in block))


def _right_neighbours(segs: list[_Seg]) -> list[int | None]:
    """For each segment, the nearest segment to its right on the same row, if any."""
    order = sorted(range(len(segs)), key=lambda i: segs[i].y0)
    tops = [segs[i].y0 for i in order]
    tallest = max(s.height for s in segs)
    result: list[int | None] = []
    for a in segs:
        best: int | None = None
        for k in range(bisect.bisect_left(tops, a.y0 - tallest), len(order)):
            b = segs[order[k]]
            if b.y0 >= a.y1:
                break
            if b.x0 >= a.x1 and _same_row(a, b) and (best is None or b.x0 < segs[best].x0):
                best = order[k]
        result.append(best)
    return result


def _join_tables(blocks: list[list[_Seg]]) -> list[list[_Seg]]:
    segs = [s for block in blocks for s in block]
    block_of = [k for k, block in enumerate(blocks) for _ in block]
    # Evidence for each (left block, right block): its segments that have a row partner in the
    # other block, and the gaps between the partners.
    aligned: dict[tuple[int, int], set[int]] = {}
    gaps: dict[tuple[int, int], list[float]] = {}
    for i, j in enumerate(_right_neighbours(segs)):
        if j is not None and block_of[i] != block_of[j]:
            pair = (block_of[i], block_of[j])
            aligned.setdefault(pair, set()).update((i, j))
            gaps.setdefault(pair, []).append(segs[j].x0 - segs[i].x1)

    def read_as_rows(pair: tuple[int, int]) -> bool:
        left, right = (blocks[k] for k in pair)
        shorter = min(pair, key=lambda k: len(blocks[k]))
        partnered = sum(block_of[i] == shorter for i in aligned[pair])
        if partnered < ALIGNED_ROWS * len(blocks[shorter]):
            return False
        if len(left) == 1 and len(right) == 1:
            return True
        narrower = min((left, right), key=lambda b: statistics.median(s.width for s in b))
        width = statistics.median(s.width for s in narrower)
        height = statistics.median(s.height for s in narrower)
        return width <= CELL_WIDTH * height or statistics.median(gaps[pair]) >= width

    edges = [pair for pair in aligned if read_as_rows(pair)]
    return [[s for k in group for s in blocks[k]] for group in _components(len(blocks), edges)]


def _order_blocks(blocks: list[list[_Seg]]) -> list[list[_Seg]]:
    items = sorted(((_box(b), b) for b in blocks), key=lambda item: (item[0].y0, item[0].x0))
    bands: list[list[tuple[_Seg, list[_Seg]]]] = []
    band_bottom = 0.0
    for box, block in items:
        line_height = min(s.height for s in block)
        if bands and band_bottom - box.y0 >= SAME_ROW * line_height:
            bands[-1].append((box, block))
            band_bottom = max(band_bottom, box.y1)
        else:
            bands.append([(box, block)])
            band_bottom = box.y1

    ordered = []
    for band in bands:
        edges = ((i, j) for i in range(len(band)) for j in range(i + 1, len(band))
                 if _x_overlap(band[i][0], band[j][0]))
        columns = [[band[k] for k in group] for group in _components(len(band), edges)]
        columns.sort(key=lambda column: min(box.x0 for box, _ in column))
        for column in columns:
            ordered.extend(block for _, block in sorted(column, key=lambda item: item[0].y0))
    return ordered


def _rows(block: list[_Seg]) -> list[list[_Seg]]:
    """The block's segments grouped into rows, top to bottom, each row left to right."""
    rows: list[list[_Seg]] = []
    for seg in sorted(block, key=lambda s: s.cy):
        if rows and _same_row(seg, _box(rows[-1])):
            rows[-1].append(seg)
        else:
            rows.append([seg])
    return [sorted(row, key=lambda s: s.x0) for row in rows]


def _merge(row: list[_Seg], angle: float) -> OcrLine:
    merged = _union(row)
    parts = merged.lines
    if len(parts) == 1:
        return parts[0]
    corners = [(merged.x0, merged.y0), (merged.x1, merged.y0),
               (merged.x1, merged.y1), (merged.x0, merged.y1)]
    weights = [max(len(p.text), 1) for p in parts]
    return OcrLine(
        text=" ".join(p.text.strip() for p in parts),
        box=[[round(v, 2) for v in _rotate(x, y, angle)] for x, y in corners],
        score=round(sum(p.score * w for p, w in zip(parts, weights)) / sum(weights), 5),
    )
