"""``llavar2 export OUT``: the build's samples written in one of the ``EXPORTERS`` formats."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from ..layout import KEPT, recorded_images_dir
from .formats import EXPORTERS
from .samples import iter_samples


@dataclass(frozen=True)
class Exported:
    path: Path  # the file (or folder) written
    samples: int
    # with --balance: per category, the samples there were and those kept
    per_category: dict[str, dict[str, int]] | None = None


def has_kept_set(out: Path) -> bool:
    """Whether ``llavar2 filter`` has made kept.jsonl, which the export then reads."""
    return (out / KEPT).is_file()


def run(
    out: Path,
    fmt: str = "llava",
    to: Path | None = None,
    kept: bool = False,
    balance: str | None = None,
    cap: float | None = None,
    seed: int = 0,
) -> Exported:
    """Write the build in ``out`` as ``fmt`` to ``to`` (default: the format's file name in
    ``out``). With ``kept``: only the duos that ``llavar2 filter`` kept. With ``balance`` and
    ``cap``: no category of that image dimension over ``cap`` of the samples, the capped
    categories' samples chosen by ``seed``."""
    writer = EXPORTERS.get(fmt)  # an unknown format fails before the build is read
    if (balance is None) != (cap is None):
        raise UsageError("--balance and --cap go together")
    path = to or out / EXPORTERS.meta(fmt, "filename")
    if balance is None or cap is None:
        samples, per_category = iter_samples(out, kept), None
    else:
        from .balance import balanced, image_categories

        samples, per_category = balanced(
            lambda: iter_samples(out, kept), image_categories(out, balance), cap, seed
        )
    return Exported(path, writer(samples, path, recorded_images_dir(out)), per_category)
