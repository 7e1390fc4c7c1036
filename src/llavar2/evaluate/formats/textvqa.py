"""TextVQA as it ships: ``{"data": [{"question_id": 3, "image_id": "abc", "question": "...",
"answers": ["x", ...10]}]}``; the image is ``<image_id>.jpg`` unless an item names it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..benchmarks import BenchmarkItem
from ._common import answers, data_keys, data_list, field, register_format


def _detect(obj: Any) -> bool:
    return {"question_id", "image_id"} <= data_keys(obj)


@register_format(
    "textvqa",
    task="textvqa",
    detect=_detect,
    priority=30,  # after caption and docvqa, whose items may carry these fields too
    help='TextVQA JSON {"data": [{"question_id", "image_id", "question", "answers"}]}',
)
def load_textvqa(obj: Any, path: Path) -> list[BenchmarkItem]:
    items = []
    for n, r in enumerate(data_list(path, obj)):
        where = f"data[{n}]"
        image_id = str(field(path, r, where, "image_id"))
        items.append(
            BenchmarkItem(
                id=str(field(path, r, where, "question_id")),
                image=str(r.get("image") or f"{image_id}.jpg"),
                question=str(field(path, r, where, "question")),
                answers=answers(path, field(path, r, where, "answers"), where),
            )
        )
    return items
