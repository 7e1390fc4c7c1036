"""Divergences and spread measures on skews whose values are known in closed form, and JSD/KL
against scipy on random distributions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import entropy

from llavar2.audit.divergence import (
    compare,
    effective_number,
    js_divergence,
    kl_divergence,
    largest_share,
    normalised_entropy,
    representation,
    shares,
    summary,
)


def test_shares_normalise_and_reject_bad_counts():
    assert shares({"a": 1, "b": 3, "c": 0}) == {"a": 0.25, "b": 0.75, "c": 0.0}
    assert shares({}) == {} and shares({"a": 0, "b": 0}) == {}
    with pytest.raises(ValueError, match="non-negative"):
        shares({"a": -1})
    with pytest.raises(ValueError, match="finite"):
        shares({"a": math.nan})


def test_jsd_identical_and_disjoint():
    assert js_divergence({"a": 2, "b": 3}, {"a": 4, "b": 6}) == 0.0  # counts or shares
    assert js_divergence({"a": 1}, {"b": 5}) == 1.0
    with pytest.raises(ValueError, match="no mass"):
        js_divergence({"a": 0}, {"a": 1})


def test_jsd_closed_form():
    # p = (1, 0), q = (1/2, 1/2), m = (3/4, 1/4): KL(p||m) = log2(4/3), KL(q||m) = log2(4/3) / 2,
    # so JSD = (3/4) log2(4/3) = 3/2 - (3/4) log2(3).
    value = js_divergence({"a": 1}, {"a": 1, "b": 1})
    assert value == pytest.approx(0.75 * math.log2(4 / 3), rel=1e-14)
    assert value == pytest.approx(1.5 - 0.75 * math.log2(3), rel=1e-14)
    assert value == pytest.approx(jensenshannon([1, 0], [0.5, 0.5], base=2) ** 2, rel=1e-12)


def test_jsd_matches_scipy_on_random_distributions():
    rng = np.random.default_rng(7)
    for _ in range(200):
        k = int(rng.integers(1, 12))
        p, q = rng.random(k) * 50, rng.random(k) * 50
        p[rng.random(k) < 0.3] = 0  # zeros and categories missing on one side
        q[rng.random(k) < 0.3] = 0
        if p.sum() == 0 or q.sum() == 0:
            continue
        pd = {str(i): float(v) for i, v in enumerate(p) if v > 0}
        qd = {str(i): float(v) for i, v in enumerate(q) if v > 0}
        expected = jensenshannon(p, q, base=2) ** 2
        assert js_divergence(pd, qd) == pytest.approx(expected, rel=1e-10, abs=1e-15)
        assert js_divergence(pd, qd) == pytest.approx(js_divergence(qd, pd), abs=1e-15)
        assert 0 <= js_divergence(pd, qd) <= 1


def test_kl_unsmoothed_is_the_textbook_value():
    # p = (1/2, 1/2), q = (1/4, 3/4): KL = 1/2 log2 2 + 1/2 log2(2/3) = 1 - log2(3) / 2.
    value = kl_divergence({"a": 2, "b": 2}, {"a": 1, "b": 3}, alpha=0)
    assert value == pytest.approx(1 - math.log2(3) / 2, rel=1e-14)
    assert value == pytest.approx(entropy([0.5, 0.5], [0.25, 0.75], base=2), rel=1e-12)
    assert kl_divergence({"a": 1, "b": 1}, {"a": 1}, alpha=0) == math.inf
    assert kl_divergence({"a": 1}, {"a": 1, "b": 1}, alpha=0) == 1.0  # 0 log 0 = 0


def test_kl_smoothing_over_the_union():
    # K = 2, alpha = 1/2: p = (3.5, 0.5) / 4, q = (0.5, 1.5) / 2.
    value = kl_divergence({"a": 3}, {"b": 1}, alpha=0.5)
    expected = 0.875 * math.log2(0.875 / 0.25) + 0.125 * math.log2(0.125 / 0.75)
    assert value == pytest.approx(expected, rel=1e-14)
    assert kl_divergence({"a": 3, "b": 1}, {"a": 6, "b": 2}, alpha=0) == 0.0
    with pytest.raises(ValueError, match="alpha"):
        kl_divergence({"a": 1}, {"a": 1}, alpha=-1)


@pytest.mark.parametrize("k", [2, 3, 10, 57])
def test_uniform_spread(k):
    counts = {f"c{i}": 4 for i in range(k)}
    assert normalised_entropy(counts) == pytest.approx(1.0, rel=1e-12)
    assert effective_number(counts) == pytest.approx(k, rel=1e-12)


def test_entropy_closed_form_and_edge_cases():
    # shares (3/4, 1/4): H / ln 2 = 2 - (3/4) log2 3, exp(H) = 4 / 3^(3/4).
    counts = {"a": 3, "b": 1, "zero": 0}  # zero-count categories do not count in K
    assert normalised_entropy(counts) == pytest.approx(2 - 0.75 * math.log2(3), rel=1e-14)
    assert effective_number(counts) == pytest.approx(4 / 3**0.75, rel=1e-14)
    assert normalised_entropy({"a": 5, "b": 0}) is None
    assert normalised_entropy({}) is None
    assert effective_number({"a": 5}) == 1.0
    assert effective_number({}) == 0.0


def test_largest_share():
    assert largest_share({"a": 1, "b": 3}) == ("b", 0.75)
    assert largest_share({"b": 2, "a": 2}) == ("a", 0.5)  # ties: first name
    assert largest_share({"a": 0}) is None


def test_representation_flags_exactly_the_shifted_categories():
    reference = {"a": 25, "b": 25, "c": 25, "d": 25}
    # shifts: a +0.15, b -0.10, c +0.03 (within tolerance), d -0.08
    out = representation({"a": 40, "b": 15, "c": 28, "d": 17}, reference, tolerance=0.05)
    assert [r["category"] for r in out] == ["a", "b", "d"]
    assert [r["status"] for r in out] == ["over", "under", "under"]
    assert out[0]["difference"] == pytest.approx(0.15)
    assert out[0]["ratio"] == pytest.approx(1.6)
    assert out[1]["share"] == pytest.approx(0.15) and out[1]["reference_share"] == 0.25
    assert representation({"a": 40, "b": 15, "c": 28, "d": 17}, reference, 0.2) == []


def test_representation_category_missing_from_either_side():
    out = {r["category"]: r for r in representation({"a": 6, "new": 4}, {"a": 1, "gone": 1})}
    assert set(out) == {"new", "gone", "a"}
    assert out["new"]["ratio"] is None and out["new"]["status"] == "over"
    assert out["gone"]["share"] == 0.0 and out["gone"]["ratio"] == 0.0
    assert out["gone"]["status"] == "under"


def test_compare_against_another_build():
    counts, reference = {"en": 80, "zh": 20}, {"en": 50, "zh": 30, "ja": 20}
    out = compare(counts, reference)
    assert out["n"] == 100 and out["reference_n"] == 100
    assert out["jsd"] == js_divergence(counts, reference)
    assert out["kl_smoothed"] == kl_divergence(counts, reference)
    assert out["normalised_entropy"] == normalised_entropy(counts)
    assert out["reference_effective_number"] == effective_number(reference)
    assert out["largest"] == {"category": "en", "share": 0.8}
    assert out["reference_largest"] == {"category": "en", "share": 0.5}
    assert [m["category"] for m in out["misrepresented"]] == ["en", "ja", "zh"]
    assert out["shares"] == {"en": 0.8, "zh": 0.2}
    assert out["reference_shares"] == {"en": 0.5, "zh": 0.3, "ja": 0.2}


def test_compare_against_target_shares_uses_pseudo_counts():
    counts, target = {"en": 10, "zh": 30}, {"en": 0.8, "zh": 0.2}
    out = compare(counts, target, target=True)
    assert out["reference_n"] is None
    # Shares in any scale (percentages, weights) are normalised first.
    assert compare(counts, {"en": 80, "zh": 20}, target=True)["kl_smoothed"] == pytest.approx(
        out["kl_smoothed"]
    )
    # The same mapping as another build's counts is a reference of 1 item.
    assert compare(counts, target)["reference_n"] == pytest.approx(1.0)
    assert out["kl_smoothed"] == kl_divergence(counts, {"en": 32, "zh": 8})
    assert out["kl_smoothed"] != kl_divergence(counts, target)  # smoothing depends on totals
    assert out["jsd"] == js_divergence(counts, target)
    assert out["reference_normalised_entropy"] == normalised_entropy({"en": 4, "zh": 1})


def test_compare_empty_build():
    out = compare({}, {"en": 1.0}, target=True)
    assert out["n"] == 0 and out["jsd"] is None and out["kl_smoothed"] is None
    assert out["largest"] is None
    assert out["misrepresented"][0]["status"] == "under"


def test_summary():
    out = summary({"a": 3, "b": 1})
    assert out == {
        "n": 4,
        "normalised_entropy": normalised_entropy({"a": 3, "b": 1}),
        "effective_number": effective_number({"a": 3, "b": 1}),
        "largest": {"category": "a", "share": 0.75},
        "shares": {"a": 0.75, "b": 0.25},
    }
