"""LLaVA JSON: what LLaVA, LLaVAR-2, LLaMA-Factory and many trainers read (DESIGN §3)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ...jsonl import write_json_array_atomic
from ..samples import Sample
from . import EXPORTERS

IMAGE_TOKEN = "<image>"
ROLES = {"user": "human", "assistant": "gpt"}


def to_llava(sample: Sample) -> dict:
    conversations = []
    for i, turn in enumerate(sample.turns):
        text = f"{IMAGE_TOKEN}\n{turn.text}" if i == 0 else turn.text
        conversations.append({"from": ROLES[turn.role], "value": text})
    return {"id": sample.id, "image": sample.image, "conversations": conversations}


@EXPORTERS.register("llava", help="LLaVA JSON", filename="llava.json")
def write_llava(samples: Iterable[Sample], path: Path, images_dir: Path | None = None) -> int:
    return write_json_array_atomic(path, (to_llava(s) for s in samples))
