"""ChartQA relaxed accuracy edge cases, expected values from pix2struct's definition."""

from __future__ import annotations

import pytest

from llavar2.metrics.answers.relaxed import RelaxedAccuracy, relaxed_correctness


def relaxed1(pred, refs):
    return RelaxedAccuracy()([pred], [refs]).per_item[0]


@pytest.mark.parametrize(
    "pred, target, expected",
    [
        # within 5% of the target, inclusive
        ("105", "100", 1.0),
        ("95", "100", 1.0),
        ("105.1", "100", 0.0),
        ("94.9", "100", 0.0),
        ("12", "12", 1.0),
        (" 12 ", "12", 1.0),  # float() tolerates whitespace
        ("12.0", "12", 1.0),
        ("1.2e1", "12", 1.0),
        # trailing % -> divided by 100 (so "45%" is 0.45, not 45)
        ("45%", "0.45", 1.0),
        ("0.45", "45%", 1.0),
        ("45%", "45%", 1.0),
        ("46%", "45%", 1.0),
        ("50%", "45%", 0.0),
        ("45", "45%", 0.0),
        ("45%", "45", 0.0),
        ("45 %", "45%", 1.0),
        ("%", "%", 1.0),  # not a number: string equality
        # target 0 is falsy: string comparison, case-insensitive, no strip
        ("0", "0", 1.0),
        ("0.0", "0", 0.0),
        ("0", "0.0", 0.0),
        ("0.01", "0", 0.0),
        ("0%", "0%", 1.0),
        # non-numeric: lower-cased string equality, nothing stripped
        ("Yes", "yes", 1.0),
        (" yes", "yes", 0.0),
        ("yes.", "yes", 0.0),
        ("twelve", "12", 0.0),
        ("12", "twelve", 0.0),
        ("", "", 1.0),
        ("", "0", 0.0),
        # commas are not parsed: string equality
        ("1,000", "1000", 0.0),
        ("1,000", "1,000", 1.0),
        ("1000", "1,000", 0.0),
        # year-like numbers are numbers: 2019 vs 2020 is 0.05% off
        ("2019", "2020", 1.0),
        ("1990", "2020", 1.0),
        ("1900", "2020", 0.0),
        # negative numbers: relative to |target|
        ("-10.4", "-10", 1.0),
        ("-9.6", "-10", 1.0),
        ("10", "-10", 0.0),
        ("-10.6", "-10", 0.0),
        ("-0.5%", "-0.005", 1.0),
        # nan/inf parse as floats and never compare within 5%
        ("nan", "nan", 0.0),
        ("inf", "inf", 0.0),
        # prediction parses, target does not -> string equality
        ("5", "$5", 0.0),
    ],
)
def test_relaxed_items(pred, target, expected):
    assert relaxed1(pred, [target]) == expected
    assert relaxed_correctness(target, pred) == bool(expected)


def test_best_of_several_references():
    assert relaxed1("2019", ["cat", "2020"]) == 1.0
    assert relaxed1("dog", ["cat", "2020"]) == 0.0


def test_corpus_is_mean():
    result = RelaxedAccuracy()(["1", "2", "3", "x"], [["1"], ["2.05"], ["4"], ["X"]])
    assert result.per_item == [1.0, 1.0, 0.0, 1.0]
    assert result.score == 0.75
