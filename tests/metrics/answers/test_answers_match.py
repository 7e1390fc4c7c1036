"""exact_match, ocrbench, ocrbench_hme and contains: basic and edge cases."""

from __future__ import annotations

import pytest

from llavar2.metrics.answers.contains import Contains
from llavar2.metrics.answers.exact import ExactMatch
from llavar2.metrics.answers.ocrbench import OcrBench, OcrBenchHme


def one(metric, pred, refs):
    return metric()([pred], [refs]).per_item[0]


@pytest.mark.parametrize(
    "pred, refs, expected",
    [
        ("Paris", ["paris"], 1.0),
        ("  New   York \n", ["new york"], 1.0),
        ("Yes.", ["yes"], 1.0),
        ("yes!?", ["Yes"], 1.0),
        ("yes .", ["yes"], 1.0),
        ("东京。", ["东京"], 1.0),
        ("wait…", ["wait"], 1.0),
        ("...", [""], 1.0),
        ("45%", ["45"], 0.0),  # symbols are kept
        ("(a)", ["a"], 0.0),  # so are brackets and leading punctuation
        (".5", ["5"], 0.0),
        ("CAFÉ", ["café"], 1.0),
        ("cafe\u0301", ["caf\u00e9"], 0.0),  # no Unicode normalisation (NFD vs NFC)
        ("cat", ["dog", "Cat."], 1.0),
        ("cats", ["cat"], 0.0),
        ("", [""], 1.0),
    ],
)
def test_exact_match(pred, refs, expected):
    assert one(ExactMatch, pred, refs) == expected


@pytest.mark.parametrize(
    "pred, refs, expected",
    [
        ("The answer is PARIS.", ["paris"], 1.0),
        ("paris", ["The answer is Paris"], 0.0),  # the reference must be inside the prediction
        ("concatenate", ["cat"], 1.0),  # plain substring, no word boundary
        ("2019", ["1"], 1.0),
        ("hello\nworld", ["hello world"], 1.0),  # newlines -> spaces on both sides
        ("hello world", [" Hello\nWorld \n"], 1.0),
        ("hello\tworld", ["hello world"], 0.0),  # tabs are not touched
        ("anything", [""], 1.0),  # an empty reference is always found
        ("x", ["y", "z", "X"], 1.0),
        ("ÉCOLE", ["école"], 1.0),
    ],
)
def test_ocrbench(pred, refs, expected):
    assert one(OcrBench, pred, refs) == expected


@pytest.mark.parametrize(
    "pred, refs, expected",
    [
        ("x ^ { 2 } + 1", ["x^{2}+1"], 1.0),  # spaces removed on both sides
        ("$$ x^{2}\n+1 $$", ["x ^ {2} + 1"], 1.0),  # newlines become spaces, then removed
        ("X^{2}", ["x^{2}"], 0.0),  # case-sensitive
        ("x^{2}\t+1", ["x^{2}+1"], 0.0),  # tabs kept
    ],
)
def test_ocrbench_hme(pred, refs, expected):
    assert one(OcrBenchHme, pred, refs) == expected


@pytest.mark.parametrize(
    "pred, refs, expected",
    [
        ("The answer is cat.", ["cat"], 1.0),
        ("concatenate", ["cat"], 0.0),  # whole words only
        ("It says two dollars", ["2 dollars"], 1.0),  # number words on both sides
        ("it is 3.5 m.", ["3.5"], 1.0),
        ("it is 3.5 m.", ["3"], 1.0),  # "." is not a word character, so
        # the reference finds "3" in "3.5"
        ("Coca-Cola!", ["coca cola"], 1.0),  # "-" and "!" -> spaces
        ("the dont sign", ["don't"], 1.0),  # contraction map on the prediction
        ("anything at all", ["the"], 1.0),  # "the" normalises to "": \b\b matches
        ("", ["the"], 0.0),
        ("costs $5", ["$5"], 0.0),  # \b before "$" needs a word char
        ("US$5", ["$5"], 1.0),
        ("no", ["yes", "No"], 1.0),
        ("café au lait", ["CAFÉ"], 1.0),  # Unicode word characters
    ],
)
def test_contains(pred, refs, expected):
    assert one(Contains, pred, refs) == expected
