"""The Ray runner of ``llavar2 evaluate --benchmark`` (``--runner ray``): questions are made
(OCR for ``--with-ocr`` and ``ocr-baseline``) and answered on a pool of Ray Data actors, each
holding one model (``num_gpus`` each); the answers are appended in benchmark order to the same
predictions file, with the same run key, as the local runner's, so either runner can finish
what the other began. Scoring stays on the driver: CIDEr-D's document frequencies depend on the
whole evaluated set.
"""

from __future__ import annotations

from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any

from tqdm import tqdm

from ..errors import ItemRejected, UsageError
from ..evaluate.answerers import AnswererOptions, make_answerer
from ..evaluate.benchmarks import Benchmark, BenchmarkItem
from ..evaluate.questions import QuestionMaker
from ..evaluate.runner import answer_record, failure_record, outputs, prepare_run, score_run
from ..evaluate.tasks import TASKS
from ..jsonl import ResumableJsonl
from ..ocr.base import DEFAULT_ENGINE
from .ray_session import RayConfig, Row, ordered_map, ray_session, remove_stale_spills


def _make(
    spec: str,
    options: AnswererOptions,
    task: str,
    images_dir: str,
    with_ocr: bool,
    ocr_engine: str,
    ocr_cache: str | None,
) -> tuple[Any, QuestionMaker]:
    """An actor's answerer (its own model copy) and question maker."""
    answerer = make_answerer(spec, options)
    maker = QuestionMaker(
        TASKS.get(task),
        Path(images_dir),
        answerer.needs_ocr,
        with_ocr,
        ocr_engine,
        Path(ocr_cache) if ocr_cache else None,
        options.max_pixels,
    )
    return answerer, maker


def _answer_batch(
    state: tuple[Any, QuestionMaker], rows: list[Row], run: str
) -> list[list[tuple[str, Any]]]:
    answerer, maker = state
    out: list[list[tuple[str, Any]]] = [[] for _ in rows]
    asked, where = [], []
    for k, row in enumerate(rows):
        item = BenchmarkItem(**row)
        try:
            asked.append(maker.make(item))
            where.append(k)
        except ItemRejected as e:  # the model never sees it, as on the local runner
            out[k] = [("prediction", failure_record(run, item.id, e))]
    for k, question, answer in zip(where, asked, answerer.answer_all(asked), strict=True):
        out[k] = [("prediction", answer_record(run, question, answer))]
    return out


def run_evaluation_on_ray(
    benchmark: Benchmark,
    images_dir: Path,
    spec: str,
    options: AnswererOptions,
    out: Path,
    rcfg: RayConfig,
    *,
    task: str | None = None,
    metrics: list[str] | None = None,
    with_ocr: bool = False,
    ocr_engine: str = DEFAULT_ENGINE,
    ocr_cache: Path | None = None,
    split: str | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    if spec.partition(":")[0] not in ("hf", "ocr-baseline"):
        raise UsageError(
            "--runner ray answers with hf:PATH or ocr-baseline; an API model "
            "keeps its server busy from one process: use --runner local"
        )
    answerer = make_answerer(spec, options)  # here only for the run's name (hf loads lazily)
    the_task, names, run = prepare_run(
        benchmark,
        answerer,
        out,
        task=task,
        metrics=metrics,
        with_ocr=with_ocr,
        ocr_engine=ocr_engine,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_spills(out.parent)
    make = partial(
        _make,
        spec,
        options,
        the_task.name,
        str(images_dir),
        with_ocr,
        ocr_engine,
        str(ocr_cache) if ocr_cache else None,
    )
    with (
        ResumableJsonl(outputs(out)[0], key=lambda o: o["id"], compact=True) as written,
        ray_session(rcfg),
    ):
        todo = sum(1 for item in benchmark.items if item.id not in written.done)
        rows = (asdict(item) for item in benchmark.items if item.id not in written.done)
        with tqdm(
            total=todo,
            unit="q",
            desc=f"evaluate ({answerer.name}, ray)",
            disable=not progress,
            dynamic_ncols=True,
        ) as bar:
            for pairs in ordered_map(
                rows, None, rcfg, out.parent, actor=(make, partial(_answer_batch, run=run))
            ):
                for _, record in pairs:
                    written.write(record)
                bar.update()
    return score_run(
        benchmark,
        answerer,
        the_task,
        names,
        with_ocr,
        ocr_engine,
        split,
        out,
        usage={"runner": "ray", "actors": rcfg.actors, "gpus_per_actor": rcfg.num_gpus},
    )
