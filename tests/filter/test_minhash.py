"""MinHash signatures, LSH banding, and the near-duplicate rule."""

import random

import numpy as np
import pytest

from llavar2.filter.minhash import LshIndex, MinHasher, lsh_params, shingles, similarity
from llavar2.filter.rules import RULES, DuoItem, ImageContext
from llavar2.records import QA, DuoConversation

VOCAB = [f"w{i}" for i in range(5000)]


def jaccard(a, b, n):
    """Reference: the exact Jaccard similarity of two token lists' n-word shingle sets."""
    sa = {tuple(a[i : i + n]) for i in range(len(a) - n + 1)}
    sb = {tuple(b[i : i + n]) for i in range(len(b) - n + 1)}
    return len(sa & sb) / len(sa | sb)


def edited(tokens, n_edits, rng):
    out = list(tokens)
    for i in rng.sample(range(len(out)), n_edits):
        out[i] = rng.choice(VOCAB)
    return out


def test_shingles():
    assert shingles(["a", "b", "c", "d"], 3) == {"a b c", "b c d"}
    assert shingles(["a", "b"], 3) == {"a b"}


def test_signature_estimates_jaccard_and_is_deterministic():
    rng = random.Random(1)
    hasher = MinHasher(num_perm=256, shingle=3, seed=5)
    errors = []
    for n_edits in (0, 1, 3, 6, 12, 25, 60):
        a = rng.choices(VOCAB, k=60)
        b = edited(a, n_edits, rng)
        errors.append(similarity(hasher.signature(a), hasher.signature(b)) - jaccard(a, b, 3))
    errors = np.abs(errors)
    # Standard error √(J(1-J)/256) ≤ 0.031: every estimate within 4 of them, mostly far less.
    assert errors.max() < 0.125 and errors.mean() < 0.04
    a = rng.choices(VOCAB, k=40)
    again = MinHasher(num_perm=256, shingle=3, seed=5)
    assert np.array_equal(hasher.signature(a), again.signature(a))
    assert hasher.signature(a).dtype == np.uint32
    assert not np.array_equal(hasher.signature(a), MinHasher(256, 3, seed=6).signature(a))


def compared(s: float, bands: int, rows: int) -> float:
    """The probability that LSH compares two texts of Jaccard similarity ``s``."""
    return 1 - (1 - s**rows) ** bands


def test_lsh_params_put_the_s_curve_at_the_threshold():
    for threshold in (0.5, 0.7, 0.8, 0.9):
        bands, rows = lsh_params(threshold, 128)
        assert bands * rows <= 128
        assert compared(threshold + 0.1, bands, rows) > 0.95
        assert compared(threshold - 0.3, bands, rows) < 0.1


def test_index_finds_pairs_above_the_threshold_and_not_below():
    """Pairs made with a known exact Jaccard: found at or above the threshold + 2 standard
    errors, never found below it - 2 standard errors (seeded: the outcome is fixed)."""
    rng = random.Random(3)
    hasher = MinHasher(num_perm=128, shingle=3, seed=0)
    threshold = 0.8
    margin = 2 * np.sqrt(threshold * (1 - threshold) / 128)
    found = missed = wrong = 0
    for trial in range(60):
        a = rng.choices(VOCAB, k=80)
        b = edited(a, rng.choice([1, 2, 8, 12, 20]), rng)
        j = jaccard(a, b, 3)
        index = LshIndex(threshold, 128)
        index.add(("a", trial), hasher.signature(a))
        hit = index.query(hasher.signature(b))
        if j >= threshold + margin:
            found += hit is not None
            missed += hit is None
        elif j <= threshold - margin:
            wrong += hit is not None
        if hit is not None:
            assert hit[0] == ("a", trial) and hit[1] >= threshold
    assert found > 0 and missed == 0 and wrong == 0


def test_index_reports_the_most_similar_kept_text():
    hasher = MinHasher(num_perm=128, shingle=2, seed=0)
    rng = random.Random(0)
    base = rng.choices(VOCAB, k=50)
    index = LshIndex(0.5, 128)
    index.add("far", hasher.signature(edited(base, 6, rng)))
    index.add("same", hasher.signature(base))
    assert index.query(hasher.signature(base)) == ("same", 1.0)
    assert index.query(hasher.signature(rng.choices(VOCAB, k=50))) is None
    with pytest.raises(ValueError):
        LshIndex(0.0, 128)


def duo_item(explanation, image, index=0):
    duo = DuoConversation(
        qtype="text",
        evidence=[],
        extractive=QA(question="What does the sign say?", answer="OPEN"),
        self_explain=QA(question="Where is it written?", answer=explanation),
    )
    return DuoItem(ImageContext(image, "OPEN", "", ""), index, duo)


def test_near_duplicate_rule_keeps_the_first_and_drops_later_near_copies():
    rng = random.Random(9)
    text = " ".join(rng.choices(VOCAB, k=60))
    words = text.split()
    close = " ".join(words[:-1] + ["changed"])  # one word changed at the end
    other = " ".join(rng.choices(VOCAB, k=60))
    r = RULES.get("near_duplicate")(threshold=0.8)
    verdicts = []
    for k, (image, expl) in enumerate([("a", text), ("b", close), ("c", other), ("d", text)]):
        it = duo_item(expl, image, k)
        drop = r.check(it)
        verdicts.append(drop)
        if drop is None:
            r.admit(it)
    assert verdicts[0] is None and verdicts[2] is None
    assert verdicts[1].reason == "near_duplicate" and "image a duo 0" in verdicts[1].detail
    assert verdicts[3].reason == "near_duplicate" and "similarity 1.00" in verdicts[3].detail
