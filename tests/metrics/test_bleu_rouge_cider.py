"""BLEU-1..4, ROUGE-L and CIDEr-D against pycocoevalcap 1.2's own scorers, on the same
(already PTB-tokenised) input: corpus and per-item scores equal to 1e-6.

pycocoevalcap's Bleu, Rouge and Cider are pure Python (no Java), so they run here as the
reference on generated corpora: 1–5 references per item, empty candidates and references,
candidates shorter and longer than their references, candidates and references longer than 64
tokens (our bit-parallel LCS switches strategy there), repeated words, digits, unicode tokens.
"""

from __future__ import annotations

import contextlib
import io
import random

import numpy as np
import pytest
from pycocoevalcap.bleu.bleu import Bleu
from pycocoevalcap.cider.cider import Cider
from pycocoevalcap.rouge.rouge import Rouge

from llavar2.metrics import METRICS, MetricResult
from llavar2.metrics.bleu import compute_bleu
from llavar2.metrics.cider import compute_cider
from llavar2.metrics.ngrams import _radix_argsort, clear_cache, corpus_for, encode, lcs_lengths
from llavar2.metrics.rouge import compute_rouge_l

TOL = 1e-6
NAMES = ["bleu_1", "bleu_2", "bleu_3", "bleu_4", "rouge_l", "cider"]

WORDS = (
    "a an the dog cat man woman sitting on of in with is are red blue big small table "
    "street sign stop bus 1 2 3 10 2015 3.5 1/2 , . 's n't -lrb- -rrb- café naïve über "
    "東京 タワー 😀 ß ﬁ é e\u0301"
).split()


def _sentence(rng: random.Random, lo: int, hi: int) -> str:
    vocab = WORDS[: rng.randint(4, len(WORDS))]  # small vocabularies make n-grams repeat
    return " ".join(rng.choice(vocab) for _ in range(rng.randint(lo, hi)))


def _item(rng: random.Random) -> tuple[str, list[str]]:
    refs = []
    for _ in range(rng.randint(1, 5)):
        r = rng.random()
        if r < 0.04:
            refs.append("")
        elif r < 0.10:
            refs.append(_sentence(rng, 60, 130))  # around and beyond 64 tokens
        else:
            refs.append(_sentence(rng, 1, 18))
    kind = rng.random()
    base = rng.choice(refs).split()
    if kind < 0.06:
        cand = ""
    elif kind < 0.12:
        cand = " ".join([rng.choice(WORDS)] * rng.randint(1, 12))  # one word repeated
    elif kind < 0.22:
        cand = _sentence(rng, 60, 150)  # very long
    elif kind < 0.32:
        cand = " ".join(base)  # a copy of a reference
    elif kind < 0.45 and base:
        keep = sorted(rng.sample(range(len(base)), rng.randint(1, len(base))))
        cand = " ".join(base[i] for i in keep)  # a subsequence: shorter than that reference
    elif kind < 0.55:
        cand = " ".join(base + base[: rng.randint(0, len(base))] + [rng.choice(WORDS)])  # longer
    else:
        cand = _sentence(rng, 1, 20)
    return cand, refs


def _corpus(seed: int, n: int) -> tuple[list[str], list[list[str]]]:
    rng = random.Random(seed)
    items = [_item(rng) for _ in range(n)]
    return [c for c, _ in items], [r for _, r in items]


def _pycoco(preds: list[str], refs: list[list[str]]) -> dict[str, tuple[float, list[float]]]:
    gts = {i: list(r) for i, r in enumerate(refs)}
    res = {i: [p] for i, p in enumerate(preds)}
    with contextlib.redirect_stdout(io.StringIO()):  # Bleu prints its totals
        bleu, bleu_items = Bleu(4).compute_score(gts, res)
    out = {f"bleu_{k + 1}": (bleu[k], list(bleu_items[k])) for k in range(4)}
    score, items = Rouge().compute_score(gts, res)
    out["rouge_l"] = (float(score), list(items))
    score, items = Cider().compute_score(gts, res)
    out["cider"] = (float(score), list(items))
    return out


def _ours(preds, refs) -> dict[str, MetricResult]:
    return {name: METRICS.get(name)()(preds, refs) for name in NAMES}


def _assert_same(preds, refs) -> None:
    ref = _pycoco(preds, refs)
    ours = _ours(preds, refs)
    for name in NAMES:
        want_score, want_items = ref[name]
        got = ours[name]
        assert got.score == pytest.approx(want_score, abs=TOL), name
        assert len(got.per_item) == len(preds)
        np.testing.assert_allclose(got.per_item, want_items, rtol=0, atol=TOL, err_msg=name)


@pytest.mark.parametrize("seed", range(6))
def test_generated_corpora_match_pycocoevalcap(seed):
    clear_cache()
    preds, refs = _corpus(seed, 60)
    _assert_same(preds, refs)


def test_fixed_cases_match_pycocoevalcap():
    preds = [
        "a dog sitting on a table",
        "",
        "the the the the the the the",
        "a man",
        "stop sign on the street sign stop",
        "1 2 3 10 2015 3.5 1/2",
        "東京 タワー 😀 café naïve",
        "the cat is on the mat",
    ]
    refs = [
        ["a dog is sitting on the table", "a dog on a table", "dog"],
        ["a dog", "the cat"],
        ["the cat", "the dog the man", "the the"],
        ["a man is sitting on a red bus with a small dog and a big cat"],
        ["a red stop sign on a street", "stop sign", "a stop sign on the street sign"],
        ["1 2 3", "10 2015 3.5 1/2 1 2"],
        ["東京 タワー", "café 😀 naïve"],
        ["the cat is on the mat"],
    ]
    _assert_same(preds, refs)


def test_long_sequences_around_64_tokens():
    # Our LCS uses one 64-bit word per pair when either side has ≤ 64 tokens, big integers
    # otherwise: cover both sides of the boundary, on both sides of the pair.
    rng = random.Random(7)
    preds, refs = [], []
    for cand_len in (1, 63, 64, 65, 130):
        for ref_len in (1, 63, 64, 65, 200):
            preds.append(_sentence(rng, cand_len, cand_len))
            refs.append([_sentence(rng, ref_len, ref_len), _sentence(rng, 3, 9)])
    _assert_same(preds, refs)


def test_irregular_spacing_is_split_like_pycocoevalcap():
    # Not what the tokeniser produces, but the metrics must still split as pycocoevalcap does:
    # BLEU/CIDEr with str.split(), ROUGE-L with str.split(" ") (empty tokens count).
    preds = ["a  dog ", " the cat", "a\tdog on\u00a0a mat", "x\ny", "", "dog"]
    refs = [
        ["a dog", " a  dog "],
        ["the cat "],
        ["a dog on a mat"],
        ["x y", "x\ny"],
        [""],
        ["", "dog "],
    ]
    _assert_same(preds, refs)


@pytest.mark.parametrize("share", [0.05, 0.5])
def test_some_irregular_sentences_among_regular_ones(share):
    """A few sentences where str.split() and str.split(" ") differ get their ROUGE-L tokens
    re-split on their own (the rest share one encoding); many take the whole-corpus path."""
    clear_cache()
    rng = random.Random(11)
    preds, refs = _corpus(3, 200)
    odd = ["a  dog ", " the cat", "a\tdog on\u00a0a mat", "", "dog\u3000 x", "1\u00a01/2 cup"]

    def maybe(s: str) -> str:
        return rng.choice(odd) if rng.random() < share else s

    preds = [maybe(p) for p in preds]
    refs = [[maybe(r) for r in rs] for rs in refs]
    _assert_same(preds, refs)


def test_large_vocabulary():
    # Thousands of distinct tokens: n-gram keys need several radix-sort passes.
    rng = random.Random(21)
    vocab = [f"w{i}" for i in range(3000)] + WORDS
    weights = [1 / (i + 1) for i in range(len(vocab))]

    def sentence(lo: int, hi: int) -> str:
        return " ".join(rng.choices(vocab, weights, k=rng.randint(lo, hi)))

    preds = [sentence(0, 25) for _ in range(250)]
    refs = [[sentence(1, 20) for _ in range(rng.randint(1, 5))] for _ in range(250)]
    _assert_same(preds, refs)


def test_radix_argsort_is_a_stable_argsort():
    rng = np.random.default_rng(0)
    for bound in (1, 2, 1000, 1 << 16, (1 << 16) + 1, 1 << 40):
        keys = rng.integers(0, bound, 5000)
        keys[:100] = keys[100:200]  # ties
        got = _radix_argsort(keys, bound)
        np.testing.assert_array_equal(got, np.argsort(keys, kind="stable"))


def test_single_item_and_duplicates():
    _assert_same(["a dog on a table"], [["a dog on the table", "a dog"]])
    _assert_same(["a dog", "a dog", "a dog"], [["a dog"], ["a dog"], ["a cat"]])


def test_every_reference_empty():
    # pycocoevalcap's CIDEr crashes (max() of an empty document-frequency table); we return
    # the value its formula gives, 0. BLEU and ROUGE-L still agree.
    preds, refs = ["a dog", ""], [[""], ["", ""]]
    gts, res = {i: r for i, r in enumerate(refs)}, {i: [p] for i, p in enumerate(preds)}
    with pytest.raises(ValueError):
        Cider().compute_score(gts, res)
    cider = METRICS.get("cider")()(preds, refs)
    assert cider.score == 0.0 and cider.per_item == [0.0, 0.0]
    ref = _pycoco_without_cider(preds, refs)
    ours = _ours(preds, refs)
    for name, (score, items) in ref.items():
        assert ours[name].score == pytest.approx(score, abs=TOL)
        np.testing.assert_allclose(ours[name].per_item, items, rtol=0, atol=TOL)


def test_everything_empty():
    preds, refs = ["", ""], [[""], ["", ""]]
    ref = _pycoco_without_cider(preds, refs)
    ours = _ours(preds, refs)
    for name, (score, items) in ref.items():
        assert ours[name].score == pytest.approx(score, abs=TOL)
        np.testing.assert_allclose(ours[name].per_item, items, rtol=0, atol=TOL)
    assert ours["rouge_l"].per_item == [1.0, 1.0]  # "" is one empty token, equal to itself
    assert ours["bleu_1"].per_item == [0.0, 0.0] and ours["cider"].per_item == [0.0, 0.0]


def _pycoco_without_cider(preds, refs):
    gts, res = {i: r for i, r in enumerate(refs)}, {i: [p] for i, p in enumerate(preds)}
    with contextlib.redirect_stdout(io.StringIO()):
        bleu, bleu_items = Bleu(4).compute_score(gts, res)
    out = {f"bleu_{k + 1}": (bleu[k], list(bleu_items[k])) for k in range(4)}
    score, items = Rouge().compute_score(gts, res)
    out["rouge_l"] = (float(score), list(items))
    return out


def test_functional_api_matches_pycocoevalcap_output_shape():
    preds, refs = _corpus(11, 20)
    ref = _pycoco(preds, refs)
    scores, items = compute_bleu(preds, refs)
    assert len(scores) == 4 and len(items) == 4 and all(len(x) == 20 for x in items)
    for k in range(4):
        assert scores[k] == pytest.approx(ref[f"bleu_{k + 1}"][0], abs=TOL)
    assert compute_rouge_l(preds, refs)[0] == pytest.approx(ref["rouge_l"][0], abs=TOL)
    assert compute_cider(preds, refs)[0] == pytest.approx(ref["cider"][0], abs=TOL)


def test_registry_and_result_fields():
    preds, refs = ["a dog on a table", "a cat"], [["a dog on the table"], ["a cat", "the cat"]]
    for name in NAMES:
        metric = METRICS.get(name)()
        assert metric.name == name
        assert metric.tokenized is True
        assert "pycocoevalcap 1.2" in metric.reference
        result = metric(preds, refs)
        assert isinstance(result, MetricResult)
        assert result.name == name and result.reference == metric.reference
        assert all(isinstance(x, float) for x in result.per_item)
    assert "closest" in METRICS.get("bleu_4").reference
    assert "evaluated" in METRICS.get("cider").reference  # its IDF depends on the evaluated set
    refs[0] = ["a dog on the big table"]
    details = METRICS.get("bleu_2")()(preds, refs).details
    assert details["hyp_len"] == 7 and details["ref_len"] == 8
    assert details["guess"] == [7, 5] and details["correct"] == [6, 3]
    assert details["brevity_penalty"] == pytest.approx(np.exp(1 - 8 / 7))


def test_cider_depends_on_the_evaluated_set():
    preds, refs = _corpus(3, 30)
    whole = METRICS.get("cider")()(preds, refs).per_item[:10]
    part = METRICS.get("cider")()(preds[:10], refs[:10]).per_item
    assert whole != part


def test_cache_follows_content_not_identity():
    preds, refs = ["a dog", "a cat"], [["a dog"], ["a cat on a mat"]]
    first = METRICS.get("cider")()(preds, refs).per_item
    assert corpus_for(list(preds), [list(r) for r in refs]) is corpus_for(preds, refs)
    preds[1] = "a cat on a mat"  # mutated in place: must be rescored
    second = METRICS.get("rouge_l")()(preds, refs)
    assert second.per_item[1] == 1.0
    assert METRICS.get("cider")()(preds, refs).per_item != first


@pytest.mark.parametrize(
    ("preds", "refs", "message"),
    [
        (["a"], [["a"], ["b"]], "1 predictions but 2 reference lists"),
        (["a", "b"], [["a"], []], "item 1: has no reference"),
        (["a"], ["a dog"], "item 0: references must be a list of strings"),
        ([["a"]], [["a"]], "item 0: the prediction must be one string"),
        (["a"], [["a", None]], "item 0: a reference is not a string"),
        ([], [], "no items to score"),
        ("a dog", [["a dog"]], "not one string"),
    ],
)
def test_invalid_inputs(preds, refs, message):
    for name in NAMES:
        with pytest.raises(ValueError, match=message):
            METRICS.get(name)()(preds, refs)


def _lcs_dp(a: list[str], b: list[str]) -> int:
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def test_lcs_lengths_against_dynamic_programming():
    rng = random.Random(5)
    pairs = []
    for _ in range(300):
        vocab = WORDS[: rng.randint(2, 8)]
        a = [rng.choice(vocab) for _ in range(rng.choice([0, 1, 5, 30, 63, 64, 65, 100]))]
        b = [rng.choice(vocab) for _ in range(rng.choice([0, 1, 7, 40, 64, 65, 90]))]
        pairs.append((a, b))
    enc = encode([" ".join(s) for pair in pairs for s in pair])
    got = lcs_lengths(enc, np.arange(0, 2 * len(pairs), 2), enc, np.arange(1, 2 * len(pairs), 2))
    assert got.tolist() == [_lcs_dp(a, b) for a, b in pairs]
