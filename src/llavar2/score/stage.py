"""The score stage: every duo conversation of a build → one ``DuoScores`` in ``OUT/scores.jsonl``.

``score_duos`` turns records into records: it collects the requests of a chunk of duos, sends
each distinct request to the scorer once (a chunk big enough for the scorer to sort and batch by
length), and yields the duos' scores in input order. ``run`` wires it to a build folder:
appends to scores.jsonl keyed by (id, duo), so a killed run continues where it stopped.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Container, Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from tqdm import tqdm

from ..errors import UsageError
from ..join import merge_join
from ..jsonl import ResumableJsonl, read_jsonl
from ..layout import BUILD, CAPTIONS, CONVERSATIONS, OCR, SCORES, recorded_images_dir
from ..records import ConversationSet, DuoScores, EnrichedCaption, OcrResult
from .base import LossRequest, Scorer
from .duo import Context, duo_requests, duo_scores, facts_text

ContextChoice = Literal["image", "facts", "auto"]
Item = tuple[tuple[OcrResult, EnrichedCaption], ConversationSet]


def resolve_context(choice: ContextChoice, scorer: Scorer) -> Context:
    """``auto``: the image when the scorer can see it, else its facts."""
    if choice == "auto":
        return "image" if scorer.supports_images else "facts"
    if choice == "image" and not scorer.supports_images:
        raise UsageError(f"{scorer.name} cannot see images: use --context facts (or auto)")
    return choice


def score_duos(
    items: Iterable[Item],
    scorer: Scorer,
    context: Context,
    images_dir: Path | None = None,
    done: Container[tuple[str, int]] = frozenset(),
    chunk: int = 256,
) -> Iterator[DuoScores]:
    """The scores of each duo of ``items`` not in ``done``, in order, ``chunk`` duos at a time."""
    if context == "image" and images_dir is None:
        raise ValueError("context 'image' needs the images folder")
    pending: list[tuple[str, int, dict[str, LossRequest]]] = []

    def flush() -> Iterator[DuoScores]:
        distinct = list(dict.fromkeys(r for _, _, reqs in pending for r in reqs.values()))
        losses = dict(zip(distinct, scorer.losses(distinct)))
        for image_id, k, reqs in pending:
            terms = {term: losses[request] for term, request in reqs.items()}
            yield duo_scores(image_id, k, terms, scorer.name, scorer.model, context)
        pending.clear()

    for (ocr, caption), conversations in items:
        image = images_dir / conversations.image if images_dir is not None else None
        facts = facts_text(caption.caption, ocr.text)
        for k, duo in enumerate(conversations.duos):
            if (conversations.id, k) not in done:
                pending.append((conversations.id, k, duo_requests(duo, context, image, facts)))
            if len(pending) >= chunk:
                yield from flush()
    if pending:
        yield from flush()


def _images_dir(out: Path) -> Path:
    """Where the build's images are: the folder build.json recorded (as the runner used it)."""
    folder = recorded_images_dir(out)
    if folder is None:
        raise UsageError(
            f"{out} has no {BUILD}: the images folder is unknown "
            "(use --context facts to score without images)"
        )
    return folder


def _check_same_scorer(path: Path, scorer: Scorer, context: Context) -> None:
    """A resume must not mix scores of another model or context into one file."""
    for first in read_jsonl(path):
        if (first["scorer"], first["context"]) != (scorer.name, context):
            raise UsageError(
                f"{path} holds scores by {first['scorer']} with context {first['context']}; "
                f"resume with the same scorer and context, or move the file away"
            )
        return


def run(
    out: Path,
    scorer: Scorer,
    context: ContextChoice = "auto",
    progress: bool = True,
    chunk: int = 256,
) -> dict[str, Any]:
    """Score (or finish scoring) the build in ``out``; returns this run's summary."""
    for name in (OCR, CAPTIONS, CONVERSATIONS):
        if not (out / name).is_file():
            raise UsageError(f"{out} is not a finished build folder (no {name})")
    resolved = resolve_context(context, scorer)
    images_dir = _images_dir(out) if resolved == "image" else None
    if (out / SCORES).exists():
        _check_same_scorer(out / SCORES, scorer, resolved)

    def items() -> Iterator[Item]:
        return merge_join(
            merge_join(
                read_jsonl(out / OCR, OcrResult),
                read_jsonl(out / CAPTIONS, EnrichedCaption),
            ),
            read_jsonl(out / CONVERSATIONS, ConversationSet),
        )

    unscorable: Counter[str] = Counter()
    scored = 0
    start = time.perf_counter()
    with ResumableJsonl(out / SCORES, lambda o: (o["id"], o["duo"]), compact=True) as scores:
        done = scores.done  # the keys written below are not asked about again
        already = len(done)
        todo = sum(
            1 for _, conv in items() for k in range(len(conv.duos)) if (conv.id, k) not in done
        )
        bar = tqdm(total=todo, desc="score", unit="duo", disable=not progress, leave=False)
        for result in score_duos(items(), scorer, resolved, images_dir, done, chunk):
            scores.write(result)
            scored += 1
            unscorable.update(f"{term}:{reason}" for term, reason in result.unscorable.items())
            bar.update()
        bar.close()
        total = len(scores.done)
    summary = run_summary(
        out / SCORES,
        scorer.name,
        resolved,
        scored,
        already,
        total,
        unscorable,
        time.perf_counter() - start,
    )
    if hasattr(scorer, "report"):  # API scorers: requests, retries, cache hits
        summary["usage"] = scorer.report()
    return summary


def run_summary(
    path: Path,
    scorer: str,
    context: str,
    scored: int,
    already: int,
    total: int,
    unscorable: Counter[str],
    seconds: float,
) -> dict[str, Any]:
    """What a score run did (either runner), as ``llavar2 score`` prints it."""
    return {
        "scores": str(path),
        "scorer": scorer,
        "context": context,
        "duos_scored": scored,
        "duos_already_scored": already,
        "duos_total": total,
        "unscorable_terms": dict(sorted(unscorable.items())),
        "seconds": round(seconds, 3),
        "duos_per_second": round(scored / seconds, 2) if seconds > 0 else None,
    }
