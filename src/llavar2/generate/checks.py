"""The checks run at generation time (DESIGN §4): duos dropped as they are made, kept under
the ConversationSet's ``dropped`` with the reason. ``llavar2 filter`` (``filter.stage``) runs
the full rule set, and the score selection, over a finished build."""

from __future__ import annotations

from ..records import DroppedDuo, DuoConversation, EnrichedCaption, Grounding, OcrResult
from ..text.grounding import DEFAULT_MIN_SCORE, DEFAULT_MODE, Text, check_params, ground
from ..text.injection import Injection, echoes_injection, find_injections
from ..text.words import contains, joined, words


def filter_duos(
    duos: list[DuoConversation],
    ocr: OcrResult,
    caption: EnrichedCaption,
    grounding: str = DEFAULT_MODE,
    min_score: float = DEFAULT_MIN_SCORE,
) -> tuple[list[DuoConversation], list[DroppedDuo]]:
    """(kept, dropped): answers that echo injected instructions, extractive answers found
    neither in the clean OCR text (``OcrResult.clean_text``: flagged lines are not quotable)
    nor in the enriched caption, explanations that do not quote their answer, and repeated
    questions are dropped. ``grounding`` is "fuzzy" (OCR-like edits allowed, score at least
    ``min_score``) or "exact" (``text.grounding``); where each answer was found is recorded
    in the duo's ``grounding``."""
    check_params(grounding, min_score)
    injections = find_injections(f"{ocr.text}\n{caption.human_caption}")
    ocr_text, caption_text = Text(ocr.clean_text), Text(caption.caption)
    kept: list[DuoConversation] = []
    dropped: list[DroppedDuo] = []
    questions: set[str] = set()
    for duo in duos:
        found = ground(duo.extractive.answer, ocr_text, caption_text, grounding, min_score)
        if found is not None:
            duo = duo.model_copy(update={"grounding": found})
        reason, detail = _verdict(duo, found, injections, questions)
        if reason:
            dropped.append(DroppedDuo(duo=duo, reason=reason, detail=detail))
        else:
            kept.append(duo)
            questions.add(joined(words(duo.extractive.question)))
    return kept, dropped


def _verdict(
    duo: DuoConversation, found: Grounding | None, injections: list[Injection], questions: set[str]
) -> tuple[str, str]:
    """(reason, detail) to drop ``duo``, or ("", "") to keep it."""
    answer = duo.extractive.answer
    for text in (answer, duo.self_explain.answer):
        if why := echoes_injection(text, injections):
            return "prompt_injection", why
    if found is None:
        return "ungrounded_answer", f"{answer!r} is in neither the OCR text nor the caption"
    if not contains(duo.self_explain.answer, answer):
        return "explanation_without_answer", f"the explanation does not quote {answer!r}"
    if joined(words(duo.extractive.question)) in questions:
        return "duplicate_question", f"{duo.extractive.question!r} was asked before"
    return "", ""
