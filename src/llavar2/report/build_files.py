"""A build folder read back for the report: which files it has, and one ``ImageEntry`` per
ingested image with everything the later stages made of it, streamed.

Every stage writes its records in its input's order (``llavar2.join``), so the images are joined
with their OCR, caption, conversations, scores and filter verdicts by merges, not by indexes in
memory. Only the rejects (the failing minority) are held, by image id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .. import layout
from ..errors import UsageError
from ..join import left_join
from ..jsonl import read_jsonl
from ..records import (
    ConversationSet,
    DuoScores,
    EnrichedCaption,
    FilteredDuo,
    ImageRecord,
    OcrResult,
    Reject,
)

M = TypeVar("M", bound=BaseModel)

# The files the report reads, in the order the stages write them, and what makes each.
KNOWN_FILES = {
    layout.IMAGES: "llavar2 build (ingest)",
    layout.OCR: "llavar2 build (OCR)",
    layout.CAPTIONS: "llavar2 build (enriched captions)",
    layout.CONVERSATIONS: "llavar2 build (duo conversations)",
    layout.REJECTS: "llavar2 build",
    layout.SUMMARY: "llavar2 build",
    layout.SCORES: "llavar2 score",
    layout.KEPT: "llavar2 filter",
    layout.DROPPED: "llavar2 filter",
    layout.FILTER_REPORT: "llavar2 filter",
}


@dataclass
class ImageEntry:
    """One ingested image and what each later stage made of it (None: not made, or the file
    is absent)."""

    image: ImageRecord
    ocr: OcrResult | None
    caption: EnrichedCaption | None
    conversations: ConversationSet | None
    scores: dict[int, DuoScores]  # by duo index
    dropped: dict[int, FilteredDuo]  # by duo index, when llavar2 filter ran
    rejects: list[Reject] = field(default_factory=list)


def records(path: Path, model: type[M]) -> Iterator[M]:
    """The file's records; bad lines are a usage error that names the file and line."""
    for n, obj in enumerate(read_jsonl(path), 1):
        try:
            yield model.model_validate(obj)
        except ValidationError as e:
            raise UsageError(f"{path}: record {n} is not a {model.__name__}: {e}") from None


@dataclass(frozen=True)
class _Group:
    """Consecutive lines of one image (scores.jsonl, dropped.jsonl), for ``left_join``."""

    id: str
    items: list[Any]


def _grouped(lines: Iterable[Any]) -> Iterator[_Group]:
    for image_id, group in groupby(lines, key=lambda line: line.id):
        yield _Group(image_id, list(group))


class Build:
    """A build folder: ``present`` says which of ``KNOWN_FILES`` it has."""

    def __init__(self, out: Path):
        self.out = out
        if not (out / layout.IMAGES).is_file():
            raise UsageError(f"{out} is not a build folder (no {layout.IMAGES})")
        self.present = {name: (out / name).is_file() for name in KNOWN_FILES}
        self.filtered = self.present[layout.KEPT] and self.present[layout.DROPPED]

    def _optional(self, name: str, model: type[M]) -> Iterator[M]:
        return records(self.out / name, model) if self.present[name] else iter(())

    def rejects(self) -> Iterator[Reject]:
        return self._optional(layout.REJECTS, Reject)

    def entries(self) -> Iterator[ImageEntry]:
        by_id: dict[str, list[Reject]] = defaultdict(list)
        for reject in self.rejects():
            if reject.id is not None:
                by_id[reject.id].append(reject)
        joined: Iterator[Any] = records(self.out / layout.IMAGES, ImageRecord)
        for name, model in (
            (layout.OCR, OcrResult),
            (layout.CAPTIONS, EnrichedCaption),
            (layout.CONVERSATIONS, ConversationSet),
        ):
            joined = left_join(joined, self._optional(name, model))
        joined = left_join(joined, _grouped(self._optional(layout.SCORES, DuoScores)))
        joined = left_join(joined, _grouped(self._optional(layout.DROPPED, FilteredDuo)))
        try:
            for ((((image, ocr), caption), convs), scores), dropped in joined:
                yield ImageEntry(
                    image,
                    ocr,
                    caption,
                    convs,
                    {s.duo: s for s in scores.items} if scores else {},
                    {d.duo: d for d in dropped.items} if dropped else {},
                    by_id.pop(image.id, []),
                )
        except ValueError as e:  # a file's records out of order, or for images not ingested
            raise UsageError(f"{self.out}: {e}") from None
