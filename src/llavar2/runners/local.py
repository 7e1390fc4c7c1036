"""The local runner: ingest → ocr → enrich → qa → export on one machine, resumable.

Each stage reads the previous stage's file, skips the ids whose outcome (a record or a reject)
is already on disk, and appends the rest in order; enrich and qa run together, qa taking each
caption as soon as it is written. Killing the process at any point and running the same command
again finishes the job with every record written exactly once.
"""

from __future__ import annotations

import json
import time
from collections import Counter, deque
from collections.abc import Container, Generator, Iterable, Iterator
from contextlib import closing
from itertools import chain, islice
from pathlib import Path
from typing import Any

from tqdm import tqdm

from .. import layout, ocr
from ..backends import BACKENDS
from ..config import BuildConfig
from ..errors import RunIncomplete, UsageError
from ..export import stage as export_stage
from ..generate.stage import converse, enrich
from ..imaging import file_sha256
from ..ingest import stage as ingest_stage
from ..ingest.manifest import detect_format, printable_name, read_manifest
from ..ingest.validate import Seen
from ..join import merge_join
from ..jsonl import ResumableJsonl, read_jsonl, remove_stale_temporaries, write_json_atomic
from ..keyset import KeyUnion
from ..ocr.gate import GATE_VERSION
from ..records import ConversationSet, EnrichedCaption, ImageRecord, OcrResult, Reject
from . import outputs as files


def _drain(
    results: Iterable[Any],
    out: ResumableJsonl,
    rejects: ResumableJsonl,
    desc: str,
    show: bool,
    total: int | None = None,
    backend: Any = None,
) -> None:
    bar = tqdm(results, desc=desc, unit="img", total=total, disable=not show, leave=False)
    postfix = getattr(backend, "progress", None)  # tokens, retries, cache hits of API backends
    for result in bar:
        (rejects if isinstance(result, Reject) else out).write(result)
        if postfix is not None:
            bar.set_postfix(postfix(), refresh=False)


def _pending(records: Iterable[Any], done: Container[Any]) -> Iterator[Any]:
    return (r for r in records if r.id not in done)


def _count_pending(path: Path, done: Container[Any]) -> int:
    """How many records of ``path`` a stage still has to do: the progress bar's total."""
    return sum(1 for obj in read_jsonl(path) if obj["id"] not in done)


def _ingest(cfg: BuildConfig, rejects: ResumableJsonl) -> None:
    with ResumableJsonl(cfg.out / layout.IMAGES, lambda o: o["row"], compact=True) as images:
        seen = Seen()
        for record in read_jsonl(images.path, ImageRecord):  # rebuild duplicate checks on resume
            seen.add(record)
        done_rows = images.done | files.rejected_ids(rejects, "ingest")
        rows = (r for r in read_manifest(cfg.captions) if r.row not in done_rows)
        _drain(
            ingest_stage.run(rows, cfg.images_dir, seen, cfg.max_pixels),
            images,
            rejects,
            "ingest",
            cfg.progress,
        )


def _ocr(cfg: BuildConfig, rejects: ResumableJsonl) -> None:
    with files.open_by_id(cfg.out / layout.OCR) as out:
        done = out.done | files.rejected_ids(rejects, "ocr")
        todo = _pending(read_jsonl(cfg.out / layout.IMAGES, ImageRecord), done)
        results = ocr.run_ocr(
            todo,
            cfg.images_dir,
            engine=cfg.engine,
            workers=cfg.workers,
            cache_dir=cfg.cache_dir and cfg.cache_dir / "ocr",
            max_pixels=cfg.max_pixels,
            language=cfg.language,
        )
        _drain(
            results,
            out,
            rejects,
            "ocr",
            cfg.progress,
            _count_pending(cfg.out / layout.IMAGES, done),
        )


def _enrich_and_qa(
    cfg: BuildConfig, rejects: ResumableJsonl, backend: Any, enrich_end: list[tuple[float, float]]
) -> None:
    """The enrich and qa stages at once: each caption, as soon as it is on disk, becomes a qa
    item, so the backend's requests of both stages share one stream (no stage waits for the
    last, partly idle round of the other). Appends into captions.jsonl and
    conversations.jsonl stay in input order, so a resume works as with stages run one after
    the other. ``enrich_end`` gets the ``_clock()`` reading at which enrich finished."""
    with (
        files.open_by_id(cfg.out / layout.CAPTIONS) as captions,
        files.open_by_id(cfg.out / layout.CONVERSATIONS) as out,
    ):
        qa_done = out.done | files.rejected_ids(rejects, "qa")
        enrich_done = captions.done | files.rejected_ids(rejects, "enrich")

        def pairs() -> Iterator[tuple[ImageRecord, OcrResult]]:
            return merge_join(
                read_jsonl(cfg.out / layout.IMAGES, ImageRecord),
                read_jsonl(cfg.out / layout.OCR, OcrResult),
            )

        # Captions of earlier runs come first: they precede this run's in captions.jsonl.
        earlier = _pending(
            islice(read_jsonl(captions.path, EnrichedCaption), len(captions.done)), qa_done
        )
        sent: deque[tuple[ImageRecord, OcrResult]] = deque()  # enrich items awaiting results

        def to_enrich() -> Iterator[tuple[ImageRecord, OcrResult]]:
            for item in pairs():
                if item[1].id not in enrich_done:
                    sent.append(item)
                    yield item

        def new_captions() -> Generator[tuple[ImageRecord, OcrResult, EnrichedCaption]]:
            with closing(enrich(to_enrich(), backend)) as results:
                for result in results:
                    image, ocr_result = sent.popleft()
                    (rejects if isinstance(result, Reject) else captions).write(result)
                    if not isinstance(result, Reject):
                        yield image, ocr_result, result
            enrich_end.append(_clock())

        new = new_captions()
        items = chain(
            ((image, result, caption) for (image, result), caption in merge_join(pairs(), earlier)),
            new,
        )
        try:
            # Images enrich rejected (no_clean_text, ...) never reach qa: not in the total.
            _drain(
                converse(items, backend, cfg.grounding, cfg.grounding_min_score),
                out,
                rejects,
                "enrich+qa",
                cfg.progress,
                _count_pending(
                    cfg.out / layout.OCR,
                    KeyUnion(*qa_done.sets, files.rejected_ids(rejects, "enrich")),
                ),
                backend,
            )
        finally:
            new.close()  # on a stop: cancel the enrich requests still in flight, now


def _read(path: Path, model: Any = None) -> Iterator[Any]:
    """A stage's records; none when a stopped run never reached that stage."""
    return read_jsonl(path, model) if path.exists() else iter(())


def _count(cfg: BuildConfig) -> dict[str, Any]:
    """Counts over the whole build folder (not just this run), one streaming pass per file."""
    out = cfg.out
    reasons: Counter[str] = Counter()
    for r in _read(out / layout.REJECTS, Reject):
        reasons[f"{r.stage}:{r.reason}"] += 1
    ocr_records = ocr_lines = 0
    line_flags: Counter[str] = Counter()
    flagged = 0
    for result in _read(out / layout.OCR, OcrResult):
        ocr_records += 1
        ocr_lines += len(result.lines)
        for line in result.lines:
            flagged += not line.clean
            line_flags.update(line.flags)
    sets = duos = 0
    dropped: Counter[str] = Counter()
    for conv in _read(out / layout.CONVERSATIONS, ConversationSet):
        sets += 1
        duos += len(conv.duos)
        dropped.update(d.reason for d in conv.dropped)
    return {
        "images": sum(1 for _ in _read(out / layout.IMAGES)),
        "ocr_images": ocr_records,
        "ocr_lines": ocr_lines,
        "ocr_flagged_lines": flagged,  # the quality gate's: kept in ocr.jsonl, never quoted
        "ocr_line_flags": dict(sorted(line_flags.items())),
        "captions": sum(1 for _ in _read(out / layout.CAPTIONS)),
        "conversation_images": sets,
        "duo_conversations": duos,
        "dropped_duos": sum(dropped.values()),
        "dropped_duo_reasons": dict(sorted(dropped.items())),
        "rejects": sum(reasons.values()),
        "reject_reasons": dict(sorted(reasons.items())),
    }


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _elapsed(start: tuple[float, float], end: tuple[float, float]) -> tuple[float, float]:
    """(wall, CPU) seconds between two (perf_counter, process_time) readings."""
    return round(end[0] - start[0], 3), round(end[1] - start[1], 3)


def _build_settings(cfg: BuildConfig) -> dict[str, Any]:
    """What decides a build's records: a resume must not mix in records made otherwise."""
    return {
        "images_dir": printable_name(cfg.images_dir.resolve()),
        "captions": printable_name(cfg.captions.resolve()),
        "captions_sha256": file_sha256(cfg.captions),  # streamed: manifests can be large
        "backend": cfg.backend,
        "engine": cfg.engine,
        "ocr_gate": {"version": GATE_VERSION, "language": cfg.language},
        "seed": cfg.seed,
        "n_duos": cfg.n_duos,
        "grounding": {"mode": cfg.grounding, "min_score": cfg.grounding_min_score},
        "max_pixels": cfg.max_pixels,
        "openai": cfg.openai.record_settings() if cfg.backend == "openai" and cfg.openai else None,
    }


def _changed(before: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """The settings that differ, a group's by member name (``openai.server``)."""
    names = []
    for key, value in now.items():
        old = before.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            names += [
                f"{key}.{k}"
                for k in sorted(old.keys() | value.keys())
                if old.get(k) != value.get(k)
            ]
        elif old != value:
            names.append(key)
    return names


def claim_out(cfg: BuildConfig) -> dict[str, Any]:
    """Create OUT, or check that the build found there was made with the same settings;
    returns them (for ``finish``: the manifest is hashed once a run)."""
    if cfg.out.exists() and not cfg.out.is_dir():
        raise UsageError(f"--out {cfg.out} exists and is not a folder")
    settings = _build_settings(cfg)
    path = cfg.out / layout.BUILD
    if path.exists():
        before = json.loads(path.read_text(encoding="utf-8"))
        changed = _changed(before, settings)
        if changed:
            raise UsageError(
                f"{cfg.out} holds a build made with other {', '.join(changed)}; "
                "resume it with the same arguments, or build into a new --out folder"
            )
    else:
        cfg.out.mkdir(parents=True, exist_ok=True)
        write_json_atomic(path, settings)
    remove_stale_temporaries(cfg.out)
    return settings


def _backend_options(cfg: BuildConfig) -> dict[str, Any]:
    options: dict[str, Any] = {"seed": cfg.seed, "n_duos": cfg.n_duos}
    if cfg.backend == "openai":
        if cfg.openai is None:
            raise UsageError("--backend openai needs --model")
        options.update(config=cfg.openai, images_dir=cfg.images_dir, max_pixels=cfg.max_pixels)
    return options


def build(cfg: BuildConfig) -> dict[str, Any]:
    """Run (or resume) a build; returns the summary that is also written to summary.json.

    A run that stops early (budget spent, server unavailable) still exports what it made and
    says why in ``incomplete``; rerunning the same command continues it.
    """
    try:
        ocr.ENGINES.get(cfg.engine)  # an unknown engine fails before any work is done
        backend_class = BACKENDS.get(cfg.backend)
    except KeyError as e:
        raise UsageError(str(e).strip('"')) from None
    detect_format(cfg.captions)
    backend = backend_class(**_backend_options(cfg))
    try:
        return _run(cfg, backend)
    finally:
        if close := getattr(backend, "close", None):
            close()


def _run(cfg: BuildConfig, backend: Any) -> dict[str, Any]:
    resumed = (cfg.out / layout.BUILD).exists()
    settings = claim_out(cfg)
    seconds: dict[str, float] = {}
    cpu_seconds: dict[str, float] = {}
    incomplete = None
    with files.open_rejects(cfg.out) as rejects:
        for name, step in (
            ("ingest", lambda: _ingest(cfg, rejects)),
            ("ocr", lambda: _ocr(cfg, rejects)),
        ):
            start = _clock()
            try:
                step()
            except RunIncomplete as e:  # what is on disk is whole; later stages wait
                incomplete = f"stopped in {name}: {e}; rerun the same command to continue"
            seconds[name], cpu_seconds[name] = _elapsed(start, _clock())
            if incomplete:
                break
        if not incomplete:
            start = _clock()
            enrich_end: list[tuple[float, float]] = []
            try:
                _enrich_and_qa(cfg, rejects, backend, enrich_end)
            except RunIncomplete as e:
                where = "qa" if enrich_end else "enrich and qa"
                incomplete = f"stopped in {where}: {e}; rerun the same command to continue"
            end = _clock()
            # They ran together: enrich's time is until its last record, qa's the rest.
            split = enrich_end[0] if enrich_end else end
            seconds["enrich"], cpu_seconds["enrich"] = _elapsed(start, split)
            seconds["qa"], cpu_seconds["qa"] = _elapsed(split, end)
    return finish(
        cfg,
        settings,
        resumed,
        incomplete,
        seconds,
        cpu_seconds,
        backend.report() if hasattr(backend, "report") else None,
    )


def finish(
    cfg: BuildConfig,
    settings: dict[str, Any],
    resumed: bool,
    incomplete: str | None,
    seconds: dict[str, float],
    cpu_seconds: dict[str, float],
    generation: dict[str, Any] | None,
) -> dict[str, Any]:
    """Export llava.json and write summary.json (the same for every runner); returns it.
    ``settings``: what ``claim_out`` returned."""
    start = time.perf_counter()
    exported = export_stage.run(cfg.out, "llava", cfg.out / layout.LLAVA)
    llava_path, samples = exported.path, exported.samples
    seconds["export"] = round(time.perf_counter() - start, 3)
    summary = {
        **settings,
        "resumed": resumed,
        "incomplete": incomplete,
        "counts": {**_count(cfg), "llava_samples": samples},
        "seconds": {**seconds, "total": round(sum(seconds.values()), 3)},
        "cpu_seconds": cpu_seconds,  # this process only (OCR workers are not included)
        "generation": generation,
        "files": {
            "llava": llava_path.name,
            "rejects": layout.REJECTS,
        },
    }
    write_json_atomic(cfg.out / layout.SUMMARY, summary)
    return summary
