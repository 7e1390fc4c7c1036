"""OCR quality: character and word error rates against a reference transcription.

Both texts are compared after collapsing every whitespace run (line breaks included) to one
space, so a rate measures what was read, not how the page was broken into lines. A corpus rate
is the sum of edit distances over the sum of reference lengths (long pages weigh more), which
is how OCR benchmarks report it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

import numpy as np


def normalize_whitespace(text: str) -> str:
    return " ".join(text.split())


def edit_distance(a: Sequence[Hashable], b: Sequence[Hashable]) -> int:
    """Levenshtein distance (unit-cost insert, delete, substitute)."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return len(a)
    codes: dict[Hashable, int] = {}
    a_ids = np.array([codes.setdefault(x, len(codes)) for x in a])
    b_ids = np.array([codes.setdefault(x, len(codes)) for x in b])
    steps = np.arange(len(b) + 1)
    row = steps.copy()
    for i, x in enumerate(a_ids, 1):
        # Substitutions and deletions come from the previous row; insertions run along this
        # row, which a running minimum of (cost - position) computes without a Python loop.
        sub_or_del = np.minimum(row[:-1] + (b_ids != x), row[1:] + 1)
        new = np.concatenate(([i], sub_or_del))
        row = np.minimum.accumulate(new - steps) + steps
    return int(row[-1])


def character_errors(hypothesis: str, reference: str) -> tuple[int, int]:
    """(edit distance, reference length) over characters, whitespace normalised."""
    hyp, ref = normalize_whitespace(hypothesis), normalize_whitespace(reference)
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
