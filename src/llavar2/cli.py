"""Command line: ``llavar2 build | ocr | score | filter | export | report | evaluate | robustness |
demo``.

Exit status: 0 when every input was used, 3 when some inputs were rejected and the rest were
built (see OUT/rejects.jsonl), 2 for unusable arguments, 4 when a build stopped early (budget
spent, server unavailable) and the same command continues it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from .errors import RunIncomplete, UsageError
from .imaging import DEFAULT_MAX_PIXELS
from .paths import default_cache_dir
from .validate.settings import TrainSettings

if TYPE_CHECKING:  # imported where used: the build settings pull in the OCR quality gate
    from .config import BuildConfig, OpenAIConfig

EXIT_OK, EXIT_USAGE, EXIT_REJECTS, EXIT_INCOMPLETE = 0, 2, 3, 4

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Build LLaVAR-2-style instruction data from text-rich images.",
)
console = Console(stderr=True)
OPENAI = "--backend openai"


def _usage_error(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(EXIT_USAGE)


def _print_summary(summary: dict[str, Any], out: Path) -> None:
    counts, seconds = summary["counts"], summary["seconds"]
    table = Table(title=f"llavar2 build → {out}")
    table.add_column("what")
    table.add_column("value", justify="right")
    for key in (
        "images",
        "ocr_lines",
        "ocr_flagged_lines",
        "captions",
        "duo_conversations",
        "llava_samples",
        "rejects",
    ):
        table.add_row(key.replace("_", " "), str(counts.get(key, 0)))
    for stage, secs in seconds.items():
        table.add_row(f"seconds: {stage}", f"{secs:.2f}")
    if generation := summary.get("generation"):
        for key in ("requests", "retries", "cache_hits", "prompt_tokens", "completion_tokens"):
            table.add_row(key.replace("_", " "), str(generation[key]))
        cost = generation["cost_usd"]
        table.add_row("cost (USD)", "no price" if cost is None else f"{cost:.4f}")
    Console().print(table)
    for reason, n in counts["reject_reasons"].items():
        console.print(f"  rejected {n} × {reason}")
    for reason, n in counts["dropped_duo_reasons"].items():
        console.print(f"  dropped {n} duo conversations × {reason}")


RUNNERS = ("local", "ray")
RUNNER_HELP = "local (this machine) or ray (Ray Data: a local Ray, or --ray-address)."
RAY_ADDRESS_HELP = "Ray cluster to join, e.g. ray://head:10001 or auto (default: start one)."
GROUNDING_HELP = (
    "How an extractive answer must be written in the clean OCR text or the "
    "enriched caption: fuzzy (up to OCR-like edits, digits exact) or exact."
)
GROUNDING_MIN_SCORE_HELP = "Least match score of a fuzzy grounding."


def _ray_config(runner: str, ray_address: str | None, **given: Any) -> Any:
    """The Ray settings for ``--runner ray``; None for the local runner."""
    if runner not in RUNNERS:
        raise _usage_error(f"--runner {runner!r}: expected {' or '.join(RUNNERS)}")
    if runner == "local":
        if ray_address is not None:
            raise _usage_error("--ray-address: only with --runner ray")
        return None
    from .runners.ray_session import RayConfig

    return RayConfig(address=ray_address, **{k: v for k, v in given.items() if v is not None})


def _run_build(cfg: BuildConfig, ray: Any = None) -> None:
    from .ocr import EngineUnavailable

    try:
        if ray is None:
            from .runners.local import build

            summary = build(cfg)
        else:
            from .runners.ray_build import build as ray_build

            summary = ray_build(cfg, ray)
    except (UsageError, EngineUnavailable) as e:
        raise _usage_error(str(e)) from None
    _print_summary(summary, cfg.out)
    if summary["incomplete"]:
        console.print(f"[yellow]incomplete:[/yellow] {summary['incomplete']}")
        raise typer.Exit(EXIT_INCOMPLETE)
    if summary["counts"]["rejects"]:
        console.print(f"some inputs were rejected: see {cfg.out / 'rejects.jsonl'}")
        raise typer.Exit(EXIT_REJECTS)


def _language(language: str) -> str:
    """--language checked against the OCR quality gate's languages."""
    from .ocr.gate import check_language

    try:
        return check_language(language)
    except ValueError as e:
        raise _usage_error(f"--language: {e}") from None


@app.command()
def build(
    images: Path = typer.Option(..., "--images", help="Folder of images."),
    captions: Path = typer.Option(
        ..., "--captions", help="Manifest: JSONL, CSV, Parquet or LLaVA JSON."
    ),
    out: Path = typer.Option(..., "--out", help="Output folder (rerun to resume)."),
    backend: str = typer.Option("offline", help="Generation backend."),
    engine: str = typer.Option("rapidocr", help="OCR engine: rapidocr or tesseract."),
    language: str = typer.Option(
        "en",
        help="Language of the images' text (ISO 639-1, e.g. en, ms, zh): OCR lines "
        "mostly in another script, or that do not read as text, are flagged, not quoted.",
    ),
    workers: int = typer.Option(1, min=1, help="OCR worker processes."),
    seed: int = typer.Option(
        0, help="Seed of the generator (sent to the model with --backend openai)."
    ),
    n_duos: int = typer.Option(4, min=1, help="Duo conversations per image (at most)."),
    grounding: str = typer.Option("fuzzy", help=GROUNDING_HELP),
    grounding_min_score: float = typer.Option(
        0.8, min=0.51, max=1.0, help=GROUNDING_MIN_SCORE_HELP
    ),
    max_pixels: int = typer.Option(
        DEFAULT_MAX_PIXELS, min=1, help="Reject images with more pixels than this."
    ),
    cache_dir: Path | None = typer.Option(
        None, help="Cache folder: OCR results and model replies (default: ~/.cache/llavar2)."
    ),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not read or write the caches."),
    progress: bool = typer.Option(True, help="Show progress bars."),
    runner: str = typer.Option("local", help=RUNNER_HELP),
    ray_address: str | None = typer.Option(None, help=RAY_ADDRESS_HELP),
    model: str | None = typer.Option(
        None, help="Model name, e.g. gpt-4o.", rich_help_panel=OPENAI
    ),
    base_url: str | None = typer.Option(
        None,
        help="Server, e.g. http://localhost:8000/v1 (default: OpenAI's).",
        rich_help_panel=OPENAI,
    ),
    api_key_env: str | None = typer.Option(
        None,
        help="NAME of the environment variable holding the API key (default: OPENAI_API_KEY).",
        rich_help_panel=OPENAI,
    ),
    concurrency: int | None = typer.Option(
        None, min=1, help="Requests in flight (default: 16).", rich_help_panel=OPENAI
    ),
    timeout: float | None = typer.Option(
        None, min=0.001, help="Seconds per request attempt (default: 120).", rich_help_panel=OPENAI
    ),
    max_requests: int | None = typer.Option(
        None,
        min=0,
        help="Stop after this many requests this run (retries count).",
        rich_help_panel=OPENAI,
    ),
    max_tokens_total: int | None = typer.Option(
        None, min=0, help="Stop once this run has used this many tokens.", rich_help_panel=OPENAI
    ),
    image_max_side: int | None = typer.Option(
        None,
        min=16,
        help="Downscale images to this longer side, pixels (default: 1024).",
        rich_help_panel=OPENAI,
    ),
    image_detail: str | None = typer.Option(
        None, help="auto, low or high (default: auto).", rich_help_panel=OPENAI
    ),
    temperature: float | None = typer.Option(
        None, min=0, help="Sampling temperature (default: 0.2).", rich_help_panel=OPENAI
    ),
    response_format: str | None = typer.Option(
        None,
        help="json_schema, json_object or none (instructions only) "
        "(default: json_schema; downgraded if the server refuses it).",
        rich_help_panel=OPENAI,
    ),
    prices: Path | None = typer.Option(
        None,
        help='JSON price table {"models": {NAME: {"input": $/1M tokens, '
        '"output": $/1M tokens}}} over the bundled one.',
        rich_help_panel=OPENAI,
    ),
) -> None:
    """Ingest → OCR → detail-enriched captions → duo conversations → OUT/llava.json."""
    from .config import BuildConfig, OpenAIConfig

    ray = _ray_config(runner, ray_address)
    language = _language(language)
    if grounding not in ("fuzzy", "exact"):
        raise _usage_error(f"--grounding {grounding}: give fuzzy or exact")
    if not images.is_dir():
        raise _usage_error(f"--images {images} is not a folder")
    if not captions.is_file():
        raise _usage_error(f"--captions {captions} is not a file")
    cache = None if no_cache else (cache_dir or default_cache_dir())
    given = {
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
    if backend == "openai":
        if "model" not in given:
            raise _usage_error("--backend openai needs --model")
        if prices is not None and not prices.is_file():
            raise _usage_error(f"--prices {prices} is not a file")
        try:
            openai_config = OpenAIConfig(**given, cache=cache and cache / "responses.sqlite3")
        except ValidationError as e:
            problems = "; ".join(
                f"--{'-'.join(map(str, err['loc'])).replace('_', '-')}: {err['msg']}"
                for err in e.errors()
            )
            raise _usage_error(problems) from None
    elif given:
        flags = ", ".join("--" + key.replace("_", "-") for key in given)
        raise _usage_error(f"{flags}: only with --backend openai")
    _run_build(
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
            grounding=grounding,
            grounding_min_score=grounding_min_score,
            max_pixels=max_pixels,
            cache_dir=cache,
            progress=progress,
            openai=openai_config,
        ),
        ray,
    )


@app.command("ocr")
def ocr_command(
    images: Path = typer.Argument(..., help="Folder of images (searched recursively)."),
    out: Path = typer.Option(..., "--out", help="Output JSONL (rerun to resume)."),
    engine: str = typer.Option("rapidocr", help="OCR engine: rapidocr or tesseract."),
    language: str = typer.Option(
        "en",
        help="Language of the images' text (ISO 639-1, e.g. en, ms, zh): OCR lines "
        "mostly in another script, or that do not read as text, are flagged, not quoted.",
    ),
    workers: int = typer.Option(1, min=1, help="Worker processes."),
    cache_dir: Path | None = typer.Option(
        None, help="OCR cache folder (default: ~/.cache/llavar2)."
    ),
    no_cache: bool = typer.Option(False, "--no-cache"),
    max_pixels: int = typer.Option(
        DEFAULT_MAX_PIXELS, min=1, help="Reject images with more pixels than this."
    ),
    progress: bool = typer.Option(True, help="Show a progress bar."),
    runner: str = typer.Option("local", help=RUNNER_HELP),
    ray_address: str | None = typer.Option(None, help=RAY_ADDRESS_HELP),
) -> None:
    """OCR every image under a folder: one JSON line per image, lines in reading order."""
    from contextlib import nullcontext

    from tqdm import tqdm

    from . import ocr
    from .jsonl import ResumableJsonl
    from .records import Reject

    ray = _ray_config(runner, ray_address)
    language = _language(language)
    if not images.is_dir():
        raise _usage_error(f"{images} is not a folder")
    if out.is_dir():
        raise _usage_error(f"--out {out} is a folder; name the JSONL file to write")
    try:
        ocr.get_engine(engine)
    except (KeyError, ocr.EngineUnavailable) as e:
        raise _usage_error(str(e).strip('"')) from None
    cache = None if no_cache else (cache_dir or default_cache_dir()) / "ocr"
    rejects_path = out.with_name(out.stem + ".rejects.jsonl")
    # Results are keyed by image id; rejects by path, since unreadable files may share bytes.
    if ray is not None:
        from .runners.ray_session import ray_session, remove_stale_spills

        remove_stale_spills(out.parent)
    with (
        ResumableJsonl(out, lambda o: o["id"], compact=True) as results,
        ResumableJsonl(rejects_path, lambda o: o["image"], compact=True) as rejects,
        nullcontext() if ray is None else ray_session(ray),
    ):

        def todo() -> Iterator[Any]:  # streams: unreadable files are recorded as they are met
            for r in ocr.scan_images(images, max_pixels):
                if isinstance(r, Reject):
                    if r.image not in rejects.done:
                        rejects.write(r)
                elif r.id not in results.done and r.image not in rejects.done:
                    yield r

        if ray is None:
            found = ocr.run_ocr(
                todo(),
                images,
                engine=engine,
                workers=workers,
                cache_dir=cache,
                progress=progress,
                max_pixels=max_pixels,
                language=language,
            )
        else:
            from .runners.ray_build import run_ocr

            found = tqdm(
                run_ocr(todo(), images, engine, cache, max_pixels, ray, out.parent, language),
                desc=f"ocr ({engine}, ray)",
                unit="img",
                disable=not progress,
            )
        for result in found:
            (rejects if isinstance(result, Reject) else results).write(result)
        n_ok, n_bad = len(results.done), len(rejects.done)
    console.print(
        f"{n_ok} images → {out}" + (f"; {n_bad} rejected → {rejects_path}" if n_bad else "")
    )
    if n_bad:
        raise typer.Exit(EXIT_REJECTS)


SCORE_OPENAI = "openai scorer"


@app.command("score")
def score_command(
    out: Path = typer.Argument(..., help="A build folder; scores go to OUT/scores.jsonl."),
    scorer: str = typer.Option(..., "--scorer", help="NAME:ARG, e.g. hf:/models/llava-1.5-7b."),
    context: str = typer.Option(
        "auto",
        help="image, facts (caption + OCR text stand in for "
        "the image) or auto (image when the model sees images).",
    ),
    batch_size: int | None = typer.Option(
        None, min=1, help="Sequences per forward pass (default: 16)."
    ),
    padding_side: str | None = typer.Option(None, help="left or right (default: right)."),
    dtype: str | None = typer.Option(
        None,
        help="auto, float32, bfloat16 or float16 "
        "(default: auto: bfloat16 on a GPU, float32 on CPU).",
    ),
    device: str | None = typer.Option(None, help="e.g. cpu, cuda, cuda:1 (default: auto)."),
    max_length: int | None = typer.Option(
        None,
        min=2,
        help="Longest request in tokens; "
        "longer ones are unscorable (default: the "
        "model's context).",
    ),
    max_pixels: int | None = typer.Option(
        None,
        min=1,
        help="Images with more pixels are unscorable (default: the build's --max-pixels).",
    ),
    base_url: str | None = typer.Option(
        None,
        help="Server URL, e.g. http://localhost:8000/v1 (openai scorer).",
        rich_help_panel=SCORE_OPENAI,
    ),
    api_key_env: str | None = typer.Option(
        None,
        help="Environment variable holding the API key (default: OPENAI_API_KEY).",
        rich_help_panel=SCORE_OPENAI,
    ),
    concurrency: int | None = typer.Option(
        None, min=1, help="Requests in flight (default: 16).", rich_help_panel=SCORE_OPENAI
    ),
    max_requests: int | None = typer.Option(
        None, min=0, help="HTTP request budget for this run.", rich_help_panel=SCORE_OPENAI
    ),
    text_only: bool = typer.Option(
        False,
        "--text-only",
        help="The served model does not see images (its scores use the facts).",
        rich_help_panel=SCORE_OPENAI,
    ),
    no_cache: bool = typer.Option(
        False,
        "--no-cache",
        help="Do not read or write the score cache.",
        rich_help_panel=SCORE_OPENAI,
    ),
    progress: bool = typer.Option(True, help="Show a progress bar."),
    runner: str = typer.Option("local", help=RUNNER_HELP),
    ray_address: str | None = typer.Option(None, help=RAY_ADDRESS_HELP),
    ray_actors: int | None = typer.Option(
        None, min=1, help="Scoring actors, each with its own model (--runner ray; default: 1)."
    ),
    ray_gpus: float | None = typer.Option(
        None, min=0, help="GPUs per scoring actor (--runner ray; default: 0)."
    ),
) -> None:
    """Score every duo conversation of a build: L(X|C) terms, IFD, VFD, mIFD, FFD (resumable).

    Scorers: hf:PATH (a local transformers model) or openai:MODEL with --base-url (a server
    that returns prompt log-probabilities, such as vLLM)."""
    from .score import make_scorer, score_build

    ray = _ray_config(runner, ray_address, actors=ray_actors, num_gpus=ray_gpus)
    if ray is None and (ray_actors is not None or ray_gpus is not None):
        raise _usage_error("--ray-actors, --ray-gpus: only with --runner ray")
    if context not in ("image", "facts", "auto"):
        raise _usage_error(f"--context {context!r}: expected image, facts or auto")
    if max_pixels is None:
        from .runners.outputs import recorded_max_pixels

        try:
            max_pixels = recorded_max_pixels(out)
        except UsageError as e:
            raise _usage_error(str(e)) from None
    if scorer.startswith("openai:"):
        if base_url is None:
            raise _usage_error("the openai scorer needs --base-url")
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
    try:
        if ray is not None:
            from .runners.ray_score import score_build as ray_score_build

            summary = ray_score_build(
                out,
                scorer,
                options,
                context,
                progress,  # type: ignore
                ray,
            )
        else:
            model = make_scorer(scorer, **options)
            try:
                summary = score_build(out, model, context, progress)  # type: ignore[arg-type]
            finally:
                model.close()
    except UsageError as e:
        raise _usage_error(str(e)) from None
    except RunIncomplete as e:  # budget spent or the server kept failing: rerun to continue
        console.print(
            f"[yellow]incomplete:[/yellow] {e}; the scores so far are kept, run the "
            "same command again to continue"
        )
        raise typer.Exit(EXIT_INCOMPLETE) from None
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


def _limit(option: str, value: str) -> float | None:
    """A score threshold: a number, or "none" for no threshold."""
    if value.strip().lower() == "none":
        return None
    try:
        return float(value)
    except ValueError:
        raise _usage_error(f"{option} {value!r}: give a number or none") from None


FILTER_RULES = "Rule filters"
FILTER_SCORES = "Score selection (needs OUT/scores.jsonl)"


@app.command("filter")
def filter_command(
    out: Path = typer.Argument(..., help="A build folder."),
    rules: str = typer.Option(
        "length,injection,refusal,language,grounding,exact_duplicate,near_duplicate",
        help="Rule filters to apply, in order (the first that fires gives the reason).",
        rich_help_panel=FILTER_RULES,
    ),
    min_question_words: int = typer.Option(2, min=0, rich_help_panel=FILTER_RULES),
    min_explanation_words: int = typer.Option(3, min=0, rich_help_panel=FILTER_RULES),
    max_answer_words: int = typer.Option(
        32, min=1, help="Longest extractive answer.", rich_help_panel=FILTER_RULES
    ),
    max_turn_words: int = typer.Option(256, min=1, rich_help_panel=FILTER_RULES),
    near_dup_threshold: float = typer.Option(
        0.8,
        min=0.01,
        max=1.0,
        help="Estimated Jaccard similarity (word shingles) at which a "
        "duo is a near duplicate of an earlier one.",
        rich_help_panel=FILTER_RULES,
    ),
    shingle: int = typer.Option(3, min=1, help="Words per shingle.", rich_help_panel=FILTER_RULES),
    num_perm: int = typer.Option(
        128, min=1, help="MinHash permutations.", rich_help_panel=FILTER_RULES
    ),
    seed: int = typer.Option(0, help="MinHash seed.", rich_help_panel=FILTER_RULES),
    min_latin: float = typer.Option(
        0.5, min=0, max=1, help="Least share of Latin letters.", rich_help_panel=FILTER_RULES
    ),
    min_common_share: float = typer.Option(
        0.2,
        min=0,
        max=1,
        help="Least share of common English words (texts of 8+ words).",
        rich_help_panel=FILTER_RULES,
    ),
    grounding: str = typer.Option("fuzzy", help=GROUNDING_HELP, rich_help_panel=FILTER_RULES),
    grounding_min_score: float = typer.Option(
        0.8, min=0.51, max=1.0, help=GROUNDING_MIN_SCORE_HELP, rich_help_panel=FILTER_RULES
    ),
    mifd_max: str = typer.Option(
        "1", help="Drop mIFD above this (none: no threshold).", rich_help_panel=FILTER_SCORES
    ),
    ffd_max: str = typer.Option(
        "1", help="Drop FFD above this (none: no threshold).", rich_help_panel=FILTER_SCORES
    ),
    ifd_max: str = typer.Option("none", help="Drop IFD above this.", rich_help_panel=FILTER_SCORES),
    vfd_max: str = typer.Option("none", help="Drop VFD above this.", rich_help_panel=FILTER_SCORES),
    top_k: int | None = typer.Option(
        None, min=0, help="Then keep the best N.", rich_help_panel=FILTER_SCORES
    ),
    top_fraction: float | None = typer.Option(
        None,
        help="Then keep the best fraction, in (0, 1] (rounded down).",
        rich_help_panel=FILTER_SCORES,
    ),
    rank_by: str = typer.Option(
        "mifd",
        help="Score that ranks for --top-k / --top-fraction "
        "(mifd, ffd, ifd or vfd; lower is better).",
        rich_help_panel=FILTER_SCORES,
    ),
    keep_unscorable: bool = typer.Option(
        False,
        "--keep-unscorable",
        help="Keep duos whose needed score is None.",
        rich_help_panel=FILTER_SCORES,
    ),
    progress: bool = typer.Option(True, help="Show a progress bar."),
) -> None:
    """Rule filters, then score thresholds, then top-k: OUT/kept.jsonl, OUT/dropped.jsonl
    (each dropped duo with its reason) and OUT/filter_report.json."""
    from .filter.config import FilterConfig, ScoreSelection
    from .filter.scores import SCORES
    from .filter.stage import DROPPED, KEPT, REPORT, run_filter

    if not out.is_dir():
        raise _usage_error(f"{out} is not a folder")
    try:
        cfg = FilterConfig(
            rules=[r.strip() for r in rules.split(",") if r.strip()],
            rule_params={
                "length": {
                    "min_question_words": min_question_words,
                    "min_explanation_words": min_explanation_words,
                    "max_answer_words": max_answer_words,
                    "max_turn_words": max_turn_words,
                },
                "near_duplicate": {
                    "threshold": near_dup_threshold,
                    "shingle": shingle,
                    "num_perm": num_perm,
                    "seed": seed,
                },
                "language": {"min_latin": min_latin, "min_common_share": min_common_share},
                "grounding": {"mode": grounding, "min_score": grounding_min_score},
            },
            scores=ScoreSelection(
                mifd_max=_limit("--mifd-max", mifd_max),
                ffd_max=_limit("--ffd-max", ffd_max),
                ifd_max=_limit("--ifd-max", ifd_max),
                vfd_max=_limit("--vfd-max", vfd_max),
                top_k=top_k,
                top_fraction=top_fraction,
                rank_by=rank_by,
                keep_unscorable=keep_unscorable,
            ),
        )
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors()
        )
        raise _usage_error(problems) from None
    try:
        report = run_filter(out, cfg, progress=progress)
    except UsageError as e:
        raise _usage_error(str(e)) from None
    if report["scores"] is None:
        console.print(
            f"no {SCORES} in {out}: the rule filters alone were applied "
            "(run llavar2 score first to select by mIFD / FFD)"
        )
    elif missing := report["scores"]["duos_without_scores"]:
        console.print(
            f"[yellow]{missing} duos have no line in {SCORES}[/yellow] "
            "(dropped as unscorable unless --keep-unscorable)"
        )
    dropped = report["dropped"]
    table = Table(title=f"llavar2 filter → {out}")
    table.add_column("reason")
    table.add_column("duos", justify="right")
    for reason, n in dropped["by_reason"].items():
        table.add_row(f"dropped: {reason}", str(n))
    table.add_row("input", str(report["input"]["duos"]), end_section=False)
    table.add_row("kept", str(report["kept"]["duos"]))
    table.add_row("dropped", str(dropped["duos"]))
    Console().print(table)
    console.print(f"kept → {out / KEPT}; dropped → {out / DROPPED}; report → {out / REPORT}")


@app.command("export")
def export_command(
    out: Path = typer.Argument(..., help="A build folder."),
    format: str = typer.Option(
        "llava",
        "--format",
        help="llava (LLaVA JSON), messages "
        "(OpenAI/TRL JSONL), parquet (a folder of Hugging Face Parquet "
        "shards with the images embedded) or sharegpt (LLaMA-Factory, "
        "with its dataset_info.json).",
    ),
    to: Path | None = typer.Option(
        None, help="Output file or folder [default: inside the build folder]."
    ),
    all_duos: bool = typer.Option(
        False, "--all", help="Export every duo, even when llavar2 filter has made kept.jsonl."
    ),
    balance: str | None = typer.Option(
        None,
        "--balance",
        help="An image dimension (source, "
        "kind, script, language, text_density, resolution) "
        "whose categories --cap limits.",
    ),
    cap: float | None = typer.Option(
        None,
        "--cap",
        min=0,
        max=1,
        help="With --balance: the largest share of the samples any category may have.",
    ),
    seed: int = typer.Option(0, help="With --balance: which samples a capped category keeps."),
) -> None:
    """Write a build's captions and duo conversations in a trainer's format: the duos that
    llavar2 filter kept when OUT/kept.jsonl exists, else all of them."""
    from .export import EXPORTERS, export, export_balanced, has_kept_set

    if not (out / "captions.jsonl").is_file():
        raise _usage_error(f"{out} is not a build folder (no captions.jsonl)")
    if format not in EXPORTERS.names():
        raise _usage_error(f"unknown format {format!r} (known: {', '.join(EXPORTERS.names())})")
    if (balance is None) != (cap is None):
        raise _usage_error("--balance and --cap go together")
    kept = has_kept_set(out) and not all_duos
    per_category = None
    try:
        if balance is not None and cap is not None:
            path, n, per_category = export_balanced(out, format, to, kept, balance, cap, seed)
        else:
            path, n = export(out, format, to, kept=kept)
    except UsageError as e:
        raise _usage_error(str(e)) from None
    which = "the kept duos (kept.jsonl)" if kept else "all duos (conversations.jsonl)"
    console.print(f"{n} samples → {path}: captions and {which}")
    if per_category is not None:
        console.print(
            f"balanced by {balance} (cap {cap:.0%}): "
            + ", ".join(f"{c} {k['kept']}/{k['samples']}" for c, k in per_category.items())
        )


@app.command("report")
def report_command(
    out: Path = typer.Argument(..., help="A build folder; the report goes to OUT/report/."),
    reference: Path | None = typer.Option(
        None, "--reference", help="Another build folder to compare with, side by side."
    ),
    max_pixels: int | None = typer.Option(
        None,
        min=1,
        help="Pictures with more pixels get no thumbnail (default: the build's --max-pixels).",
    ),
    progress: bool = typer.Option(True, help="Show a progress bar."),
) -> None:
    """The dataset report (OUT/report/report.md with PNG charts) and a static HTML browser of
    the images (OUT/report/browser/index.html), from whatever files the build has."""
    from .report import run_report

    for folder in (out, reference):
        if folder is not None and not folder.is_dir():
            raise _usage_error(f"{folder} is not a folder")
    try:
        result = run_report(out, reference, progress=progress, max_pixels=max_pixels)
    except UsageError as e:
        raise _usage_error(str(e)) from None
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


EVAL_RUN = "Run a model on a benchmark"
EVAL_FILES = "Score predictions files"


def _openai_settings(
    base_url: str | None,
    api_key_env: str | None,
    concurrency: int | None,
    timeout: float | None,
    max_requests: int | None,
    image_max_side: int | None,
    no_cache: bool,
) -> OpenAIConfig:
    from .config import OpenAIConfig

    given = {
        "base_url": base_url,
        "api_key_env": api_key_env,
        "concurrency": concurrency,
        "timeout": timeout,
        "max_requests": max_requests,
        "image_max_side": image_max_side,
    }
    try:  # the model is named by --model openai:MODEL; "-" stands in until then
        return OpenAIConfig(
            model="-",
            temperature=0.0,
            **{k: v for k, v in given.items() if v is not None},
            cache=None if no_cache else default_cache_dir() / "responses.sqlite3",
        )
    except ValidationError as e:
        problems = "; ".join(
            f"--{'-'.join(map(str, err['loc'])).replace('_', '-')}: {err['msg']}"
            for err in e.errors()
        )
        raise _usage_error(problems) from None


def _answerer(
    model: str,
    openai_config: OpenAIConfig,
    max_new_tokens: int,
    device: str | None,
    max_pixels: int,
) -> Any:
    from .evaluate.answerers import AnswererOptions, make_answerer

    try:
        return make_answerer(
            model,
            AnswererOptions(
                max_new_tokens=max_new_tokens,
                openai=openai_config,
                device=device,
                max_pixels=max_pixels,
            ),
        )
    except (UsageError, ValueError) as e:
        raise _usage_error(str(e)) from None


def _print_metrics(title: str, metrics: dict[str, Any]) -> None:
    table = Table(title=title)
    table.add_column("metric")
    table.add_column("score", justify="right")
    table.add_column("reference")
    for name, result in metrics.items():
        table.add_row(name, f"{result['score']:.4f}", result["reference"])
    Console().print(table)


def _print_eval(summary: dict[str, Any], out: Path) -> None:
    counts = summary["counts"]
    _print_metrics(
        f"{summary['model']} on {summary['benchmark']['format']} "
        f"({counts['items']} items, {counts['failed']} failed) → {out}",
        summary["metrics"],
    )
    for reason, n in counts["failed_by_reason"].items():
        console.print(f"  failed {n} × {reason} (scored as empty answers; see {out})")


@contextmanager
def _answering(answerer: Any) -> Iterator[None]:
    """A model answering a benchmark: usage errors exit 2, a run stopped by its budget or a
    failing server exits 4 (the answers so far are kept); the answerer is closed either way."""
    try:
        yield
    except (UsageError, KeyError) as e:
        raise _usage_error(str(e).strip('"')) from None
    except RunIncomplete as e:
        console.print(
            f"[yellow]incomplete:[/yellow] {e}; the answers so far are kept, run the "
            "same command again to continue"
        )
        raise typer.Exit(EXIT_INCOMPLETE) from None
    finally:
        answerer.close()


def _benchmark(
    path: Path, format: str | None, images: Path | None, limit: int | None
) -> tuple[Any, Path]:
    """The benchmark (its first ``limit`` items) and the folder its images are in."""
    from .evaluate import load_benchmark

    try:
        bench = load_benchmark(path, format)
    except UsageError as e:
        raise _usage_error(str(e)) from None
    images_dir = images or bench.images_dir
    if images_dir is None or not images_dir.is_dir():
        raise _usage_error(f"--images {images_dir} is not a folder")
    if limit:
        bench.items = bench.items[:limit]
    return bench, images_dir


@app.command()
def evaluate(
    out: Path = typer.Option(
        ..., "--out", help="Result JSON; predictions and per-item scores go beside it."
    ),
    benchmark: Path | None = typer.Option(
        None,
        "--benchmark",
        help="Benchmark file (JSONL, TextVQA, DocVQA, ChartQA, OCRBench, "
        "TextCaps JSON) or a build folder (its extractive QA).",
        rich_help_panel=EVAL_RUN,
    ),
    images: Path | None = typer.Option(
        None,
        "--images",
        help="Folder the benchmark's image paths are relative to (default "
        "for a build: its images folder).",
        rich_help_panel=EVAL_RUN,
    ),
    model: str | None = typer.Option(
        None,
        "--model",
        help="openai:MODEL (with --base-url), hf:PATH or ocr-baseline.",
        rich_help_panel=EVAL_RUN,
    ),
    format: str | None = typer.Option(
        None, "--format", help="Benchmark format (default: detected).", rich_help_panel=EVAL_RUN
    ),
    task: str | None = typer.Option(
        None,
        "--task",
        help="Prompt suffix and metrics of this "
        "task instead of the format's (textvqa, docvqa, chartqa, "
        "ocrbench, caption, vqa).",
        rich_help_panel=EVAL_RUN,
    ),
    with_ocr: bool = typer.Option(
        False,
        "--with-ocr",
        help="Put the OCR text in the prompt as LLaVAR-2's evaluation did.",
        rich_help_panel=EVAL_RUN,
    ),
    ocr_engine: str = typer.Option(
        "rapidocr", help="OCR engine for --with-ocr and ocr-baseline.", rich_help_panel=EVAL_RUN
    ),
    split: str | None = typer.Option(
        None,
        help="Split name recorded in the result (default: the file's stem).",
        rich_help_panel=EVAL_RUN,
    ),
    limit: int | None = typer.Option(
        None, min=1, help="Only the first N items.", rich_help_panel=EVAL_RUN
    ),
    max_new_tokens: int = typer.Option(
        128, min=1, help="Longest answer, in tokens.", rich_help_panel=EVAL_RUN
    ),
    base_url: str | None = typer.Option(
        None, help="Server, e.g. http://localhost:8000/v1.", rich_help_panel=EVAL_RUN
    ),
    api_key_env: str | None = typer.Option(
        None,
        help="Variable holding the API key (default: OPENAI_API_KEY).",
        rich_help_panel=EVAL_RUN,
    ),
    concurrency: int | None = typer.Option(
        None, min=1, help="Requests in flight (default: 16).", rich_help_panel=EVAL_RUN
    ),
    timeout: float | None = typer.Option(
        None, min=0.001, help="Seconds per request.", rich_help_panel=EVAL_RUN
    ),
    max_requests: int | None = typer.Option(
        None, min=0, help="Request budget this run.", rich_help_panel=EVAL_RUN
    ),
    image_max_side: int | None = typer.Option(
        None,
        min=16,
        help="Downscale images sent to this longer side (default: 1024).",
        rich_help_panel=EVAL_RUN,
    ),
    device: str | None = typer.Option(
        None, help="hf: e.g. cpu, cuda.", rich_help_panel=EVAL_RUN
    ),
    max_pixels: int = typer.Option(
        DEFAULT_MAX_PIXELS,
        min=1,
        help="An image with more pixels fails its items (too_many_pixels).",
        rich_help_panel=EVAL_RUN,
    ),
    no_cache: bool = typer.Option(
        False, "--no-cache", help="No OCR or response cache.", rich_help_panel=EVAL_RUN
    ),
    progress: bool = typer.Option(True, help="Show a progress bar.", rich_help_panel=EVAL_RUN),
    runner: str = typer.Option("local", help=RUNNER_HELP, rich_help_panel=EVAL_RUN),
    ray_address: str | None = typer.Option(
        None, help=RAY_ADDRESS_HELP, rich_help_panel=EVAL_RUN
    ),
    ray_actors: int | None = typer.Option(
        None,
        min=1,
        help="Answering actors, each with its own model (--runner ray; default: 1).",
        rich_help_panel=EVAL_RUN,
    ),
    ray_gpus: float | None = typer.Option(
        None,
        min=0,
        help="GPUs per answering actor (--runner ray; default: 0).",
        rich_help_panel=EVAL_RUN,
    ),
    predictions: Path | None = typer.Option(
        None, "--predictions", help='JSONL of {"id", "prediction"}.', rich_help_panel=EVAL_FILES
    ),
    references: Path | None = typer.Option(
        None, "--references", help='JSONL of {"id", "answers": [...]}.', rich_help_panel=EVAL_FILES
    ),
    metrics: str | None = typer.Option(
        None,
        "--metrics",
        help="Comma-separated metric names (with --benchmark: instead of the task's).",
    ),
) -> None:
    """Ask a model a benchmark's questions and score its answers (--benchmark), or score
    predictions against references (--predictions, --references) with metrics that match the
    reference tools."""
    from .metrics import METRICS

    names = [m.strip() for m in (metrics or "").split(",") if m.strip()]
    if benchmark is None:
        if predictions is None or references is None:
            raise _usage_error("give --benchmark (and --model), or --predictions and --references")
        _evaluate_files(predictions, references, names, METRICS.names(), out)
        return
    if predictions is not None or references is not None:
        raise _usage_error("--predictions/--references: not with --benchmark")
    if model is None:
        raise _usage_error("--benchmark needs --model (openai:MODEL, hf:PATH or ocr-baseline)")
    from .evaluate import run_evaluation

    bench, images_dir = _benchmark(benchmark, format, images, limit)
    ray = _ray_config(runner, ray_address, actors=ray_actors, num_gpus=ray_gpus)
    if ray is None and (ray_actors is not None or ray_gpus is not None):
        raise _usage_error("--ray-actors/--ray-gpus: only with --runner ray")
    settings = dict(
        task=task,
        metrics=names or None,
        with_ocr=with_ocr,
        ocr_engine=ocr_engine,
        ocr_cache=None if no_cache else default_cache_dir() / "ocr",
        split=split,
        progress=progress,
    )
    if ray is not None:  # the actors take --max-pixels from the answerer's options
        from .evaluate.answerers import AnswererOptions
        from .runners.ray_evaluate import run_evaluation_on_ray

        try:
            summary = run_evaluation_on_ray(
                bench,
                images_dir,
                model,
                AnswererOptions(
                    max_new_tokens=max_new_tokens, device=device, max_pixels=max_pixels
                ),
                out,
                ray,
                **settings,
            )
        except (UsageError, KeyError, ValueError) as e:
            raise _usage_error(str(e).strip('"')) from None
        _print_eval(summary, out)
        return
    answerer = _answerer(
        model,
        _openai_settings(
            base_url, api_key_env, concurrency, timeout, max_requests, image_max_side, no_cache
        ),
        max_new_tokens,
        device,
        max_pixels,
    )
    with _answering(answerer):
        summary = run_evaluation(
            bench, images_dir, answerer, out, max_pixels=max_pixels, **settings
        )
    _print_eval(summary, out)


def _evaluate_files(
    predictions: Path, references: Path, names: list[str], known: list[str], out: Path
) -> None:
    from .evaluate import evaluate_files

    for path in (predictions, references):
        if not path.is_file():
            raise _usage_error(f"{path} is not a file")
    if not names:
        raise _usage_error(f"--metrics names none (known: {', '.join(known)})")
    try:
        summary = evaluate_files(predictions, references, names, out)
    except UsageError as e:
        raise _usage_error(str(e)) from None
    _print_metrics(f"{summary['counts']['items']} items → {out}", summary["metrics"])


@app.command()
def robustness(
    benchmark: Path = typer.Option(
        ..., "--benchmark", help="Benchmark file or a build folder (its extractive QA)."
    ),
    model: str = typer.Option(..., "--model", help="openai:MODEL, hf:PATH or ocr-baseline."),
    out: Path = typer.Option(..., "--out", help="Output folder (rerun to resume)."),
    images: Path | None = typer.Option(
        None, "--images", help="Images folder (default for a build: its images folder)."
    ),
    perturbations: str = typer.Option(
        "gaussian_noise,blur,jpeg,downscale,rotation,occlusion,typographic",
        help="Comma-separated perturbations.",
    ),
    severities: str = typer.Option("1,2,3,4,5", help="Comma-separated severities (1-5)."),
    seed: int = typer.Option(0, help="Seed of the random perturbations."),
    format: str | None = typer.Option(None, "--format", help="Benchmark format."),
    task: str | None = typer.Option(None, "--task", help="Task instead of the format's."),
    metrics: str | None = typer.Option(
        None, "--metrics", help="Metrics instead of the task's (the first is reported)."
    ),
    with_ocr: bool = typer.Option(False, "--with-ocr", help="OCR text in the prompt."),
    ocr_engine: str = typer.Option("rapidocr", help="OCR engine."),
    limit: int | None = typer.Option(None, min=1, help="Only the first N items."),
    max_new_tokens: int = typer.Option(128, min=1, help="Longest answer, in tokens."),
    base_url: str | None = typer.Option(None, help="openai: server URL."),
    api_key_env: str | None = typer.Option(None, help="openai: API key variable."),
    concurrency: int | None = typer.Option(None, min=1, help="openai: requests in flight."),
    max_requests: int | None = typer.Option(None, min=0, help="openai: request budget."),
    device: str | None = typer.Option(None, help="hf: device."),
    max_pixels: int = typer.Option(
        DEFAULT_MAX_PIXELS,
        min=1,
        help="An image with more pixels is not perturbed and fails its items.",
    ),
    no_cache: bool = typer.Option(False, "--no-cache", help="No OCR or response cache."),
    progress: bool = typer.Option(True, help="Show progress bars."),
) -> None:
    """Perturb the benchmark's images (noise, blur, JPEG, down-scaling, rotation, occlusion,
    typographic attack) at each severity, re-run the evaluation, and report the score per
    perturbation and severity: OUT/robustness.json, .md and .png."""
    from .robustness import PERTURBATIONS, SEVERITIES, run_suite

    names = [n.strip() for n in perturbations.split(",") if n.strip()]
    unknown = [n for n in names if n not in PERTURBATIONS.names()]
    if not names or unknown:
        raise _usage_error(
            f"--perturbations: unknown {unknown or 'none given'} (known: "
            f"{', '.join(PERTURBATIONS.names())})"
        )
    try:
        levels = sorted({int(v) for v in severities.split(",") if v.strip()})
    except ValueError:
        raise _usage_error(f"--severities {severities!r}: give numbers") from None
    if not levels or any(v not in SEVERITIES for v in levels):
        raise _usage_error(f"--severities {severities!r}: each one of {SEVERITIES}")
    bench, images_dir = _benchmark(benchmark, format, images, limit)
    answerer = _answerer(
        model,
        _openai_settings(base_url, api_key_env, concurrency, None, max_requests, None, no_cache),
        max_new_tokens,
        device,
        max_pixels,
    )
    metric_names = [m.strip() for m in (metrics or "").split(",") if m.strip()]
    with _answering(answerer):
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
            metrics=metric_names or None,
            with_ocr=with_ocr,
            ocr_engine=ocr_engine,
            max_pixels=max_pixels,
            ocr_cache=None if no_cache else default_cache_dir() / "ocr",
        )
    table = Table(
        title=f"{report['metric']} of {report['model']} (clean {report['clean']:.4f}) → {out}"
    )
    table.add_column("perturbation")
    for level in levels:
        table.add_column(f"sev {level}", justify="right")
    for name, by in report["scores"].items():
        table.add_row(name, *(f"{by[str(v)]:.4f}" for v in levels))
    Console().print(table)


@app.command()
def demo(
    out: Path = typer.Option(Path("llavar2-demo"), "--out", help="Output folder."),
    workers: int = typer.Option(2, min=1, help="OCR worker processes."),
    progress: bool = typer.Option(True, help="Show progress bars."),
) -> None:
    """Build the bundled sample set (text-rich images + human captions) into OUT."""
    from . import samples
    from .config import BuildConfig

    _run_build(
        BuildConfig(
            images_dir=samples.IMAGES_DIR,
            captions=samples.CAPTIONS,
            out=out,
            workers=workers,
            cache_dir=default_cache_dir(),
            progress=progress,
        )
    )


human_eval_app = typer.Typer(
    no_args_is_help=True,
    help="Human evaluation of a build: a rating "
    "page per rater, then the analysis of their ratings.",
)
app.add_typer(human_eval_app, name="human-eval")


@human_eval_app.command("sample")
def human_eval_sample(
    out: Path = typer.Argument(
        ..., help="A build folder (after llavar2 filter, its duos are kept or dropped)."
    ),
    to: Path = typer.Option(
        ..., "--to", help="A new folder for the tasks, the images and the rating pages."
    ),
    n: int = typer.Option(400, "--n", min=1, help="Duo conversations to rate."),
    images: int | None = typer.Option(
        None,
        "--images",
        min=0,
        help="Images whose enriched and human captions are compared (default: n / 4).",
    ),
    strata: str = typer.Option(
        "qtype,source,status",
        help="Sample within these groups (comma list of qtype, source, status).",
    ),
    raters: str = typer.Option(
        "3", help="How many raters (r1, r2, ...) or their names, comma-separated."
    ),
    overlap: float = typer.Option(
        0.3,
        min=0.0,
        max=1.0,
        help="Share of tasks every rater rates (for agreement); the rest is split among them.",
    ),
    min_per_stratum: int = typer.Option(
        5, min=0, help="Tasks every group gets at least (or all it has)."
    ),
    seed: int = typer.Option(0, help="Seed of the sample, the split and the orders."),
    embed_images: bool = typer.Option(
        False,
        help="Put the images inside the pages (data URLs) instead of next to them in TO/images/.",
    ),
) -> None:
    """Sample a build for human rating: TO/tasks.jsonl, TO/assignments.json and a
    self-contained TO/annotate-<rater>.html per rater (opens from disk, no server)."""
    from .human_eval.sample import SampleConfig, rater_names, sample_build

    try:
        cfg = SampleConfig(
            n=n,
            images=images,
            raters=rater_names(raters),
            overlap=overlap,
            strata=tuple(s.strip() for s in strata.split(",") if s.strip()),
            seed=seed,
            min_per_stratum=min_per_stratum,
            embed_images=embed_images,
        )
        result = sample_build(out, to, cfg)
    except UsageError as e:
        raise _usage_error(str(e)) from None
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


@human_eval_app.command("analyze")
def human_eval_analyze(
    folder: Path = typer.Argument(..., help="The folder llavar2 human-eval sample wrote."),
    ratings: list[Path] = typer.Argument(..., help="ratings-<rater>.json files."),
    out: Path | None = typer.Option(
        None, "--out", help="Report folder (default: FOLDER/report)."
    ),
    seed: int = typer.Option(0, help="Seed of the bootstrap intervals."),
) -> None:
    """Means, acceptable rates (weighted back to the build by stratum), kept against dropped,
    and agreement (Cohen, Fleiss, Krippendorff, Gwet): OUT/report.md, report.json, plots/."""
    from .human_eval.analyze import analyze, link_from_build, write_report

    try:
        report = analyze(folder, ratings, seed=seed)
    except UsageError as e:
        raise _usage_error(str(e)) from None
    written = write_report(report, out or folder / "report")
    link_from_build(report, written[1])
    acceptable = report["duo"]["acceptable"]
    console.print(
        f"{report['duo']['tasks']} duo tasks rated; acceptable "
        f"{acceptable['rate'] if acceptable['rate'] is not None else '-'}; "
        f"report: {written[1]}"
    )
    for problem in report["problems"]:
        console.print(f"[yellow]left out:[/yellow] {problem}")


@app.command("judge")
def judge_command(
    out: Path = typer.Argument(..., help="A build folder."),
    model: str = typer.Option(
        ..., "--model", help="openai:MODEL (with --base-url for a local server)."
    ),
    rubric: str = typer.Option(
        "read@1",
        help="read@1: every duo on the human rubric; "
        "pairwise@1: every image's two captions, in both orders.",
    ),
    repeats: int = typer.Option(
        1,
        min=1,
        help="Ask each request this many times (other "
        "seeds); the verdict is their median or most frequent value.",
    ),
    tasks: Path | None = typer.Option(
        None,
        "--tasks",
        help="A llavar2 human-eval sample "
        "folder of OUT: rate its tasks, so that human-eval "
        "analyze sets the judge against its raters (default: "
        "OUT/judge, every duo and image).",
    ),
    with_image: bool = typer.Option(
        False,
        "--with-image",
        help="Attach the image too (the "
        "default gives the caption and the OCR text, as LLaVA's "
        "GPT-4 review did).",
    ),
    temperature: float = typer.Option(0.2, min=0.0, help="Sampling temperature."),
    base_url: str | None = typer.Option(None, help="Server, e.g. http://localhost:8000/v1."),
    api_key_env: str | None = typer.Option(
        None, help="Variable holding the API key (default: OPENAI_API_KEY)."
    ),
    concurrency: int | None = typer.Option(None, min=1, help="Requests in flight."),
    timeout: float | None = typer.Option(None, min=0.001, help="Seconds per request."),
    max_requests: int | None = typer.Option(None, min=0, help="Request budget this run."),
    image_max_side: int | None = typer.Option(None, min=16, help="Downscale images sent."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not use the response cache."),
    max_pixels: int = typer.Option(
        DEFAULT_MAX_PIXELS, min=1, help="Images with more pixels are not sent."
    ),
) -> None:
    """A chat model rates the build like the human raters (LLaVA's GPT-4 review protocol);
    its ratings file has a rater's schema: <folder>/ratings/ratings-judge-<rubric>.json."""
    from .human_eval.judge import judge_build

    if not model.startswith("openai:") or not model.removeprefix("openai:"):
        raise _usage_error("--model must be openai:MODEL")
    config = _openai_settings(
        base_url, api_key_env, concurrency, timeout, max_requests, image_max_side, no_cache
    ).model_copy(update={"model": model.removeprefix("openai:"), "temperature": temperature})
    try:
        path, summary = judge_build(out, config, rubric, repeats, tasks, with_image, max_pixels)
    except UsageError as e:
        raise _usage_error(str(e)) from None
    except RunIncomplete as e:  # budget spent or the server kept failing
        console.print(
            f"[yellow]incomplete:[/yellow] {e}; no ratings file written (replies so "
            "far are in the response cache: the same command again reuses them)"
        )
        raise typer.Exit(EXIT_INCOMPLETE) from None
    console.print(
        f"{summary['tasks']} tasks judged ({summary['requests']} requests, "
        f"{summary['cache_hits']} from the cache); unparsable replies: "
        f"{summary['parse_failures']}; position flips: {summary['position_flips']}"
        f" → {path}"
    )


@app.command()
def audit(
    out: Path = typer.Argument(..., help="A build folder."),
    reference: Path | None = typer.Option(
        None, "--reference", help="Another build to compare the mix with."
    ),
    target: Path | None = typer.Option(
        None, "--target", help='JSON of target shares: {"source": {"receipts": 0.3, ...}, ...}.'
    ),
    eval_result: Path | None = typer.Option(
        None,
        "--eval",
        help="A llavar2 evaluate result on this build's questions: scores by subgroup.",
    ),
    by: str = typer.Option("source,kind", help="Subgroups of --eval (comma list of dimensions)."),
    tolerance: float = typer.Option(
        0.05,
        min=0,
        max=1,
        help="A category whose share differs from the reference's by more is misrepresented.",
    ),
    flag_ratio: float = typer.Option(
        1.5,
        min=1,
        help="A category dropped this many times as "
        "often as the rest (or as rarely), beyond chance, is "
        "flagged.",
    ),
    seed: int = typer.Option(0, help="Seed of the bootstrap intervals."),
    license: str | None = typer.Option(
        None,
        "--license",
        help="The data's license (a URL "
        "or an SPDX id) for the dataset card; each audit "
        "writes the card anew.",
    ),
    progress: bool = typer.Option(True, help="Show a progress bar."),
) -> None:
    """Representativeness and bias audit: the build's mix (source, kind, script, language, text
    density, resolution, question and answer types) against a reference or target, what
    filtering dropped by group, identity-term mentions, personal data in OCR text, subgroup
    model gaps; OUT/audit/ and the dataset card (OUT/croissant.json, OUT/dataset_card.md)."""
    from .audit.run import run_audit

    if not (out / "images.jsonl").is_file():
        raise _usage_error(f"{out} is not a build folder (no images.jsonl)")
    if reference is not None and not (reference / "images.jsonl").is_file():
        raise _usage_error(f"--reference {reference} is not a build folder")
    try:
        result = run_audit(
            out,
            reference,
            target,
            eval_result,
            [d.strip() for d in by.split(",") if d.strip()],
            tolerance,
            flag_ratio,
            seed,
            progress,
            license,
        )
    except UsageError as e:
        raise _usage_error(str(e)) from None
    for dim, e in result["dimensions"].items():
        vs = e.get("vs_reference") or e.get("vs_target")
        if vs and vs["jsd"] is not None:
            console.print(
                f"{dim}: JSD {vs['jsd']:.3f} bits, {len(vs['misrepresented'])} misrepresented"
            )
    for warning in result["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    flagged = [
        (dim, c)
        for dim, f in (result["filtering"] or {}).items()
        for c, g in f["groups"].items()
        if g["flagged"]
    ]
    if flagged:
        console.print("filtering dropped unevenly: " + ", ".join(f"{d}={c}" for d, c in flagged))
    pii = result["personal_data"]
    console.print(
        f"personal data in {pii['items_with_pii']} of {pii['items_scanned']} OCR "
        f"texts → {out / 'audit' / 'audit.md'}, {out / 'croissant.json'}"
    )


validate_app = typer.Typer(
    no_args_is_help=True,
    help="Validation by fine-tuning: training "
    "arms from a filtered build, held-out items no arm trains on.",
)
app.add_typer(validate_app, name="validate")


@validate_app.command("prepare")
def validate_prepare(
    out: Path = typer.Argument(..., help="A build folder after llavar2 filter."),
    to: Path = typer.Option(
        ..., "--to", help="A new folder for the plan, the arms and the held-out items."
    ),
    n: int = typer.Option(
        5000,
        "--n",
        min=1,
        help="Duo conversations per trained arm (fewer "
        "when the kept or the dropped set is smaller: arms stay equal).",
    ),
    seeds: str = typer.Option("0,1,2", help="One sample of every arm per seed (comma list)."),
    holdout: float = typer.Option(0.1, help="Share of the images set aside for evaluation."),
) -> None:
    """Equal-size arms (base: no training; control: the unfiltered pool; treatment: the kept
    duos; negative: the dropped duos), each a LLaVA JSON per seed, and TO/heldout.jsonl from
    images no arm trains on; TO/plan.json says what is where."""
    from .validate.prepare import prepare

    try:
        seed_list = tuple(int(x) for x in seeds.split(",") if x.strip())
    except ValueError:
        raise _usage_error(f"--seeds must be a comma list of integers, not {seeds!r}") from None
    if not seed_list:
        raise _usage_error("--seeds needs at least one seed")
    try:
        plan = prepare(out, to, n, seed_list, holdout)
    except UsageError as e:
        raise _usage_error(str(e)) from None
    console.print(
        f"arms of {plan['arm_size']} duos × {len(seed_list)} seeds "
        f"(pools: control {plan['arms']['control']['pool']}, treatment "
        f"{plan['arms']['treatment']['pool']}, negative "
        f"{plan['arms']['negative']['pool']}); {plan['holdout']['items']} held-out "
        f"items from {len(plan['holdout']['images'])} images → {to / 'plan.json'}"
    )


_TRAIN = TrainSettings()  # the defaults of validate train


@validate_app.command("train")
def validate_train(
    val: Path = typer.Argument(..., help="A folder written by llavar2 validate prepare."),
    model: Path = typer.Option(
        ...,
        "--model",
        help="A local vision-language model folder "
        "(transformers AutoModelForImageTextToText; never downloaded).",
    ),
    arm: str = typer.Option(..., "--arm", help="control, treatment or negative."),
    seed: int = typer.Option(..., "--seed", help="One of the plan's seeds."),
    lora_rank: int = typer.Option(_TRAIN.lora_rank, min=1, help="LoRA rank."),
    lora_alpha: int = typer.Option(_TRAIN.lora_alpha, min=1, help="LoRA alpha."),
    lora_dropout: float = typer.Option(_TRAIN.lora_dropout, min=0, max=1, help="LoRA dropout."),
    target_modules: str | None = typer.Option(
        None,
        help="Regular expression over module names that get LoRA adapters (default: the "
        "language model's attention and MLP projections).",
    ),
    train_module: list[str] = typer.Option(
        [],
        "--train-module",
        help="A module trained in full beside the adapter (repeatable; e.g. lm_head).",
    ),
    lr: float = typer.Option(
        _TRAIN.learning_rate, "--lr", min=0, help="Peak learning rate (cosine schedule)."
    ),
    epochs: float = typer.Option(_TRAIN.epochs, min=0, help="Epochs over the arm."),
    batch_size: int = typer.Option(_TRAIN.batch_size, min=1, help="Samples per device step."),
    grad_accum: int = typer.Option(_TRAIN.grad_accum, min=1, help="Steps per optimizer update."),
    max_length: int = typer.Option(
        _TRAIN.max_length,
        min=16,
        help="Longer samples (image tokens included) "
        "are dropped before training and counted, never truncated.",
    ),
    dtype: str = typer.Option(
        _TRAIN.dtype,
        help="auto (bfloat16 on a GPU that has it, else float32), float32 or bfloat16.",
    ),
    gradient_checkpointing: bool = typer.Option(
        _TRAIN.gradient_checkpointing, help="On a GPU: trade compute for memory."
    ),
    save_steps: int = typer.Option(
        _TRAIN.save_steps,
        min=1,
        help="Checkpoint every N steps (a killed run resumes from the last).",
    ),
    progress: bool = typer.Option(True, help="Show the trainer's progress bar."),
) -> None:
    """LoRA fine-tuning of a local model on one arm (TRL SFT, answer-only loss) into
    VAL/runs/ARM/seed-S/ (adapter, merged model, train.json)."""
    from .validate.train import train

    if dtype not in ("auto", "float32", "bfloat16"):
        raise _usage_error(f"--dtype {dtype!r}: auto, float32 or bfloat16")
    settings = TrainSettings(
        lora_rank=lora_rank,
        lora_alpha=lora_alpha,
        lora_dropout=lora_dropout,
        target_modules=target_modules or _TRAIN.target_modules,
        modules_to_save=tuple(train_module),
        learning_rate=lr,
        epochs=epochs,
        batch_size=batch_size,
        grad_accum=grad_accum,
        max_length=max_length,
        dtype=dtype,
        gradient_checkpointing=gradient_checkpointing,
        save_steps=save_steps,
    )
    try:
        summary = train(val, model, arm, seed, settings, progress)
    except UsageError as e:
        raise _usage_error(str(e)) from None
    probe = summary["loss_probe"]
    console.print(
        f"{arm} seed {seed}: {summary['samples']['trained']} samples trained "
        f"({summary['samples']['dropped']} dropped), {summary['steps']} steps; answer "
        f"loss {probe['before']:.3f} → {probe['after']:.3f} → "
        f"{val / 'runs' / arm / f'seed-{seed}'}"
    )


@validate_app.command("evaluate")
def validate_evaluate(
    val: Path = typer.Argument(..., help="A folder with finished llavar2 validate train runs."),
    benchmark: list[str] = typer.Option(
        [],
        "--benchmark",
        help="Another benchmark file "
        "(any llavar2 evaluate format), as FILE or "
        "FILE=IMAGES_DIR (repeatable).",
    ),
    model: Path | None = typer.Option(
        None, "--model", help="The base model (default: the one the runs were trained from)."
    ),
    max_new_tokens: int = typer.Option(32, min=1, help="Answer length limit."),
    device: str | None = typer.Option(None, help="e.g. cpu, cuda (default: cuda if any)."),
    progress: bool = typer.Option(True, help="Show progress bars."),
) -> None:
    """The base model and every trained run answer the held-out items (and each --benchmark)
    into VAL/eval/; resumable item by item."""
    from .evaluate.answerers import AnswererOptions
    from .validate.evaluate import evaluate_arms

    try:
        written = evaluate_arms(
            val,
            benchmark,
            model,
            AnswererOptions(max_new_tokens=max_new_tokens, device=device),
            progress,
        )
    except UsageError as e:
        raise _usage_error(str(e)) from None
    console.print(f"{len(written)} result files → {val / 'eval'}")


@validate_app.command("report")
def validate_report(
    val: Path = typer.Argument(..., help="A folder after llavar2 validate evaluate."),
) -> None:
    """Each metric per arm (mean ± std over seeds), Δ vs the control with a paired bootstrap
    interval, McNemar's test on exact match, and a chart: VAL/report/."""
    from .validate.report import write_report

    try:
        report = write_report(val)
    except UsageError as e:
        raise _usage_error(str(e)) from None
    for bench, b in report["benchmarks"].items():
        metric = b["primary"]
        parts = []
        for arm, entry in b["arms"].items():
            m = entry["metrics"][metric]
            vs = entry["vs_control"].get(metric)
            parts.append(
                f"{arm} {m['mean']:.3f}"
                + (f"±{m['std']:.3f}" if m["std"] is not None else "")
                + (
                    f" (Δ {vs['diff']:+.3f} [{vs['ci95'][0]:+.3f}, {vs['ci95'][1]:+.3f}])"
                    if vs
                    else ""
                )
            )
        console.print(f"{bench} {metric}: " + "; ".join(parts))
    for warning in report["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    console.print(f"→ {val / 'report' / 'report.md'}")


if __name__ == "__main__":  # pragma: no cover
    app()
