"""LLaVAR / MultimodalOCR VQA scoring: the normalised reference appears as a whole word in the
normalised prediction.

Rule of ``VQAEval.evaluate`` in Yuliang-Liu/MultimodalOCR ``eval.py`` (also ``eval_vqa.py``), which
LLaVAR's text-rich VQA results (ST-VQA, OCR-VQA, TextVQA, DocVQA) use. Prediction and every
reference get: newlines/tabs -> spaces, strip, the VQA punctuation step (with the original
``(\\d)(\\,)(\\d)`` comma test), then number words/articles/contractions (see ``vqa.py``). The item
is 1 when for some reference ``re.search(r"\\b" + re.escape(ref) + r"\\b", prediction)`` matches.
``\\b`` is Python's Unicode word boundary, so a reference that starts or ends with a non-word
character needs a word character next to it, and a reference that normalises to the empty string
(e.g. ``"the"``) matches any prediction containing a word character -- both as in the reference.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import ClassVar

from ..base import METRICS
from ._common import ItemMetric
from .vqa import vqaeval_normalize_prediction


@lru_cache(maxsize=1 << 16)
def _word_pattern(word: str) -> re.Pattern[str]:
    return re.compile(r"\b" + re.escape(word) + r"\b")


def contains_item(prediction: str, references: Sequence[str]) -> float:
    answer = vqaeval_normalize_prediction(prediction)
    for ref in references:
        if _word_pattern(vqaeval_normalize_prediction(ref)).search(answer):
            return 1.0
    return 0.0


@METRICS.register(
    "contains", help="a reference's words in the prediction, LLaVAR / MultimodalOCR's VQA accuracy"
)
class Contains(ItemMetric):
    name: ClassVar[str] = "contains"
    reference: ClassVar[str] = (
        "LLaVAR / MultimodalOCR VQA accuracy (Yuliang-Liu/MultimodalOCR eval.py VQAEval.evaluate "
        "and has_word): prediction and references normalised by the VQA processPunctuation + "
        "processDigitArticle after newline/tab -> space and strip; 1 if some normalised reference "
        "matches \\b<reference>\\b in the normalised prediction; corpus = mean on 0-1"
    )
    item = staticmethod(contains_item)
