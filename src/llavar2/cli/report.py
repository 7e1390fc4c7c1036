"""llavar2 report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import options as opt
from .common import console, usage_error, usage_errors


def report(
    out: Annotated[Path, typer.Argument(help="A build folder; the report goes to OUT/report/.")],
    reference: Annotated[
        Path | None,
        typer.Option("--reference", help="Another build folder to compare with, side by side."),
    ] = None,
    max_pixels: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Pictures with more pixels get no thumbnail (default: the build's --max-pixels).",
        ),
    ] = None,
    progress: opt.Progress = True,
) -> None:
    """The dataset report (OUT/report/report.md with PNG charts) and a static HTML browser of
    the images (OUT/report/browser/index.html), from whatever files the build has."""
    from ..report.stage import run

    for folder in (out, reference):
        if folder is not None and not folder.is_dir():
            raise usage_error(f"{folder} is not a folder")
    with usage_errors():
        result = run(out, reference, progress=progress, max_pixels=max_pixels)
    if result["absent"]:
        console.print("absent (their sections say so): " + ", ".join(result["absent"]))
    if result["missing_pictures"]:
        console.print(
            f"[yellow]{result['missing_pictures']} pictures not shown[/yellow] "
            "(not found in the images folder build.json records, unreadable, or "
            "over --max-pixels)"
        )
    console.print(
        f"report → {result['report']} ({result['plots']} charts); browser → "
        f"{result['browser']} ({result['cards']} images)"
    )
