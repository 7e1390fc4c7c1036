"""OpenAI / TRL ``messages`` JSONL: role/content turns, the image as a content part."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ...jsonl import write_jsonl_atomic
from ..samples import Sample
from . import EXPORTERS


def to_messages(sample: Sample) -> dict:
    messages = []
    for i, turn in enumerate(sample.turns):
        content: list[dict] = [{"type": "image"}] if i == 0 else []
        content.append({"type": "text", "text": turn.text})
        messages.append({"role": turn.role, "content": content})
    # TRL's vision collators pair {"type": "image"} placeholders with the "images" column.
    return {"id": sample.id, "images": [sample.image], "messages": messages}


@EXPORTERS.register("messages", help="OpenAI/TRL JSONL", filename="messages.jsonl")
def write_messages(samples: Iterable[Sample], path: Path, images_dir: Path | None = None) -> int:
    return write_jsonl_atomic(path, (to_messages(s) for s in samples))
