"""Export stage: a build's captions and conversations in the formats trainers read."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from ..registry import Registry
from .samples import KEPT_FILE, Sample, iter_samples

Exporter = Callable[[Iterable[Sample], Path], int]
EXPORTERS: Registry[Exporter] = Registry("export format")
DEFAULT_FILENAMES = {"llava": "llava.json", "messages": "messages.jsonl"}

from . import llava, messages  # noqa: E402,F401  (register the formats)


def export(out_dir: Path, fmt: str = "llava", path: Path | None = None,
           kept: bool = False) -> tuple[Path, int]:
    """Write the build in ``out_dir`` as ``fmt`` (with ``kept``: only the duos that
    ``llavar2 filter`` kept, from kept.jsonl); returns the file written and its sample count."""
    writer = EXPORTERS.get(fmt)
    path = path or out_dir / DEFAULT_FILENAMES.get(fmt, f"{fmt}.out")
    return path, writer(iter_samples(out_dir, kept), path)


def has_kept_set(out_dir: Path) -> bool:
    return (out_dir / KEPT_FILE).is_file()
