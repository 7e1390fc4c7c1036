"""llavar2 judge."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import RunIncomplete
from ..imaging import DEFAULT_MAX_PIXELS
from . import options as opt
from .answering import openai_settings
from .common import console, incomplete, usage_error, usage_errors
from .late import Defaults
from .options import OPENAI

JUDGE = Defaults("llavar2.human_eval.judge:judge_build")


def judge(
    out: Annotated[Path, typer.Argument(help="A build folder.")],
    model: Annotated[
        str,
        typer.Option("--model", help="openai:MODEL (with --base-url for a local server)."),
    ],
    rubric: Annotated[
        str,
        typer.Option(
            help="read@1: every duo on the human rubric; pairwise@1: every image's two "
            "captions, in both orders."
        ),
    ] = JUDGE.rubric,
    repeats: Annotated[
        int,
        typer.Option(
            min=1,
            help="Ask each request this many times (other seeds); the verdict is their median "
            "or most frequent value.",
        ),
    ] = JUDGE.repeats,
    tasks: Annotated[
        Path | None,
        typer.Option(
            "--tasks",
            help="A llavar2 human-eval sample folder of OUT: rate its tasks, so that "
            "human-eval analyze sets the judge against its raters (default: OUT/judge, every "
            "duo and image).",
        ),
    ] = None,
    with_image: Annotated[
        bool,
        typer.Option(
            "--with-image",
            help="Attach the image too (the default gives the caption and the OCR text, as "
            "LLaVA's GPT-4 review did).",
        ),
    ] = False,
    temperature: Annotated[
        float, typer.Option(min=0.0, help="Sampling temperature.")
    ] = OPENAI.temperature,
    base_url: Annotated[str | None, opt.base_url()] = None,
    api_key_env: Annotated[str | None, opt.api_key_env()] = None,
    concurrency: Annotated[int | None, opt.concurrency()] = None,
    timeout: Annotated[float | None, opt.timeout()] = None,
    max_requests: Annotated[int | None, opt.max_requests()] = None,
    image_max_side: Annotated[int | None, opt.image_max_side()] = None,
    no_cache: opt.NoCache = False,
    max_pixels: Annotated[int, opt.max_pixels("are not sent")] = DEFAULT_MAX_PIXELS,
) -> None:
    """A chat model rates the build like the human raters (LLaVA's GPT-4 review protocol);
    its ratings file has a rater's schema: <folder>/ratings/ratings-judge-<rubric>.json."""
    from ..human_eval.judge import judge_build

    if not model.startswith("openai:") or not model.removeprefix("openai:"):
        raise usage_error("--model must be openai:MODEL")
    config = openai_settings(
        base_url, api_key_env, concurrency, timeout, max_requests, image_max_side, no_cache
    ).model_copy(update={"model": model.removeprefix("openai:"), "temperature": temperature})
    try:
        with usage_errors():
            path, summary = judge_build(out, config, rubric, repeats, tasks, with_image, max_pixels)
    except RunIncomplete as e:  # budget spent or the server kept failing
        raise incomplete(
            f"{e}; no ratings file written (replies so far are in the response cache: the "
            "same command again reuses them)"
        ) from None
    console.print(
        f"{summary['tasks']} tasks judged ({summary['requests']} requests, "
        f"{summary['cache_hits']} from the cache); unparsable replies: "
        f"{summary['parse_failures']}; position flips: {summary['position_flips']}"
        f" → {path}"
    )
