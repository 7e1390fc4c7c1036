"""Many items in flight, results in input order: the stages append records in the order of
their input (what makes streaming joins and resumes work), while a concurrent backend keeps up
to ``window`` items going at once.

The event loop runs only while the caller waits for the next result; in between, the caller
writes that result to disk. Replies that arrive meanwhile wait in their sockets, so writing
costs no concurrency. Memory holds at most ``window`` items.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Coroutine, Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def ordered_map(
    loop: asyncio.AbstractEventLoop,
    func: Callable[[T], Coroutine[Any, Any, R]],
    items: Iterable[T],
    window: int,
) -> Iterator[R]:
    """``func(item)`` for each item, up to ``window`` at once, yielded in input order. An
    exception of one item is raised when its turn comes; the items still in flight are then
    cancelled (what they already finished stays in the response cache)."""
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    pending: deque[asyncio.Task[R]] = deque()
    source = iter(items)
    more = True
    try:
        while True:
            while more and len(pending) < window:
                try:
                    item = next(source)
                except StopIteration:
                    more = False
                    break
                pending.append(loop.create_task(func(item)))
            if not pending:
                return
            yield loop.run_until_complete(pending.popleft())
    finally:
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
