"""llavar2 robustness."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..imaging import DEFAULT_MAX_PIXELS
from ..paths import default_cache_dir
from . import answering
from . import options as opt
from .common import comma_list, print_table, usage_error, usage_errors
from .late import LateHelp, attribute, described, late

PERTURBATIONS_MODULE = "llavar2.robustness.perturbations"
PERTURBATIONS = f"{PERTURBATIONS_MODULE}:PERTURBATIONS"


def robustness(
    benchmark: Annotated[Path, opt.benchmark()],
    model: Annotated[str, opt.model()],
    out: Annotated[Path, typer.Option("--out", help="Output folder (rerun to resume).")],
    images: Annotated[Path | None, opt.images()] = None,
    perturbations: Annotated[
        str,
        typer.Option(help=LateHelp("Comma-separated perturbations: {}.", described(PERTURBATIONS))),
    ] = late(lambda: ",".join(attribute(f"{PERTURBATIONS_MODULE}:default_order")())),
    severities: Annotated[
        str, typer.Option(help="Comma-separated severities (1-5).")
    ] = "1,2,3,4,5",
    seed: Annotated[int, typer.Option(help="Seed of the random perturbations.")] = 0,
    format: Annotated[str | None, opt.benchmark_format()] = None,
    task: Annotated[str | None, opt.task()] = None,
    metrics: Annotated[str | None, opt.metrics()] = None,
    with_ocr: Annotated[bool, opt.with_ocr()] = False,
    ocr_engine: Annotated[str | None, opt.ocr_engine()] = None,
    limit: Annotated[int | None, opt.limit()] = None,
    max_new_tokens: Annotated[int | None, opt.max_new_tokens()] = None,
    base_url: Annotated[str | None, opt.base_url()] = None,
    api_key_env: Annotated[str | None, opt.api_key_env()] = None,
    concurrency: Annotated[int | None, opt.concurrency()] = None,
    max_requests: Annotated[int | None, opt.max_requests()] = None,
    device: Annotated[str | None, opt.device()] = None,
    max_pixels: Annotated[
        int, opt.max_pixels("are not perturbed and fail their items")
    ] = DEFAULT_MAX_PIXELS,
    no_cache: opt.NoCache = False,
    progress: opt.Progress = True,
) -> None:
    """Perturb the benchmark's images (noise, blur, JPEG, down-scaling, rotation, occlusion,
    typographic attack, ...) at each severity, re-run the evaluation, and report the score per
    perturbation and severity: OUT/robustness.json, .md and .png."""
    from ..robustness.perturbations import PERTURBATIONS, SEVERITIES
    from ..robustness.suite import run_suite

    names = comma_list(perturbations)
    if not names:
        raise usage_error(
            f"--perturbations: none given (known: {', '.join(PERTURBATIONS.names())})"
        )
    with usage_errors():
        for name in names:
            PERTURBATIONS.get(name)
    try:
        levels = sorted({int(v) for v in comma_list(severities)})
    except ValueError:
        raise usage_error(f"--severities {severities!r}: give numbers") from None
    if not levels or any(v not in SEVERITIES for v in levels):
        raise usage_error(f"--severities {severities!r}: each one of {SEVERITIES}")
    bench, images_dir = answering.benchmark(benchmark, format, images, limit)
    openai_config = answering.openai_settings(
        base_url, api_key_env, concurrency, None, max_requests, None, no_cache
    )
    answerer = answering.answerer(
        model, answering.answerer_options(openai_config, max_new_tokens, device, max_pixels)
    )
    evaluation: dict[str, Any] = {} if ocr_engine is None else {"ocr_engine": ocr_engine}
    with answering.answering(answerer):
        report = run_suite(
            bench,
            images_dir,
            answerer,
            out,
            perturbations=names,
            severities=levels,
            seed=seed,
            progress=progress,
            task=task,
            metrics=comma_list(metrics) or None,
            with_ocr=with_ocr,
            max_pixels=max_pixels,
            ocr_cache=None if no_cache else default_cache_dir() / "ocr",
            **evaluation,
        )
    severity_columns = [f"sev {level}" for level in levels]
    print_table(
        f"{report['metric']} of {report['model']} (clean {report['clean']:.4f}) → {out}",
        ["perturbation", *severity_columns],
        [[name, *(f"{by[str(v)]:.4f}" for v in levels)] for name, by in report["scores"].items()],
        right=severity_columns,
    )
