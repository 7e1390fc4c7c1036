"""ANLS edge cases; expected values computed by hand from the DocVQA script's definition."""

from __future__ import annotations

import pytest

from llavar2.metrics.answers.anls import Anls


def anls1(pred, refs):
    return Anls()([pred], [refs]).per_item[0]


@pytest.mark.parametrize(
    "pred, refs, expected",
    [
        ("hello world", ["hello world"], 1.0),
        ("  Hello   World ", ["hello world"], 1.0),  # strip, lower, collapse
        ("ab", ["ax"], 1 - 1 / 2),  # NL = 0.5 exactly: kept
        ("abcd", ["abxy"], 1 - 2 / 4),  # NL = 0.5 exactly: kept
        ("abc", ["axy"], 0.0),  # NL = 2/3 > 0.5
        ("abcdefg", ["abcdxyz"], 1 - 3 / 7),  # NL = 3/7 < 0.5
        ("abcdefg", ["abcdefz"], 1 - 1 / 7),
        ("abcdefg", ["abcwxyz"], 0.0),  # NL = 4/7
        ("", [""], 1.0),  # both empty: distance 0
        ("", ["abc"], 0.0),
        ("abc", [""], 0.0),
        ("  ", [""], 1.0),  # normalised both "", length 2
        (" abc  ", ["abd"], 1 - 1 / 6),  # length from the raw strings
        ("ß", ["s"], 1 - 1 / 2),  # len("ß".upper()) == 2
        ("abd", ["xyz", "abc", "zzz"], 1 - 1 / 3),  # best reference
        ("café", ["CAFÉ"], 1.0),
    ],
)
def test_anls_items(pred, refs, expected):
    assert anls1(pred, refs) == pytest.approx(expected, abs=0)


def test_threshold_is_on_the_score_not_strictly_on_the_distance():
    # 1 - 0.5 == 0.5 is not < 0.5, so it survives; the smallest distance above 0.5 does not.
    assert anls1("ab", ["ax"]) == 0.5
    assert anls1("abcdefghijk", ["abcdefxxxxx"]) == 1 - 5 / 11  # NL = 5/11 < 0.5: kept
    assert anls1("abcdefghijk", ["abcdexxxxxx"]) == 0.0  # NL = 6/11 > 0.5: zeroed
    # The threshold is applied after the best reference is chosen (same thing as per reference).
    assert anls1("ab", ["zz", "ax"]) == 0.5


def test_corpus_is_mean():
    result = Anls()(["ab", "abc", "x"], [["ax"], ["abc"], ["y"]])
    assert result.per_item == [0.5, 1.0, 0.0]
    assert result.score == 0.5
    assert result.details["threshold"] == 0.5
