"""A benchmark item made into what a model reads: the image checked, its OCR (llavar2's OCR
stage with its cache) when wanted, and the prompt: [OCR block] + question + task suffix."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..errors import ItemRejected
from ..imaging import DEFAULT_MAX_PIXELS, TooManyPixels
from ..ingest.validate import RowRejected, resolve_image
from ..ocr import OcrCache, cache_key, decode_image, get_engine, order_lines
from ..ocr.base import DEFAULT_ENGINE
from ..ocr.cache import CachedOcr
from ..records import OcrResult
from .answerers import Question
from .benchmarks import BenchmarkItem
from .ocr_prompt import ocr_block
from .tasks import Task


def prompt_text(task: Task, item: BenchmarkItem, ocr: OcrResult | None) -> str:
    body = task.caption_prompt if task.caption_prompt else item.question + task.suffix
    return (ocr_block(ocr.lines) if ocr is not None else "") + body


class QuestionMaker:
    def __init__(
        self,
        task: Task,
        images_dir: Path,
        read_ocr: bool,
        with_ocr: bool,
        engine: str = DEFAULT_ENGINE,
        cache_dir: Path | None = None,
        max_pixels: int = DEFAULT_MAX_PIXELS,
    ):
        self.task, self.images_dir = task, images_dir
        self.with_ocr, self.max_pixels = with_ocr, max_pixels
        self._engine = get_engine(engine) if read_ocr or with_ocr else None
        self._cache = OcrCache(cache_dir) if cache_dir and self._engine else None
        self._last: tuple[str, OcrResult] | None = None  # items of one image come together

    def _ocr(self, item: BenchmarkItem, data: bytes) -> OcrResult:
        assert self._engine is not None
        sha = hashlib.sha256(data).hexdigest()
        if self._last and self._last[0] == sha:
            return self._last[1]
        key = cache_key(self._engine.name, self._engine.version, sha)
        entry = self._cache.get(key) if self._cache else None
        if entry is None:
            image = decode_image(data, self.max_pixels)
            try:
                lines = self._engine.read(image)
            except Exception as e:  # one image's failure must not end the run
                raise ItemRejected("ocr_failed", f"{type(e).__name__}: {e}") from None
            entry = CachedOcr(width=image.width, height=image.height, lines=lines)
            if self._cache:
                self._cache.put(key, entry)
        ordered = order_lines(entry.lines)
        result = OcrResult(
            id=sha,
            image=item.image,
            engine=self._engine.name,
            width=entry.width,
            height=entry.height,
            lines=ordered,
            text="\n".join(line.text for line in ordered),
        )
        self._last = (sha, result)
        return result

    def make(self, item: BenchmarkItem) -> Question:
        """The question, or ItemRejected (image path leaving the images folder, image missing
        or unreadable, OCR failed)."""
        try:  # a benchmark file must not make us read (and send) files outside the folder
            _, path = resolve_image(self.images_dir, item.image)
        except RowRejected as e:
            reason = "path_escapes_dir" if e.reason == "path_escapes_dir" else "bad_path"
            raise ItemRejected(reason, e.detail) from None
        try:
            if path.exists() and not path.is_file():  # a folder, a FIFO that would block
                raise ItemRejected("unreadable_image", f"{path} is not a regular file")
            data = path.read_bytes()
        except FileNotFoundError:
            raise ItemRejected("image_missing", f"no file {path}") from None
        except OSError as e:
            raise ItemRejected("unreadable_image", f"{path}: {e}") from None
        try:
            ocr = self._ocr(item, data) if self._engine else None
            if ocr is None:
                decode_image(data, self.max_pixels)  # what a model would fail on later
        except TooManyPixels as e:
            raise ItemRejected("too_many_pixels", str(e)) from None
        except ItemRejected:
            raise
        except Exception as e:  # PIL raises many types for bad files
            raise ItemRejected("unreadable_image", f"{path}: {type(e).__name__}: {e}") from None
        prompt = prompt_text(self.task, item, ocr if self.with_ocr else None)
        return Question(
            item=item,
            prompt=prompt,
            image=path,
            ocr=ocr,
            caption=self.task.caption_prompt is not None,
        )
