"""What evaluate, robustness and judge share: the benchmark, the model that answers it, and the
settings of an OpenAI-compatible client."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..paths import default_cache_dir
from .common import checked_settings, resumable, usage_error, usage_errors

if TYPE_CHECKING:
    from ..config import OpenAIConfig
    from ..evaluate import Benchmark
    from ..evaluate.answerers import Answerer, AnswererOptions


def openai_settings(
    base_url: str | None,
    api_key_env: str | None,
    concurrency: int | None,
    timeout: float | None,
    max_requests: int | None,
    image_max_side: int | None,
    no_cache: bool,
) -> OpenAIConfig:
    """The client's settings: those given, OpenAIConfig's defaults for the others."""
    from ..config import OpenAIConfig

    given: dict[str, Any] = {  # validated by OpenAIConfig
        "base_url": base_url,
        "api_key_env": api_key_env,
        "concurrency": concurrency,
        "timeout": timeout,
        "max_requests": max_requests,
        "image_max_side": image_max_side,
    }
    with checked_settings():  # the model is named by --model openai:MODEL; "-" until then
        return OpenAIConfig(
            model="-",
            temperature=0.0,
            **{k: v for k, v in given.items() if v is not None},
            cache=None if no_cache else default_cache_dir() / "responses.sqlite3",
        )


def answerer_options(
    openai_config: OpenAIConfig | None,
    max_new_tokens: int | None,
    device: str | None,
    max_pixels: int,
) -> AnswererOptions:
    """The answerer's options: those given, AnswererOptions' defaults for the others (None)."""
    from ..evaluate.answerers import AnswererOptions

    options = AnswererOptions(openai=openai_config, device=device, max_pixels=max_pixels)
    return options if max_new_tokens is None else replace(options, max_new_tokens=max_new_tokens)


def answerer(model: str, options: AnswererOptions) -> Answerer:
    """The model ``--model`` names."""
    from ..evaluate.answerers import make_answerer

    with usage_errors(ValueError):
        return make_answerer(model, options)


@contextmanager
def answering(answerer: Answerer) -> Iterator[None]:
    """A model answering a benchmark: usage errors exit 2, a run stopped by its budget or a
    failing server exits 4 (the answers so far are kept); the answerer is closed either way."""
    try:
        with usage_errors(), resumable("answers"):
            yield
    finally:
        answerer.close()


def benchmark(
    path: Path, format: str | None, images: Path | None, limit: int | None
) -> tuple[Benchmark, Path]:
    """The benchmark (its first ``limit`` items) and the folder its images are in."""
    from ..evaluate import load_benchmark

    with usage_errors():
        bench = load_benchmark(path, format)
    images_dir = images or bench.images_dir
    if images_dir is None or not images_dir.is_dir():
        raise usage_error(f"--images {images_dir} is not a folder")
    if limit:
        bench.items = bench.items[:limit]
    return bench, images_dir
