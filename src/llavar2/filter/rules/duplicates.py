"""Exact duplicates: a duo whose four turns have the same words (``filter.text.words``: case,
punctuation and spacing ignored) as a duo kept before it, in any image. The first is kept."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ..text import words
from . import RULES, Drop, DuoItem


def normalised(item: DuoItem) -> str:
    """The duo's words, turn by turn; turn boundaries count ("a b" + "c" is not "a" + "b c")."""
    return "\n".join(" ".join(words(turn)) for turn in item.turns())


@RULES.register("exact_duplicate")
@dataclass
class ExactDuplicateRule:
    # 16-byte digests, not the texts: memory per kept duo stays small on large sets.
    _seen: dict[bytes, tuple[str, int]] = field(default_factory=dict, init=False, repr=False)

    @staticmethod
    def _digest(item: DuoItem) -> bytes:
        return hashlib.blake2b(normalised(item).encode(), digest_size=16).digest()

    def check(self, item: DuoItem) -> Drop | None:
        first = self._seen.get(self._digest(item))
        if first is not None:
            return Drop("exact_duplicate", f"same text as image {first[0]} duo {first[1]}")
        return None

    def admit(self, item: DuoItem) -> None:
        self._seen.setdefault(self._digest(item), item.key)
