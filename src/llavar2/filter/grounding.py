"""Is an extractive answer written in the image? DESIGN §1: it must be a span of the OCR text or
of the enriched caption, after normalisation (``filter.text.words``)."""

from __future__ import annotations

from .text import joined, words

MAX_EVIDENCE_LINES = 4  # an answer may wrap over a few OCR lines, not over a whole page


def grounded_in(answer: str, ocr_text: str, caption: str) -> str | None:
    """"ocr" or "caption" (where the answer was found), or None."""
    target = joined(words(answer))
    if not target.strip():
        return None
    if target in joined(words(ocr_text)):
        return "ocr"
    if target in joined(words(caption)):
        return "caption"
    return None


def evidence_lines(answer: str, lines: list[str]) -> list[int]:
    """Indices of the OCR lines that hold ``answer``: every line that holds it whole, else the
    first run of consecutive lines it wraps over; [] when no line does."""
    target = joined(words(answer))
    if not target.strip():
        return []
    line_words = [words(line) for line in lines]
    for width in range(1, MAX_EVIDENCE_LINES + 1):
        hits = [
            i for i in range(len(lines) - width + 1)
            if target in joined([w for ws in line_words[i:i + width] for w in ws])
        ]
        if hits:
            return hits if width == 1 else list(range(hits[0], hits[0] + width))
    return []
