"""The one edit distance (bit-parallel) against the textbook recurrence, on strings and on word
lists."""

from __future__ import annotations

import random

from llavar2.text.edit_distance import edit_distance


def naive_distance(a, b) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[:], i
        for j, y in enumerate(b, 1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (x != y))
    return row[-1]


def test_strings_match_the_textbook_recurrence():
    rng = random.Random(0)
    for _ in range(3000):
        a = "".join(rng.choice("abcé ") for _ in range(rng.randint(0, 40)))
        b = "".join(rng.choice("abcé ") for _ in range(rng.randint(0, 40)))
        assert edit_distance(a, b) == naive_distance(a, b), (a, b)
    long_a = "".join(rng.choice("abcdefgh") for _ in range(400))
    long_b = "".join(rng.choice("abcdefgh") for _ in range(300))
    assert edit_distance(long_a, long_b) == naive_distance(long_a, long_b)
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "abc") == edit_distance("abc", "") == 3


def test_word_lists_match_the_textbook_recurrence():
    rng = random.Random(1)
    vocabulary = ["total", "cash", "4.50", "tax", "", "TOTAL"]
    for _ in range(500):
        a = [rng.choice(vocabulary) for _ in range(rng.randint(0, 12))]
        b = [rng.choice(vocabulary) for _ in range(rng.randint(0, 12))]
        assert edit_distance(a, b) == naive_distance(a, b), (a, b)
    assert edit_distance(["a", "b"], ["a", "c", "b"]) == 1
