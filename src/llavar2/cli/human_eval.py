"""llavar2 human-eval sample | analyze."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import options as opt
from .common import comma_list, console, usage_errors
from .late import Command, Defaults, late

SAMPLE = Defaults("llavar2.human_eval.sample:SampleConfig")

app = typer.Typer(
    no_args_is_help=True,
    help="Human evaluation of a build: a rating page per rater, then the analysis of their "
    "ratings.",
)


@app.command("sample", cls=Command)
def sample(
    out: Annotated[
        Path,
        typer.Argument(help="A build folder (after llavar2 filter, its duos are kept or dropped)."),
    ],
    to: Annotated[
        Path,
        typer.Option("--to", help="A new folder for the tasks, the images and the rating pages."),
    ],
    n: Annotated[int, typer.Option("--n", min=1, help="Duo conversations to rate.")] = SAMPLE.n,
    images: Annotated[
        int | None,
        typer.Option(
            "--images",
            min=0,
            help="Images whose enriched and human captions are compared (default: n / 4).",
        ),
    ] = None,
    strata: Annotated[
        str,
        typer.Option(help="Sample within these groups (comma list of qtype, source, status)."),
    ] = late(lambda: ",".join(SAMPLE.strata())),
    raters: Annotated[
        str,
        typer.Option(help="How many raters (r1, r2, ...) or their names, comma-separated."),
    ] = late(lambda: str(len(SAMPLE.raters()))),
    overlap: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Share of tasks every rater rates (for agreement); the rest is split among them.",
        ),
    ] = SAMPLE.overlap,
    min_per_stratum: Annotated[
        int, typer.Option(min=0, help="Tasks every group gets at least (or all it has).")
    ] = SAMPLE.min_per_stratum,
    seed: Annotated[
        int, typer.Option(help="Seed of the sample, the split and the orders.")
    ] = SAMPLE.seed,
    embed_images: Annotated[
        bool,
        typer.Option(
            help="Put the images inside the pages (data URLs) instead of next to them in "
            "TO/images/."
        ),
    ] = False,
) -> None:
    """Sample a build for human rating: TO/tasks.jsonl, TO/assignments.json and a
    self-contained TO/annotate-<rater>.html per rater (opens from disk, no server)."""
    from ..human_eval.sample import SampleConfig, rater_names, sample_build

    with usage_errors():
        cfg = SampleConfig(
            n=n,
            images=images,
            raters=rater_names(raters),
            overlap=overlap,
            strata=tuple(comma_list(strata)),
            seed=seed,
            min_per_stratum=min_per_stratum,
            embed_images=embed_images,
        )
        result = sample_build(out, to, cfg)
    for rater, ids in result["raters"].items():
        console.print(f"{to / f'annotate-{rater}.html'}: {len(ids)} tasks")
    console.print(
        f"{len(result['overlap'])} tasks shared by all raters; "
        f"{len(result['duo_strata'])} duo strata"
    )
    if result["missing_images"]:
        console.print(
            f"[yellow]images not found[/yellow] (their tasks show no picture): "
            f"{', '.join(result['missing_images'][:10])}"
        )


@app.command("analyze", cls=Command)
def analyze(
    folder: Annotated[Path, typer.Argument(help="The folder llavar2 human-eval sample wrote.")],
    ratings: Annotated[list[Path], typer.Argument(help="ratings-<rater>.json files.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Report folder (default: FOLDER/report)."),
    ] = None,
    seed: opt.BootstrapSeed = 0,
) -> None:
    """Means, acceptable rates (weighted back to the build by stratum), kept against dropped,
    and agreement (Cohen, Fleiss, Krippendorff, Gwet): OUT/report.md, report.json, plots/."""
    from ..human_eval import analyze as analysis

    with usage_errors():
        report = analysis.analyze(folder, ratings, seed=seed)
    written = analysis.write_report(report, out or folder / "report")
    analysis.link_from_build(report, written[1])
    acceptable = report["duo"]["acceptable"]
    console.print(
        f"{report['duo']['tasks']} duo tasks rated; acceptable "
        f"{acceptable['rate'] if acceptable['rate'] is not None else '-'}; "
        f"report: {written[1]}"
    )
    for problem in report["problems"]:
        console.print(f"[yellow]left out:[/yellow] {problem}")
