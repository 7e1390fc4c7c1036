"""llavar2 ocr."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..paths import default_cache_dir
from . import options as opt
from .common import EXIT_REJECTS, checked_language, console, ray_config, usage_error, usage_errors
from .options import BUILD


def ocr(
    images: Annotated[Path, typer.Argument(help="Folder of images (searched recursively).")],
    out: Annotated[Path, typer.Option("--out", help="Output JSONL (rerun to resume).")],
    engine: opt.Engine = BUILD.engine,
    language: opt.Language = BUILD.language,
    workers: opt.Workers = BUILD.workers,
    cache_dir: opt.CacheDir = None,
    no_cache: opt.NoCache = False,
    max_pixels: Annotated[int, opt.max_pixels("are rejected")] = BUILD.max_pixels,
    progress: opt.Progress = True,
    runner: opt.Runner = "local",
    ray_address: opt.RayAddress = None,
) -> None:
    """OCR every image under a folder: one JSON line per image, lines in reading order."""
    from ..ocr import EngineUnavailable, stage

    ray = ray_config(runner, ray_address)
    language = checked_language(language)
    if not images.is_dir():
        raise usage_error(f"{images} is not a folder")
    if out.is_dir():
        raise usage_error(f"--out {out} is a folder; name the JSONL file to write")
    cache = None if no_cache else (cache_dir or default_cache_dir()) / "ocr"
    with usage_errors(EngineUnavailable):
        if ray is None:
            n_ok, n_bad = stage.run(
                images,
                out,
                engine=engine,
                language=language,
                workers=workers,
                cache_dir=cache,
                max_pixels=max_pixels,
                progress=progress,
            )
        else:
            from ..runners.ray_build import ocr_folder

            n_ok, n_bad = ocr_folder(
                images,
                out,
                engine=engine,
                language=language,
                cache_dir=cache,
                max_pixels=max_pixels,
                progress=progress,
                ray=ray,
            )
    rejects = stage.rejects_path(out)
    console.print(f"{n_ok} images → {out}" + (f"; {n_bad} rejected → {rejects}" if n_bad else ""))
    if n_bad:
        raise typer.Exit(EXIT_REJECTS)
