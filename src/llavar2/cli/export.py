"""llavar2 export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..layout import CAPTIONS
from .common import console, usage_error, usage_errors
from .late import Defaults, LateHelp, described

EXPORT = Defaults("llavar2.export.stage:run")


def export(
    out: Annotated[Path, typer.Argument(help="A build folder.")],
    format: Annotated[
        str,
        typer.Option(
            "--format", help=LateHelp("{}.", described("llavar2.export.formats:EXPORTERS"))
        ),
    ] = EXPORT.fmt,
    to: Annotated[
        Path | None,
        typer.Option(help="Output file or folder (default: inside the build folder)."),
    ] = None,
    all_duos: Annotated[
        bool,
        typer.Option(
            "--all", help="Export every duo, even when llavar2 filter has made kept.jsonl."
        ),
    ] = False,
    balance: Annotated[
        str | None,
        typer.Option(
            "--balance",
            help="An image dimension (source, kind, script, language, text_density, "
            "resolution) whose categories --cap limits.",
        ),
    ] = None,
    cap: Annotated[
        float | None,
        typer.Option(
            "--cap",
            min=0,
            max=1,
            help="With --balance: the largest share of the samples any category may have.",
        ),
    ] = None,
    seed: Annotated[
        int, typer.Option(help="With --balance: which samples a capped category keeps.")
    ] = EXPORT.seed,
) -> None:
    """Write a build's captions and duo conversations in a trainer's format: the duos that
    llavar2 filter kept when OUT/kept.jsonl exists, else all of them."""
    from ..export.stage import has_kept_set, run

    if not (out / CAPTIONS).is_file():
        raise usage_error(f"{out} is not a build folder (no {CAPTIONS})")
    kept = has_kept_set(out) and not all_duos
    with usage_errors():
        exported = run(out, format, to, kept, balance, cap, seed)
    which = "the kept duos (kept.jsonl)" if kept else "all duos (conversations.jsonl)"
    console.print(f"{exported.samples} samples → {exported.path}: captions and {which}")
    if exported.per_category is not None:
        console.print(
            f"balanced by {balance} (cap {cap:.0%}): "
            + ", ".join(f"{c} {k['kept']}/{k['samples']}" for c, k in exported.per_category.items())
        )
