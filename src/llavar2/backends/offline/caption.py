"""The detail-enriched caption: the human caption kept whole, then the visible text quoted
verbatim — the most prominent line, a few lines per band of the image, and key entities.
Only lines the OCR quality gate left clean are counted or quoted."""

from __future__ import annotations

import random
from typing import Any

from llavar2.backends.offline.layout import ROWS, PlacedLine, most_prominent, place_lines
from llavar2.prompts import Template
from llavar2.records import OcrResult
from llavar2.text.entities import find_credit, find_entities, has_words

# Enough to convey the text without dumping a dense page into the caption.
MAX_QUOTED_PER_ROW = 3
MAX_QUOTED_CHARS = 100
MAX_ENTITIES = 6
_CAPTION_ENTITY_KINDS = ("date", "time", "price", "percentage", "url", "email", "phone")
_SENTENCE_END = (".", "!", "?", "…")
_CLOSERS = "\"'”’)»"  # may follow the final punctuation: 'He said "Stop."'


def _join(items: list[str], data: dict[str, Any]) -> str:
    if len(items) < 2:
        return "".join(items)
    return data["list_separator"].join(items[:-1]) + data["list_last_separator"] + items[-1]


def _quote(text: str, data: dict[str, Any]) -> str:
    return data["quote"].format(text=text)


def _quote_priority(line: PlacedLine) -> tuple[bool, float, int]:
    """Lines with words before bare numbers (a receipt's prices), then the largest lettering."""
    return not has_words(line.text), -line.height, line.index


def _row_sentences(
    placed: list[PlacedLine], quoted: set[str], data: dict[str, Any], rng: random.Random
) -> list[str]:
    """Up to MAX_QUOTED_PER_ROW lines per band not quoted yet; adds them to ``quoted``."""
    sentences = []
    for row in ROWS:
        members = [line for line in placed if line.row == row and line.text not in quoted]
        picks: list[PlacedLine] = []
        for line in sorted(members, key=_quote_priority):
            fits = len(line.text) <= MAX_QUOTED_CHARS and all(line.text != p.text for p in picks)
            if fits and len(picks) < MAX_QUOTED_PER_ROW:
                picks.append(line)
        if not picks:
            continue
        items = [_quote(line.text, data) for line in sorted(picks, key=lambda line: line.index)]
        left = len(members) - len(picks)
        if left:
            items.append(data["more_lines"]["one" if left == 1 else "many"].format(k=left))
        sentences.append(rng.choice(data["rows"][row]).format(quotes=_join(items, data)))
        quoted.update(line.text for line in picks)
    return sentences


def _entity_sentences(
    texts: list[str], quoted: set[str], data: dict[str, Any], rng: random.Random
) -> list[str]:
    """Dates, prices, contacts and names from lines the caption has not quoted yet."""
    by_kind: dict[str, list[str]] = {}  # kinds in order of first mention
    seen: set[str] = set()
    for text in texts:
        spans = [(s.kind, s.text) for s in find_entities(text) if s.kind in _CAPTION_ENTITY_KINDS]
        credit = find_credit(text)
        if credit:
            spans.append(("name", credit[1].text))
        for kind, span in spans:
            already_quoted = any(span in line for line in quoted)
            if not already_quoted and span not in seen and len(seen) < MAX_ENTITIES:
                seen.add(span)
                by_kind.setdefault(kind, []).append(span)
    if not by_kind:
        return []
    items = [
        data["entity_items"][kind]["one" if len(found) == 1 else "many"].format(
            quotes=_join([_quote(span, data) for span in found], data)
        )
        for kind, found in by_kind.items()
    ]
    return [rng.choice(data["entities"]).format(items=_join(items, data))]


def _text_sentences(ocr: OcrResult, data: dict[str, Any], rng: random.Random) -> list[str]:
    texts = [
        line.text.strip()
        for line in ocr.lines
        if line.clean and any(c.isalnum() for c in line.text)
    ]
    if not texts:
        return [rng.choice(data["no_text"])]
    if len(texts) == 1 and len(texts[0]) <= MAX_QUOTED_CHARS:
        return [rng.choice(data["only_line"]).format(quote=_quote(texts[0], data))]

    count = "one" if len(texts) == 1 else "many"
    sentences = [rng.choice(data["line_count"][count]).format(n=len(texts))]
    placed = place_lines(ocr)
    quoted: set[str] = set()
    prominent = most_prominent(placed)
    if prominent and len(prominent.text) <= MAX_QUOTED_CHARS:
        sentences.append(rng.choice(data["prominent"]).format(quote=_quote(prominent.text, data)))
        quoted.add(prominent.text)
    sentences += _row_sentences(placed, quoted, data, rng)
    return sentences + _entity_sentences(texts, quoted, data, rng)


def compose_caption(
    human_caption: str, ocr: OcrResult, template: Template, rng: random.Random
) -> str:
    """The human caption verbatim, then sentences that quote only OCR text."""
    caption = human_caption.rstrip()
    if caption and not caption.rstrip(_CLOSERS).endswith(_SENTENCE_END):
        caption += "."
    return " ".join([caption, *_text_sentences(ocr, template.data, rng)]).strip()
