"""llavar2 score."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from ..paths import default_cache_dir
from . import options as opt
from .common import console, ray_config, resumable, usage_error, usage_errors
from .late import Defaults, LateHelp, described

if TYPE_CHECKING:
    from ..score.stage import ContextChoice

SCORE_OPENAI = "openai scorer"
HF = Defaults("llavar2.score.scorers.hf:HFOptions")
OPENAI_SCORER = Defaults("llavar2.score.scorers.openai_logprobs:OpenAIScorerConfig")
CONTEXTS = ("image", "facts", "auto")


def _hf(help: str, *defaults: Any, **settings: Any) -> Any:
    """An option of the hf scorer (None: HFOptions' default)."""
    return typer.Option(help=LateHelp(help, *defaults) if defaults else help, **settings)


def score(
    out: Annotated[Path, typer.Argument(help="A build folder; scores go to OUT/scores.jsonl.")],
    scorer: Annotated[
        str,
        typer.Option(
            "--scorer",
            help=LateHelp(
                "NAME:ARG, e.g. hf:/models/llava-1.5-7b; NAME: {}.",
                described("llavar2.score:SCORERS"),
            ),
        ),
    ],
    context: Annotated[
        str,
        typer.Option(
            help="image, facts (caption + OCR text stand in for the image) or auto (image "
            "when the model sees images)."
        ),
    ] = Defaults("llavar2.score.stage:run").context,
    batch_size: Annotated[
        int | None, _hf("Sequences per forward pass (default: {}).", HF.batch_size, min=1)
    ] = None,
    padding_side: Annotated[
        str | None, _hf("left or right (default: {}).", HF.padding_side)
    ] = None,
    dtype: Annotated[
        str | None,
        _hf(
            "auto (bfloat16 on a GPU, float32 on CPU), float32, bfloat16 or float16 (default: {}).",
            HF.dtype,
        ),
    ] = None,
    device: Annotated[str | None, _hf("e.g. cpu, cuda, cuda:1 (default: {}).", HF.device)] = None,
    max_length: Annotated[
        int | None,
        _hf(
            "Longest request in tokens; longer ones are unscorable (default: the model's context).",
            min=2,
        ),
    ] = None,
    max_pixels: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Images with more pixels are unscorable (default: the build's --max-pixels).",
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            help="Server URL, e.g. http://localhost:8000/v1 (openai scorer).",
            rich_help_panel=SCORE_OPENAI,
        ),
    ] = None,
    api_key_env: Annotated[str | None, opt.api_key_env(SCORE_OPENAI, OPENAI_SCORER)] = None,
    concurrency: Annotated[int | None, opt.concurrency(SCORE_OPENAI, OPENAI_SCORER)] = None,
    max_requests: Annotated[int | None, opt.max_requests(SCORE_OPENAI)] = None,
    text_only: Annotated[
        bool,
        typer.Option(
            "--text-only",
            help="The served model does not see images (its scores use the facts).",
            rich_help_panel=SCORE_OPENAI,
        ),
    ] = False,
    no_cache: Annotated[bool, opt.no_cache(SCORE_OPENAI)] = False,
    progress: opt.Progress = True,
    runner: opt.Runner = "local",
    ray_address: opt.RayAddress = None,
    ray_actors: Annotated[int | None, opt.ray_actors()] = None,
    ray_gpus: Annotated[float | None, opt.ray_gpus()] = None,
) -> None:
    """Score every duo conversation of a build: L(X|C) terms, IFD, VFD, mIFD, FFD (resumable)."""
    from ..layout import recorded_max_pixels
    from ..score import SCORERS, make_scorer
    from ..score.stage import run

    ray = ray_config(runner, ray_address, actors=ray_actors, num_gpus=ray_gpus)
    if ray is None and (ray_actors is not None or ray_gpus is not None):
        raise usage_error("--ray-actors, --ray-gpus: only with --runner ray")
    if context not in CONTEXTS:
        raise usage_error(f"--context {context!r}: expected image, facts or auto")
    choice = cast("ContextChoice", context)
    if max_pixels is None:
        with usage_errors():
            max_pixels = recorded_max_pixels(out)
    name, named, _ = scorer.partition(":")
    with usage_errors():
        needs_server = bool(named) and SCORERS.meta(name, "needs_base_url")
    if needs_server:
        if base_url is None:
            raise usage_error(f"the {name} scorer needs --base-url")
        given = {
            "base_url": base_url,
            "api_key_env": api_key_env,
            "concurrency": concurrency,
            "max_requests": max_requests,
            "supports_images": False if text_only else None,
            "cache": None if no_cache else default_cache_dir() / "scores.sqlite",
            "max_pixels": max_pixels,
        }
    else:
        given = {
            "batch_size": batch_size,
            "padding_side": padding_side,
            "dtype": dtype,
            "device": device,
            "max_length": max_length,
            "max_pixels": max_pixels,
        }
    options = {k: v for k, v in given.items() if v is not None}
    with usage_errors(), resumable("scores"):
        if ray is not None:
            from ..runners.ray_score import score_build as ray_score_build

            summary = ray_score_build(out, scorer, options, choice, progress, ray)
        else:
            model = make_scorer(scorer, **options)
            try:
                summary = run(out, model, choice, progress)
            finally:
                model.close()
    rate = summary["duos_per_second"]
    console.print(
        f"{summary['duos_scored']} duo conversations scored with {summary['scorer']} "
        f"(context: {summary['context']}), {summary['duos_already_scored']} already "
        f"scored → {summary['scores']}" + (f"; {rate} duos/s" if rate else "")
    )
    for reason, n in summary["unscorable_terms"].items():
        console.print(f"  unscorable {n} × {reason}")
    if "usage" in summary:
        usage = summary["usage"]
        console.print(
            f"  {usage['requests']} requests, {usage['cache_hits']} cache hits, "
            f"{usage['retries']} retries"
        )
