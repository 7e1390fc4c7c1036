"""OCRBench's scoring rule (Yuliang-Liu/MultimodalOCR ``OCRBench/example.py``; lmms-eval's
``ocrbench`` task reimplements it).

``ocrbench`` is the rule for every OCRBench subset but one: an item scores 1 when some reference,
after ``.lower().strip().replace("\\n", " ")``, is a substring of the prediction after the same
steps (plain ``in``: ``"1"`` is found in ``"2019"``, an empty reference is found everywhere).

``ocrbench_hme`` is the rule for the HME100k subset (handwritten formulas): ``.strip()``, newlines
to spaces, then every space removed, on both sides, and *no* lower-casing (LaTeX is
case-sensitive); other whitespace such as tabs is kept, as in the reference.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..base import METRICS
from ._common import ItemMetric


def _general(text: str) -> str:
    return text.lower().strip().replace("\n", " ")


def _hme(text: str) -> str:
    return text.strip().replace("\n", " ").replace(" ", "")


def ocrbench_item(prediction: str, references: Sequence[str]) -> float:
    predict = _general(prediction)
    return 1.0 if any(_general(answer) in predict for answer in references) else 0.0


def ocrbench_hme_item(prediction: str, references: Sequence[str]) -> float:
    predict = _hme(prediction)
    return 1.0 if any(_hme(answer) in predict for answer in references) else 0.0


@METRICS.register(
    "ocrbench", help="a reference in the prediction, OCRBench's rule for all subsets but HME100k"
)
class OcrBench(ItemMetric):
    name = "ocrbench"
    reference = (
        "OCRBench (Yuliang-Liu/MultimodalOCR OCRBench/example.py; same rule in lmms-eval "
        "lmms_eval/tasks/ocrbench/utils.py up to 0.2.x), all subsets but HME100k: 1 if any "
        "reference.lower().strip().replace('\\n', ' ') is a substring of the prediction given the "
        "same steps; corpus = mean on 0-1 (OCRBench's 'Final Score' over its 1000 items is "
        "1000 x this)"
    )
    item = staticmethod(ocrbench_item)


@METRICS.register(
    "ocrbench_hme", help="OCRBench's rule for its HME100k subset: spaces ignored, case kept"
)
class OcrBenchHme(ItemMetric):
    name = "ocrbench_hme"
    reference = (
        "OCRBench HME100k subset (Yuliang-Liu/MultimodalOCR OCRBench/example.py): 1 if any "
        "reference.strip().replace('\\n', ' ').replace(' ', '') is a substring of the prediction "
        "given the same steps, case-sensitive; corpus = mean on 0-1"
    )
    item = staticmethod(ocrbench_hme_item)
