"""The filter run at generation time (DESIGN §4): duos dropped as they are made, kept under
the ConversationSet's ``dropped`` with the reason. ``llavar2 filter`` (``filter.stage``) runs
the full rule set, and the score selection, over a finished build."""

from __future__ import annotations

from ..records import DroppedDuo, DuoConversation, EnrichedCaption, OcrResult
from .grounding import grounded_in
from .injection import Injection, echoes_injection, find_injections
from .text import contains, joined, words


def filter_duos(
    duos: list[DuoConversation], ocr: OcrResult, caption: EnrichedCaption
) -> tuple[list[DuoConversation], list[DroppedDuo]]:
    """(kept, dropped): answers that echo injected instructions, extractive answers found
    neither in the OCR text nor in the enriched caption, explanations that do not quote their
    answer, and repeated questions are dropped."""
    injections = find_injections(f"{ocr.text}\n{caption.human_caption}")
    kept: list[DuoConversation] = []
    dropped: list[DroppedDuo] = []
    questions: set[str] = set()
    for duo in duos:
        reason, detail = _verdict(duo, ocr, caption, injections, questions)
        if reason:
            dropped.append(DroppedDuo(duo=duo, reason=reason, detail=detail))
        else:
            kept.append(duo)
            questions.add(joined(words(duo.extractive.question)))
    return kept, dropped


def _verdict(duo: DuoConversation, ocr: OcrResult, caption: EnrichedCaption,
             injections: list[Injection], questions: set[str]) -> tuple[str, str]:
    """(reason, detail) to drop ``duo``, or ("", "") to keep it."""
    answer = duo.extractive.answer
    for text in (answer, duo.self_explain.answer):
        if why := echoes_injection(text, injections):
            return "prompt_injection", why
    if grounded_in(answer, ocr.text, caption.caption) is None:
        return "ungrounded_answer", f"{answer!r} is in neither the OCR text nor the caption"
    if not contains(duo.self_explain.answer, answer):
        return "explanation_without_answer", f"the explanation does not quote {answer!r}"
    if joined(words(duo.extractive.question)) in questions:
        return "duplicate_question", f"{duo.extractive.question!r} was asked before"
    return "", ""
