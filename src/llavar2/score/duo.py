"""The six ``L(X | C)`` terms of one duo conversation as chat requests, and the ratios on them.

How X and C become chat turns (DESIGN §4): questions are user turns, answers assistant turns,
in the order the duo has them; X's text parts are ``scored``. The image (or, for a text-only
scorer, its facts) is the first part of the first user turn, as in training data (LLaVA puts
``<image>`` before the first question). Terms without a question (``L(A)``) are the assistant
turn alone: whatever the chat template puts before it (BOS, a default system prompt, the role
header) is context shared by both terms of the ratio.

    A|Q    user: Q              assistant: [A]
    A      assistant: [A]
    QA|I   user: I, [Q]         assistant: [A]
    QA     user: [Q]            assistant: [A]
    S|I,E  user: I, Qe          assistant: Ae     user: [Qs]   assistant: [As]
    S|I    user: I, [Qs]        assistant: [As]

``[...]`` is X. With ``context="facts"`` the image part I is an unscored text part holding the
enriched caption and the OCR text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from ..records import DuoConversation, DuoScores
from .base import Loss, LossRequest, Message, Part

Context = Literal["image", "facts"]
TERMS = ("A|Q", "A", "QA|I", "QA", "S|I,E", "S|I")
# ratio name → (numerator term, denominator term); mIFD is the product of two ratios.
RATIOS = {"ifd": ("A|Q", "A"), "vfd": ("QA|I", "QA"), "ffd": ("S|I,E", "S|I")}


def facts_text(caption: str, ocr_text: str) -> str:
    """What stands in for the image for a text-only scorer: what the image shows and says."""
    return f"Image description: {caption}\nText in the image:\n{ocr_text}"


def _user(*parts: Part) -> Message:
    return Message("user", parts)


def _assistant(text: str, scored: bool) -> Message:
    return Message("assistant", (Part(text, scored=scored),))


def duo_requests(
    duo: DuoConversation, context: Context, image: Path | None = None, facts: str = ""
) -> dict[str, LossRequest]:
    """The request of each term of ``TERMS``; ``image`` is needed for ``context="image"``,
    ``facts`` (see ``facts_text``) for ``context="facts"``."""
    if context == "image":
        if image is None:
            raise ValueError("context 'image' needs the image file")
        visual, path = Part(image=True), image
    else:
        visual, path = Part(facts), None
    q, a = duo.extractive.question, duo.extractive.answer
    qs, as_ = duo.self_explain.question, duo.self_explain.answer

    def request(*messages: Message, with_image: bool = False) -> LossRequest:
        return LossRequest(tuple(messages), path if with_image else None)

    return {
        "A|Q": request(_user(Part(q)), _assistant(a, True)),
        "A": request(_assistant(a, True)),
        "QA|I": request(_user(visual, Part(q, scored=True)), _assistant(a, True), with_image=True),
        "QA": request(_user(Part(q, scored=True)), _assistant(a, True)),
        "S|I,E": request(
            _user(visual, Part(q)),
            _assistant(a, False),
            _user(Part(qs, scored=True)),
            _assistant(as_, True),
            with_image=True,
        ),
        "S|I": request(
            _user(visual, Part(qs, scored=True)), _assistant(as_, True), with_image=True
        ),
    }


def _ratio(losses: dict[str, float | None], num: str, den: str) -> float | None:
    top, bottom = losses[num], losses[den]
    # A zero denominator (X predicted with certainty without the context) has no ratio.
    return None if top is None or not bottom else top / bottom


def duo_scores(
    image_id: str, duo: int, losses: dict[str, Loss], scorer: str, model: str, context: Context
) -> DuoScores:
    """IFD, VFD, mIFD = VFD × IFD and FFD from the terms; a ratio on an unscorable term is None."""
    values = {term: losses[term].loss for term in TERMS}
    ratios = {name: _ratio(values, *terms) for name, terms in RATIOS.items()}
    ifd, vfd = ratios["ifd"], ratios["vfd"]
    return DuoScores(
        id=image_id,
        duo=duo,
        scorer=scorer,
        model=model,
        context=context,
        losses=values,
        ifd=ifd,
        vfd=vfd,
        mifd=None if ifd is None or vfd is None else vfd * ifd,
        ffd=ratios["ffd"],
        unscorable={t: reason for t in TERMS if (reason := losses[t].unscorable)},
    )
