"""OCRBench: ``[{"image_path": "a.jpg", "question": "...", "answers": "x" or ["x"],
"type": "Scene Text-centric VQA", "dataset_name": "IIIT5K"}]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..benchmarks import BenchmarkItem
from ._common import answers, field, item_list, list_keys, register_format


def _detect(obj: Any) -> bool:
    return "image_path" in list_keys(obj)


@register_format(
    "ocrbench",
    task="ocrbench",
    detect=_detect,
    priority=30,  # after chartqa, whose items may carry an image_path too
    help='OCRBench JSON [{"image_path", "question", "answers"}]',
)
def load_ocrbench(obj: Any, path: Path) -> list[BenchmarkItem]:
    return [
        BenchmarkItem(
            id=str(r.get("id", n) if isinstance(r, dict) else n),
            image=str(field(path, r, f"item {n}", "image_path")),
            question=str(field(path, r, f"item {n}", "question")),
            answers=answers(path, field(path, r, f"item {n}", "answers"), f"item {n}"),
        )
        for n, r in enumerate(item_list(path, obj))
    ]
