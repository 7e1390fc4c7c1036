"""The evaluate stage's entry points: ``run`` asks a model a benchmark's questions and scores
its answers (``llavar2 evaluate --benchmark``; what it writes: ``runner``), ``score_files``
scores predictions against references (``--predictions --references``)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from ..errors import ItemRejected, UsageError
from ..imaging import DEFAULT_MAX_PIXELS
from ..jsonl import ResumableJsonl, write_json_atomic, write_jsonl_atomic
from ..metrics import METRICS, compute
from .benchmarks import Benchmark
from .files import check_same_ids, read_predictions, read_references
from .scores import metrics_record

if TYPE_CHECKING:
    from .answerers import Answerer, Question


def run(
    benchmark: Benchmark,
    images_dir: Path,
    answerer: Answerer,
    out: Path,
    *,
    task: str | None = None,
    metrics: list[str] | None = None,
    with_ocr: bool = False,
    ocr_engine: str | None = None,
    ocr_cache: Path | None = None,
    split: str | None = None,
    progress: bool = False,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> dict[str, Any]:
    """Answer the items not yet in the predictions file beside ``out``, then score them all
    (``ocr_engine``: the OCR stage's default engine unless given)."""
    # Imported here: the answerers load the openai client, which score_files never needs.
    from ..ocr.base import DEFAULT_ENGINE  # here: scoring files never loads the OCR
    from .questions import QuestionMaker
    from .runner import answer_record, failure_record, outputs, prepare_run, score_run

    ocr_engine = ocr_engine or DEFAULT_ENGINE
    the_task, names, run_key = prepare_run(
        benchmark,
        answerer,
        out,
        task=task,
        metrics=metrics,
        with_ocr=with_ocr,
        ocr_engine=ocr_engine,
    )
    maker = QuestionMaker(
        the_task, Path(images_dir), answerer.needs_ocr, with_ocr, ocr_engine, ocr_cache, max_pixels
    )
    with ResumableJsonl(outputs(out)[0], key=lambda o: o["id"]) as written:
        todo = [item for item in benchmark.items if item.id not in written.done]
        asked: deque[Question] = deque()

        def questions() -> Iterator[Question]:
            for item in todo:
                try:
                    question = maker.make(item)
                except ItemRejected as e:  # recorded here: the model never sees it
                    written.write(failure_record(run_key, item.id, e))
                    bar.update()
                    continue
                asked.append(question)
                yield question

        with tqdm(
            total=len(todo),
            unit="q",
            desc=f"evaluate ({answerer.name})",
            disable=not progress,
            dynamic_ncols=True,
        ) as bar:
            for answer in answerer.answer_all(questions()):
                written.write(answer_record(run_key, asked.popleft(), answer))
                bar.update()
    return score_run(benchmark, answerer, the_task, names, with_ocr, ocr_engine, split, out)


def score_files(
    predictions: Path, references: Path, metrics: list[str], out: Path
) -> dict[str, Any]:
    """Score, write ``out`` (corpus scores) and ``<out stem>.items.jsonl`` (per item)."""
    for name in metrics:
        METRICS.get(name)  # unknown names fail before any work
    preds = read_predictions(predictions)
    refs = read_references(references)
    check_same_ids(preds, refs)
    ids = list(refs)  # the references' order
    if not ids:
        raise UsageError(f"{references}: no items to evaluate")
    results = compute(metrics, [preds[i] for i in ids], [refs[i] for i in ids])
    n_refs = [len(refs[i]) for i in ids]
    summary: dict[str, Any] = {
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
        "metrics": metrics_record(results),
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
