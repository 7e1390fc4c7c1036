"""Streaming joins of stage outputs by image id.

Every stage processes its input in order and appends in order, also across resumes, so each
stage's output is an ordered subsequence of its input. That lets us pair records with a merge
instead of an in-memory index: memory stays constant in the number of records.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

A = TypeVar("A")
B = TypeVar("B")


def _id(record: Any) -> str:
    if isinstance(record, tuple):  # an already-joined pair: its records share the id
        return _id(record[0])
    return record["id"] if isinstance(record, dict) else record.id


def merge_join(primary: Iterable[A], secondary: Iterable[B]) -> Iterator[tuple[A, B]]:
    """Pairs (a, b) with the same id; ``secondary`` must be an ordered subsequence of
    ``primary``."""
    it = iter(primary)
    for b in secondary:
        want = _id(b)
        for a in it:
            if _id(a) == want:
                yield a, b
                break
        else:
            raise ValueError(f"record {want!r} is missing upstream or out of order")


def left_join(primary: Iterable[A], secondary: Iterable[B]) -> Iterator[tuple[A, B | None]]:
    """Every ``a`` with its matching ``b`` or None; same ordering contract as ``merge_join``."""
    it = iter(secondary)
    pending = next(it, None)
    for a in primary:
        if pending is not None and _id(pending) == _id(a):
            yield a, pending
            pending = next(it, None)
        else:
            yield a, None
    if pending is not None:
        raise ValueError(f"record {_id(pending)!r} is missing upstream or out of order")
