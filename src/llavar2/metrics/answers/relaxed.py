"""ChartQA relaxed accuracy, as pix2struct defines it and lmms-eval's chartqa task uses it.

Both strings are parsed with Python's ``float`` (which accepts surrounding whitespace, a sign,
exponents, ``inf``/``nan``, ``1_000`` and non-ASCII digits, but not ``1,000`` or ``$5``); a
string ending in ``%`` loses all its trailing ``%`` and is divided by 100 (``"45%"`` -> 0.45, so
``"45%"`` and ``"45"`` do not match). When the prediction parses and the target parses to a
non-zero number, the item is correct iff ``|pred - target| / |target| <= 0.05``. Otherwise
(non-numeric, or a target of 0) the item is correct iff ``prediction.lower() == target.lower()``:
no strip, so ``"0.0"`` against a target ``"0"`` is wrong and ``" Yes"`` against ``"yes"`` is wrong.
Years are numbers too: ``"2019"`` against ``"2020"`` is within 5% and counts as correct. With
several references the item is the best one (pix2struct's ``max``). Corpus = mean, on 0-1
(pix2struct prints 100 x this).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from ..base import METRICS
from ._common import ItemMetric

MAX_RELATIVE_CHANGE = 0.05


def _to_float(text: str) -> float | None:
    try:
        if text.endswith("%"):
            return float(text.rstrip("%")) / 100.0
        return float(text)
    except ValueError:
        return None


def relaxed_correctness(
    target: str, prediction: str, max_relative_change: float = MAX_RELATIVE_CHANGE
) -> bool:
    """pix2struct ``relaxed_correctness(target, prediction)`` (lmms-eval's has the same body with
    the arguments named the other way round and called accordingly)."""
    prediction_float = _to_float(prediction)
    target_float = _to_float(target)
    if prediction_float is not None and target_float:
        relative_change = abs(prediction_float - target_float) / abs(target_float)
        return relative_change <= max_relative_change
    return prediction.lower() == target.lower()


def relaxed_item(prediction: str, references: Sequence[str]) -> float:
    return 1.0 if any(relaxed_correctness(t, prediction) for t in references) else 0.0


@METRICS.register(
    "relaxed_accuracy",
    help="ChartQA relaxed accuracy: numbers within 5 percent, as pix2struct computes it",
)
class RelaxedAccuracy(ItemMetric):
    name: ClassVar[str] = "relaxed_accuracy"
    reference: ClassVar[str] = (
        "ChartQA relaxed accuracy: google-research/pix2struct pix2struct/metrics.py "
        "relaxed_correctness + aggregate_metrics (max over references), identical per item to "
        "lmms-eval lmms_eval/tasks/chartqa/utils.py relaxed_correctness: float() parse with a "
        "trailing '%' divided by 100; correct iff |pred - target| / |target| <= 0.05 when both "
        "parse and target != 0, else prediction.lower() == target.lower(); corpus = mean on 0-1"
    )
    item = staticmethod(relaxed_item)

    def details(self, per_item: list[float], references: list[list[str]]) -> dict[str, Any]:
        return {"n_items": len(per_item), "max_relative_change": MAX_RELATIVE_CHANGE}
