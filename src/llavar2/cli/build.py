"""llavar2 build (and the build that demo runs)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from ..layout import REJECTS
from ..paths import default_cache_dir
from . import options as opt
from .common import (
    EXIT_REJECTS,
    checked_language,
    checked_settings,
    console,
    incomplete,
    print_table,
    ray_config,
    usage_error,
    usage_errors,
)
from .late import LateHelp, described
from .options import BUILD, OPENAI

if TYPE_CHECKING:
    from ..config import BuildConfig
    from ..runners.ray_session import RayConfig
    from ..text.grounding import GroundingMode

OPENAI_PANEL = "--backend openai"  # the options of a backend that needs_model


def _openai(help: str, *defaults: Any, **settings: Any) -> Any:
    """An option of --backend openai only (None: OpenAIConfig's default)."""
    text = LateHelp(help, *defaults) if defaults else help
    return typer.Option(help=text, rich_help_panel=OPENAI_PANEL, **settings)


def build(
    images: Annotated[Path, typer.Option("--images", help="Folder of images.")],
    captions: Annotated[
        Path, typer.Option("--captions", help="Manifest: JSONL, CSV, Parquet or LLaVA JSON.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Output folder (rerun to resume).")],
    backend: Annotated[
        str,
        typer.Option(
            help=LateHelp("Generation backend: {}.", described("llavar2.backends:BACKENDS"))
        ),
    ] = BUILD.backend,
    engine: opt.Engine = BUILD.engine,
    language: opt.Language = BUILD.language,
    workers: opt.Workers = BUILD.workers,
    seed: Annotated[
        int, typer.Option(help="Seed of the generator (sent to the model with --backend openai).")
    ] = BUILD.seed,
    n_duos: Annotated[
        int, typer.Option(min=1, help="Duo conversations per image (at most).")
    ] = BUILD.n_duos,
    grounding: Annotated[str, opt.grounding()] = BUILD.grounding,
    grounding_min_score: Annotated[float, opt.grounding_min_score()] = BUILD.grounding_min_score,
    max_pixels: Annotated[int, opt.max_pixels("are rejected")] = BUILD.max_pixels,
    cache_dir: opt.CacheDir = None,
    no_cache: opt.NoCache = False,
    progress: opt.Progress = True,
    runner: opt.Runner = "local",
    ray_address: opt.RayAddress = None,
    model: Annotated[str | None, _openai("Model name, e.g. gpt-4o.")] = None,
    base_url: Annotated[str | None, opt.base_url(OPENAI_PANEL)] = None,
    api_key_env: Annotated[str | None, opt.api_key_env(OPENAI_PANEL)] = None,
    concurrency: Annotated[int | None, opt.concurrency(OPENAI_PANEL)] = None,
    timeout: Annotated[float | None, opt.timeout(OPENAI_PANEL)] = None,
    max_requests: Annotated[int | None, opt.max_requests(OPENAI_PANEL)] = None,
    max_tokens_total: Annotated[
        int | None, _openai("Stop once this run has used this many tokens.", min=0)
    ] = None,
    image_max_side: Annotated[int | None, opt.image_max_side(OPENAI_PANEL)] = None,
    image_detail: Annotated[
        str | None, _openai("auto, low or high (default: {}).", OPENAI.image_detail)
    ] = None,
    temperature: Annotated[
        float | None, _openai("Sampling temperature (default: {}).", OPENAI.temperature, min=0)
    ] = None,
    response_format: Annotated[
        str | None,
        _openai(
            "json_schema, json_object or none (instructions only) (default: {}; downgraded if "
            "the server refuses it).",
            OPENAI.response_format,
        ),
    ] = None,
    prices: Annotated[
        Path | None,
        _openai(
            'JSON price table {"models": {NAME: {"input": $/1M tokens, "output": $/1M tokens}}} '
            "over the bundled one."
        ),
    ] = None,
) -> None:
    """Ingest → OCR → detail-enriched captions → duo conversations → OUT/llava.json."""
    from ..backends import BACKENDS
    from ..config import BuildConfig, OpenAIConfig

    ray = ray_config(runner, ray_address)
    language = checked_language(language)
    if grounding not in ("fuzzy", "exact"):
        raise usage_error(f"--grounding {grounding}: give fuzzy or exact")
    if not images.is_dir():
        raise usage_error(f"--images {images} is not a folder")
    if not captions.is_file():
        raise usage_error(f"--captions {captions} is not a file")
    cache = None if no_cache else (cache_dir or default_cache_dir())
    given: dict[str, Any] = {  # validated by OpenAIConfig
        "model": model,
        "base_url": base_url,
        "api_key_env": api_key_env,
        "concurrency": concurrency,
        "timeout": timeout,
        "max_requests": max_requests,
        "max_tokens_total": max_tokens_total,
        "image_max_side": image_max_side,
        "image_detail": image_detail,
        "temperature": temperature,
        "response_format": response_format,
        "prices": prices,
    }
    given = {key: value for key, value in given.items() if value is not None}
    openai_config = None
    with usage_errors():  # an unknown backend
        needs_model = BACKENDS.meta(backend, "needs_model")
    if needs_model:
        if "model" not in given:
            raise usage_error(f"--backend {backend} needs --model")
        if prices is not None and not prices.is_file():
            raise usage_error(f"--prices {prices} is not a file")
        with checked_settings():
            openai_config = OpenAIConfig(**given, cache=cache and cache / "responses.sqlite3")
    elif given:
        flags = ", ".join("--" + key.replace("_", "-") for key in given)
        with_model = " or ".join(e.name for e in BACKENDS.entries() if e.meta.get("needs_model"))
        raise usage_error(f"{flags}: only with --backend {with_model}")
    run_build(
        BuildConfig(
            images_dir=images,
            captions=captions,
            out=out,
            backend=backend,
            engine=engine,
            language=language,
            workers=workers,
            seed=seed,
            n_duos=n_duos,
            grounding=cast("GroundingMode", grounding),  # checked above
            grounding_min_score=grounding_min_score,
            max_pixels=max_pixels,
            cache_dir=cache,
            progress=progress,
            openai=openai_config,
        ),
        ray,
    )


def run_build(cfg: BuildConfig, ray: RayConfig | None = None) -> None:
    """Build locally or on Ray; print the summary; exit 4 when the build stopped early, 3 when
    some inputs were rejected."""
    from ..ocr import EngineUnavailable

    with usage_errors(EngineUnavailable):
        if ray is None:
            from ..runners.local import build as local_build

            summary = local_build(cfg)
        else:
            from ..runners.ray_build import build as ray_build

            summary = ray_build(cfg, ray)
    _print_summary(summary, cfg.out)
    if summary["incomplete"]:
        raise incomplete(summary["incomplete"])
    if summary["counts"]["rejects"]:
        console.print(f"some inputs were rejected: see {cfg.out / REJECTS}")
        raise typer.Exit(EXIT_REJECTS)


COUNTED = (
    "images",
    "ocr_lines",
    "ocr_flagged_lines",
    "captions",
    "duo_conversations",
    "llava_samples",
    "rejects",
)
GENERATION = ("requests", "retries", "cache_hits", "prompt_tokens", "completion_tokens")


def _print_summary(summary: dict[str, Any], out: Path) -> None:
    counts = summary["counts"]
    rows = [[key.replace("_", " "), str(counts.get(key, 0))] for key in COUNTED]
    rows += [[f"seconds: {stage}", f"{secs:.2f}"] for stage, secs in summary["seconds"].items()]
    if generation := summary.get("generation"):
        rows += [[key.replace("_", " "), str(generation[key])] for key in GENERATION]
        cost = generation["cost_usd"]
        rows.append(["cost (USD)", "no price" if cost is None else f"{cost:.4f}"])
    print_table(f"llavar2 build → {out}", ["what", "value"], rows, right={"value"})
    for reason, n in counts["reject_reasons"].items():
        console.print(f"  rejected {n} × {reason}")
    for reason, n in counts["dropped_duo_reasons"].items():
        console.print(f"  dropped {n} duo conversations × {reason}")
