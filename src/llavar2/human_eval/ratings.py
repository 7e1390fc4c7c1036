"""Ratings files (``ratings-<rater>.json``, written by the rating page) read back and checked
against the task set they claim to rate (docs/human-eval.md)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..jsonl import read_jsonl
from .page import SCHEMA_VERSION
from .sample import ASSIGNMENTS, TASKS


@dataclass
class TaskSet:
    folder: Path
    sha256: str
    tasks: dict[str, dict[str, Any]]  # by task id, in file order
    assignments: dict[str, Any]

    @classmethod
    def load(cls, folder: Path) -> TaskSet:
        path = folder / TASKS
        if not path.is_file() or not (folder / ASSIGNMENTS).is_file():
            raise UsageError(
                f"{folder} is not a human-eval folder (no {TASKS} or {ASSIGNMENTS}; "
                "see llavar2 human-eval sample)"
            )
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        assignments = json.loads((folder / ASSIGNMENTS).read_text(encoding="utf-8"))
        if assignments.get("task_set_sha256") != sha:
            raise UsageError(
                f"{path} changed after sampling (its digest is not the one in "
                f"{ASSIGNMENTS}): ratings would not match it"
            )
        return cls(folder, sha, {t["task_id"]: t for t in read_jsonl(path)}, assignments)


@dataclass
class Ratings:
    """One rater's ratings: per task id, ``values`` (criterion → option or None) and
    ``cannot_judge``; ``problems`` lists the items left out and why."""

    rater: str
    path: Path
    items: dict[str, dict[str, Any]]
    problems: list[str] = field(default_factory=list)
    judge: dict[str, Any] | None = None  # a judge's settings and counts (llavar2 judge)


def load_ratings(
    path: Path, task_set: TaskSet, criteria: dict[str, list[dict[str, Any]]]
) -> Ratings:
    """A ratings file checked against the task set: a file for another task set, of another
    schema or not JSON is a usage error; an item for an unknown task, with an unknown
    criterion or an option the rubric does not have is left out and listed in ``problems``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UsageError(f"{path}: not a readable ratings file ({e})") from None
    if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
        raise UsageError(f"{path}: not a ratings file of schema_version {SCHEMA_VERSION}")
    if data.get("task_set_sha256") != task_set.sha256:
        raise UsageError(
            f"{path}: rates another task set (task_set_sha256 "
            f"{str(data.get('task_set_sha256'))[:12]}…, this folder's is "
            f"{task_set.sha256[:12]}…)"
        )
    rater = data.get("rater")
    if not isinstance(rater, str) or not rater:
        raise UsageError(f"{path}: no rater id")
    ratings = Ratings(rater, path, {}, judge=data.get("judge"))
    for n, item in enumerate(data.get("items") or [], 1):
        problem = _check_item(item, task_set, criteria)
        if problem:
            ratings.problems.append(f"{path.name} item {n}: {problem}")
        else:
            ratings.items[item["task_id"]] = item
    return ratings


def _check_item(
    item: Any, task_set: TaskSet, criteria: dict[str, list[dict[str, Any]]]
) -> str | None:
    if not isinstance(item, dict) or not isinstance(item.get("task_id"), str):
        return "not an item with a task_id"
    task = task_set.tasks.get(item["task_id"])
    if task is None:
        return f"unknown task {item['task_id']!r}"
    options = {c["key"]: c["options"] for c in criteria[task["kind"]]}
    values = item.get("values") or {}
    if not isinstance(values, dict):
        return "values is not an object"
    for key, value in values.items():
        if key not in options:
            return f"unknown criterion {key!r} for a {task['kind']} task"
        # The option itself, of its type: true and 4.0 are no options of a 1-5 scale.
        if value is not None and not any(
            value == o and type(value) is type(o) for o in options[key]
        ):
            return f"{key}={value!r} is not one of {options[key]}"
    unjudged = item.get("cannot_judge") or []
    if not isinstance(unjudged, list) or any(
        not isinstance(k, str) or k not in options for k in unjudged
    ):
        return "cannot_judge names unknown criteria"
    return None
