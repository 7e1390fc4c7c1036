"""DocVQA: ``{"data": [{"questionId": 7, "image": "documents/x.png", "question": "...",
"answers": ["x"]}]}``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..benchmarks import BenchmarkItem
from ._common import answers, data_keys, data_list, field, register_format


def _detect(obj: Any) -> bool:
    return "questionId" in data_keys(obj)


@register_format(
    "docvqa",
    task="docvqa",
    detect=_detect,
    priority=20,
    help='DocVQA JSON {"data": [{"questionId", "image", "question", "answers"}]}',
)
def load_docvqa(obj: Any, path: Path) -> list[BenchmarkItem]:
    return [
        BenchmarkItem(
            id=str(field(path, r, f"data[{n}]", "questionId")),
            image=str(field(path, r, f"data[{n}]", "image")),
            question=str(field(path, r, f"data[{n}]", "question")),
            answers=answers(path, field(path, r, f"data[{n}]", "answers"), f"data[{n}]"),
        )
        for n, r in enumerate(data_list(path, obj))
    ]
