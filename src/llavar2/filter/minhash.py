"""MinHash signatures over word shingles, and an LSH index that finds near duplicates.

The Jaccard similarity of two texts is that of their sets of ``shingle``-word n-grams. A
signature holds, for each of ``num_perm`` seeded hash functions h(x) = (a·x + b) mod (2⁶¹ − 1)
over the shingles' 32-bit hashes, the smallest value; the share of equal entries in two
signatures estimates their Jaccard similarity (standard error √(J(1 − J) / num_perm)).
LSH banding cuts the signature into ``bands`` bands of ``rows`` rows; two texts are compared
only when some band is equal, which happens with probability 1 − (1 − Jʳ)ᵇ. ``lsh_params``
chooses bands and rows so that this S-curve rises at the threshold.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable
from functools import lru_cache

import numpy as np

_PRIME = np.uint64((1 << 61) - 1)
_LOW32 = np.uint64(0xFFFFFFFF)


def shingles(tokens: list[str], n: int) -> set[str]:
    """The distinct ``n``-word runs of ``tokens``; a text shorter than ``n`` is one shingle."""
    if len(tokens) <= n:
        return {" ".join(tokens)}
    return {" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}


def _hash32(text: str) -> int:
    # Python's hash() is salted per process; a digest gives the same signature in every run.
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=4).digest(), "little")


class MinHasher:
    def __init__(self, num_perm: int = 128, shingle: int = 3, seed: int = 0):
        if num_perm < 1 or shingle < 1:
            raise ValueError("num_perm and shingle must be at least 1")
        rng = np.random.default_rng(seed)
        # a, b, x < 2³²: a·x + b < 2⁶⁴, so the uint64 arithmetic below never wraps.
        self.a = rng.integers(1, 1 << 32, size=num_perm, dtype=np.uint64)
        self.b = rng.integers(0, 1 << 32, size=num_perm, dtype=np.uint64)
        self.shingle = shingle

    def signature(self, tokens: list[str]) -> np.ndarray:
        x = np.array(sorted(_hash32(s) for s in shingles(tokens, self.shingle)), dtype=np.uint64)
        values = (x[:, None] * self.a + self.b) % _PRIME & _LOW32
        return values.min(axis=0).astype(np.uint32)


def similarity(sig1: np.ndarray, sig2: np.ndarray) -> float:
    """The MinHash estimate of the Jaccard similarity of two signatures' texts."""
    return float(np.mean(sig1 == sig2))


# A pair compared needlessly costs one signature comparison; a pair never compared is a
# duplicate missed. So misses weigh more (datasketch's weights are 0.5 / 0.5).
FALSE_POSITIVE_WEIGHT, FALSE_NEGATIVE_WEIGHT = 0.1, 0.9


def _area(y: np.ndarray, x: np.ndarray) -> float:
    return float(np.sum((y[1:] + y[:-1]) * np.diff(x)) / 2)  # the trapezoidal rule


@lru_cache(maxsize=None)
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows), bands·rows ≤ num_perm, minimising the weighted areas under the S-curve
    below the threshold (pairs compared needlessly) and above it under 1 − S (pairs missed)."""
    s = np.linspace(0.0, 1.0, 1001)
    below, above = s <= threshold, s >= threshold
    best, best_cost = (1, num_perm), np.inf
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            p = 1.0 - (1.0 - s ** rows) ** bands
            cost = (FALSE_POSITIVE_WEIGHT * _area(p[below], s[below])
                    + FALSE_NEGATIVE_WEIGHT * _area(1 - p[above], s[above]))
            if cost < best_cost:
                best, best_cost = (bands, rows), cost
    return best


class LshIndex:
    """Signatures of the texts kept so far, bucketed by band."""

    def __init__(self, threshold: float, num_perm: int):
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], not {threshold}")
        self.threshold = threshold
        self.bands, self.rows = lsh_params(threshold, num_perm)
        self._buckets: list[dict[bytes, list[int]]] = [{} for _ in range(self.bands)]
        self._keys: list[Hashable] = []
        self._signatures: list[np.ndarray] = []

    def _band_keys(self, sig: np.ndarray) -> list[bytes]:
        r = self.rows
        return [sig[i * r:(i + 1) * r].tobytes() for i in range(self.bands)]

    def query(self, sig: np.ndarray) -> tuple[Hashable, float] | None:
        """The indexed text most similar to ``sig`` (the earliest on ties) if its estimated
        similarity reaches the threshold, with that similarity; else None."""
        candidates = sorted({i for bucket, band in zip(self._buckets, self._band_keys(sig))
                             for i in bucket.get(band, ())})
        best: tuple[Hashable, float] | None = None
        for i in candidates:
            sim = similarity(sig, self._signatures[i])
            if sim >= self.threshold and (best is None or sim > best[1]):
                best = (self._keys[i], sim)
        return best

    def add(self, key: Hashable, sig: np.ndarray) -> None:
        i = len(self._keys)
        self._keys.append(key)
        self._signatures.append(sig)
        for bucket, band in zip(self._buckets, self._band_keys(sig)):
            bucket.setdefault(band, []).append(i)
