"""A build (``llavar2 build --out OUT``): the extractive question and answer of every duo
conversation in ``OUT/conversations.jsonl``; given the folder, its images are the build's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ...layout import BUILD, CONVERSATIONS
from ..benchmarks import BadBenchmark, BenchmarkItem
from ._common import field, list_keys, register_format


def open_build(folder: Path) -> tuple[Path, Path | None]:
    """(the build's conversations file, its images folder when build.json names it)."""
    conversations = folder / CONVERSATIONS
    if not conversations.is_file():
        raise BadBenchmark(f"{folder} is a folder but not a build (no {CONVERSATIONS})")
    build = folder / BUILD
    images_dir = Path(json.loads(build.read_text())["images_dir"]) if build.is_file() else None
    return conversations, images_dir


def _detect(obj: Any) -> bool:
    return "duos" in list_keys(obj)


@register_format(
    "build",
    task="vqa",
    detect=_detect,
    priority=10,  # first: a line with duos is a build's, whatever else it holds
    help="a build folder or its conversations.jsonl: the extractive QA",
)
def load_build(rows: Any, path: Path) -> list[BenchmarkItem]:
    return [
        BenchmarkItem(
            id=f"{field(path, s, f'line {n}', 'id')}:{k}",
            image=str(s["image"]),
            question=duo["extractive"]["question"],
            answers=[duo["extractive"]["answer"]],
        )
        for n, s in enumerate(rows, 1)
        for k, duo in enumerate(field(path, s, f"line {n}", "duos"))
    ]
