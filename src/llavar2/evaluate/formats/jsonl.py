"""Our JSON Lines: a line ``{"id": "q1", "image": "a.jpg", "question": "What ...?",
"answers": ["x"]}`` (default task ``vqa``; another with ``--task``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..benchmarks import BenchmarkItem
from ._common import answers, field, list_keys, register_format


def _detect(obj: Any) -> bool:
    return {"id", "image", "question", "answers"} <= list_keys(obj)


@register_format(
    "jsonl",
    task="vqa",
    detect=_detect,
    priority=90,  # last: other formats' items may carry these common fields too
    help='JSON Lines of {"id", "image", "question", "answers"}',
)
def load_jsonl(rows: Any, path: Path) -> list[BenchmarkItem]:
    return [
        BenchmarkItem(
            id=str(field(path, r, f"line {n}", "id")),
            image=str(field(path, r, f"line {n}", "image")),
            question=str(field(path, r, f"line {n}", "question")),
            answers=answers(path, field(path, r, f"line {n}", "answers"), f"line {n}"),
        )
        for n, r in enumerate(rows, 1)
    ]
