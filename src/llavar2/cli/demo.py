"""llavar2 demo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..paths import default_cache_dir
from . import options as opt
from .build import run_build


def demo(
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("llavar2-demo"),
    workers: opt.Workers = 2,
    progress: opt.Progress = True,
) -> None:
    """Build the bundled sample set (text-rich images + human captions) into OUT."""
    from .. import samples
    from ..config import BuildConfig

    run_build(
        BuildConfig(
            images_dir=samples.IMAGES_DIR,
            captions=samples.CAPTIONS,
            out=out,
            workers=workers,
            cache_dir=default_cache_dir(),
            progress=progress,
        )
    )
