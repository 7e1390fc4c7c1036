"""Exact duplicates: a duo whose four turns have the same words (``text.words.words``: case,
punctuation and spacing ignored) as a duo kept before it, in any image. The first is kept."""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass, field

from ...text.words import words
from ..scratch import scratch_db
from . import RULES, Drop, DuoItem


def normalised(item: DuoItem) -> str:
    """The duo's words, turn by turn; turn boundaries count ("a b" + "c" is not "a" + "b c")."""
    return "\n".join(" ".join(words(turn)) for turn in item.turns())


@RULES.register("exact_duplicate", help="the same words in all four turns as a duo kept before it")
@dataclass
class ExactDuplicateRule:
    # 16-byte digests in a scratch table on disk, not the texts in memory: memory stays flat on
    # large sets.
    _seen: sqlite3.Connection = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._seen = scratch_db("CREATE TABLE seen (digest BLOB PRIMARY KEY, image TEXT, duo INT)")

    @staticmethod
    def _digest(item: DuoItem) -> bytes:
        return hashlib.blake2b(normalised(item).encode(), digest_size=16).digest()

    def check(self, item: DuoItem) -> Drop | None:
        first = self._seen.execute(
            "SELECT image, duo FROM seen WHERE digest = ?", (self._digest(item),)
        ).fetchone()
        if first is not None:
            return Drop("exact_duplicate", f"same text as image {first[0]} duo {first[1]}")
        return None

    def admit(self, item: DuoItem) -> None:
        self._seen.execute(
            "INSERT OR IGNORE INTO seen VALUES (?, ?, ?)", (self._digest(item), *item.key)
        )
