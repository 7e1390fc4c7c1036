"""LLaVA JSON: what LLaVA, LLaVAR-2, LLaMA-Factory and many trainers read (DESIGN §3)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from ..jsonl import atomic_open
from . import EXPORTERS
from .samples import Sample

IMAGE_TOKEN = "<image>"
ROLES = {"user": "human", "assistant": "gpt"}


def to_llava(sample: Sample) -> dict:
    conversations = []
    for i, turn in enumerate(sample.turns):
        text = f"{IMAGE_TOKEN}\n{turn.text}" if i == 0 else turn.text
        conversations.append({"from": ROLES[turn.role], "value": text})
    return {"id": sample.id, "image": sample.image, "conversations": conversations}


@EXPORTERS.register("llava")
def write_llava(samples: Iterable[Sample], path: Path) -> int:
    """One JSON array, streamed element by element into an atomically replaced file."""
    n = 0
    with atomic_open(path) as f:
        f.write("[")
        for sample in samples:
            f.write(",\n" if n else "\n")
            f.write(json.dumps(to_llava(sample), ensure_ascii=False))
            n += 1
        f.write("\n]\n" if n else "]\n")
    return n
