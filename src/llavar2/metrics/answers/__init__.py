"""Answer metrics (DESIGN §5): short-answer VQA scores that reproduce the standard tools.

Importing this package registers ``exact_match``, ``vqa_accuracy`` (lmms-eval TextVQA),
``vqa_accuracy_vqaeval`` (the original VQA script), ``anls``, ``relaxed_accuracy``, ``ocrbench``,
``ocrbench_hme`` and ``contains`` in ``llavar2.metrics.base.METRICS``. None of them tokenises
(``tokenized = False``); each takes one prediction and a non-empty list of references per item.
"""

from __future__ import annotations

from . import anls, contains, exact, ocrbench, relaxed, vqa
from .anls import Anls
from .contains import Contains
from .exact import ExactMatch
from .ocrbench import OcrBench, OcrBenchHme
from .relaxed import RelaxedAccuracy, relaxed_correctness
from .vqa import VqaAccuracy, VqaAccuracyVqaEval, evalai_normalize

__all__ = [
    "Anls",
    "Contains",
    "ExactMatch",
    "OcrBench",
    "OcrBenchHme",
    "RelaxedAccuracy",
    "VqaAccuracy",
    "VqaAccuracyVqaEval",
    "anls",
    "contains",
    "evalai_normalize",
    "exact",
    "ocrbench",
    "relaxed",
    "relaxed_correctness",
    "vqa",
]
