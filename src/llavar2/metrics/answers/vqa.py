"""VQA soft accuracy: lmms-eval's TextVQA numbers (``vqa_accuracy``) and the original VQA
evaluation script (``vqa_accuracy_vqaeval``).

Both score an item as the mean, over every reference answer i, of ``min(1, n_i / 3)`` where
``n_i`` counts the *other* references (all but position i) equal to the normalised prediction:
with the usual 10 answers this is the mean over the 10 subsets of 9 annotators. The count is by
position, so two equal reference strings are two annotators (the official script compares whole
answer records, which carry a unique ``answer_id``). With a single reference no other answer is
left to match and the item scores 0, exactly as both references compute it; ``details`` counts
such items.

The two differ only in normalisation:

* ``vqa_accuracy`` (lmms-eval ``textvqa_process_results``): EvalAI's answer processor applied to
  the prediction *and* to every reference: lower-case; drop ``,`` and ``?``; ``'s`` -> `` 's``;
  strip; newlines/tabs -> spaces; strip; punctuation; periods; number words; articles;
  contractions. The item value is ``statistics.mean`` of the 10 values.
* ``vqa_accuracy_vqaeval`` (GT-Vision-Lab/VQA ``vqaEval.py``): the prediction gets newlines/tabs
  -> spaces, strip, punctuation, then number words/articles/contractions; the references are used
  as given, except that when they are not all identical each one gets the punctuation step only
  (no lower-casing, no number words, no articles). The item value is ``sum / len``.

The punctuation step (both): for each of the 21 characters ``; / [ ] " { } ( ) = + \\ _ - > < @
` , ? !`` present in the text, delete it if the text contains it followed or preceded by a space,
or if the text contains digit-comma-digit anywhere; otherwise replace it by a space. Then delete
every ``.`` not followed by a digit, at most 32 of them: the reference passes ``re.UNICODE`` (32)
where ``Pattern.sub`` takes its ``count``. Its "period strip" pattern ``(?!<=\\d)(\\.)(?!\\d)`` is
kept as written (its ``(?!<=\\d)`` is a look-ahead that never fires at a ``.``).
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

from ..base import METRICS
from ._common import ItemMetric


def _load_tables() -> dict:
    text = resources.files(__package__).joinpath("data/vqa_normalization.json").read_text("utf-8")
    return json.loads(text)


_TABLES = _load_tables()
CONTRACTIONS: dict[str, str] = dict(_TABLES["contractions"])
NUMBER_MAP: dict[str, str] = dict(_TABLES["number_map"])
ARTICLES: frozenset[str] = frozenset(_TABLES["articles"])
PUNCTUATION: tuple[str, ...] = tuple(_TABLES["punctuation"])
PERIOD_STRIP = re.compile(_TABLES["period_strip"])
COMMA_STRIP_EVALAI = re.compile(_TABLES["comma_strip_evalai"])
COMMA_STRIP_VQAEVAL = re.compile(_TABLES["comma_strip_vqaeval"])
# The references call PERIOD_STRIP.sub("", text, re.UNICODE): the third positional argument of
# Pattern.sub is ``count``, so at most int(re.UNICODE) == 32 periods are removed.
PERIOD_STRIP_COUNT = int(re.UNICODE)


def process_punctuation(text: str, comma_strip: re.Pattern[str]) -> str:
    """The references' ``processPunctuation``: every decision looks at the input text."""
    comma = comma_strip.search(text) is not None
    table: dict[int, str | None] = {}
    for p in PUNCTUATION:
        if p in text:
            if comma or (p + " ") in text or (" " + p) in text:
                table[ord(p)] = None
            else:
                table[ord(p)] = " "
    # Each character maps to "" or " ", neither of which is in the list, so one translate equals
    # the reference's sequence of str.replace calls.
    out = text.translate(table) if table else text
    return PERIOD_STRIP.sub("", out, PERIOD_STRIP_COUNT)


def process_digit_article(text: str) -> str:
    """The references' ``processDigitArticle``: lower-case, split on whitespace, number words ->
    digits, drop articles, then map contractions, joined by single spaces."""
    words = []
    for word in text.lower().split():
        word = NUMBER_MAP.get(word, word)
        if word not in ARTICLES:
            words.append(word)
    return " ".join([CONTRACTIONS.get(w, w) for w in words])


@lru_cache(maxsize=1 << 16)
def evalai_normalize(text: str) -> str:
    """EvalAI's answer processor (``EvalAIAnswerProcessor.__call__``), as lmms-eval runs it."""
    text = text.lower()
    text = text.replace(",", "").replace("?", "").replace("'s", " 's")
    text = text.strip()
    text = text.replace("\n", " ").replace("\t", " ").strip()
    text = process_punctuation(text, COMMA_STRIP_EVALAI)
    return process_digit_article(text)


@lru_cache(maxsize=1 << 16)
def vqaeval_normalize_prediction(text: str) -> str:
    """What ``vqaEval.py`` does to a prediction (``resAns``)."""
    text = text.replace("\n", " ").replace("\t", " ").strip()
    text = process_punctuation(text, COMMA_STRIP_VQAEVAL)
    return process_digit_article(text)


@lru_cache(maxsize=1 << 16)
def _vqaeval_punct(text: str) -> str:
    return process_punctuation(text, COMMA_STRIP_VQAEVAL)


@lru_cache(maxsize=4096)
def _statistics_mean_of_leave_one_out(n: int, m: int) -> float:
    """``statistics.mean`` of the n leave-one-out values when m of the n references match.

    The m matching positions see m-1 other matches, the n-m others see m. ``statistics.mean`` is
    exact (it sums fractions) so the order does not matter and (n, m) determines the float."""
    values = [min(1, float(m - 1) / 3)] * m + [min(1, float(m) / 3)] * (n - m)
    return float(statistics.mean(values))


def lmms_eval_item(prediction: str, references: Sequence[str]) -> float:
    """One item of lmms-eval's ``textvqa_process_results``."""
    pred = evalai_normalize(prediction)
    matches = sum(1 for ref in references if evalai_normalize(ref) == pred)
    return _statistics_mean_of_leave_one_out(len(references), matches)


def vqaeval_item(prediction: str, references: Sequence[str]) -> float:
    """One item of ``VQAEval.evaluate`` (``avgGTAcc``)."""
    pred = vqaeval_normalize_prediction(prediction)
    gts = list(references)
    if len(set(gts)) > 1:
        gts = [_vqaeval_punct(g) for g in gts]
    hits = [g == pred for g in gts]
    m = sum(hits)
    accs = [min(1, float(m - hit) / 3) for hit in hits]
    return float(sum(accs)) / len(accs)


class _VqaBase(ItemMetric):
    def details(self, per_item: list[float], references: list[list[str]]) -> dict[str, Any]:
        return {
            "n_items": len(per_item),
            "items_with_one_reference": sum(1 for r in references if len(r) == 1),
            "items_without_10_references": sum(1 for r in references if len(r) != 10),
        }


@METRICS.register("vqa_accuracy", help="TextVQA accuracy, as lmms-eval computes it")
class VqaAccuracy(_VqaBase):
    name = "vqa_accuracy"
    reference = (
        "lmms-eval TextVQA accuracy (EvolvingLMMs-Lab/lmms-eval 0.2.0-0.7.3: "
        "lmms_eval/tasks/textvqa/utils.py textvqa_process_results with EvalAIAnswerProcessor from "
        "lmms_eval/tasks/_task_utils/vqa_eval_metric.py, itself facebookresearch/mmf's EvalAI "
        "processor): prediction and every reference normalised by EvalAI's processor; item = "
        "statistics.mean over each reference position i of min(1, #other references equal to the "
        "prediction / 3); corpus = sum/len (lmms-eval 'mean' aggregation), on 0-1"
    )
    item = staticmethod(lmms_eval_item)


@METRICS.register(
    "vqa_accuracy_vqaeval", help="VQA accuracy, as the official VQA evaluation script computes it"
)
class VqaAccuracyVqaEval(_VqaBase):
    name = "vqa_accuracy_vqaeval"
    reference = (
        "official VQA evaluation (GT-Vision-Lab/VQA PythonEvaluationTools/vqaEvaluation/"
        "vqaEval.py, Python 3 version): prediction gets processPunctuation + processDigitArticle; "
        "references are compared as given, or after processPunctuation only when they are not all "
        "identical; item = sum/len over each reference position i of min(1, #other references "
        "equal to the prediction / 3); corpus = sum/len on 0-1 (the script prints "
        "round(100 * corpus, 2), kept in details)"
    )
    item = staticmethod(vqaeval_item)

    def details(self, per_item: list[float], references: list[list[str]]) -> dict[str, Any]:
        overall = round(100 * float(sum(per_item)) / len(per_item), 2)
        return {**super().details(per_item, references), "overall_as_printed": overall}
