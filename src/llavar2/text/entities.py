"""Typed spans inside one OCR line: e-mails, URLs, dates, times, phones, prices, percentages,
numbers, "label: value" pairs and credited names.

Every span is reported by its offsets into the line, so an answer taken from it is verbatim
OCR text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:mon|tue(?:s)?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+"
_ORDINAL = r"(?:st|nd|rd|th)?"

# Checked in this order; a later kind never claims characters an earlier one matched, so that
# e.g. the digits of a date are not also reported as a phone number or a plain number.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.I)),
    (
        "url",
        re.compile(
            r"\b(?:https?://|www\.)[^\s\"'<>]+"
            r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*"
            r"\.(?:com|org|net|edu|gov|io|co|uk|de|fr|info|biz|app|dev|ai)\b"
            r"(?:/[^\s\"'<>]*)?",
            re.I,
        ),
    ),
    (
        "date",
        re.compile(
            r"\b\d{4}-\d{1,2}-\d{1,2}\b"
            r"|\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b"
            rf"|\b(?:{_WEEKDAY})?{_MONTH}\s+\d{{1,2}}{_ORDINAL}(?:,?\s+\d{{4}})?\b"
            rf"|\b(?:{_WEEKDAY})?\d{{1,2}}{_ORDINAL}\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?\b"
            rf"|\b{_MONTH}\s+\d{{4}}\b",
            re.I,
        ),
    ),
    (
        "time",
        re.compile(
            r"\b\d{1,2}:\d{2}(?::\d{2})?(?:\s?[ap]\.?m\b\.?)?(?!\d)|\b\d{1,2}\s?[ap]\.?m\b\.?",
            re.I,
        ),
    ),
    (
        "phone",
        # An international prefix, a bracketed area code, or dash/dot groups: plain
        # space-separated digits are too often something else.
        re.compile(
            r"\+\d{1,3}[\s.-]?(?:\(\d{1,4}\)[\s.-]?)?\d{1,4}(?:[\s.-]\d{2,4}){1,4}(?!\d)"
            r"|\(\d{2,4}\)\s?\d{3,4}[\s.-]\d{3,4}(?!\d)"
            r"|(?<![\d.-])\d{3}[.-]\d{3,4}(?:[.-]\d{4})?(?![\d.-]?\d)"
        ),
    ),
    (
        "price",
        re.compile(
            r"(?:(?:US)?[$€£¥₹]\s?|\b(?:USD|EUR|GBP)\s?)"
            r"\d+(?:[,.]\d{3})*(?:[.,]\d{1,2})?(?!\d)"
            r"(?:\s?(?:[kmb]n?|million|billion)(?!\w))?"  # "$4.2M", "€3 billion"
            r"|(?<![\w.,])\d+(?:[.,]\d{1,2})?\s?(?:€|£|USD|EUR|GBP|dollars?|euros?)(?!\w)",
            re.I,
        ),
    ),
    ("percentage", re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)?\s?%")),
    ("number", re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?!\w)")),
)

_TRAILING = ".,;:!?)]}'\""  # sentence punctuation that a greedy URL or e-mail match swallows


def has_words(text: str) -> bool:
    """At least two letters: enough to name something, unlike "$4" or "|"."""
    return sum(c.isalpha() for c in text) >= 2


_WORD = re.compile(r"(?<![^\W_])[^\W\d_]{3,}(?![^\W_])")


def has_word(text: str) -> bool:
    """A word of three letters or more, not glued to digits: "Amount", not "RM3.77" or "SK"."""
    return _WORD.search(text) is not None


# A letter OCR engines read in place of a digit ("628i" for 6281, "1O5" for 105, "00098B880896"),
# inside a run of digits (a separator may follow it): a misread number, not a code, which has
# more letters ("X7B9K2") or puts them at an end ("A05030", "1030214K").
_MISREAD_DIGIT = re.compile(
    r"(?<![^\W_])\d+[OoQDIli|SsBZzGg](?=[./:,-]?\d)(?:[./:,-]?\d+)+(?![^\W_])"
)


def misread_number(text: str) -> bool:
    """Whether the text holds a number with a letter read in place of one of its digits."""
    return _MISREAD_DIGIT.search(text) is not None


# "... FAX: 03-123": a second "label:" inside a value, where OCR merged two fields.
_NEXT_LABEL = re.compile(r"\s+[^\W\d_]{2,}\.?\s*[:：]")


@dataclass(frozen=True)
class Span:
    kind: str
    text: str
    start: int
    end: int


def find_entities(line: str) -> list[Span]:
    """Non-overlapping typed spans of ``line``, in order of position."""
    taken: list[Span] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(line):
            text = match.group().rstrip(_TRAILING) if kind in ("url", "email") else match.group()
            start, end = match.start(), match.start() + len(text)
            if kind == "phone" and sum(c.isdigit() for c in text) < 7:
                continue
            if text and all(end <= s.start or start >= s.end for s in taken):
                taken.append(Span(kind, text, start, end))
    return sorted(taken, key=lambda s: s.start)


# "Total: $42.10", "Date: 3 May": a short label that ends in a letter, so "Doors 7:30" is not one.
_KEY_VALUE = re.compile(
    r"^(?P<label>[^\W\d_][\w .'&/()-]{0,30}?[^\W\d_)])\s*[:：]\s*(?P<value>\S.*)$"
)


def find_key_value(line: str) -> tuple[Span, Span] | None:
    """The (label, value) of a "label: value" line, or None."""
    match = _KEY_VALUE.match(line)
    if not match or len(match.group("label").split()) > 4 or match.group("value").startswith("//"):
        return None
    value = match.group("value")
    value = value[: (found.start() if (found := _NEXT_LABEL.search(value)) else None)]
    value = value.rstrip(" .,;")
    if not any(c.isalnum() for c in value):
        return None
    label = Span("label", match.group("label"), match.start("label"), match.end("label"))
    start = match.start("value")
    return label, Span("value", value, start, start + len(value))


# Words that credit the person named after them; the QA template names the role of each.
CREDIT_CUES = (
    "presented by",
    "hosted by",
    "written by",
    "directed by",
    "illustrated by",
    "photos by",
    "photo by",
    "keynote",
    "speaker",
    "author",
    "host",
    "featuring",
    "by",
)
# A cue, then a capitalised name of two to four words: "By Jane Doe", "Speaker: Dr. Ann Lee".
_CREDIT = re.compile(
    r"(?<!\w)(?P<cue>(?i:" + "|".join(re.escape(cue) for cue in CREDIT_CUES) + r"))\s*:?\s+"
    r"(?P<name>(?:(?:Dr|Prof|Mr|Mrs|Ms)\.\s+)?"
    r"(?:[A-Z]\.\s*|[A-Z][a-z'’-]+\s+){1,3}[A-Z][a-z'’-]+)"
    r"(?!\w|\s+[A-Z])"  # a longer run of capitalised words is a title, not a name
)


def find_credit(line: str) -> tuple[Span, Span] | None:
    """(the cue as written, the credited name) when the line credits a person, else None."""
    match = _CREDIT.search(line)
    if not match:
        return None
    cue = Span("cue", match.group("cue"), match.start("cue"), match.end("cue"))
    return cue, Span("name", match.group("name"), match.start("name"), match.end("name"))
