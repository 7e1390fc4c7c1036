"""The Ray runner of ``llavar2 score`` (``--runner ray``): the score stage's ``run`` on a pool
of Ray Data actors, each holding one model (``num_gpus`` each), fed batches of images.

Scores are appended to OUT/scores.jsonl in input order with the same resumable writer as the
local runner, so either runner can finish what the other began. The driver never loads the
model: each actor resolves the context (``auto``) from its own, and the first score written is
checked against those already in the file.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from tqdm import tqdm

from .. import layout
from ..errors import UsageError
from ..join import merge_join
from ..jsonl import ResumableJsonl, read_jsonl
from ..layout import SCORES
from ..records import ConversationSet, EnrichedCaption, OcrResult
from ..score import make_scorer
from ..score.base import Scorer
from ..score.stage import ContextChoice, resolve_context, run_summary, score_duos
from .ray_session import RayConfig, Row, ordered_map, ray_session, remove_stale_spills


def _score_batch(
    scorer: Scorer, rows: list[Row], context: ContextChoice, images_dir: str | None
) -> list[list[tuple[str, Any]]]:
    """The pending duos of a batch of images scored together (the scorer batches by length)."""
    resolved = resolve_context(context, scorer)
    if resolved == "image" and images_dir is None:
        raise UsageError("the images folder is unknown (no build.json): use --context facts")
    items = [
        (
            (OcrResult.model_validate(r["ocr"]), EnrichedCaption.model_validate(r["caption"])),
            ConversationSet.model_validate(r["conversations"]),
        )
        for r in rows
    ]
    done = {(r["conversations"]["id"], k) for r in rows for k in r["done"]}
    by_image = defaultdict(list)
    for scores in score_duos(
        items,
        scorer,
        resolved,
        Path(images_dir) if images_dir else None,
        done,
        chunk=len(rows) * 16,
    ):
        by_image[scores.id].append(("score", scores))
    return [by_image[r["conversations"]["id"]] for r in rows]


def _first_line(path: Path) -> dict[str, Any] | None:
    return next(read_jsonl(path), None) if path.exists() else None


def score_build(
    out: Path,
    spec: str,
    options: dict[str, Any],
    context: ContextChoice,
    progress: bool,
    rcfg: RayConfig,
) -> dict[str, Any]:
    """``score.stage.run`` on Ray, with the scorer made from ``spec`` in each actor."""
    if not spec.startswith("hf:"):
        raise UsageError(
            "--runner ray scores with hf:PATH models; an API scorer (openai:) "
            "keeps its server busy from one process: use --runner local"
        )
    for name in (layout.OCR, layout.CAPTIONS, layout.CONVERSATIONS):
        if not (out / name).is_file():
            raise UsageError(f"{out} is not a finished build folder (no {name})")
    build_json = out / layout.BUILD
    images_dir = None
    if build_json.is_file():
        images_dir = json.loads(build_json.read_text(encoding="utf-8"))["images_dir"]
    elif context == "image":
        raise UsageError(
            f"{out} has no {layout.BUILD}: the images folder is unknown "
            "(use --context facts to score without images)"
        )
    path = out / SCORES
    before = _first_line(path)
    remove_stale_spills(out)
    unscorable: Counter[str] = Counter()
    scored = 0
    start = time.perf_counter()
    with (
        ResumableJsonl(path, lambda o: (o["id"], o["duo"]), compact=True) as scores,
        ray_session(rcfg),
    ):
        done = scores.done  # the keys written below are not asked about again
        already = len(done)

        def todo() -> Iterator[Row]:
            joined = merge_join(
                merge_join(read_jsonl(out / layout.OCR), read_jsonl(out / layout.CAPTIONS)),
                read_jsonl(out / layout.CONVERSATIONS),
            )
            for (ocr, caption), conv in joined:
                pending = [k for k in range(len(conv["duos"])) if (conv["id"], k) not in done]
                if pending:
                    already = sorted(set(range(len(conv["duos"]))) - set(pending))
                    yield {"ocr": ocr, "caption": caption, "conversations": conv, "done": already}

        todo_n = sum(len(r["conversations"]["duos"]) - len(r["done"]) for r in todo())
        actor = (
            partial(make_scorer, spec, **options),
            partial(_score_batch, context=context, images_dir=images_dir),
        )
        bar = tqdm(total=todo_n, desc="score (ray)", unit="duo", disable=not progress, leave=False)
        for made in ordered_map(todo(), None, rcfg, out, actor=actor):
            for _, obj in made:
                if before is None:
                    before = obj
                elif (obj["scorer"], obj["context"]) != (before["scorer"], before["context"]):
                    raise UsageError(
                        f"{path} holds scores by {before['scorer']} with context "
                        f"{before['context']}; resume with the same scorer and context, or "
                        "move the file away"
                    )
                scores.write(obj)
                scored += 1
                unscorable.update(f"{t}:{why}" for t, why in obj["unscorable"].items())
                bar.update()
        bar.close()
        total = len(scores.done)
    return run_summary(
        path,
        before["scorer"] if before else spec,
        before["context"] if before else context,
        scored,
        already,
        total,
        unscorable,
        time.perf_counter() - start,
    )
