"""llavar2 evaluate."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..imaging import DEFAULT_MAX_PIXELS
from ..paths import default_cache_dir
from . import answering
from . import options as opt
from .common import comma_list, console, print_metrics, ray_config, usage_error, usage_errors

RUN = "Run a model on a benchmark"
FILES = "Score predictions files"


def evaluate(
    out: Annotated[
        Path,
        typer.Option("--out", help="Result JSON; predictions and per-item scores go beside it."),
    ],
    benchmark: Annotated[Path | None, opt.benchmark(RUN)] = None,
    images: Annotated[Path | None, opt.images(RUN)] = None,
    model: Annotated[str | None, opt.model(RUN)] = None,
    format: Annotated[str | None, opt.benchmark_format(RUN)] = None,
    task: Annotated[str | None, opt.task(RUN)] = None,
    with_ocr: Annotated[bool, opt.with_ocr(RUN)] = False,
    ocr_engine: Annotated[str | None, opt.ocr_engine(RUN)] = None,
    split: Annotated[
        str | None,
        typer.Option(
            help="Split name recorded in the result (default: the file's stem).",
            rich_help_panel=RUN,
        ),
    ] = None,
    limit: Annotated[int | None, opt.limit(RUN)] = None,
    max_new_tokens: Annotated[int | None, opt.max_new_tokens(RUN)] = None,
    base_url: Annotated[str | None, opt.base_url(RUN)] = None,
    api_key_env: Annotated[str | None, opt.api_key_env(RUN)] = None,
    concurrency: Annotated[int | None, opt.concurrency(RUN)] = None,
    timeout: Annotated[float | None, opt.timeout(RUN)] = None,
    max_requests: Annotated[int | None, opt.max_requests(RUN)] = None,
    image_max_side: Annotated[int | None, opt.image_max_side(RUN)] = None,
    device: Annotated[str | None, opt.device(RUN)] = None,
    max_pixels: Annotated[
        int, opt.max_pixels("fail their items (too_many_pixels)", RUN)
    ] = DEFAULT_MAX_PIXELS,
    no_cache: Annotated[bool, opt.no_cache(RUN)] = False,
    progress: Annotated[bool, opt.progress(RUN)] = True,
    runner: Annotated[str, opt.runner(RUN)] = "local",
    ray_address: Annotated[str | None, opt.ray_address(RUN)] = None,
    ray_actors: Annotated[int | None, opt.ray_actors(RUN)] = None,
    ray_gpus: Annotated[float | None, opt.ray_gpus(RUN)] = None,
    predictions: Annotated[
        Path | None,
        typer.Option("--predictions", help='JSONL of {"id", "prediction"}.', rich_help_panel=FILES),
    ] = None,
    references: Annotated[
        Path | None,
        typer.Option(
            "--references", help='JSONL of {"id", "answers": [...]}.', rich_help_panel=FILES
        ),
    ] = None,
    metrics: Annotated[str | None, opt.metrics()] = None,
) -> None:
    """Ask a model a benchmark's questions and score its answers (--benchmark), or score
    predictions against references (--predictions, --references) with metrics that match the
    reference tools."""
    names = comma_list(metrics)
    if benchmark is None:
        if predictions is None or references is None:
            raise usage_error("give --benchmark (and --model), or --predictions and --references")
        _score_files(predictions, references, names, out)
        return
    if predictions is not None or references is not None:
        raise usage_error("--predictions/--references: not with --benchmark")
    if model is None:
        from ..evaluate.answerers import ANSWERERS

        raise usage_error(f"--benchmark needs --model: {ANSWERERS.describe()}")
    from ..evaluate.stage import run

    bench, images_dir = answering.benchmark(benchmark, format, images, limit)
    ray = ray_config(runner, ray_address, actors=ray_actors, num_gpus=ray_gpus)
    if ray is None and (ray_actors is not None or ray_gpus is not None):
        raise usage_error("--ray-actors/--ray-gpus: only with --runner ray")
    settings: dict[str, Any] = dict(
        task=task,
        metrics=names or None,
        with_ocr=with_ocr,
        ocr_cache=None if no_cache else default_cache_dir() / "ocr",
        split=split,
        progress=progress,
    )
    if ocr_engine is not None:
        settings["ocr_engine"] = ocr_engine
    if ray is not None:  # the actors make their answerers from these options
        from ..runners.ray_evaluate import run_evaluation_on_ray

        options = answering.answerer_options(None, max_new_tokens, device, max_pixels)
        with usage_errors(ValueError):
            summary = run_evaluation_on_ray(bench, images_dir, model, options, out, ray, **settings)
        _print_result(summary, out)
        return
    openai_config = answering.openai_settings(
        base_url, api_key_env, concurrency, timeout, max_requests, image_max_side, no_cache
    )
    answerer = answering.answerer(
        model, answering.answerer_options(openai_config, max_new_tokens, device, max_pixels)
    )
    with answering.answering(answerer):
        summary = run(bench, images_dir, answerer, out, max_pixels=max_pixels, **settings)
    _print_result(summary, out)


def _score_files(predictions: Path, references: Path, names: list[str], out: Path) -> None:
    from ..evaluate.stage import score_files
    from ..metrics import METRICS

    for path in (predictions, references):
        if not path.is_file():
            raise usage_error(f"{path} is not a file")
    if not names:
        raise usage_error(f"--metrics names none (known: {', '.join(METRICS.names())})")
    with usage_errors():
        summary = score_files(predictions, references, names, out)
    print_metrics(f"{summary['counts']['items']} items → {out}", summary["metrics"])


def _print_result(summary: dict[str, Any], out: Path) -> None:
    counts = summary["counts"]
    print_metrics(
        f"{summary['model']} on {summary['benchmark']['format']} "
        f"({counts['items']} items, {counts['failed']} failed) → {out}",
        summary["metrics"],
    )
    for reason, n in counts["failed_by_reason"].items():
        console.print(f"  failed {n} × {reason} (scored as empty answers; see {out})")
