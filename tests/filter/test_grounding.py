"""Extractive answers are looked up as whole words after normalisation."""

import pytest

from llavar2.filter.grounding import evidence_lines, grounded_in
from llavar2.filter.text import contains, words

OCR = "CORNER CAFE\nCappuccino ........ $4.50\nTotal: $13.72\nＯＰＥＮ daily"


def test_words_normalise_case_width_and_punctuation():
    assert words("Ｔｏｔａｌ: $13.72!") == ["total", "13", "72"]
    assert words("...") == []


@pytest.mark.parametrize("answer, where", [
    ("$4.50", "ocr"), ("4.50", "ocr"), ("corner cafe", "ocr"), ("open DAILY", "ocr"),
    ("cafe cappuccino", "ocr"),  # spans two lines
    ("red awning", "caption"),
    ("5", None), ("Cafe Corner", None), ("", None), ("?!", None),
])
def test_grounded_in(answer, where):
    caption = "A receipt from a cafe with a red awning."
    assert grounded_in(answer, OCR, caption) == where


def test_evidence_lines():
    lines = OCR.splitlines()
    assert evidence_lines("$13.72", lines) == [2]
    assert evidence_lines("cafe cappuccino", lines) == [0, 1]
    assert evidence_lines("espresso", lines) == []
    assert evidence_lines("total", ["Total: 1", "Subtotal", "total 2"]) == [0, 2]


def test_contains_is_whole_words():
    assert contains("Tickets $25", "25")
    assert not contains("Tickets $25", "5")
