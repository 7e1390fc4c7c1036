"""Small build folders with a mix chosen in advance (tests of ``llavar2 audit`` and
``export --balance``): images named by source, each with duo conversations of which a chosen
number the filter dropped, and OCR text when given. No images are decoded: the records are
written as a build would write them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .. import layout
from ..jsonl import write_jsonl_atomic
from ..records import (
    QA,
    ConversationSet,
    DuoConversation,
    FilteredDuo,
    ImageRecord,
    OcrLine,
    OcrResult,
    Provenance,
    Record,
)

PROVENANCE = Provenance(stage="generate", backend="test", model="none", template="test@1")


def _duo(k: int) -> DuoConversation:
    return DuoConversation(
        qtype=f"type{k % 2}",
        extractive=QA(question=f"q{k}", answer=f"a{k}"),
        self_explain=QA(question="why", answer="because"),
        evidence=[0],
    )


def write_skewed_build(
    out: Path,
    sources: dict[str, tuple[int, int, int]],
    ocr_text: dict[str, str] | None = None,
    captions: dict[str, str] | None = None,
) -> Path:
    """``sources``: name → (images, duos per image, of which dropped per image). ``ocr_text``
    and ``captions``: per image id (``<source>-<i>``), its OCR text and human caption."""
    images: list[ImageRecord] = []
    ocr: list[OcrResult] = []
    convs: list[ConversationSet] = []
    kept: list[ConversationSet] = []
    dropped: list[FilteredDuo] = []
    for source, (n, duos, drops) in sources.items():
        for i in range(n):
            image_id = f"{source}-{i}"
            name = f"{image_id}.png"
            images.append(
                ImageRecord(
                    id=image_id,
                    image=name,
                    row=len(images),
                    sha256=f"{len(images):064d}",
                    width=640,
                    height=480,
                    format="PNG",
                    meta={"source": source},
                    caption=(captions or {}).get(image_id, "An image."),
                )
            )
            if ocr_text and image_id in ocr_text:
                text = ocr_text[image_id]
                ocr.append(
                    OcrResult(
                        id=image_id,
                        image=name,
                        engine="test",
                        width=640,
                        height=480,
                        text=text,
                        lines=[
                            OcrLine(text=t, box=[[0, 0], [100, 0], [100, 20], [0, 20]], score=0.99)
                            for t in text.split("\n")
                        ],
                    )
                )
            all_duos = [_duo(k) for k in range(duos)]
            convs.append(
                ConversationSet(id=image_id, image=name, duos=all_duos, provenance=PROVENANCE)
            )
            kept.append(
                ConversationSet(
                    id=image_id, image=name, duos=all_duos[drops:], provenance=PROVENANCE
                )
            )
            dropped += [
                FilteredDuo(
                    id=image_id,
                    image=name,
                    duo=k,
                    conversation=all_duos[k],
                    step="rules",
                    reason="test",
                )
                for k in range(drops)
            ]
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Sequence[Record]] = {
        layout.IMAGES: images,
        layout.OCR: ocr,
        layout.CONVERSATIONS: convs,
        layout.KEPT: kept,
        layout.DROPPED: dropped,
    }
    for name, rows in files.items():
        if rows or name != layout.OCR:
            write_jsonl_atomic(out / name, rows)
    return out
