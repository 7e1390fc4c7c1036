"""Who answers a benchmark's questions, by name (``--model NAME:ARG``): one module each,
registered in ``ANSWERERS`` with its help (``openai:MODEL``, ``hf:PATH``, ``ocr-baseline``).
Every module of this package is imported, so a new answerer is one new file."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ...config import OpenAIConfig
from ...errors import ItemRejected, UsageError
from ...imaging import DEFAULT_MAX_PIXELS
from ...records import OcrResult
from ...registry import Registry, UnknownName, import_implementations
from ..benchmarks import BenchmarkItem


@dataclass(frozen=True)
class Question:
    item: BenchmarkItem
    prompt: str  # the text the model reads beside the image
    image: Path
    ocr: OcrResult | None  # when the prompt carries OCR text or the answerer reads it
    caption: bool  # a captioning item (the prompt is an instruction, not a question)


@dataclass(frozen=True)
class AnswererOptions:
    max_new_tokens: int = 128  # lmms-eval's DocVQA budget; short answers need far less
    openai: OpenAIConfig | None = None  # openai: the client's settings (model included)
    device: str | None = None  # hf
    dtype: str = "auto"  # hf
    max_pixels: int = DEFAULT_MAX_PIXELS  # a larger image is an item failure, never decoded


class Answerer(Protocol):
    name: str  # e.g. "openai:gpt-4o"
    needs_ocr: bool  # reads Question.ocr even without --with-ocr

    def settings(self) -> dict[str, Any]:
        """What decides the answers (a resumed run must not change it)."""

    def answer_all(self, questions: Iterable[Question]) -> Iterator[str | ItemRejected]:
        """One answer (or the reason there is none) per question, in order."""

    def report(self) -> dict[str, Any]:
        """Requests, tokens, cache hits and the like, for the result file."""

    def close(self) -> None: ...


ANSWERERS: Registry[Callable[[str, AnswererOptions], Answerer]] = Registry("model")


def make_answerer(spec: str, options: AnswererOptions) -> Answerer:
    kind, _, arg = spec.partition(":")
    try:
        factory = ANSWERERS.get(kind)
    except UnknownName as e:
        raise UsageError(f"--model {spec!r}: {e}") from None
    return factory(arg, options)


# The answerers register themselves; last, since their modules import the names above.
import_implementations(__name__, __path__)
