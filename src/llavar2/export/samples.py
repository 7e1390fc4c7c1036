"""Training samples assembled from a build's files, independent of any trainer's format."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..join import left_join
from ..jsonl import read_jsonl
from ..records import ConversationSet, EnrichedCaption

CAPTIONS_FILE = "captions.jsonl"
CONVERSATIONS_FILE = "conversations.jsonl"


@dataclass(frozen=True)
class Turn:
    role: str  # "user" or "assistant"
    text: str


@dataclass(frozen=True)
class Sample:
    id: str
    image: str  # relative to the images folder of the build
    turns: list[Turn]  # the first user turn is the one the image belongs to


def caption_sample(caption: EnrichedCaption) -> Sample:
    return Sample(
        id=f"{caption.id}-caption",
        image=caption.image,
        turns=[Turn("user", caption.instruction), Turn("assistant", caption.caption)],
    )


def duo_samples(conversations: ConversationSet) -> Iterator[Sample]:
    for k, duo in enumerate(conversations.duos):
        yield Sample(
            id=f"{conversations.id}-qa{k}",
            image=conversations.image,
            turns=[
                Turn("user", duo.extractive.question),
                Turn("assistant", duo.extractive.answer),
                Turn("user", duo.self_explain.question),
                Turn("assistant", duo.self_explain.answer),
            ],
        )


def iter_samples(out_dir: Path) -> Iterator[Sample]:
    """Per image: its detailed-caption sample, then one sample per duo conversation."""
    captions = read_jsonl(out_dir / CAPTIONS_FILE, EnrichedCaption)
    conversations_path = out_dir / CONVERSATIONS_FILE
    conversations = (
        read_jsonl(conversations_path, ConversationSet) if conversations_path.exists() else ()
    )
    for caption, convs in left_join(captions, conversations):
        yield caption_sample(caption)
        if convs is not None:
            yield from duo_samples(convs)
