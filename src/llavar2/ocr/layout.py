"""Reading order: engine boxes → printed rows → lines (split only at column gutters) → order.

Engines return text in pieces: RapidOCR splits a printed row wherever the gap is wide, so a
receipt row "Coffee ..... 1 ..... $3.50" arrives as three boxes, and Tesseract returns single
words. A row is the unit a reader follows, in tables and key–value lists as much as in prose, so
``order_lines`` rebuilds rows first and cuts a row apart only where a real column gutter runs
through it. Distances are in units of text height, so the rules hold at any resolution.

1. Orientation. The median angle of the long boxes is the page skew. Boxes whose own angle
   differs from it by more than ``ANGLE_TOLERANCE_DEG`` (a slanted title, a tilted stamp, an
   upside-down or vertical label) form groups of their own, so they are never joined to page
   text; short boxes give noisy angles and count as page text. Each group is deskewed by its
   angle, so a slightly rotated photo reads like a straight one.
2. Rows. Boxes are taken left to right; a box continues the row whose last box shares its
   baseline (vertical overlap ≥ ``SAME_ROW`` of the smaller height) and has a similar height
   (at most ``HEIGHT_RATIO`` times taller), however wide the gap: different type sizes are
   different lines even side by side. A glyph or two (a box narrower than twice its height)
   shorter than its neighbour is exempt: its box hugs its ink (an asterisk, a digit), which
   says little about the type size. A row's box never grows past ``ROW_GROWTH`` times its
   tallest box, so rows can't drift into the rows above or below, and a box that fits two
   rows about equally (within ``AMBIGUOUS``) straddles them and joins neither. Boxes at most
   ``WORD_GAP`` heights apart are a phrase (a run of words).
3. Gutters (page orientation only). Two phrases side by side are evidence of columns when
   (a) they share a row, both are running text (at least ``TEXT_WIDTH`` heights wide, about
   10 characters) and the gap is narrower than they are — a table's cells, a receipt's
   quantity and price are narrow or far apart, and a label ending in a colon leads into its
   value — or (b) one row ends where another begins beside it, overlapping it vertically by
   at least ``SIDE_OVERLAP`` without sharing its baseline: rows that don't line up can't be
   read across (tightly printed consecutive rows overlap less). A gutter is a vertical strip
   where such evidence stacks up (within ``LINE_GAP`` heights) with at least two phrases on
   each side; a row that crosses the strip (a heading over both columns) ends it. It extends
   over adjacent rows that don't cross it (a paragraph's short last line), and it must run
   beside at least ``COLUMN_LINES`` lines on one side, and no more than ``TABLE_ROWS`` of the
   rows across it may read as a table: a receipt's two-row header or a price list is not a
   page of columns. Rows are cut at the gutters running through them; every other row,
   whatever its gaps, is one output line, joined left to right with a space.
4. Order. Lines and gutter regions are read in rows, top to bottom, and each row left to
   right (an item joins a row only if it shares a row with each item on it, so rows don't
   chain, and stands beside each: items over one another are read top to bottom); a gutter
   region reads its columns left to right, each column top to bottom. A line of another
   orientation is placed at its centre, as tall as its own text.

Lines that were joined get the union box in their own orientation (rotated back) and the
length-weighted mean score of their parts; a line left alone keeps the engine's box.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..records import OcrLine

SAME_ROW = 0.5  # vertical overlap, as a share of the smaller height, that puts two boxes on a row
HEIGHT_RATIO = 1.6  # boxes whose heights differ more are different type sizes: never one line
AMBIGUOUS = 0.1  # a box whose overlaps with two rows differ less (share of height) joins neither
ROW_GROWTH = 1.5  # a row's box is at most this many times as tall as its tallest part
ANGLE_TOLERANCE_DEG = 8.0  # boxes tilted more than this from the page are another orientation
WORD_GAP = 1.0  # widest horizontal gap (in heights) inside one phrase
LINE_GAP = 1.5  # widest vertical gap (in heights) between lines of one column
TEXT_WIDTH = 6.0  # phrases at least this many heights wide (~10 characters) are running text
SIDE_OVERLAP = 0.3  # rows that overlap less are consecutive rows of one column (tight spacing)
COLUMN_LINES = 3  # a gutter runs beside at least this many lines (two-row headers are tables)
TABLE_ROWS = 0.25  # share of table rows across a strip that makes it a table, not a gutter
MIN_SKEW_DEG = 0.5  # below this the page is taken as straight
MAX_SKEW_DEG = 30.0  # boxes tilted more are other-orientation text, not evidence of skew


@dataclass
class _Seg:
    """Engine lines taken together, with their bounding box in one orientation's frame."""

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


@dataclass
class _Region(_Seg):
    """Rows cut by gutters: its columns, left to right, each a list of page-frame lines."""

    columns: list[list[_Seg]] = field(default_factory=list)


def order_lines(lines: list[OcrLine]) -> list[OcrLine]:
    """Lines in reading order, pieces of one printed row joined (see the module docstring)."""
    if len(lines) < 2:
        return list(lines)
    groups = _orientations(lines, _skew(lines))
    page = groups[0][0]
    items: list[_Seg] = []
    for k, (angle, members) in enumerate(groups):
        rows = _rows([_deskewed(line, angle) for line in members])
        if k == 0:
            items += _cut_at_gutters(rows, angle)
        else:  # placed in page order at its centre, as tall as its own text
            for row in rows:
                merged = _merge(row, angle)
                box = _deskewed(merged, page)
                half = _union(row).height / 2
                items.append(_Seg([merged], box.x0, box.cy - half, box.x1, box.cy + half))
    return [line for item in _read_rows(items) for line in _flatten(item)]


# --- geometry -------------------------------------------------------------------------------


def _angle(line: OcrLine) -> tuple[float, float, float]:
    """(baseline angle in radians, length, height) of an engine box."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = line.box
    dx, dy = (x1 - x0) + (x2 - x3), (y1 - y0) + (y2 - y3)
    height = (math.hypot(x3 - x0, y3 - y0) + math.hypot(x2 - x1, y2 - y1)) / 2
    return math.atan2(dy, dx), math.hypot(dx, dy) / 2, height


def _skew(lines: list[OcrLine]) -> float:
    """The page's skew in radians: the median baseline angle of boxes at least twice as wide as
    they are tall (short boxes give noisy angles)."""
    angles = []
    for line in lines:
        angle, length, height = _angle(line)
        if length >= 2 * height and abs(math.degrees(angle)) <= MAX_SKEW_DEG:
            angles.append(angle)
    if not angles:
        return 0.0
    angle = statistics.median(angles)
    return angle if abs(math.degrees(angle)) >= MIN_SKEW_DEG else 0.0


def _orientations(lines: list[OcrLine], page: float) -> list[tuple[float, list[OcrLine]]]:
    """(angle, lines) groups, the page's first: boxes within ``ANGLE_TOLERANCE_DEG`` of the
    page skew (and short boxes, whose angle is noise), then the other orientations."""
    tolerance = math.radians(ANGLE_TOLERANCE_DEG)
    main: list[OcrLine] = []
    others: list[tuple[float, OcrLine]] = []
    for line in lines:
        angle, length, height = _angle(line)
        if length < 2 * height or abs(_turn(angle - page)) <= tolerance:
            main.append(line)
        else:
            others.append((angle, line))
    groups = [(page, main)] if main else []
    others.sort(key=lambda item: item[0])
    clusters: list[list[tuple[float, OcrLine]]] = []
    for item in others:
        if clusters and item[0] - clusters[-1][0][0] <= tolerance:
            clusters[-1].append(item)
        else:
            clusters.append([item])
    # With no page-aligned text at all (a page scanned sideways), the largest group is the page.
    clusters.sort(key=len, reverse=True)
    for cluster in clusters:
        groups.append((statistics.median(a for a, _ in cluster), [line for _, line in cluster]))
    return groups


def _turn(angle: float) -> float:
    """The angle brought into (-pi, pi]."""
    return math.atan2(math.sin(angle), math.cos(angle))


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
        min(s.x0 for s in parts),
        min(s.y0 for s in parts),
        max(s.x1 for s in parts),
        max(s.y1 for s in parts),
    )


def _y_overlap(a: _Seg, b: _Seg) -> float:
    return min(a.y1, b.y1) - max(a.y0, b.y0)


def _same_row(a: _Seg, b: _Seg) -> bool:
    return _y_overlap(a, b) >= SAME_ROW * min(a.height, b.height)


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


# --- rows -----------------------------------------------------------------------------------


def _rows(segs: list[_Seg]) -> list[list[_Seg]]:
    """Boxes grouped into printed rows, top to bottom; each row a list of phrases, left to
    right."""
    rows: list[list[_Seg]] = []
    bounds: list[tuple[float, float, float]] = []  # each row's top, bottom and tallest part
    for seg in sorted(segs, key=lambda s: (s.x0, s.y0)):
        fits: list[tuple[float, int]] = []
        for k, row in enumerate(rows):
            last = row[-1]
            if not _same_row(last, seg) or not _same_size(last, seg):
                continue
            top, bottom, tallest = bounds[k]
            if max(bottom, seg.y1) - min(top, seg.y0) > ROW_GROWTH * max(tallest, seg.height):
                continue
            fits.append((_y_overlap(last, seg) / min(last.height, seg.height), k))
        fits.sort(key=lambda fit: -fit[0])
        # A box that fits two rows about equally (it straddles them) is a line of its own.
        if not fits or len(fits) > 1 and fits[0][0] - fits[1][0] < AMBIGUOUS:
            rows.append([seg])
            bounds.append((seg.y0, seg.y1, seg.height))
        else:
            k = fits[0][1]
            rows[k].append(seg)
            top, bottom, tallest = bounds[k]
            bounds[k] = (min(top, seg.y0), max(bottom, seg.y1), max(tallest, seg.height))
    rows.sort(key=lambda row: _union(row).cy)
    return [_phrases(row) for row in rows]


def _same_size(a: _Seg, b: _Seg) -> bool:
    """Whether two boxes on a row can be one type size: heights within ``HEIGHT_RATIO``, or
    the smaller is a glyph or two (narrower than twice its height), whose box hugs its ink (an
    asterisk, a dash, a digit) and so says little about the type size."""
    small, large = sorted((a, b), key=lambda s: s.height)
    return large.height <= HEIGHT_RATIO * small.height or small.width < 2 * small.height


def _phrases(row: list[_Seg]) -> list[_Seg]:
    """The row's runs of words: boxes at most ``WORD_GAP`` heights apart, joined."""
    phrases = [[row[0]]]
    for prev, seg in zip(row, row[1:]):
        if seg.x0 - prev.x1 > WORD_GAP * (prev.height + seg.height) / 2:
            phrases.append([seg])
        else:
            phrases[-1].append(seg)
    return [_union(p) for p in phrases]


# --- gutters --------------------------------------------------------------------------------


def _reads_across(a: _Seg, b: _Seg) -> bool:
    """Whether phrase ``a`` and phrase ``b`` after it on a row are two columns' text: both
    running text and the gap narrower than they are. Table cells, quantities, prices and values
    are narrow or far apart, and a label (ending in a colon) leads into its value."""
    return (
        a.width >= TEXT_WIDTH * a.height
        and b.width >= TEXT_WIDTH * b.height
        and b.x0 - a.x1 <= min(a.width, b.width)
        and not a.lines[-1].text.rstrip().endswith((":", "\uff1a"))
    )


def _evidence(rows: list[list[_Seg]]) -> list[tuple[_Seg, _Seg]]:
    """(left, right) phrase pairs that suggest a column gutter between them."""
    pairs = [(a, b) for row in rows for a, b in zip(row, row[1:]) if _reads_across(a, b)]
    # Rows that don't line up: a row ends beside another that begins there, overlapping it
    # vertically by more than consecutive rows of a tightly printed column do.
    for ra in rows:
        for rb in rows:
            a, b = ra[-1], rb[0]
            if (
                ra is not rb
                and b.x0 >= a.x1
                and not _same_row(a, b)
                and (_y_overlap(a, b) >= SIDE_OVERLAP * min(a.height, b.height))
            ):
                pairs.append((a, b))
    return pairs


def _gutters(rows: list[list[_Seg]]) -> list[tuple[set[int], list[tuple[float, float]]]]:
    """Gutter regions: (row indices, strips (x0, x1) the rows are cut at), regions that share
    rows merged."""
    pairs = _evidence(rows)
    extents = [_union(pair) for pair in pairs]

    def linked(i: int, j: int) -> bool:
        (a, b), (c, d) = pairs[i], pairs[j]
        if min(b.x0, d.x0) <= max(a.x1, c.x1):  # the gaps don't overlap horizontally
            return False
        gap = max(extents[i].y0, extents[j].y0) - min(extents[i].y1, extents[j].y1)
        return gap <= LINE_GAP * min(a.height, b.height, c.height, d.height)

    edges = [(i, j) for i in range(len(pairs)) for j in range(i + 1, len(pairs)) if linked(i, j)]
    row_of = {id(p): r for r, row in enumerate(rows) for p in row}
    regions: list[tuple[set[int], list[tuple[float, float]]]] = []
    for group in _components(len(pairs), edges):
        strip = _strip([pairs[k] for k in group])
        if strip is None:
            continue
        # A row that runs through the strip (a heading across both columns) ends a gutter.
        runs: dict[int, list[tuple[_Seg, _Seg]]] = {}
        for k in group:
            r = min(row_of[id(pairs[k][0])], row_of[id(pairs[k][1])])
            runs.setdefault(sum(not _clear(row, strip) for row in rows[:r]), []).append(pairs[k])
        for run in runs.values():
            region = _region(rows, run, row_of)
            if region is not None:
                regions.append(region)
    # Regions that share rows (three columns: two gutters over the same rows) are one.
    edges = [
        (i, j)
        for i in range(len(regions))
        for j in range(i + 1, len(regions))
        if regions[i][0] & regions[j][0]
    ]
    return [
        (
            set().union(*(regions[k][0] for k in group)),
            sorted(s for k in group for s in regions[k][1]),
        )
        for group in _components(len(regions), edges)
    ]


def _strip(pairs: list[tuple[_Seg, _Seg]]) -> tuple[float, float] | None:
    """The vertical strip between all the pairs' left and right phrases, if there is one."""
    x0, x1 = max(a.x1 for a, _ in pairs), min(b.x0 for _, b in pairs)
    return (x0, x1) if x0 < x1 else None


def _region(
    rows: list[list[_Seg]], pairs: list[tuple[_Seg, _Seg]], row_of: dict[int, int]
) -> tuple[set[int], list[tuple[float, float]]] | None:
    """The rows a run of gutter evidence cuts, extended over adjacent rows that don't cross
    it; None when it isn't a gutter: fewer than two phrases on a side, or mostly table rows
    across it, or fewer than ``COLUMN_LINES`` lines beside it."""
    strip = _strip(pairs)
    lefts = {id(a): a for a, _ in pairs}
    rights = {id(b): b for _, b in pairs}
    if strip is None or len(lefts) < 2 or len(rights) < 2:
        return None
    members = [row_of[k] for k in (*lefts, *rights)]
    first, last = min(members), max(members)
    height = statistics.median(p.height for p in (*lefts.values(), *rights.values()))
    while (
        first > 0
        and _clear(rows[first - 1], strip)
        and (_union(rows[first]).y0 - _union(rows[first - 1]).y1 <= LINE_GAP * height)
    ):
        first -= 1
    while (
        last < len(rows) - 1
        and _clear(rows[last + 1], strip)
        and (_union(rows[last + 1]).y0 - _union(rows[last]).y1 <= LINE_GAP * height)
    ):
        last += 1
    span = rows[first : last + 1]
    beside = max(
        sum(any(p.x1 <= strip[0] for p in row) for row in span),
        sum(any(p.x0 >= strip[1] for p in row) for row in span),
    )
    if beside < COLUMN_LINES or _table_rows(span, strip):
        return None
    return set(range(first, last + 1)), [strip]


def _table_rows(rows: list[list[_Seg]], strip: tuple[float, float]) -> bool:
    """Whether more than ``TABLE_ROWS`` of the rows that run across the strip read across it
    as a table (cells, not two columns' text): then the strip is a table's, not a gutter."""
    across = table = 0
    for row in rows:
        left = [p for p in row if p.x1 <= strip[0]]
        right = [p for p in row if p.x0 >= strip[1]]
        if left and right:
            across += 1
            table += not _reads_across(left[-1], right[0])
    return table > TABLE_ROWS * across


def _clear(row: list[_Seg], strip: tuple[float, float]) -> bool:
    """Whether no phrase of the row runs through the strip."""
    return not any(p.x0 < strip[1] and p.x1 > strip[0] for p in row)


def _cut_at_gutters(rows: list[list[_Seg]], angle: float) -> list[_Seg]:
    """Page-frame lines and gutter regions: each row is one line unless a gutter cuts it."""

    def line(phrases: list[_Seg]) -> _Seg:
        box = _union(phrases)
        return _Seg([_merge(phrases, angle)], box.x0, box.y0, box.x1, box.y1)

    items: list[_Seg] = []
    in_region: set[int] = set()
    for members, strips in _gutters(rows):
        in_region |= members
        columns: list[list[_Seg]] = [[] for _ in range(len(strips) + 1)]
        for r in sorted(members):
            pieces: dict[int, list[_Seg]] = {}
            for phrase in rows[r]:
                column = sum((phrase.x0 + phrase.x1) / 2 > (x0 + x1) / 2 for x0, x1 in strips)
                pieces.setdefault(column, []).append(phrase)
            for column, phrases in pieces.items():
                columns[column].append(line(phrases))
        columns = [c for c in columns if c]
        box = _union(s for c in columns for s in c)
        items.append(_Region([], box.x0, box.y0, box.x1, box.y1, columns))
    items += [line(row) for r, row in enumerate(rows) if r not in in_region]
    return items


# --- order ----------------------------------------------------------------------------------


def _read_rows(items: Sequence[_Seg]) -> list[_Seg]:
    """Items top to bottom, those that share a row (with each item on it, so that rows don't
    chain into each other) left to right."""
    rows: list[list[_Seg]] = []
    for item in sorted(items, key=lambda s: s.cy):
        # Lines over one another (a tall box makes them overlap) read top to bottom, not
        # left to right: only items side by side share a row.
        if rows and all(
            _same_row(item, other) and (item.x0 >= other.x1 or other.x0 >= item.x1)
            for other in rows[-1]
        ):
            rows[-1].append(item)
        else:
            rows.append([item])
    return [item for row in rows for item in sorted(row, key=lambda s: s.x0)]


def _flatten(item: _Seg) -> list[OcrLine]:
    if isinstance(item, _Region):
        return [line for column in item.columns for s in _read_rows(column) for line in s.lines]
    return item.lines


def _merge(parts: list[_Seg], angle: float) -> OcrLine:
    merged = _union(parts)
    lines = merged.lines
    if len(lines) == 1:
        return lines[0]
    corners = [
        (merged.x0, merged.y0),
        (merged.x1, merged.y0),
        (merged.x1, merged.y1),
        (merged.x0, merged.y1),
    ]
    weights = [max(len(p.text), 1) for p in lines]
    return OcrLine(
        text=" ".join(p.text.strip() for p in lines),
        box=[[round(v, 2) for v in _rotate(x, y, angle)] for x, y in corners],
        score=round(sum(p.score * w for p, w in zip(lines, weights)) / sum(weights), 5),
    )
