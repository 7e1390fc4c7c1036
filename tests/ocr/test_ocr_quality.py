"""Character and word error rates."""

from __future__ import annotations

import random

import pytest

from llavar2.ocr.quality import (
    character_error_rate,
    corpus_error_rates,
    edit_distance,
    word_error_rate,
)


def naive_distance(a, b) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[:], i
        for j, y in enumerate(b, 1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (x != y))
    return row[-1]


def test_edit_distance_matches_the_textbook_algorithm():
    rng = random.Random(0)
    for _ in range(500):
        a = "".join(rng.choice("abc ") for _ in range(rng.randint(0, 12)))
        b = "".join(rng.choice("abc ") for _ in range(rng.randint(0, 12)))
        assert edit_distance(a, b) == naive_distance(a, b), (a, b)
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance(["a", "b"], ["a", "c", "b"]) == 1


def test_rates_ignore_how_whitespace_is_laid_out():
    assert character_error_rate("Hello  world\nagain", "Hello world again") == 0.0
    assert character_error_rate("Helo world", "Hello world") == pytest.approx(1 / 11)
    assert word_error_rate("Hello\nworld", "Hello world") == 0.0
    assert word_error_rate("Helloworld", "Hello world") == 1.0  # one substitution, one deletion
    assert character_error_rate("", "") == 0.0 and character_error_rate("x", "") == 1.0


def test_corpus_rates_weigh_by_reference_length():
    cer, wer = corpus_error_rates([("abcd", "abcx"), ("a b", "a b")])
    assert cer == pytest.approx(1 / 7)
    assert wer == pytest.approx(1 / 3)
