"""Training samples assembled from a build's files, independent of any trainer's format."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from ..join import left_join, merge_join
from ..jsonl import read_jsonl
from ..layout import CAPTIONS, CONVERSATIONS, KEPT
from ..records import ConversationSet, EnrichedCaption


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


def duo_samples(
    conversations: ConversationSet, indices: list[int] | None = None
) -> Iterator[Sample]:
    """One sample per duo; ``indices`` are the duos' positions in conversations.jsonl (the
    sample id keeps them, so "x-qa3" is duo 3 in conversations.jsonl, scores.jsonl and
    dropped.jsonl alike)."""
    for k, duo in zip(indices or range(len(conversations.duos)), conversations.duos):
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


def _positions(kept: ConversationSet, every: ConversationSet) -> list[int]:
    """Where each kept duo is among all of its image's duos (kept is an ordered subsequence)."""
    positions, start = [], 0
    for duo in kept.duos:
        for k in range(start, len(every.duos)):
            if every.duos[k] == duo:
                positions.append(k)
                start = k + 1
                break
        else:
            raise UsageError(
                f"{KEPT} does not match {CONVERSATIONS} for image {kept.id}: rerun llavar2 filter"
            )
    return positions


def _kept_conversations(out_dir: Path) -> Iterator[tuple[ConversationSet, list[int]]]:
    every = read_jsonl(out_dir / CONVERSATIONS, ConversationSet)
    try:
        for full, kept in merge_join(every, read_jsonl(out_dir / KEPT, ConversationSet)):
            yield kept, _positions(kept, full)
    except ValueError as e:  # an image of kept.jsonl that conversations.jsonl lacks
        raise UsageError(
            f"{KEPT} does not match {CONVERSATIONS} ({e}): rerun llavar2 filter"
        ) from None


def iter_samples(out_dir: Path, kept: bool = False) -> Iterator[Sample]:
    """Per image: its detailed-caption sample, then one sample per duo conversation (with
    ``kept``: per duo that ``llavar2 filter`` kept)."""
    captions = read_jsonl(out_dir / CAPTIONS, EnrichedCaption)
    conversations_path = out_dir / CONVERSATIONS
    conversations: Iterator[tuple[ConversationSet, list[int] | None]]  # None: every duo
    if kept:
        conversations = _kept_conversations(out_dir)
    elif conversations_path.exists():
        conversations = ((c, None) for c in read_jsonl(conversations_path, ConversationSet))
    else:
        conversations = iter(())
    for caption, found in left_join(captions, conversations):
        yield caption_sample(caption)
        if found is not None:
            yield from duo_samples(*found)
