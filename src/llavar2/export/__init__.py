"""Export stage: a build's captions and conversations in the formats trainers read."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

from ..registry import Registry
from .samples import KEPT_FILE, Sample, iter_samples

# (samples, destination, the build's images folder or None) → samples written
Exporter = Callable[[Iterable[Sample], Path, "Path | None"], int]
EXPORTERS: Registry[Exporter] = Registry("export format")
DEFAULT_FILENAMES = {
    "llava": "llava.json",
    "messages": "messages.jsonl",
    "parquet": "parquet",
    "sharegpt": "sharegpt.json",
}

from . import llava, messages, parquet, sharegpt  # noqa: E402,F401  (register the formats)


def images_dir(out_dir: Path) -> Path | None:
    """The images folder build.json records, or None without one."""
    path = out_dir / "build.json"
    if not path.is_file():
        return None
    return Path(json.loads(path.read_text(encoding="utf-8"))["images_dir"])


def export(
    out_dir: Path, fmt: str = "llava", path: Path | None = None, kept: bool = False
) -> tuple[Path, int]:
    """Write the build in ``out_dir`` as ``fmt`` (with ``kept``: only the duos that
    ``llavar2 filter`` kept, from kept.jsonl); returns the file (or folder) written and its
    sample count."""
    path = path or out_dir / DEFAULT_FILENAMES.get(fmt, f"{fmt}.out")
    return path, EXPORTERS.get(fmt)(iter_samples(out_dir, kept), path, images_dir(out_dir))


def export_balanced(
    out_dir: Path,
    fmt: str,
    path: Path | None,
    kept: bool,
    dimension: str,
    cap: float,
    seed: int = 0,
) -> tuple[Path, int, dict[str, dict[str, int]]]:
    """``export`` with no category of the image ``dimension`` over ``cap`` of the samples
    (``balance``); also returns the samples per category before and after."""
    from .balance import balanced, image_categories

    writer = EXPORTERS.get(fmt)  # an unknown format fails before the build is read
    path = path or out_dir / DEFAULT_FILENAMES.get(fmt, f"{fmt}.out")
    samples, per_category = balanced(
        lambda: iter_samples(out_dir, kept), image_categories(out_dir, dimension), cap, seed
    )
    return path, writer(samples, path, images_dir(out_dir)), per_category


def has_kept_set(out_dir: Path) -> bool:
    return (out_dir / KEPT_FILE).is_file()
