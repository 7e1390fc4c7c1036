"""Per-text measures the report counts: length in words, answer type, language, and how much of
an image's OCR text a caption mentions."""

from __future__ import annotations

import unicodedata

from ..text.common_english import COMMON_ENGLISH
from ..text.entities import find_entities
from ..text.words import words

YES_NO = frozenset({"yes", "no"})
# A text this long is judged by its share of common English words too, as the language rule
# does; shorter ones by script alone.
MIN_WORDS_FOR_ENGLISH = 8
MIN_COMMON_SHARE = 0.2


def n_words(text: str) -> int:
    return len(words(text))


def answer_type(answer: str) -> str:
    """The kind of the one typed span that is most of the answer (url, date, price, number, ...),
    "yes/no", or "text": "$25" is a price, "Tickets $25 in advance" is text."""
    stripped = answer.strip()
    if stripped.casefold().rstrip(".!") in YES_NO:
        return "yes/no"
    spans = find_entities(stripped)
    if len(spans) == 1 and 2 * len(spans[0].text) >= len(stripped):
        return spans[0].kind
    return "text"


def _script(char: str) -> str:
    """First word of the character's Unicode name: LATIN, CJK, CYRILLIC, ARABIC, HANGUL, ..."""
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else "UNKNOWN"


def language(text: str, by_words: bool = True) -> str:
    """ "English", "other Latin-script", "<Script>-script" (the script of most letters), or
    "no letters" (numbers, symbols, empty); without ``by_words``, Latin script is
    "Latin-script"."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return "no letters"
    scripts: dict[str, int] = {}
    for c in letters:
        s = _script(c)
        scripts[s] = scripts.get(s, 0) + 1
    script = max(scripts, key=lambda s: (scripts[s], s))
    if script != "LATIN" or not by_words:
        return f"{script.capitalize()}-script"
    tokens = words(text)
    if len(tokens) >= MIN_WORDS_FOR_ENGLISH:
        share = sum(t in COMMON_ENGLISH for t in tokens) / len(tokens)
        if share < MIN_COMMON_SHARE:
            return "other Latin-script"
    return "English"


def ocr_coverage(ocr_text: str, caption: str) -> tuple[int, int]:
    """(OCR words the caption mentions, OCR words): word tokens, counted with repeats, each
    mentioned when the caption has that word anywhere."""
    mentioned = set(words(caption))
    tokens = words(ocr_text)
    return sum(t in mentioned for t in tokens), len(tokens)
