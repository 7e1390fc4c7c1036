"""Character and word error rates."""

from __future__ import annotations

import pytest

from llavar2.ocr.quality import (
    character_error_rate,
    corpus_error_rates,
    word_error_rate,
)


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
