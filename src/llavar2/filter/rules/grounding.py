"""The extractive answer must be written in the image: a span of the clean OCR text or of the
enriched caption after normalisation, exactly or up to OCR-like edits (DESIGN §1;
``text.grounding``)."""

from __future__ import annotations

from dataclasses import dataclass

from ...text.grounding import DEFAULT_MIN_SCORE, DEFAULT_MODE, check_params, ground
from . import RULES, Drop, DuoItem, StatelessRule


@RULES.register(
    "grounding", help="extractive answers found in neither the OCR text nor the caption"
)
@dataclass
class GroundingRule(StatelessRule):
    mode: str = DEFAULT_MODE  # "fuzzy" or "exact"
    min_score: float = DEFAULT_MIN_SCORE  # fuzzy mode: the least match score

    def __post_init__(self) -> None:
        check_params(self.mode, self.min_score)

    def check(self, item: DuoItem) -> Drop | None:
        answer = item.duo.extractive.answer
        if (
            ground(answer, item.image.ocr_text, item.image.caption, self.mode, self.min_score)
            is None
        ):
            close = " (nor close to a span of either)" if self.mode == "fuzzy" else ""
            return Drop(
                "ungrounded_answer", f"{answer!r} is in neither the OCR text nor the caption{close}"
            )
        return None
