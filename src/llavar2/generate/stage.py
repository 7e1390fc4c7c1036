"""The generation stages (DESIGN §1 enrich and qa): records in, records out, one output per
input, in input order. ``run`` chains both.

A failure on one image becomes a ``Reject`` for that image and the stage goes on with the next.
Backends are synchronous (``offline``: one item at a time) or concurrent (``openai``: many
requests in flight, see ``run_ordered``); both go through the same per-item code below.
"""

from __future__ import annotations

import inspect
from collections import Counter, deque
from collections.abc import Callable, Coroutine, Generator, Iterable, Iterator
from contextlib import closing
from typing import Any, TypeVar

from ..backends import Backend
from ..errors import ItemRejected, RunIncomplete, UsageError
from ..records import ConversationSet, EnrichedCaption, ImageRecord, OcrResult, Reject
from ..text.grounding import DEFAULT_MIN_SCORE, DEFAULT_MODE, check_params
from .checks import filter_duos

T = TypeVar("T", bound=tuple)


def _reject(
    stage: str, image: ImageRecord, reason: str, detail: str, raw_output: list[str] | None = None
) -> Reject:
    return Reject(
        stage=stage,
        reason=reason,
        detail=detail,
        image=image.image,
        id=image.id,
        row=image.row,
        raw_output=raw_output,
    )


def _mismatch(image: ImageRecord, *others: OcrResult | EnrichedCaption) -> str:
    """Why the records of one item do not describe the same image, or ""."""
    wrong = [f"{type(o).__name__} {o.id!r}" for o in others if o.id != image.id]
    return f"image {image.id!r} paired with {', '.join(wrong)}" if wrong else ""


def _run_now(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Finish a coroutine that never suspends (a synchronous backend's item) without a loop."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    raise RuntimeError("a synchronous backend suspended")


def _run_stage(
    stage: str,
    items: Iterable[T],
    backend: Backend,
    check: Callable[..., Reject | None],
    call: Callable[..., Any],
    finish: Callable[..., Any],
) -> Generator[Any, None, None]:
    async def one(item: T) -> Any:
        image = item[0]
        if (rejected := check(*item)) is not None:
            return rejected
        try:
            made = call(*item)
            if inspect.isawaitable(made):
                made = await made
        except ItemRejected as e:
            return _reject(stage, image, e.reason, e.detail, e.raw_output)
        except (RunIncomplete, UsageError):  # the run stops; this item stays to do
            raise
        except Exception as e:  # one bad item must not stop the run
            return _reject(stage, image, "generation_failed", str(e) or type(e).__name__)
        return finish(made, *item)

    run_ordered = getattr(backend, "run_ordered", None)
    if run_ordered is not None:
        return run_ordered(one, items)
    return (_run_now(one(item)) for item in items)


def _readable(text: str) -> bool:
    return any(c.isalnum() for c in text)


def no_clean_text(ocr: OcrResult) -> str:
    """Why no line of the image may be quoted ("" when one may): the OCR read text, but the
    quality gate (``llavar2.ocr.gate``) flagged every line of it. An image without any text is
    not this case: its caption says so, and qa rejects it as ``no_text``."""
    read = [line for line in ocr.lines if _readable(line.text)]
    if not read or any(line.clean for line in read):
        return ""
    flags = Counter(flag for line in read for flag in line.flags)
    counted = ", ".join(f"{n} × {flag}" for flag, n in sorted(flags.items()))
    return f"all {len(read)} OCR lines with text were flagged by the quality gate: {counted}"


def enrich(
    items: Iterable[tuple[ImageRecord, OcrResult]], backend: Backend
) -> Generator[EnrichedCaption | Reject, None, None]:
    def check(image: ImageRecord, ocr: OcrResult) -> Reject | None:
        if mismatch := _mismatch(image, ocr):
            return _reject("enrich", image, "id_mismatch", mismatch)
        if detail := no_clean_text(ocr):
            return _reject("enrich", image, "no_clean_text", detail)
        return None

    return _run_stage("enrich", items, backend, check, backend.enrich, lambda made, *_: made)


def converse(
    items: Iterable[tuple[ImageRecord, OcrResult, EnrichedCaption]],
    backend: Backend,
    grounding: str = DEFAULT_MODE,
    min_score: float = DEFAULT_MIN_SCORE,
) -> Generator[ConversationSet | Reject, None, None]:
    """Duo conversations per image; each duo's extractive answer must be grounded in the clean
    OCR text or the caption (``grounding``/``min_score``: ``text.grounding``), or it is kept
    under the set's ``dropped`` with the reason."""
    check_params(grounding, min_score)

    def check(image: ImageRecord, ocr: OcrResult, caption: EnrichedCaption) -> Reject | None:
        if mismatch := _mismatch(image, ocr, caption):
            return _reject("qa", image, "id_mismatch", mismatch)
        if not _readable(ocr.text):
            return _reject("qa", image, "no_text", "OCR found no text to ask about")
        if detail := no_clean_text(ocr):
            return _reject("qa", image, "no_clean_text", detail)
        return None

    def finish(
        made: ConversationSet, image: ImageRecord, ocr: OcrResult, caption: EnrichedCaption
    ) -> ConversationSet | Reject:
        return _filtered(made, image, ocr, caption, grounding, min_score)

    return _run_stage("qa", items, backend, check, backend.converse, finish)


def _filtered(
    made: ConversationSet,
    image: ImageRecord,
    ocr: OcrResult,
    caption: EnrichedCaption,
    grounding: str,
    min_score: float,
) -> ConversationSet | Reject:
    kept, dropped = filter_duos(made.duos, ocr, caption, grounding, min_score)
    made = made.model_copy(update={"duos": kept, "dropped": [*made.dropped, *dropped]})
    if kept:
        return made
    if not made.dropped:
        detail = "no question has an unambiguous answer in the OCR text"
        return _reject("qa", image, "no_groundable_text", detail)
    reasons = Counter(d.reason for d in made.dropped)
    detail = "every duo conversation was dropped: " + ", ".join(
        f"{n} × {reason}" for reason, n in sorted(reasons.items())
    )
    return _reject("qa", image, "no_kept_duos", detail, [d.model_dump_json() for d in made.dropped])


def run(
    items: Iterable[tuple[ImageRecord, OcrResult]],
    backend: Backend,
    grounding: str = DEFAULT_MODE,
    min_score: float = DEFAULT_MIN_SCORE,
) -> Generator[tuple[EnrichedCaption | Reject, ConversationSet | Reject | None], None, None]:
    """``enrich`` then ``converse`` for each item, in input order: (its caption or enrich's
    reject, its conversations or qa's reject; None after an enrich reject). Each caption goes
    on to qa as soon as it is made, so the requests of both stages share one stream."""
    sent: deque[tuple[ImageRecord, OcrResult]] = deque()  # awaiting their caption
    captions: deque[EnrichedCaption | Reject] = deque()  # awaiting their conversations

    def to_enrich() -> Iterator[tuple[ImageRecord, OcrResult]]:
        for item in items:
            sent.append(item)
            yield item

    def to_converse() -> Generator[tuple[ImageRecord, OcrResult, EnrichedCaption], None, None]:
        with closing(enrich(to_enrich(), backend)) as made:
            for caption in made:
                image, ocr = sent.popleft()
                captions.append(caption)
                if not isinstance(caption, Reject):
                    yield image, ocr, caption

    def enrich_rejects() -> Iterator[tuple[Reject, None]]:
        while captions and isinstance(head := captions[0], Reject):
            captions.popleft()
            yield head, None

    with (
        closing(to_converse()) as qa_items,
        closing(converse(qa_items, backend, grounding, min_score)) as conversations,
    ):
        for conversation in conversations:
            yield from enrich_rejects()
            yield captions.popleft(), conversation
        yield from enrich_rejects()
