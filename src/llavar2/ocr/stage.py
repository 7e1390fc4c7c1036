"""The stage of ``llavar2 ocr``: every image under a folder → one JSON line in ``out`` (in
reading order), every unreadable file → a line in ``<out stem>.rejects.jsonl``. Both files are
resumable: a rerun OCRs only the images neither file has yet."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ..jsonl import ResumableJsonl
from ..records import ImageRecord, OcrResult, Reject
from .base import get_engine
from .run import run_ocr
from .scan import scan_images


def rejects_path(out: Path) -> Path:
    return out.with_name(out.stem + ".rejects.jsonl")


OcrImages = Callable[[Iterator[ImageRecord]], Iterable[OcrResult | Reject]]


def run(
    images: Path,
    out: Path,
    *,
    engine: str,
    language: str,
    workers: int,
    cache_dir: Path | None,
    max_pixels: int,
    progress: bool,
    ocr_images: OcrImages | None = None,
) -> tuple[int, int]:
    """OCR ``images`` into ``out``; returns how many images ``out`` and the rejects file hold.
    ``cache_dir`` is the OCR cache folder (None: no cache). ``ocr_images`` reads the pending
    images instead of ``run_ocr`` on this machine (the Ray runner's ``ocr_folder`` passes its
    own). An unknown engine (``UnknownName``) or one not installed (``EngineUnavailable``) fails
    before any file is written."""
    get_engine(engine)
    # Results are keyed by image id; rejects by path, since unreadable files may share bytes.
    with (
        ResumableJsonl(out, lambda o: o["id"], compact=True) as results,
        ResumableJsonl(rejects_path(out), lambda o: o["image"], compact=True) as rejects,
    ):

        def todo() -> Iterator[ImageRecord]:  # streams: unreadable files are recorded as met
            for r in scan_images(images, max_pixels):
                if isinstance(r, Reject):
                    if r.image not in rejects.done:
                        rejects.write(r)
                elif r.id not in results.done and r.image not in rejects.done:
                    yield r

        found: Iterable[OcrResult | Reject]
        if ocr_images is None:
            found = run_ocr(
                todo(),
                images,
                engine=engine,
                workers=workers,
                cache_dir=cache_dir,
                progress=progress,
                max_pixels=max_pixels,
                language=language,
            )
        else:
            found = ocr_images(todo())
        for result in found:
            (rejects if isinstance(result, Reject) else results).write(result)
        return len(results.done), len(rejects.done)
