"""TextCaps: ``{"data": [{"image_id": "abc", "caption_str": "...", "reference_strs": ["...",
...]}]}``, read as one item per image; the image is ``<image_id>.jpg``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..benchmarks import BenchmarkItem
from ._common import answers, data_keys, data_list, field, register_format


def _detect(obj: Any) -> bool:
    return bool({"caption_str", "reference_strs"} & data_keys(obj))


@register_format(
    "caption",
    task="caption",
    detect=_detect,
    priority=10,  # first: a caption item may also carry question fields
    help='TextCaps JSON {"data": [{"image_id", "caption_str", "reference_strs"}]}',
)
def load_captions(obj: Any, path: Path) -> list[BenchmarkItem]:
    """One item per image: TextCaps repeats each image once per caption, each row carrying all
    of the image's captions in ``reference_strs``."""
    refs: dict[str, list[str]] = {}
    for n, r in enumerate(data_list(path, obj)):
        where = f"data[{n}]"
        image_id = str(field(path, r, where, "image_id"))
        given = r.get("reference_strs") or [field(path, r, where, "caption_str")]
        seen = refs.setdefault(image_id, [])
        seen.extend(a for a in answers(path, given, where) if a not in seen)
    return [BenchmarkItem(id=i, image=f"{i}.jpg", question="", answers=a) for i, a in refs.items()]
