"""ShareGPT for LLaMA-Factory's multimodal datasets: a JSON array of
``{"messages": [{"role", "content"}], "images": [path]}`` (an ``<image>`` token where the image
goes) and the dataset's entry in ``dataset_info.json`` beside it (added to the file when it
exists). Image paths are relative to the build's images folder: train with that folder as
``media_dir``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from ...jsonl import write_json_array_atomic, write_json_atomic
from ..samples import Sample
from . import EXPORTERS
from .llava import IMAGE_TOKEN

INFO = "dataset_info.json"


def to_sharegpt(sample: Sample) -> dict:
    messages = [
        {"role": turn.role, "content": f"{IMAGE_TOKEN}{turn.text}" if i == 0 else turn.text}
        for i, turn in enumerate(sample.turns)
    ]
    return {"id": sample.id, "messages": messages, "images": [sample.image]}


def dataset_entry(file_name: str) -> dict:
    return {
        "file_name": file_name,
        "formatting": "sharegpt",
        "columns": {"messages": "messages", "images": "images"},
        "tags": {
            "role_tag": "role",
            "content_tag": "content",
            "user_tag": "user",
            "assistant_tag": "assistant",
        },
    }


@EXPORTERS.register(
    "sharegpt", help="LLaMA-Factory, with its dataset_info.json", filename="sharegpt.json"
)
def write_sharegpt(samples: Iterable[Sample], path: Path, images_dir: Path | None = None) -> int:
    n = write_json_array_atomic(path, (to_sharegpt(s) for s in samples))
    info_path = path.parent / INFO
    info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.is_file() else {}
    info[f"llavar2_{path.stem}"] = dataset_entry(path.name)
    write_json_atomic(info_path, info)
    return n
