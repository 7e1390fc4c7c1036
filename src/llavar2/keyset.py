"""A set of keys in a few bytes each, for what a resumable stage has done: hundreds of
thousands of record ids would otherwise cost a Python string and a hash-table slot apiece.

Keys are kept as 120-bit digests of their ``repr`` (a false "done" would need a collision
with odds of about n² / 2¹²¹), most of them in a sorted NumPy array searched by bisection, the
latest in a small Python set merged into the array as it grows. Only membership and size are
answered: the keys themselves are not kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Iterable

import numpy as np


def _digest(key: Hashable) -> bytes:
    # The last byte is never NUL: NumPy's fixed-width bytes drop trailing NULs when read back.
    return (
        hashlib.blake2b(repr(key).encode("utf-8", "surrogatepass"), digest_size=15).digest()
        + b"\x01"
    )


class KeySet:
    def __init__(self, keys: Iterable[Hashable] = ()):
        self._sorted = np.empty(0, dtype="S16")
        self._recent: set[bytes] = set()
        for key in keys:
            self.add(key)

    def _has(self, digest: bytes) -> bool:
        if digest in self._recent:
            return True
        i = int(np.searchsorted(self._sorted, digest))
        return i < len(self._sorted) and self._sorted[i] == digest

    def __contains__(self, key: Hashable) -> bool:
        return self._has(_digest(key))

    def add(self, key: Hashable) -> None:
        digest = _digest(key)
        if self._has(digest):
            return
        self._recent.add(digest)
        # Merging costs a sort of the array: doing it when the set reaches a share of the array
        # keeps the cost per key logarithmic and the set small.
        if len(self._recent) >= max(1024, len(self._sorted) // 8):
            merged = np.concatenate([self._sorted, np.array(sorted(self._recent), dtype="S16")])
            merged.sort()
            self._sorted = merged
            self._recent.clear()

    def __len__(self) -> int:
        return len(self._sorted) + len(self._recent)

    def __or__(self, other: KeySet) -> KeyUnion:
        return KeyUnion(self, other)


class KeyUnion:
    """Membership in any of several key sets (a view: later additions to them count)."""

    def __init__(self, *sets: KeySet):
        self.sets = sets

    def __contains__(self, key: Hashable) -> bool:
        return any(key in s for s in self.sets)
