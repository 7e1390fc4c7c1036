"""The local runner: ingest → ocr → enrich → qa → export on one machine, resumable.

Each stage reads the previous stage's file, skips the ids whose outcome (a record or a reject)
is already on disk, and appends the rest in order. Killing the process at any point and running
the same command again finishes the job with every record written exactly once.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from tqdm import tqdm

from .. import generate, ingest, ocr
from ..backends import get_backend
from ..config import BuildConfig
from ..export import export
from ..join import merge_join
from ..jsonl import ResumableJsonl, read_jsonl, write_json_atomic
from ..records import ConversationSet, EnrichedCaption, ImageRecord, OcrResult, Reject
from . import outputs as files


def _drain(
    results: Iterable[Any], out: ResumableJsonl, rejects: ResumableJsonl, desc: str, show: bool
) -> None:
    for result in tqdm(results, desc=desc, unit="img", disable=not show, leave=False):
        (rejects if isinstance(result, Reject) else out).write(result)


def _pending(records: Iterable[Any], done: set[Any]) -> Iterator[Any]:
    return (r for r in records if r.id not in done)


def _ingest(cfg: BuildConfig, rejects: ResumableJsonl) -> None:
    with ResumableJsonl(cfg.out / files.IMAGES, lambda o: o["row"]) as images:
        seen = ingest.Seen()
        for record in read_jsonl(images.path, ImageRecord):  # rebuild duplicate checks on resume
            seen.add(record)
        done_rows = images.done | files.rejected_ids(rejects, "ingest")
        rows = (r for r in ingest.read_manifest(cfg.captions) if r.row not in done_rows)
        _drain(ingest.ingest(rows, cfg.images_dir, seen, cfg.max_pixels), images, rejects,
               "ingest", cfg.progress)


def _ocr(cfg: BuildConfig, rejects: ResumableJsonl) -> None:
    with files.open_by_id(cfg.out / files.OCR) as out:
        done = out.done | files.rejected_ids(rejects, "ocr")
        todo = _pending(read_jsonl(cfg.out / files.IMAGES, ImageRecord), done)
        results = ocr.run_ocr(todo, cfg.images_dir, engine=cfg.engine, workers=cfg.workers,
                              cache_dir=cfg.cache_dir and cfg.cache_dir / "ocr")
        _drain(results, out, rejects, "ocr", cfg.progress)


def _enrich(cfg: BuildConfig, rejects: ResumableJsonl, backend: Any) -> None:
    with files.open_by_id(cfg.out / files.CAPTIONS) as out:
        done = out.done | files.rejected_ids(rejects, "enrich")
        images = read_jsonl(cfg.out / files.IMAGES, ImageRecord)
        ocr_results = _pending(read_jsonl(cfg.out / files.OCR, OcrResult), done)
        _drain(generate.enrich(merge_join(images, ocr_results), backend), out, rejects,
               "enrich", cfg.progress)


def _qa(cfg: BuildConfig, rejects: ResumableJsonl, backend: Any) -> None:
    with files.open_by_id(cfg.out / files.CONVERSATIONS) as out:
        done = out.done | files.rejected_ids(rejects, "qa")
        images = read_jsonl(cfg.out / files.IMAGES, ImageRecord)
        ocr_results = read_jsonl(cfg.out / files.OCR, OcrResult)
        captions = _pending(read_jsonl(cfg.out / files.CAPTIONS, EnrichedCaption), done)
        items = (
            (image, result, caption)
            for (image, result), caption in merge_join(merge_join(images, ocr_results), captions)
        )
        _drain(generate.converse(items, backend), out, rejects, "qa", cfg.progress)


def _count(cfg: BuildConfig) -> dict[str, Any]:
    """Counts over the whole build folder (not just this run), one streaming pass per file."""
    out = cfg.out
    reasons: Counter[str] = Counter()
    for r in read_jsonl(out / files.REJECTS, Reject):
        reasons[f"{r.stage}:{r.reason}"] += 1
    ocr_records = ocr_lines = 0
    for result in read_jsonl(out / files.OCR, OcrResult):
        ocr_records += 1
        ocr_lines += len(result.lines)
    sets = duos = 0
    for conv in read_jsonl(out / files.CONVERSATIONS, ConversationSet):
        sets += 1
        duos += len(conv.duos)
    return {
        "images": sum(1 for _ in read_jsonl(out / files.IMAGES)),
        "ocr_images": ocr_records,
        "ocr_lines": ocr_lines,
        "captions": sum(1 for _ in read_jsonl(out / files.CAPTIONS)),
        "conversation_images": sets,
        "duo_conversations": duos,
        "rejects": sum(reasons.values()),
        "reject_reasons": dict(sorted(reasons.items())),
    }


def build(cfg: BuildConfig) -> dict[str, Any]:
    """Run (or resume) a build; returns the summary that is also written to summary.json."""
    backend = get_backend(cfg.backend, seed=cfg.seed, n_duos=cfg.n_duos)
    ocr.ENGINES.get(cfg.engine)  # an unknown engine fails before any work is done
    cfg.out.mkdir(parents=True, exist_ok=True)
    resumed = (cfg.out / files.IMAGES).exists()
    seconds: dict[str, float] = {}
    with files.open_rejects(cfg.out) as rejects:
        for name, step in (
            ("ingest", lambda: _ingest(cfg, rejects)),
            ("ocr", lambda: _ocr(cfg, rejects)),
            ("enrich", lambda: _enrich(cfg, rejects, backend)),
            ("qa", lambda: _qa(cfg, rejects, backend)),
        ):
            start = time.perf_counter()
            step()
            seconds[name] = round(time.perf_counter() - start, 3)
    start = time.perf_counter()
    llava_path, samples = export(cfg.out, "llava", cfg.out / files.LLAVA)
    seconds["export"] = round(time.perf_counter() - start, 3)
    summary = {
        "images_dir": str(cfg.images_dir.resolve()),
        "captions": str(cfg.captions.resolve()),
        "backend": cfg.backend,
        "ocr_engine": cfg.engine,
        "seed": cfg.seed,
        "n_duos": cfg.n_duos,
        "resumed": resumed,
        "counts": {**_count(cfg), "llava_samples": samples},
        "seconds": {**seconds, "total": round(sum(seconds.values()), 3)},
        "files": {
            "llava": llava_path.name,
            "rejects": files.REJECTS,
        },
    }
    write_json_atomic(cfg.out / files.SUMMARY, summary)
    return summary
