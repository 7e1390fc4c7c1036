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
import pickle
from collections.abc import Hashable
from functools import cache
from typing import Generic, TypeVar

import numpy as np

from .scratch import scratch_db

_PRIME = np.uint64((1 << 61) - 1)
_LOW32 = np.uint64(0xFFFFFFFF)

K = TypeVar("K", bound=Hashable)  # the key a text is added under (pickled), which query returns


def shingles(tokens: list[str], n: int) -> set[str]:
    """The distinct ``n``-word runs of ``tokens``; a text shorter than ``n`` is one shingle."""
    if len(tokens) <= n:
        return {" ".join(tokens)}
    return {" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


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


@cache
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows), bands·rows ≤ num_perm, minimising the weighted areas under the S-curve
    below the threshold (pairs compared needlessly) and above it under 1 − S (pairs missed)."""
    s = np.linspace(0.0, 1.0, 1001)
    below, above = s <= threshold, s >= threshold
    best, best_cost = (1, num_perm), np.inf
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            p = 1.0 - (1.0 - s**rows) ** bands
            cost = FALSE_POSITIVE_WEIGHT * _area(
                p[below], s[below]
            ) + FALSE_NEGATIVE_WEIGHT * _area(1 - p[above], s[above])
            if cost < best_cost:
                best, best_cost = (bands, rows), cost
    return best


class LshIndex(Generic[K]):
    """Signatures of the texts kept so far, bucketed by band, in a scratch table on disk: a set
    of hundreds of thousands of duos would otherwise hold a signature and a bucket entry per
    band for each in memory (kilobytes per duo)."""

    def __init__(self, threshold: float, num_perm: int):
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], not {threshold}")
        self.threshold = threshold
        self.bands, self.rows = lsh_params(threshold, num_perm)
        self._db = scratch_db(
            "CREATE TABLE kept (i INTEGER PRIMARY KEY, key BLOB, sig BLOB);"
            # One B-tree (no rowid table beside an index): the inserts are the cost.
            "CREATE TABLE bucket (band INTEGER, hash INTEGER, i INTEGER, "
            "PRIMARY KEY (band, hash, i)) WITHOUT ROWID;"
        )
        self._n = 0

    def _band_keys(self, sig: np.ndarray) -> list[tuple[int, int]]:
        """(band, 64-bit hash of the band's rows): equal bands, equal hashes; a collision only
        adds a candidate, which the similarity check then rejects."""
        r = self.rows
        return [
            (
                band,
                int.from_bytes(
                    hashlib.blake2b(
                        sig[band * r : (band + 1) * r].tobytes(), digest_size=8
                    ).digest(),
                    "little",
                    signed=True,
                ),
            )
            for band in range(self.bands)
        ]

    def query(self, sig: np.ndarray) -> tuple[K, float] | None:
        """The indexed text most similar to ``sig`` (the earliest on ties) if its estimated
        similarity reaches the threshold, with that similarity; else None."""
        bands = self._band_keys(sig)
        where = " OR ".join(["(band = ? AND hash = ?)"] * len(bands))
        found = self._db.execute(
            f"SELECT i, key, sig FROM kept WHERE i IN (SELECT i FROM bucket WHERE {where}) "
            "ORDER BY i",
            [v for pair in bands for v in pair],
        )
        best: tuple[K, float] | None = None
        for _, key, other in found:
            sim = similarity(sig, np.frombuffer(other, dtype=sig.dtype))
            if sim >= self.threshold and (best is None or sim > best[1]):
                best = (pickle.loads(key), sim)
        return best

    def add(self, key: K, sig: np.ndarray) -> None:
        i, self._n = self._n, self._n + 1
        self._db.execute("INSERT INTO kept VALUES (?, ?, ?)", (i, pickle.dumps(key), sig.tobytes()))
        self._db.executemany(
            "INSERT INTO bucket VALUES (?, ?, ?)",
            [(band, h, i) for band, h in self._band_keys(sig)],
        )
