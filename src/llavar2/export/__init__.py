"""Export stage: a build's captions and conversations in the formats trainers read."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from ..registry import Registry
from .samples import Sample, iter_samples

Exporter = Callable[[Iterable[Sample], Path], int]
EXPORTERS: Registry[Exporter] = Registry("export format")
DEFAULT_FILENAMES = {"llava": "llava.json", "messages": "messages.jsonl"}

from . import llava, messages  # noqa: E402,F401  (register the formats)


def export(out_dir: Path, fmt: str = "llava", path: Path | None = None) -> tuple[Path, int]:
    """Write the build in ``out_dir`` as ``fmt``; returns the file written and its sample count."""
    writer = EXPORTERS.get(fmt)
    path = path or out_dir / DEFAULT_FILENAMES.get(fmt, f"{fmt}.out")
    return path, writer(iter_samples(out_dir), path)
