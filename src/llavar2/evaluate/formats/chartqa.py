"""ChartQA: ``[{"imgname": "41699.png", "query": "...", "label": "12.5"}]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..benchmarks import BenchmarkItem
from ._common import answers, field, item_list, list_keys, register_format


def _detect(obj: Any) -> bool:
    return {"imgname", "query"} <= list_keys(obj)


@register_format(
    "chartqa",
    task="chartqa",
    detect=_detect,
    priority=20,
    help='ChartQA JSON [{"imgname", "query", "label"}]',
)
def load_chartqa(obj: Any, path: Path) -> list[BenchmarkItem]:
    # ChartQA has no question ids: the position in the file is the id.
    return [
        BenchmarkItem(
            id=str(n),
            image=str(field(path, r, f"item {n}", "imgname")),
            question=str(field(path, r, f"item {n}", "query")),
            answers=answers(path, field(path, r, f"item {n}", "label"), f"item {n}"),
        )
        for n, r in enumerate(item_list(path, obj))
    ]
