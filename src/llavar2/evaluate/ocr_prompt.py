"""OCR text in the prompt, as LLaVAR-2's own evaluation put it there (DESIGN §1).

LLaVAR-2's ``model_vqa`` script prefixes the question with, when OCR found at most 4 lines,
``"OCR: " + the texts joined by spaces + "\\n"``; beyond 4 lines,
``"Given OCR-based Page Parser Results: " + a space layout + "\\n"``; nothing when OCR found
no text. The space layout groups consecutive lines whose vertical centres fall inside each other's
boxes into one row, estimates a character width from the row with the most characters, and
indents each text by 40 % of the gap (in characters) between where it starts and where the
row's text so far ends, plus one space; rows are joined by newlines.

Differences, by necessity: the lines are llavar2's OCR lines in reading order (LLaVAR-2 ran
PaddleOCR, and grouped its ≤4-line results into easyocr paragraphs before joining them with
spaces; the text is the same up to that grouping).
"""

from __future__ import annotations

from ..records import OcrLine

MAX_PLAIN_LINES = 4
PLAIN = "OCR: "
PARSER = "Given OCR-based Page Parser Results: "
INDENT_SHARE = 0.4


def _bbox(line: OcrLine) -> tuple[float, float, float, float]:
    """(x1, y1, x2, y2) from the top-left and bottom-right corners, as LLaVAR-2 takes them."""
    (x1, y1), (x2, y2) = line.box[0], line.box[2]
    return x1, y1, x2, y2


def _same_row(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    mid_a, mid_b = (a[1] + a[3]) / 2, (b[1] + b[3]) / 2
    return b[1] < mid_a < b[3] and a[1] < mid_b < a[3]


def space_layout(lines: list[OcrLine]) -> str:
    rows: list[list[tuple[str, tuple[float, float, float, float]]]] = []
    for line in lines:
        box = _bbox(line)
        if rows and _same_row(rows[-1][-1][1], box):  # compared with the row's last text
            rows[-1].append((line.text, box))
        else:
            rows.append([(line.text, box)])
    widest_chars, widest_span = 0, 0.0
    for row in rows:
        chars = sum(len(text) for text, _ in row)
        if chars >= widest_chars:  # the later row wins a tie, as in LLaVAR-2
            widest_chars = chars
            widest_span = max(b[2] for _, b in row) - min(b[0] for _, b in row)
    char_width = (widest_span / widest_chars if widest_chars else 0.0) or 1.0
    out = []
    for row in rows:
        text = ""
        for piece, box in row:
            start = int(box[0] / char_width)
            text += " " + " " * int((start - len(text)) * INDENT_SHARE) + piece
        out.append(text)
    return "\n".join(out)


def ocr_block(lines: list[OcrLine]) -> str:
    """What goes before the question: "" when there is no text."""
    if not lines:
        return ""
    if len(lines) > MAX_PLAIN_LINES:
        return PARSER + space_layout(lines) + "\n"
    return PLAIN + " ".join(line.text for line in lines) + "\n"
