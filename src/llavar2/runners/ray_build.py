"""The Ray runner of ``llavar2 build`` and ``llavar2 ocr`` (``--runner ray``, DESIGN §6).

The same stage functions as the local runner (``ingest.validate_row``, the OCR job,
``generate.stage.enrich`` / ``converse``) run per item as Ray Data tasks; the driver streams
each stage's pending items from the files, and appends the results in input order to the same
files with the same resumable writers, then exports and summarises exactly as the local runner
does. So a build made (or resumed) by either runner holds the same records, in the same order.

Ingest checks duplicates after the parallel part, on the driver and in manifest order: which of
two equal images is the duplicate depends on the rows before it. Only the ``offline`` backend
runs here: an API backend already keeps a server busy from one process, and its request budget
is per run, not per worker.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterable, Iterator
from functools import lru_cache, partial
from itertools import islice
from pathlib import Path
from typing import Any

from tqdm import tqdm

from .. import layout, ocr
from ..backends import BACKENDS, Backend
from ..config import BuildConfig
from ..errors import UsageError
from ..generate.stage import converse, enrich
from ..ingest.manifest import ManifestRow, detect_format, read_manifest
from ..ingest.validate import RowRejected, Seen, check_duplicate, reject_for, validate_row
from ..join import left_join, merge_join
from ..jsonl import ResumableJsonl, read_jsonl
from ..ocr import stage as ocr_stage
from ..ocr.cache import OcrCache
from ..ocr.gate import DEFAULT_LANGUAGE, check_language
from ..ocr.run import OcrJob
from ..records import EnrichedCaption, ImageRecord, OcrResult, Reject
from . import outputs as files
from .local import claim_out, finish
from .ray_session import RayConfig, Row, ordered_map, ray_session, remove_stale_spills


def _validate(item: Row, images_dir: str, max_pixels: int) -> list[tuple[str, Any]]:
    """Ingest one manifest row, all checks but the duplicate ones."""
    row = ManifestRow(**item["row"])
    try:
        record = validate_row(row, Path(images_dir), Seen(), max_pixels)
    except RowRejected as err:
        return [("reject", reject_for(row, err))]
    return [("record", {"record": record.model_dump(mode="json"), "row_image": row.image})]


@lru_cache(maxsize=4)
def _ocr_job(
    engine: str, images_dir: str, cache_dir: str | None, max_pixels: int, language: str
) -> OcrJob:
    """One per worker process: the engine's models load once, not per task."""
    # One thread: Ray runs one task per core, and oversubscribed cores run slower.
    return OcrJob(
        ocr.get_engine(engine, threads=1),
        Path(images_dir),
        OcrCache(Path(cache_dir)) if cache_dir else None,
        max_pixels,
        language,
    )


def _ocr_one(
    item: Row, engine: str, images_dir: str, cache_dir: str | None, max_pixels: int, language: str
) -> list[tuple[str, Any]]:
    result = _ocr_job(engine, images_dir, cache_dir, max_pixels, language)(
        ImageRecord.model_validate(item["record"])
    )
    return [("reject" if isinstance(result, Reject) else "result", result)]


def run_ocr(
    images: Iterable[ImageRecord],
    images_dir: Path,
    engine: str,
    cache_dir: Path | None,
    max_pixels: int,
    rcfg: RayConfig,
    work_dir: Path,
    language: str = DEFAULT_LANGUAGE,
) -> Iterator[OcrResult | Reject]:
    """``ocr.run_ocr`` on Ray: one OcrResult or Reject per image, in input order (inside a
    ``ray_session``); ``language`` is the quality gate's (``llavar2.ocr.gate``)."""
    language = check_language(language)
    fn = partial(
        _ocr_one,
        engine=engine,
        images_dir=str(images_dir),
        cache_dir=None if cache_dir is None else str(cache_dir),
        max_pixels=max_pixels,
        language=language,
    )
    items = ({"record": r.model_dump(mode="json")} for r in images)
    for made in ordered_map(items, fn, rcfg, work_dir):
        for tag, obj in made:
            yield Reject.model_validate(obj) if tag == "reject" else OcrResult.model_validate(obj)


def ocr_folder(
    images: Path,
    out: Path,
    *,
    engine: str,
    language: str,
    cache_dir: Path | None,
    max_pixels: int,
    progress: bool,
    ray: RayConfig,
) -> tuple[int, int]:
    """``llavar2 ocr --runner ray``: the OCR stage (``ocr.stage.run``) with its images read
    on Ray."""
    remove_stale_spills(out.parent)
    with ray_session(ray):
        return ocr_stage.run(
            images,
            out,
            engine=engine,
            language=language,
            workers=1,
            cache_dir=cache_dir,
            max_pixels=max_pixels,
            progress=progress,
            ocr_images=lambda todo: tqdm(
                run_ocr(todo, images, engine, cache_dir, max_pixels, ray, out.parent, language),
                desc=f"ocr ({engine}, ray)",
                unit="img",
                disable=not progress,
            ),
        )


@lru_cache(maxsize=4)
def _backend(name: str, options: str) -> Backend:
    return BACKENDS.get(name)(**json.loads(options))


def _generate_one(
    item: Row, backend: str, options: str, grounding: str, min_score: float
) -> list[tuple[str, Any]]:
    """Enrich (unless an earlier run did) then qa, for one image: what to append where."""
    made: list[tuple[str, Any]] = []
    model = _backend(backend, options)
    image = ImageRecord.model_validate(item["image"])
    result = OcrResult.model_validate(item["ocr"])
    caption: EnrichedCaption
    if item["caption"] is not None:
        caption = EnrichedCaption.model_validate(item["caption"])
    else:
        enriched = next(enrich([(image, result)], model))
        if isinstance(enriched, Reject):
            return [("reject", enriched)]
        made.append(("caption", enriched))
        caption = enriched
    conversation = next(converse([(image, result, caption)], model, grounding, min_score))
    made.append(("reject" if isinstance(conversation, Reject) else "conversation", conversation))
    return made


class _RayBuild:
    def __init__(self, cfg: BuildConfig, rcfg: RayConfig, rejects: ResumableJsonl):
        self.cfg, self.rcfg, self.rejects = cfg, rcfg, rejects

    def _drain(
        self,
        results: Iterable[list[tuple[str, Any]]],
        desc: str,
        writers: dict[str, ResumableJsonl],
    ) -> Iterator[tuple[str, Any]]:
        """Write each result to its file; yields the (tag, record) pairs it does not know."""
        writers = {"reject": self.rejects, **writers}
        for made in tqdm(
            results, desc=f"{desc} (ray)", unit="img", leave=False, disable=not self.cfg.progress
        ):
            for tag, obj in made:
                if tag in writers:
                    writers[tag].write(obj)
                else:
                    yield tag, obj

    def ingest(self) -> None:
        cfg = self.cfg
        with ResumableJsonl(cfg.out / layout.IMAGES, lambda o: o["row"], compact=True) as images:
            seen = Seen()
            for record in read_jsonl(images.path, ImageRecord):
                seen.add(record)
            done_rows = images.done | files.rejected_ids(self.rejects, "ingest")
            rows = (
                {"row": dataclasses.asdict(r)}
                for r in read_manifest(cfg.captions)
                if r.row not in done_rows
            )
            fn = partial(_validate, images_dir=str(cfg.images_dir), max_pixels=cfg.max_pixels)
            for _, found in self._drain(ordered_map(rows, fn, self.rcfg, cfg.out), "ingest", {}):
                record = ImageRecord.model_validate(found["record"])
                try:
                    check_duplicate(record, seen)
                except RowRejected as err:
                    self.rejects.write(
                        reject_for(ManifestRow(record.row, found["row_image"], record.caption), err)
                    )
                    continue
                seen.add(record)
                images.write(record)

    def ocr(self) -> None:
        cfg = self.cfg
        with files.open_by_id(cfg.out / layout.OCR) as out:
            done = out.done | files.rejected_ids(self.rejects, "ocr")
            todo = (r for r in read_jsonl(cfg.out / layout.IMAGES, ImageRecord) if r.id not in done)
            results = run_ocr(
                todo,
                cfg.images_dir,
                cfg.engine,
                cfg.cache_dir and cfg.cache_dir / "ocr",
                cfg.max_pixels,
                self.rcfg,
                cfg.out,
                cfg.language,
            )
            made = ([("reject" if isinstance(r, Reject) else "result", r)] for r in results)
            for _ in self._drain(made, "ocr", {"result": out}):
                pass

    def generate(self) -> None:
        cfg = self.cfg
        with (
            files.open_by_id(cfg.out / layout.CAPTIONS) as captions,
            files.open_by_id(cfg.out / layout.CONVERSATIONS) as conversations,
        ):
            qa_done = conversations.done | files.rejected_ids(self.rejects, "qa")
            enrich_done = captions.done | files.rejected_ids(self.rejects, "enrich")
            pairs = merge_join(
                read_jsonl(cfg.out / layout.IMAGES), read_jsonl(cfg.out / layout.OCR)
            )
            # Only the captions on disk before this stage: it appends to the same file.
            earlier = islice(read_jsonl(captions.path), len(captions.done))

            def todo() -> Iterator[Row]:
                for (image, result), caption in left_join(pairs, earlier):
                    if (caption is None and image["id"] not in enrich_done) or (
                        caption is not None and image["id"] not in qa_done
                    ):
                        yield {"image": image, "ocr": result, "caption": caption}

            options = json.dumps({"seed": cfg.seed, "n_duos": cfg.n_duos})
            fn = partial(
                _generate_one,
                backend=cfg.backend,
                options=options,
                grounding=cfg.grounding,
                min_score=cfg.grounding_min_score,
            )
            for _ in self._drain(
                ordered_map(todo(), fn, self.rcfg, cfg.out),
                "enrich+qa",
                {"caption": captions, "conversation": conversations},
            ):
                pass


def build(cfg: BuildConfig, rcfg: RayConfig) -> dict[str, Any]:
    """``runners.local.build`` on Ray: run (or resume) a build; returns the same summary."""
    if cfg.backend != "offline":
        raise UsageError(
            f"--runner ray runs the offline backend; run --backend {cfg.backend} "
            "with --runner local (it keeps many requests in flight already)"
        )
    try:
        ocr.ENGINES.get(cfg.engine)
    except KeyError as e:
        raise UsageError(str(e).strip('"')) from None
    detect_format(cfg.captions)
    resumed = (cfg.out / layout.BUILD).exists()
    settings = claim_out(cfg)
    remove_stale_spills(cfg.out)
    seconds: dict[str, float] = {}
    cpu_seconds: dict[str, float] = {}
    with ray_session(rcfg), files.open_rejects(cfg.out) as rejects:
        stages = _RayBuild(cfg, rcfg, rejects)
        for name, step in (
            ("ingest", stages.ingest),
            ("ocr", stages.ocr),
            ("enrich+qa", stages.generate),
        ):
            start = time.perf_counter(), time.process_time()
            step()
            seconds[name] = round(time.perf_counter() - start[0], 3)
            cpu_seconds[name] = round(time.process_time() - start[1], 3)
    return finish(cfg, settings, resumed, None, seconds, cpu_seconds, None)
