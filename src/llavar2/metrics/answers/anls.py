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

from ..base import METRICS
from ._common import ItemMetric

THRESHOLD = 0.5


def levenshtein(a: str, b: str) -> int:
    """Unit-cost edit distance between two strings (code points), bit-parallel (Myers 1999 /
    Hyyrö 2001) over Python integers, so that long strings cost O(len(a) * len(b) / word)."""
    if a == b:
        return 0
    # Strip the common prefix and suffix: they never change the distance.
    start = 0
    stop = min(len(a), len(b))
    while start < stop and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a -= 1
        end_b -= 1
    a = a[start:end_a]
    b = b[start:end_b]
    if len(a) < len(b):
        a, b = b, a
    m = len(b)
    if m == 0:
        return len(a)
    peq: dict[str, int] = {}
    for i, ch in enumerate(b):
        peq[ch] = peq.get(ch, 0) | (1 << i)
    mask = (1 << m) - 1
    high = 1 << (m - 1)
    pv = mask
    mv = 0
    score = m
    for ch in a:
        eq = peq.get(ch, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | ~(xh | pv)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = (ph << 1) | 1
        mh = mh << 1
        pv = (mh | ~(xv | ph)) & mask
        mv = ph & xv & mask
    return score


def _normalise(text: str) -> str:
    return " ".join(text.strip().lower().split())


def anls_item(prediction: str, references: Sequence[str], threshold: float = THRESHOLD) -> float:
    """One item of lmms-eval's ``anls`` / the DocVQA script's per-question result."""
    det = _normalise(prediction)
    pred_len = len(prediction.upper())
    distances = []
    for answer in references:
        dist = levenshtein(_normalise(answer), det)
        length = max(len(answer.upper()), pred_len)
        distances.append(0.0 if length == 0 else float(dist) / float(length))
    result = 1 - min(distances)
    if result < threshold:
        result = 0
    return float(result)


@METRICS.register("anls")
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
