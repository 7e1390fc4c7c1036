"""Evaluate stage (DESIGN §1, §5): score predictions against references (``evaluate_files``),
or ask a model a benchmark's questions and score its answers (``run_evaluation``)."""

from __future__ import annotations

from .benchmarks import FORMATS, Benchmark, BenchmarkItem, detect_format, load_benchmark
from .files import evaluate_files
from .runner import run_evaluation
from .tasks import TASKS, Task

__all__ = ["FORMATS", "TASKS", "Benchmark", "BenchmarkItem", "Task", "detect_format",
           "evaluate_files", "load_benchmark", "run_evaluation"]
