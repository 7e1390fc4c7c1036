"""How many processes the metrics may fork (large corpora are split across CPUs)."""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Iterator
from contextlib import contextmanager


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether worker processes can be forked (they inherit the loaded data for free)."""
    return "fork" in multiprocessing.get_all_start_methods()


@contextmanager
def forking() -> Iterator[None]:
    """Fork the workers inside this block. Garbage is collected first, here, in the process
    whose threads its native parts belong to, and what the children inherit is frozen
    (``gc.freeze``): a child's collector never runs an inherited destructor. One that did (an
    ONNX Runtime session left unreachable by OCR earlier in the process) waited forever in
    ``pthread_cond_destroy`` for pool threads that exist only in the parent."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
