"""Generation stages (DESIGN §1 enrich and qa): records in, records out, one output per input.

A failure on one image becomes a ``Reject`` for that image and the stage goes on with the next.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from llavar2.records import ConversationSet, EnrichedCaption, ImageRecord, OcrResult, Reject

if TYPE_CHECKING:  # backends import the rules under this package; avoid the import cycle
    from llavar2.backends import Backend


def _reject(stage: str, image: ImageRecord, reason: str, detail: str) -> Reject:
    return Reject(
        stage=stage, reason=reason, detail=detail, image=image.image, id=image.id, row=image.row
    )


def _mismatch(image: ImageRecord, *others: OcrResult | EnrichedCaption) -> str:
    """Why the records of one item do not describe the same image, or ""."""
    wrong = [f"{type(o).__name__} {o.id!r}" for o in others if o.id != image.id]
    return f"image {image.id!r} paired with {', '.join(wrong)}" if wrong else ""


def enrich(
    items: Iterable[tuple[ImageRecord, OcrResult]], backend: Backend
) -> Iterator[EnrichedCaption | Reject]:
    for image, ocr in items:
        if mismatch := _mismatch(image, ocr):
            yield _reject("enrich", image, "id_mismatch", mismatch)
            continue
        try:
            yield backend.enrich(image, ocr)
        except Exception as e:  # one bad item must not stop the run
            yield _reject("enrich", image, "generation_failed", str(e) or type(e).__name__)


def converse(
    items: Iterable[tuple[ImageRecord, OcrResult, EnrichedCaption]], backend: Backend
) -> Iterator[ConversationSet | Reject]:
    for image, ocr, caption in items:
        if mismatch := _mismatch(image, ocr, caption):
            yield _reject("qa", image, "id_mismatch", mismatch)
            continue
        if not any(c.isalnum() for c in ocr.text):
            yield _reject("qa", image, "no_text", "OCR found no text to ask about")
            continue
        try:
            conversations = backend.converse(image, ocr, caption)
        except Exception as e:  # one bad item must not stop the run
            yield _reject("qa", image, "generation_failed", str(e) or type(e).__name__)
            continue
        if conversations.duos:
            yield conversations
        else:
            detail = "no question has an unambiguous answer in the OCR text"
            yield _reject("qa", image, "no_groundable_text", detail)
