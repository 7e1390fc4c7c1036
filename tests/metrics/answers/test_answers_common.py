"""All answer metrics: registration, input validation, determinism, Unicode, no mutation."""

from __future__ import annotations

import copy
import json
import math
from importlib import resources

import pytest

import llavar2.metrics.answers  # noqa: F401  (registers the metrics)
from llavar2.metrics.base import METRICS, MetricResult

NAMES = [
    "exact_match",
    "vqa_accuracy",
    "vqa_accuracy_vqaeval",
    "anls",
    "relaxed_accuracy",
    "ocrbench",
    "ocrbench_hme",
    "contains",
]


def test_all_registered_with_reference_and_untokenized():
    for name in NAMES:
        metric = METRICS.get(name)()
        assert metric.name == name
        assert metric.tokenized is False
        assert isinstance(metric.reference, str) and len(metric.reference) > 40


def test_data_file_is_package_data():
    text = resources.files("llavar2.metrics.answers").joinpath("data/vqa_normalization.json")
    tables = json.loads(text.read_text("utf-8"))
    assert {"contractions", "number_map", "articles", "punctuation"} <= set(tables)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "preds, refs, message",
    [
        (["a", "b"], [["a"]], "2 predictions but 1"),
        (["a"], [[]], "no reference"),
        (["a"], ["a"], "is a string"),
        ([], [], "no items"),
        ([None], [["a"]], "not str"),
        (["a"], [["a", 3]], "not str"),
        ("abc", [["a"]], "not a single string"),
    ],
)
def test_validation(name, preds, refs, message):
    with pytest.raises(ValueError, match=message):
        METRICS.get(name)()(preds, refs)


UNICODE_CORPUS = (
    [
        "Two dogs.",
        "東京。",
        "Straße",
        "İstanbul",
        "café",
        "",
        "  \n\t ",
        "x - ray",
        "45%",
        "2019",
        "-1.5",
        "\u00a0yes\u3000",
        "emoji 🙂",
        "ﬁne",
        "one,two",
    ],
    [
        ["2 dogs", "two dogs"] * 5,
        ["東京"],
        ["strasse", "STRASSE"],
        ["istanbul"],
        ["cafe\u0301"],
        [""],
        [" "],
        ["xray", "x ray"],
        ["0.45", "45"],
        ["2020"],
        ["-1.5"],
        ["yes"],
        ["emoji"],
        ["fine"],
        ["1", "2"],
    ],
)


@pytest.mark.parametrize("name", NAMES)
def test_deterministic_unicode_and_inputs_untouched(name):
    preds, refs = UNICODE_CORPUS
    preds_before, refs_before = list(preds), copy.deepcopy(refs)
    first = METRICS.get(name)()(preds, refs)
    second = METRICS.get(name)()(list(preds), [list(r) for r in refs])
    assert preds == preds_before and refs == refs_before
    assert isinstance(first, MetricResult)
    assert first.name == name and first.reference
    assert first.per_item == second.per_item and first.score == second.score
    assert len(first.per_item) == len(preds)
    assert all(type(v) is float and 0.0 <= v <= 1.0 for v in first.per_item)
    assert math.isclose(first.score, sum(first.per_item) / len(first.per_item), abs_tol=0)
    # Scoring an item alone gives the same value as scoring it inside the corpus.
    for i in (0, 1, 4, 7):
        alone = METRICS.get(name)()([preds[i]], [refs[i]])
        assert alone.per_item == [first.per_item[i]]
