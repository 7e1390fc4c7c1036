"""Near duplicates: a duo whose text (its four turns' words) has an estimated Jaccard
similarity of at least ``threshold`` over ``shingle``-word shingles with a duo kept before it,
in any image (MinHash + LSH, ``filter.minhash``; seeded, so runs agree). The first is kept."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...text.words import words
from ..minhash import LshIndex, MinHasher
from . import RULES, Drop, DuoItem


@RULES.register(
    "near_duplicate",
    help="text close to a duo kept before it, by MinHash-estimated Jaccard similarity",
)
@dataclass
class NearDuplicateRule:
    threshold: float = 0.8
    shingle: int = 3
    num_perm: int = 128
    seed: int = 0
    _hasher: MinHasher = field(init=False, repr=False)
    _index: LshIndex[tuple[str, int]] = field(init=False, repr=False)
    _last: tuple[tuple[str, int], np.ndarray] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._hasher = MinHasher(self.num_perm, self.shingle, self.seed)
        self._index = LshIndex(self.threshold, self.num_perm)

    def _signature(self, item: DuoItem) -> np.ndarray:
        # admit() follows check() of the same duo: reuse its signature.
        if self._last is not None and self._last[0] == item.key:
            return self._last[1]
        sig = self._hasher.signature([w for turn in item.turns() for w in words(turn)])
        self._last = (item.key, sig)
        return sig

    def check(self, item: DuoItem) -> Drop | None:
        found = self._index.query(self._signature(item))
        if found is not None:
            (image, duo), sim = found
            return Drop(
                "near_duplicate",
                f"estimated Jaccard similarity {sim:.2f} ≥ "
                f"{self.threshold} with image {image} duo {duo}",
            )
        return None

    def admit(self, item: DuoItem) -> None:
        self._index.add(item.key, self._signature(item))
