"""ANLS (DocVQA / InfographicVQA / ST-VQA) as the DocVQA evaluation script and lmms-eval compute it.

Per reference: both strings are normalised as ``" ".join(s.strip().lower().split())``; the
normalised Levenshtein distance is ``dist(normalised ref, normalised pred) / max(len(ref.upper()),
len(pred.upper()))`` -- the denominator uses the *raw* strings, as the script does (so extra
whitespace in the raw strings lowers the distance), and is taken as 0 distance when both raw
strings are empty. The item is ``1 - min(distances)``, set to 0 when it is *below* τ = 0.5: a
distance of exactly 0.5 keeps its 0.5 (the threshold applies to the score, ``< 0.5``). Corpus =
mean.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from ...text.edit_distance import edit_distance
from ..base import METRICS
from ._common import ItemMetric

THRESHOLD = 0.5


def _normalise(text: str) -> str:
    return " ".join(text.strip().lower().split())


def anls_item(prediction: str, references: Sequence[str], threshold: float = THRESHOLD) -> float:
    """One item of lmms-eval's ``anls`` / the DocVQA script's per-question result."""
    det = _normalise(prediction)
    pred_len = len(prediction.upper())
    distances = []
    for answer in references:
        dist = edit_distance(_normalise(answer), det)
        length = max(len(answer.upper()), pred_len)
        distances.append(0.0 if length == 0 else float(dist) / float(length))
    result = 1 - min(distances)
    if result < threshold:
        result = 0
    return float(result)


@METRICS.register("anls", help="ANLS, as the DocVQA / InfographicVQA evaluation script computes it")
class Anls(ItemMetric):
    name: ClassVar[str] = "anls"
    reference: ClassVar[str] = (
        "ANLS as the DocVQA/InfographicVQA RRC evaluation script computes it (copy in "
        "QwenLM/Qwen-VL eval_mm/infographicsvqa_eval.py) and lmms-eval's anls metric "
        "(lmms_eval/api/metrics.py, used by docvqa/infovqa): strings normalised by "
        "' '.join(s.strip().lower().split()); NL = Levenshtein / max(len(raw ref.upper()), "
        "len(raw pred.upper())), 0 when both are empty; item = 1 - min over references of NL, "
        "set to 0 when < 0.5 (NL = 0.5 exactly keeps 0.5); corpus = mean"
    )
    item = staticmethod(anls_item)

    def details(self, per_item: list[float], references: list[list[str]]) -> dict[str, Any]:
        return {"n_items": len(per_item), "threshold": THRESHOLD}
