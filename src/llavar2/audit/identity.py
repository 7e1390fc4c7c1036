"""Mentions of identity terms (gender, age, ethnicity or nationality, religion, disability) in
captions and answers, and the descriptive words that co-occur with each term: how often a data
set talks about whom, and in which words, for a person to review.

A text's identity terms are the words of ``data/identity_terms.json`` in it (English only, see
its ``_note``); its descriptive words are its other words that are alphabetic, longer than one
letter and not function words (``COMMON_ENGLISH``, the language filter's list). Association is
normalised pointwise mutual information over texts (one text is one co-occurrence unit):

    nPMI(x, y) = log(p(x, y) / (p(x) p(y))) / -log p(x, y)

1 when x and y only occur together, 0 when independent, towards -1 when they avoid each other.
Only document frequencies and identity-term x word pair counts are kept, so memory is bounded by
the vocabulary, not by the number of texts.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from importlib import resources
from itertools import product

from ..text.common_english import COMMON_ENGLISH
from ..text.words import words


def load_lexicon() -> dict[str, list[str]]:
    """Category → terms, as shipped (keys starting with "_" are notes, not categories)."""
    data = json.loads(
        resources.files(__package__).joinpath("data/identity_terms.json").read_text("utf-8")
    )
    return {k: v for k, v in data.items() if not k.startswith("_")}


def npmi(joint: int, x: int, y: int, n: int) -> float:
    """nPMI from counts: texts with both, with x, with y, and all texts (``joint`` > 0). When
    every text holds both, -log p(x, y) is 0 and the pair is taken as fully associated."""
    if joint == n:
        return 1.0
    p_xy = joint / n
    return math.log(p_xy / (x / n * y / n)) / -math.log(p_xy)


class IdentityStats:
    """Streaming counts of identity-term mentions and of their co-occurrence with descriptive
    words, over texts of several kinds ("human caption", "answer", ...)."""

    def __init__(self, lexicon: Mapping[str, Sequence[str]] | None = None) -> None:
        self.lexicon = dict(lexicon if lexicon is not None else load_lexicon())
        self._category = {t: c for c, terms in self.lexicon.items() for t in terms}
        self.n = 0
        self.texts: Counter[str] = Counter()
        self.texts_with_mention: Counter[str] = Counter()
        self.mentions: Counter[str] = Counter()  # occurrences of each term
        self.df: Counter[str] = Counter()  # texts holding each term or descriptive word
        self.pairs: Counter[tuple[str, str]] = Counter()  # texts holding (term, word)

    def add(self, text: str, kind: str) -> None:
        tokens = words(text)
        terms = [t for t in tokens if t in self._category]
        present = set(terms)
        described = {
            t
            for t in tokens
            if len(t) > 1 and t.isalpha() and t not in self._category and t not in COMMON_ENGLISH
        }
        self.n += 1
        self.texts[kind] += 1
        self.texts_with_mention[kind] += bool(present)
        self.mentions.update(terms)
        self.df.update(present | described)
        self.pairs.update(product(present, described))

    def result(self, min_pair_count: int = 5, top: int = 10) -> dict:
        """Counts per kind, mentions per category (most mentioned first) and, for each mentioned
        term, the ``top`` words by nPMI among those co-occurring in ``min_pair_count`` texts or
        more (ties: more texts first)."""
        mentions: dict[str, dict[str, int]] = {c: {} for c in self.lexicon}
        for term, n in self.mentions.most_common():
            mentions[self._category[term]][term] = n
        rows: dict[str, list[dict]] = {}
        for (term, word), c in self.pairs.items():
            if c >= min_pair_count:
                rows.setdefault(term, []).append(
                    {
                        "word": word,
                        "npmi": npmi(c, self.df[term], self.df[word], self.n),
                        "count": c,
                    }
                )
        return {
            "texts": dict(self.texts),
            "texts_with_mention": {k: self.texts_with_mention[k] for k in self.texts},
            "mentions": mentions,
            "npmi": {
                term: [
                    {**r, "npmi": round(r["npmi"], 4)}
                    for r in sorted(rows[term], key=lambda r: (-r["npmi"], -r["count"], r["word"]))[
                        :top
                    ]
                ]
                for term, _ in self.mentions.most_common()
                if term in rows
            },
        }
