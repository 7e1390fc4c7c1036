"""How many processes the metrics may fork (large corpora are split across CPUs)."""

from __future__ import annotations

import multiprocessing
import os


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether worker processes can be forked (they inherit the loaded data for free)."""
    return "fork" in multiprocessing.get_all_start_methods()
