"""The extractive answer must be written in the image: a span of the OCR text or of the
enriched caption after normalisation (DESIGN §1; ``filter.grounding``)."""

from __future__ import annotations

from dataclasses import dataclass

from ..grounding import grounded_in
from . import RULES, Drop, DuoItem, StatelessRule


@RULES.register("grounding")
@dataclass
class GroundingRule(StatelessRule):
    def check(self, item: DuoItem) -> Drop | None:
        answer = item.duo.extractive.answer
        if grounded_in(answer, item.image.ocr_text, item.image.caption) is None:
            return Drop("ungrounded_answer",
                        f"{answer!r} is in neither the OCR text nor the caption")
        return None
