"""Predictions and references (JSON Lines, joined by id) scored by metrics: the
``llavar2 evaluate --predictions --references`` mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..jsonl import read_jsonl, write_json_atomic, write_jsonl_atomic
from ..metrics import METRICS, compute

# The caption metrics whose numbers depend on which items are evaluated together.
SET_DEPENDENT = {"cider": "CIDEr-D document frequencies come from the evaluated references"}


def _load(path: Path, field: str, check: Any) -> dict[str, Any]:
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


def _is_answers(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(a, str) for a in value)


def _one_sided(ids: set[str], side: str) -> str:
    shown = ", ".join(repr(i) for i in sorted(ids)[:20])
    more = f" and {len(ids) - 20} more" if len(ids) > 20 else ""
    return f"{len(ids)} id(s) only in the {side}: {shown}{more}"


def evaluate_files(
    predictions: Path, references: Path, metrics: list[str], out: Path
) -> dict[str, Any]:
    """Score, write ``out`` (corpus scores) and ``<out stem>.items.jsonl`` (per item)."""
    for name in metrics:
        try:
            METRICS.get(name)
        except KeyError as e:
            raise UsageError(str(e).strip('"')) from None
    preds = _load(predictions, "prediction", lambda v: isinstance(v, str))
    refs = _load(references, "answers", _is_answers)
    problems = [
        _one_sided(set(preds) - set(refs), "predictions") if set(preds) - set(refs) else "",
        _one_sided(set(refs) - set(preds), "references") if set(refs) - set(preds) else "",
    ]
    if any(problems):
        raise UsageError("; ".join(p for p in problems if p))
    ids = list(refs)  # the references' order
    if not ids:
        raise UsageError(f"{references}: no items to evaluate")
    results = compute(metrics, [preds[i] for i in ids], [refs[i] for i in ids])
    n_refs = [len(refs[i]) for i in ids]
    summary = {
        "predictions": str(predictions),
        "references": str(references),
        "counts": {
            "items": len(ids),
            "references_per_item": {
                "min": min(n_refs, default=0),
                "max": max(n_refs, default=0),
                "mean": sum(n_refs) / len(n_refs) if n_refs else 0.0,
            },
        },
        "metrics": {
            name: {
                "score": r.score,
                "reference": r.reference,
                **({"note": SET_DEPENDENT[name]} if name in SET_DEPENDENT else {}),
                **({"details": r.details} if r.details else {}),
            }
            for name, r in results.items()
        },
    }
    items_path = out.with_name(out.stem + ".items.jsonl")
    write_jsonl_atomic(
        items_path,
        (
            {"id": item_id, **{name: r.per_item[k] for name, r in results.items()}}
            for k, item_id in enumerate(ids)
        ),
    )
    summary["items_file"] = items_path.name
    write_json_atomic(out, summary)
    return summary
