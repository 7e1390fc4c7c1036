"""OCR quality: character and word error rates against a reference transcription.

Both texts are compared after collapsing every whitespace run (line breaks included) to one
space, so a rate measures what was read, not how the page was broken into lines. A corpus rate
is the sum of edit distances over the sum of reference lengths (long pages weigh more), which
is how OCR benchmarks report it.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..text.edit_distance import edit_distance
from ..text.words import collapse_spaces


def character_errors(hypothesis: str, reference: str) -> tuple[int, int]:
    """(edit distance, reference length) over characters, whitespace normalised."""
    hyp, ref = collapse_spaces(hypothesis), collapse_spaces(reference)
    return edit_distance(hyp, ref), len(ref)


def word_errors(hypothesis: str, reference: str) -> tuple[int, int]:
    """(edit distance, reference length) over whitespace-separated words."""
    hyp, ref = hypothesis.split(), reference.split()
    return edit_distance(hyp, ref), len(ref)


def _rate(errors: int, length: int) -> float:
    return errors / length if length else float(errors > 0)


def character_error_rate(hypothesis: str, reference: str) -> float:
    return _rate(*character_errors(hypothesis, reference))


def word_error_rate(hypothesis: str, reference: str) -> float:
    return _rate(*word_errors(hypothesis, reference))


def corpus_error_rates(pairs: Iterable[tuple[str, str]]) -> tuple[float, float]:
    """(CER, WER) of a corpus of (hypothesis, reference) pairs."""
    char_err = char_len = word_err = word_len = 0
    for hypothesis, reference in pairs:
        e, n = character_errors(hypothesis, reference)
        char_err, char_len = char_err + e, char_len + n
        e, n = word_errors(hypothesis, reference)
        word_err, word_len = word_err + e, word_len + n
    return _rate(char_err, char_len), _rate(word_err, word_len)
