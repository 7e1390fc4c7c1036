"""``ocr-baseline``: answers from the OCR text alone, a floor any model should beat.

Captioning: the OCR lines joined by spaces. A question:

1. keywords = the question's words minus question words and stop words;
2. when the question asks for a kind of value (web address, e-mail, phone number, price,
   date, time), the first span of that kind in the OCR lines, lines sharing more keywords first;
3. else the OCR line that shares the most keywords with the question, minus the words the
   question already contains (the question names the field, the rest of the line is its value),
   or the whole line when nothing is left;
4. with no keyword in any line, the first line (titles and names come first in reading order);
   with no OCR text, an empty answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from ...errors import ItemRejected
from . import ANSWERERS, AnswererOptions, Question

_WORD = re.compile(r"[\w$€£%@.:/'-]+")
_STOP = set(
    """a an the of in on at to for from by with and or is are was were be been does do
did what which who whom whose where when why how this that these those it its there here
image picture photo photograph shown show shows written write says say said text read
appear appears mention mentions mentioned given listed complete completes line""".split()
)
_KINDS: list[tuple[re.Pattern[str], re.Pattern[str]]] = [
    (
        re.compile(r"web ?address|website|url|web ?site"),
        re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|org|net|io|edu)\b\S*"),
    ),
    (re.compile(r"e-?mail"), re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")),
    (re.compile(r"phone|telephone|call|tel\b"), re.compile(r"\+?\(?\d[\d ()-]{6,}\d")),
    (
        re.compile(r"price|cost|how much|total|amount|pay"),
        re.compile(r"(?:[$€£]|EUR |USD )\s?\d[\d,]*(?:\.\d+)?"),
    ),
    (
        re.compile(r"\bdate\b|\bday\b|when"),
        re.compile(
            r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}"
            r"(?:[-–]\d{1,2})?,? \d{4}|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b"
        ),
    ),
    (
        re.compile(r"\btime\b|what time|\bhours?\b"),
        re.compile(r"\b\d{1,2}:\d{2}(?:\s?[AaPp]\.?[Mm]\.?)?"),
    ),
]


def _words(text: str) -> list[str]:
    return [w.strip(".:,'-").lower() for w in _WORD.findall(text) if w.strip(".:,'-")]


def baseline_answer(question: str, lines: list[str]) -> str:
    if not lines:
        return ""
    asked = set(_words(question))
    keywords = asked - _STOP
    overlap = [len(keywords & set(_words(line))) for line in lines]
    by_overlap = sorted(range(len(lines)), key=lambda i: -overlap[i])  # stable: reading order
    lowered = question.lower()
    for asks, span in _KINDS:
        if asks.search(lowered):
            for i in by_overlap:
                if match := span.search(lines[i]):
                    return match.group(0).strip()
            break
    best = by_overlap[0]
    if overlap[best] == 0:
        return lines[0]
    rest = [w for w in lines[best].split() if w.strip(".:,'-").lower() not in asked]
    return " ".join(rest).strip(" :,-") or lines[best]


@ANSWERERS.register("ocr-baseline", help="no model: answers from the OCR text, a floor")
class OcrBaseline:
    name = "ocr-baseline"
    needs_ocr = True

    def __init__(self, arg: str, options: AnswererOptions):
        del options  # nothing to set
        if arg:
            raise ValueError(f"ocr-baseline takes no argument, got {arg!r}")

    def settings(self) -> dict[str, Any]:
        return {"rule": "ocr-baseline@1"}

    def answer_all(self, questions: Iterable[Question]) -> Iterator[str | ItemRejected]:
        for q in questions:
            lines = [line.text for line in q.ocr.lines] if q.ocr else []
            yield " ".join(lines) if q.caption else baseline_answer(q.item.question, lines)

    def report(self) -> dict[str, Any]:
        return {}

    def close(self) -> None:
        pass
