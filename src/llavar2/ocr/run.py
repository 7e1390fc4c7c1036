"""Running an engine over many images: decode, cache, order, gate, in one process or a pool.

Outputs stream in input order with a bounded number of images in flight, so memory stays
flat however many images there are. A bad image becomes a Reject and the run goes on.
"""

from __future__ import annotations

import hashlib
import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator, Sized
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from PIL import Image
from tqdm import tqdm

from ..imaging import DEFAULT_MAX_PIXELS, TooManyPixels, open_checked
from ..records import ImageRecord, OcrLine, OcrResult, Reject
from .base import DEFAULT_ENGINE, OcrEngine, get_engine, to_rgb
from .cache import CachedOcr, OcrCache, cache_key
from .gate import DEFAULT_LANGUAGE, check_language, gate_lines
from .layout import order_lines

IN_FLIGHT_PER_WORKER = 4  # enough queued work to keep every worker busy, no more


def decode_image(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """A fully decoded RGB image; raises TooManyPixels before decoding a bomb, and whatever
    PIL raises for anything it can't read (truncated files too)."""
    with open_checked(data, max_pixels) as image:
        image.load()
        return to_rgb(image)


def ocr_image(
    engine: OcrEngine,
    path: str | Path,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    language: str = DEFAULT_LANGUAGE,
) -> tuple[list[OcrLine], int, int]:
    """(lines in reading order, quality-gated, width, height) of one image file, no cache."""
    image = decode_image(Path(path).read_bytes(), max_pixels)
    return gate_lines(order_lines(engine.read(image)), language), image.width, image.height


class OcrJob:
    """OCR of one ImageRecord: what runs in each process (in-process or a pool worker).

    The cache holds the engine's raw lines; reading order and the quality gate (for the build's
    ``language``) are applied after it, so cached images get the current gate's flags."""

    def __init__(
        self,
        engine: OcrEngine,
        images_dir: Path,
        cache: OcrCache | None,
        max_pixels: int,
        language: str = DEFAULT_LANGUAGE,
    ):
        self.engine, self.images_dir, self.cache = engine, images_dir, cache
        self.max_pixels = max_pixels
        self.language = check_language(language)

    def __call__(self, record: ImageRecord) -> OcrResult | Reject:
        def reject(reason: str, error: BaseException) -> Reject:
            return Reject(
                stage="ocr",
                reason=reason,
                detail=f"{type(error).__name__}: {error}",
                image=record.image,
                id=record.id,
                row=record.row,
            )

        try:
            data = (self.images_dir / record.image).read_bytes()
        except OSError as e:
            return reject("unreadable_image", e)
        key = cache_key(self.engine.name, self.engine.version, hashlib.sha256(data).hexdigest())
        entry = self.cache.get(key) if self.cache else None
        if entry is None:
            try:
                image = decode_image(data, self.max_pixels)
            except TooManyPixels as e:
                return reject("too_many_pixels", e)
            except Exception as e:  # PIL raises many types for bad files
                return reject("unreadable_image", e)
            try:
                lines = self.engine.read(image)
            except Exception as e:  # one image's failure must not end the run
                return reject("ocr_failed", e)
            entry = CachedOcr(width=image.width, height=image.height, lines=lines)
            if self.cache:
                self.cache.put(key, entry)
        ordered = gate_lines(order_lines(entry.lines), self.language)
        return OcrResult(
            id=record.id,
            image=record.image,
            engine=self.engine.name,
            width=entry.width,
            height=entry.height,
            lines=ordered,
            text="\n".join(line.text for line in ordered),
        )


_worker_job: OcrJob | None = None  # one per pool worker, built by _start_worker


def _start_worker(
    engine: str, images_dir: Path, cache_dir: Path | None, max_pixels: int, language: str
) -> None:
    global _worker_job
    # One thread each: the pool is the parallelism, and oversubscribed cores run slower.
    _worker_job = OcrJob(
        get_engine(engine, threads=1),
        images_dir,
        OcrCache(cache_dir) if cache_dir else None,
        max_pixels,
        language,
    )


def _run_in_worker(record: ImageRecord) -> OcrResult | Reject:
    assert _worker_job is not None, "pool worker was not initialised"
    return _worker_job(record)


def _pool_map(
    images: Iterable[ImageRecord],
    workers: int,
    engine: str,
    images_dir: Path,
    cache_dir: Path | None,
    max_pixels: int,
    language: str,
) -> Iterator[OcrResult | Reject]:
    # spawn, not fork: forking a process that already runs ONNX Runtime or tqdm threads can
    # deadlock, and spawn behaves the same on Linux, macOS and Windows.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_start_worker,
        initargs=(engine, images_dir, cache_dir, max_pixels, language),
    ) as pool:
        pending: deque[Future[OcrResult | Reject]] = deque()
        try:
            for record in images:
                pending.append(pool.submit(_run_in_worker, record))
                if len(pending) >= IN_FLIGHT_PER_WORKER * workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:  # the caller stopped early: drop queued work, let running images finish
            for future in pending:
                future.cancel()


def run_ocr(
    images: Iterable[ImageRecord],
    images_dir: Path,
    engine: str = DEFAULT_ENGINE,
    workers: int = 1,
    cache_dir: Path | None = None,
    progress: bool = False,
    total: int | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    language: str = DEFAULT_LANGUAGE,
) -> Iterator[OcrResult | Reject]:
    """One OcrResult or Reject per input image, in input order, streamed.

    ``engine`` is checked before this returns (UnknownName if unknown, EngineUnavailable if not
    installed), and so is ``language`` (ValueError if the quality gate does not know it: see
    ``llavar2.ocr.gate``); ``total`` (or ``len(images)``) gives the progress bar its ETA; an
    image with more than ``max_pixels`` pixels is rejected as ``too_many_pixels`` without being
    decoded. With
    ``workers > 1`` the workers are spawned processes, so a calling script needs the usual
    ``if __name__ == "__main__":`` guard.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    images_dir = Path(images_dir)
    language = check_language(language)
    local_engine = get_engine(engine)  # cheap: models load on first use
    if workers == 1:
        job = OcrJob(
            local_engine,
            images_dir,
            OcrCache(cache_dir) if cache_dir else None,
            max_pixels,
            language,
        )
        results: Iterator[OcrResult | Reject] = map(job, images)
    else:
        results = _pool_map(images, workers, engine, images_dir, cache_dir, max_pixels, language)
    if progress:
        if total is None and isinstance(images, Sized):
            total = len(images)
        results = iter(
            tqdm(results, total=total, unit="img", desc=f"ocr ({engine})", dynamic_ncols=True)
        )
    return results
