"""Predictions and references files (JSON Lines, joined by id), read and matched for
``stage.score_files``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..jsonl import read_jsonl


def _load(path: Path, field: str, check: Callable[[Any], bool]) -> dict[str, Any]:
    items: dict[str, Any] = {}
    for n, obj in enumerate(read_jsonl(path), 1):
        if not isinstance(obj, dict) or "id" not in obj or field not in obj:
            raise UsageError(f"{path}: line {n} needs 'id' and '{field}'")
        key = str(obj["id"])
        if key in items:
            raise UsageError(f"{path}: id {key!r} appears twice")
        value = obj[field]
        if not check(value):
            raise UsageError(f"{path}: id {key!r}: '{field}' has the wrong type")
        items[key] = value
    return items


def read_predictions(path: Path) -> dict[str, str]:
    """id → prediction, from lines ``{"id", "prediction"}``."""
    return _load(path, "prediction", lambda v: isinstance(v, str))


def read_references(path: Path) -> dict[str, list[str]]:
    """id → references, from lines ``{"id", "answers": [...]}``, in the file's order."""
    return _load(
        path,
        "answers",
        lambda v: isinstance(v, list) and bool(v) and all(isinstance(a, str) for a in v),
    )


def _one_sided(ids: set[str], side: str) -> str:
    shown = ", ".join(repr(i) for i in sorted(ids)[:20])
    more = f" and {len(ids) - 20} more" if len(ids) > 20 else ""
    return f"{len(ids)} id(s) only in the {side}: {shown}{more}"


def check_same_ids(predictions: dict[str, str], references: dict[str, list[str]]) -> None:
    """A usage error listing the ids on one side only, if any."""
    only_predictions = set(predictions) - set(references)
    only_references = set(references) - set(predictions)
    problems = [
        _one_sided(ids, side)
        for ids, side in ((only_predictions, "predictions"), (only_references, "references"))
        if ids
    ]
    if problems:
        raise UsageError("; ".join(problems))
