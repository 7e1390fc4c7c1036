"""Evaluate stage (DESIGN §1, §5): ask a model a benchmark's questions and score its answers
(``stage.run``), or score predictions against references (``stage.score_files``)."""

from __future__ import annotations

from .benchmarks import Benchmark, BenchmarkItem
from .formats import FORMATS
from .load import detect_format, load_benchmark
from .tasks import TASKS, Task

__all__ = [
    "FORMATS",
    "TASKS",
    "Benchmark",
    "BenchmarkItem",
    "Task",
    "detect_format",
    "load_benchmark",
]
