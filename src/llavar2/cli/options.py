"""Options that several commands share, declared once: ``progress: Progress = True``.

An option some command shows in a help panel of its own is a function of the panel:
``progress: Annotated[bool, progress(EVAL_RUN)] = True``. Defaults and lists of names come from
their owners (``Defaults``, ``described``), read only when needed (``late``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from .late import Defaults, Late, LateHelp, attribute, described

BUILD = Defaults("llavar2.config:BuildConfig")
OPENAI = Defaults("llavar2.config:OpenAIConfig")
RAY = Defaults("llavar2.runners.ray_session:RayConfig")
ANSWERS = Defaults("llavar2.evaluate.answerers:AnswererOptions")

ENGINE_NAMES = described("llavar2.ocr:ENGINES")


def _option(*names: str, **settings: Any) -> Callable[..., Any]:
    """An option declared once; ``option(panel)`` puts it in that help panel."""

    def option(panel: str | None = None) -> Any:
        return typer.Option(*names, rich_help_panel=panel, **settings)

    return option


progress = _option(help="Show progress bars.")
no_cache = _option("--no-cache", help="Do not read or write the caches.")
runner = _option(help="local (this machine) or ray (Ray Data: a local Ray, or --ray-address).")
ray_address = _option(
    help="Ray cluster to join, e.g. ray://head:10001 or auto (default: start one)."
)
ray_actors = _option(
    min=1,
    help=LateHelp("Actors, each with its own model (--runner ray; default: {}).", RAY.actors),
)
ray_gpus = _option(
    min=0, help=LateHelp("GPUs per actor (--runner ray; default: {}).", RAY.num_gpus)
)

Progress = Annotated[bool, progress()]
NoCache = Annotated[bool, no_cache()]
Runner = Annotated[str, runner()]
RayAddress = Annotated[str | None, ray_address()]


def max_pixels(effect: str, panel: str | None = None) -> Any:
    """--max-pixels, the decompression-bomb guard; ``effect``: what befalls a larger image."""
    return typer.Option(
        min=1, help=f"Images with more pixels than this {effect}.", rich_help_panel=panel
    )


# The OCR of build and ocr.
Engine = Annotated[str, typer.Option(help=LateHelp("OCR engine: {}.", ENGINE_NAMES))]
Language = Annotated[
    str,
    typer.Option(
        help="Language of the images' text (ISO 639-1, e.g. en, ms, zh): OCR lines mostly in "
        "another script, or that do not read as text, are flagged, not quoted."
    ),
]
Workers = Annotated[int, typer.Option(min=1, help="OCR worker processes.")]
CacheDir = Annotated[Path | None, typer.Option(help="Cache folder (default: ~/.cache/llavar2).")]

# How an extractive answer must be grounded (build, and the grounding rule of filter).
grounding = _option(
    help="How an extractive answer must be written in the clean OCR text or the enriched "
    "caption: fuzzy (up to OCR-like edits, digits exact) or exact."
)
grounding_min_score = _option(min=0.51, max=1.0, help="Least match score of a fuzzy grounding.")

# An OpenAI-compatible server's client (build --backend openai, evaluate, robustness, judge;
# score's openai scorer has settings of its own: ``owner``).
base_url = _option(help="Server, e.g. http://localhost:8000/v1 (default: OpenAI's).")
max_requests = _option(min=0, help="Stop after this many requests this run (retries count).")
timeout = _option(
    min=0.001, help=LateHelp("Seconds per request attempt (default: {}).", OPENAI.timeout)
)
image_max_side = _option(
    min=16,
    help=LateHelp(
        "Downscale images sent to this longer side, pixels (default: {}).", OPENAI.image_max_side
    ),
)


def api_key_env(panel: str | None = None, owner: Defaults = OPENAI) -> Any:
    return typer.Option(
        help=LateHelp(
            "NAME of the environment variable holding the API key (default: {}).",
            owner.api_key_env,
        ),
        rich_help_panel=panel,
    )


def concurrency(panel: str | None = None, owner: Defaults = OPENAI) -> Any:
    return typer.Option(
        min=1,
        help=LateHelp("Requests in flight (default: {}).", owner.concurrency),
        rich_help_panel=panel,
    )


# A model answering a benchmark (evaluate, robustness).
model = _option(
    "--model",
    help=LateHelp(
        "Who answers: {}.",
        described("llavar2.evaluate.answerers:ANSWERERS"),
    ),
)
benchmark = _option(
    "--benchmark",
    help=LateHelp(
        "The benchmark, in one of these formats: {}.",
        described("llavar2.evaluate:FORMATS"),
    ),
)
images = _option(
    "--images",
    help="Folder the benchmark's image paths are relative to (default for a build: its "
    "images folder).",
)
benchmark_format = _option("--format", help="Benchmark format (default: detected).")
task = _option(
    "--task",
    help=LateHelp(
        "Prompt suffix and metrics of this task instead of the format's: {}.",
        described("llavar2.evaluate:TASKS"),
    ),
)
metrics = _option(
    "--metrics",
    help=LateHelp(
        "Comma-separated metrics (with a benchmark: instead of the task's; the first is the "
        "headline score): {}.",
        described("llavar2.metrics:METRICS"),
    ),
)
with_ocr = _option(
    "--with-ocr", help="Put the OCR text in the prompt as LLaVAR-2's evaluation did."
)
ocr_engine = _option(
    help=LateHelp(
        "OCR engine for --with-ocr and ocr-baseline: {} (default: {}).",
        ENGINE_NAMES,
        Late(lambda: attribute("llavar2.ocr.base:DEFAULT_ENGINE")),
    )
)
limit = _option(min=1, help="Only the first N items.")
max_new_tokens = _option(
    min=1, help=LateHelp("Longest answer, in tokens (default: {}).", ANSWERS.max_new_tokens)
)
device = _option(help="Device of an hf model, e.g. cpu, cuda, cuda:1 (default: cuda if any).")

BootstrapSeed = Annotated[int, typer.Option(help="Seed of the bootstrap intervals.")]
