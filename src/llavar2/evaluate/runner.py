"""What a benchmark run (``stage.run``, and the Ray runner's) does besides asking: name the
run, check the predictions file holds only its answers, write its lines, and score them.

A run writes, beside ``out`` (``result.json``):

- ``result.predictions.jsonl``: one line per item as it is answered, ``{"id", "run",
  "prediction", "prompt"}``, or ``{"id", "run", "error", "detail"}`` for an item that failed
  (image missing or unreadable, request refused). Appended and flushed item by item, so a killed
  run continues where it stopped; ``run`` (a hash of the model, its settings, the prompt, the
  OCR flag and the benchmark file) refuses to mix the answers of two different runs in one file.
- ``result.items.jsonl``: per item, its scores;
- ``result.json``: model, prompt template, OCR flag, benchmark file and split, metric variants
  and scores, counts (items, answered, failed by reason) and every failed item.

A failed item scores as an empty answer: scores are over every item of the benchmark.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

from ..errors import ItemRejected, UsageError
from ..jsonl import read_jsonl, write_json_atomic, write_jsonl_atomic
from ..metrics import METRICS, compute
from .answerers import Answerer, Question
from .benchmarks import Benchmark
from .ocr_prompt import MAX_PLAIN_LINES, PARSER, PLAIN
from .scores import metrics_record
from .tasks import TASKS, Task

PROMPT_TEMPLATE = "{ocr}{question}{suffix}"


def outputs(out: Path) -> tuple[Path, Path]:
    """(predictions, per-item scores) beside the result file."""
    return out.with_name(out.stem + ".predictions.jsonl"), out.with_name(out.stem + ".items.jsonl")


def _prompt_record(task: Task, with_ocr: bool) -> dict[str, Any]:
    return {
        "template": "{ocr}{instruction}" if task.caption_prompt else PROMPT_TEMPLATE,
        "suffix": task.suffix,
        "instruction": task.caption_prompt,
        "source": task.source,
        "ocr": (
            f"'{PLAIN}' + lines joined by spaces + newline (up to {MAX_PLAIN_LINES} lines), "
            f"else '{PARSER}' + space layout + newline (LLaVAR-2)"
        )
        if with_ocr
        else None,
    }


def _run_key(
    benchmark: Benchmark, answerer: Answerer, task: Task, with_ocr: bool, engine: str
) -> str:
    decides = {
        "model": answerer.name,
        "settings": answerer.settings(),
        "task": task.name,
        "prompt": _prompt_record(task, with_ocr),
        "with_ocr": with_ocr,
        "ocr_engine": engine if with_ocr or answerer.needs_ocr else None,
        "benchmark": benchmark.sha256,
        "format": benchmark.format,
    }
    return hashlib.sha256(json.dumps(decides, sort_keys=True).encode()).hexdigest()[:16]


def _check_same_run(path: Path, run: str) -> None:
    if not path.exists():
        return
    for row in read_jsonl(path):
        if row.get("run") != run:
            raise UsageError(
                f"{path} holds answers of another run (model, settings, prompt, OCR flag or "
                "benchmark differ); give another --out or delete the file"
            )
        return


def prepare_run(
    benchmark: Benchmark,
    answerer: Answerer,
    out: Path,
    *,
    task: str | None,
    metrics: list[str] | None,
    with_ocr: bool,
    ocr_engine: str,
) -> tuple[Task, list[str], str]:
    """(the task, the metric names, the run key) of a run, after checking that the predictions
    file beside ``out`` holds no other run's answers."""
    the_task = TASKS.get(task or benchmark.task)
    names = metrics or list(the_task.metrics)
    for name in names:
        METRICS.get(name)  # unknown names fail before any work
    run = _run_key(benchmark, answerer, the_task, with_ocr, ocr_engine)
    _check_same_run(outputs(out)[0], run)
    return the_task, names, run


def failure_record(run: str, item_id: str, failure: ItemRejected) -> dict[str, Any]:
    return {"id": item_id, "run": run, "error": failure.reason, "detail": failure.detail}


def answer_record(run: str, question: Question, answer: str | ItemRejected) -> dict[str, Any]:
    """The predictions line of an answered (or refused) question."""
    if isinstance(answer, ItemRejected):
        return failure_record(run, question.item.id, answer)
    return {"id": question.item.id, "run": run, "prediction": answer, "prompt": question.prompt}


def score_run(
    benchmark: Benchmark,
    answerer: Answerer,
    task: Task,
    names: list[str],
    with_ocr: bool,
    ocr_engine: str,
    split: str | None,
    out: Path,
    usage: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Score the predictions file against the benchmark; write the items file and ``out``."""
    predictions_path, items_path = outputs(out)
    rows = {row["id"]: row for row in read_jsonl(predictions_path)}
    items = benchmark.items
    failed = [
        {"id": i.id, "reason": rows[i.id]["error"], "detail": rows[i.id]["detail"]}
        for i in items
        if "error" in rows[i.id]
    ]
    predictions = [rows[i.id].get("prediction", "") for i in items]
    results = compute(names, predictions, [i.answers for i in items])
    write_jsonl_atomic(
        items_path,
        (
            {
                "id": item.id,
                **({"error": rows[item.id]["error"]} if "error" in rows[item.id] else {}),
                **{name: r.per_item[k] for name, r in results.items()},
            }
            for k, item in enumerate(items)
        ),
    )
    summary = {
        "model": answerer.name,
        "model_settings": answerer.settings(),
        "benchmark": {
            "file": str(benchmark.path),
            "format": benchmark.format,
            "sha256": benchmark.sha256,
            "split": split or benchmark.path.stem,
        },
        "task": task.name,
        "prompt": _prompt_record(task, with_ocr),
        "with_ocr": with_ocr,
        "ocr_engine": ocr_engine if with_ocr or answerer.needs_ocr else None,
        "primary_metric": names[0],
        "metrics": metrics_record(results),
        "counts": {
            "items": len(items),
            "answered": len(items) - len(failed),
            "failed": len(failed),
            "failed_by_reason": dict(Counter(f["reason"] for f in failed)),
        },
        "scoring": "over every item; a failed item counts as an empty answer",
        "failed": failed,
        "usage": answerer.report() if usage is None else usage,
        "predictions_file": predictions_path.name,
        "items_file": items_path.name,
    }
    write_json_atomic(out, summary)
    return summary
