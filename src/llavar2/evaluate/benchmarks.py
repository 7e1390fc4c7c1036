"""A benchmark as read from disk, whatever its format (``formats/``): its items and where they
came from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError


@dataclass(frozen=True)
class BenchmarkItem:
    id: str
    image: str  # path relative to the images folder
    question: str  # "" for captioning
    answers: list[str]  # references


@dataclass
class Benchmark:
    path: Path
    format: str
    task: str  # the default task of the format
    items: list[BenchmarkItem]
    sha256: str  # of the file (of conversations.jsonl for a build)
    images_dir: Path | None = None  # where the format says the images are (a build)


class BadBenchmark(UsageError):
    pass
