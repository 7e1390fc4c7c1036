"""The rating page: ``assets/annotate.html`` with one rater's tasks embedded, one file that opens
from disk with no server and no network (docs/human-eval.md)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from ..prompts import Template

RUBRIC = "rubric-read@1"
PLACEHOLDER = '"__LLAVAR2_DATA__"'
SCHEMA_VERSION = 1  # of the ratings files the page writes
# What a rater may see of a task: not its stratum, weight, filter status or caption sides.
SHOWN = {
    "duo": ("task_id", "kind", "image", "question", "answer", "explain_question", "explain_answer"),
    "image": ("task_id", "kind", "image", "caption_a", "caption_b"),
}


def page_data(
    rater: str,
    task_set_sha256: str,
    rubric: Template,
    tasks: list[dict[str, Any]],
    image_urls: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The object the page embeds; ``image_urls`` replaces image paths (data URLs)."""
    urls = image_urls or {}
    shown = []
    for task in tasks:
        item = {key: task[key] for key in SHOWN[task["kind"]]}
        item["image"] = urls.get(item["image"], item["image"])
        shown.append(item)
    return {
        "schema_version": SCHEMA_VERSION,
        "task_set_sha256": task_set_sha256,
        "rater": rater,
        "title": "llavar2 human evaluation",
        "rubric": {
            "ref": rubric.ref,
            "duo": rubric.data["duo"],
            "image": rubric.data["image"],
            "instructions": rubric.data.get("instructions", ""),
        },
        "tasks": shown,
    }


def render_page(data: dict[str, Any]) -> str:
    template = (resources.files(__package__) / "assets" / "annotate.html").read_text(
        encoding="utf-8"
    )
    if template.count(PLACEHOLDER) != 1:
        raise RuntimeError(f"annotate.html must hold {PLACEHOLDER} exactly once")
    # Any "<" as \u003c (the same string to JSON and JavaScript): "</script>" would end the
    # <script> element early, and "<!--" followed by "<script" would keep it from ending.
    blob = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")
    return template.replace(PLACEHOLDER, blob)


def write_page(
    path: Path,
    rater: str,
    task_set_sha256: str,
    rubric: Template,
    tasks: list[dict[str, Any]],
    image_urls: dict[str, str] | None = None,
) -> None:
    path.write_text(
        render_page(page_data(rater, task_set_sha256, rubric, tasks, image_urls)), encoding="utf-8"
    )
