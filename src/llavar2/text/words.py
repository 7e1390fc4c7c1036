"""Text normalisation shared by the duo filters and the OCR checks: what "the same words" means
when an answer is looked up in the OCR text or a caption, and spacing collapsed."""

from __future__ import annotations

import re
import unicodedata

WORD = re.compile(r"\w+")  # what ``words`` counts as a word


def words(text: str) -> list[str]:
    """Lower-cased words, compatibility-normalised (full-width forms, ligatures), punctuation
    and spacing dropped: "$4.50" → ["4", "50"], "ＳＡＬＥ!" → ["sale"]."""
    return WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def joined(tokens: list[str]) -> str:
    """Words as one string padded with spaces, so that ``in`` matches whole words only."""
    return f" {' '.join(tokens)} "


def contains(haystack: str, needle: str) -> bool:
    """Whether the words of ``needle`` occur, in order and adjacent, among those of ``haystack``."""
    target = words(needle)
    return bool(target) and joined(target) in joined(words(haystack))


def collapse_spaces(text: str) -> str:
    """Every run of whitespace (line breaks included) as one space, none at the ends."""
    return " ".join(text.split())
