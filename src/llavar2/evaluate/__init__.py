"""Evaluate stage (DESIGN §1, §5): score predictions against references (``evaluate_files``),
or ask a model a benchmark's questions and score its answers (``run_evaluation``)."""

from __future__ import annotations

from typing import Any

from .benchmarks import FORMATS, Benchmark, BenchmarkItem, detect_format, load_benchmark
from .files import evaluate_files
from .tasks import TASKS, Task

__all__ = [
    "FORMATS",
    "TASKS",
    "Benchmark",
    "BenchmarkItem",
    "Task",
    "detect_format",
    "evaluate_files",
    "load_benchmark",
    "run_evaluation",
]


def __getattr__(name: str) -> Any:
    # Imported on first use: the runner's answerers load the openai client, which scoring
    # predictions files (``evaluate_files``) never needs.
    if name == "run_evaluation":
        from .runner import run_evaluation

        return run_evaluation
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
