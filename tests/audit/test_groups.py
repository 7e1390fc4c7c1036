"""Group drop rates and score gaps on constructed data with exactly known ratios, the intervals
against statsmodels and hand computation."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest
from statsmodels.stats.contingency_tables import Table2x2
from statsmodels.stats.proportion import proportion_confint

from llavar2.audit.groups import ClusterSums, drop_rates, drop_rates_clustered, subgroup_scores
from llavar2.human_eval.agreement import bootstrap_mean_ci


def _pairs(group: str, dropped: int, n: int) -> list[tuple[str, bool]]:
    return [(group, i < dropped) for i in range(n)]


# A drops 6/20 = 0.3, three times the rest (B + C: 18/180); B's 12/100 equals its rest's
# (A + C: 12/100); C's 6/80 is half its rest's (A + B: 18/120) but on too few drops to flag.
SKEWED = _pairs("A", 6, 20) + _pairs("B", 12, 100) + _pairs("C", 6, 80)


def test_drop_rate_ratios_and_flags():
    out = drop_rates(SKEWED)
    assert list(out["groups"]) == ["B", "C", "A"]  # n descending
    a, b, c = (out["groups"][g] for g in "ABC")
    assert a["ratio_vs_rest"] == 3.0 and a["flagged"] is True
    assert a["ratio_ci95"][0] > 1
    assert b["ratio_vs_rest"] == 1.0 and b["flagged"] is False
    assert c["ratio_vs_rest"] == 0.5 and c["flagged"] is False
    assert c["ratio_ci95"][0] < 1 < c["ratio_ci95"][1]  # large ratio, but within the noise
    assert (a["n"], a["dropped"], a["rate"]) == (20, 6, 0.3)
    assert out["overall"]["n"] == 200 and out["overall"]["dropped"] == 24
    assert out["overall"]["rate"] == 0.12


def test_flag_ratio_threshold():
    # A's CI excludes 1 in both runs; only the ratio threshold differs.
    assert drop_rates(SKEWED, flag_ratio=3.0)["groups"]["A"]["flagged"] is True
    assert drop_rates(SKEWED, flag_ratio=3.5)["groups"]["A"]["flagged"] is False
    with pytest.raises(ValueError, match="flag_ratio"):
        drop_rates(SKEWED, flag_ratio=0.5)


def test_wilson_matches_statsmodels():
    out = drop_rates(SKEWED)
    for g, (d, n) in {"A": (6, 20), "B": (12, 100), "C": (6, 80)}.items():
        expected = proportion_confint(d, n, alpha=0.05, method="wilson")
        assert out["groups"][g]["ci95"] == pytest.approx(expected, abs=1e-12)
    expected = proportion_confint(24, 200, alpha=0.05, method="wilson")
    assert out["overall"]["ci95"] == pytest.approx(expected, abs=1e-12)


def test_katz_ci_by_hand_and_statsmodels():
    z = NormalDist().inv_cdf(0.975)
    # A: 6/20 vs rest 18/180, RR = 3, se = sqrt(1/6 - 1/20 + 1/18 - 1/180).
    se = math.sqrt(1 / 6 - 1 / 20 + 1 / 18 - 1 / 180)
    expected = (3 * math.exp(-z * se), 3 * math.exp(z * se))
    ci = drop_rates(SKEWED)["groups"]["A"]["ratio_ci95"]
    assert ci == pytest.approx(expected, rel=1e-12)
    table = Table2x2(np.array([[6, 14], [18, 162]]))
    assert ci == pytest.approx(table.riskratio_confint(), rel=1e-9)


def test_katz_ci_zero_cell_correction():
    # X: 0/10 vs rest 5/50; 0.5 is added to every cell: RR = (0.5/11) / (5.5/51).
    out = drop_rates(_pairs("X", 0, 10) + _pairs("Y", 5, 50))["groups"]["X"]
    z = NormalDist().inv_cdf(0.975)
    rr = (0.5 / 11) / (5.5 / 51)
    se = math.sqrt(1 / 0.5 - 1 / 11 + 1 / 5.5 - 1 / 51)
    assert out["ratio_ci95"] == pytest.approx((rr * math.exp(-z * se), rr * math.exp(z * se)))
    # statsmodels' shift_zeros only replaces zero cells, so give it the shifted table.
    table = Table2x2(np.array([[0.5, 10.5], [5.5, 45.5]]))
    assert out["ratio_ci95"] == pytest.approx(table.riskratio_confint(), rel=1e-9)
    assert out["ratio_vs_rest"] == 0.0 and out["flagged"] is False  # CI spans 1


def test_undefined_and_infinite_ratios():
    only = drop_rates(_pairs("A", 3, 10))["groups"]["A"]
    assert only["ratio_vs_rest"] is None and only["ratio_ci95"] is None
    assert only["flagged"] is False
    none_dropped = drop_rates(_pairs("A", 0, 10) + _pairs("B", 0, 10))["groups"]["A"]
    assert none_dropped["ratio_vs_rest"] is None and none_dropped["ratio_ci95"] is None
    # All drops in A: its ratio is infinite (None), still flagged; B's is 0, also flagged.
    out = drop_rates(_pairs("A", 5, 10) + _pairs("B", 0, 100))["groups"]
    assert out["A"]["ratio_vs_rest"] is None and out["A"]["flagged"] is True
    assert out["A"]["ratio_ci95"][0] > 1
    assert out["B"]["ratio_vs_rest"] == 0.0 and out["B"]["flagged"] is True
    empty = drop_rates([])
    assert empty == {
        "overall": {"n": 0, "dropped": 0, "rate": None, "ci95": None, "effective_n": 0.0},
        "groups": {},
    }


SCORES = (
    [("hi", s) for s in (1, 1, 1, 0)]  # mean 0.75
    + [("mid", s) for s in (1, 0)]  # mean 0.5
    + [("lo", s) for s in (0, 1, 0, 0, 0, 0, 1, 0)]  # mean 0.25
)


def test_subgroup_gap_and_ratio_exact():
    out = subgroup_scores(SCORES)
    assert list(out["groups"]) == ["lo", "hi", "mid"]  # n descending
    assert {g: v["mean"] for g, v in out["groups"].items()} == {"lo": 0.25, "hi": 0.75, "mid": 0.5}
    gap = out["largest_gap"]
    assert (gap["high"], gap["low"]) == ("hi", "lo")
    assert gap["difference"] == 0.5 and gap["ratio"] == 1 / 3
    assert gap["ci95"][0] <= 0.5 <= gap["ci95"][1]
    assert out["overall"]["n"] == 14 and out["overall"]["mean"] == pytest.approx(6 / 14)


def test_subgroup_cis_use_the_shared_bootstrap():
    out = subgroup_scores(SCORES, seed=3, n_boot=500)
    lo_scores = [s for g, s in SCORES if g == "lo"]
    assert out["groups"]["lo"]["ci95"] == bootstrap_mean_ci(lo_scores, n_boot=500, seed=3)
    assert out["overall"]["ci95"] == bootstrap_mean_ci([s for _, s in SCORES], 500, 3)


def test_bootstrap_deterministic_with_seed():
    assert subgroup_scores(SCORES, seed=5) == subgroup_scores(SCORES, seed=5)
    a = subgroup_scores(SCORES, seed=5)["largest_gap"]["ci95"]
    b = subgroup_scores(SCORES, seed=6)["largest_gap"]["ci95"]
    assert a != b


def test_gap_ci_width_matches_normal_approximation():
    rng = np.random.default_rng(0)
    x, y = rng.normal(0.7, 0.2, 400), rng.normal(0.5, 0.3, 400)
    out = subgroup_scores([("x", v) for v in x] + [("y", v) for v in y], n_boot=4000)
    lo, hi = out["largest_gap"]["ci95"]
    se = math.sqrt(x.var() / len(x) + y.var() / len(y))
    assert (hi - lo) == pytest.approx(2 * 1.959964 * se, rel=0.1)
    assert lo < x.mean() - y.mean() < hi


def test_gap_degenerate_cases():
    constant = subgroup_scores([("a", 1.0)] * 5 + [("b", 0.0)] * 5)["largest_gap"]
    assert constant["ci95"] == (1.0, 1.0) and constant["ratio"] == 0.0
    zero = subgroup_scores([("a", 0.0)] * 3 + [("b", 0.0)] * 2)["largest_gap"]
    assert zero["ratio"] is None and zero["difference"] == 0.0
    single = subgroup_scores([("a", 0.5), ("a", 1.0), ("b", 0.0)])
    assert single["largest_gap"]["ci95"] is None  # b has one item
    assert single["groups"]["b"]["ci95"] is None
    assert subgroup_scores([("a", 0.5), ("a", 1.0)])["largest_gap"] is None
    assert subgroup_scores([]) == {
        "overall": {"n": 0, "mean": None, "ci95": None},
        "groups": {},
        "largest_gap": None,
    }
    with pytest.raises(ValueError, match="not finite"):
        subgroup_scores([("a", math.nan)])


def test_duos_dropped_together_in_whole_images_are_weaker_evidence():
    """Source a loses 3 of 10 images whole, b 1 of 10 (10 duos each): 30 vs 10 dropped duos
    look like a 3x disparity, but only 4 images decided it; dropped 3 and 1 duos in every
    image, the same counts are strong evidence."""

    def sums(per_image):
        s = ClusterSums()
        for n, d in per_image:
            s.add(n, d)
        return s

    whole = drop_rates_clustered(
        {"a": sums([(10, 10)] * 3 + [(10, 0)] * 7), "b": sums([(10, 10)] + [(10, 0)] * 9)}
    )["groups"]
    spread = drop_rates_clustered({"a": sums([(10, 3)] * 10), "b": sums([(10, 1)] * 10)})["groups"]
    assert whole["a"]["ratio_vs_rest"] == spread["a"]["ratio_vs_rest"] == 3.0
    assert not whole["a"]["flagged"] and spread["a"]["flagged"]
    # Whole images: the images are the units (10, times the robust variance's m/(m-1) factor).
    assert whole["a"]["effective_n"] == pytest.approx(9.0)
    # A group without drops says nothing of clustering: it takes the whole build's effect.
    none = drop_rates_clustered({"a": sums([(4, 2)] * 10), "b": sums([(4, 0)] * 10)})
    pooled = sums([(4, 2)] * 10 + [(4, 0)] * 10).design_effect()
    assert none["groups"]["b"]["effective_n"] == pytest.approx(40 / pooled)
    assert none["groups"]["a"]["flagged"]
    assert spread["a"]["effective_n"] == 100.0  # no excess variance: design effect 1
    # One item per cluster is plain counting.
    assert (
        drop_rates_clustered({"a": sums([(1, 1)] * 3 + [(1, 0)] * 7)})["groups"]["a"]["ci95"]
        == drop_rates([("a", True)] * 3 + [("a", False)] * 7)["groups"]["a"]["ci95"]
    )


def test_questions_of_one_image_are_resampled_together():
    """Ten images of ten questions each, every image all right or all wrong: the evidence is
    ten images, and the clustered interval is as wide as ten items', not a hundred's."""
    items = [("g", float(i % 2), f"img{i}") for i in range(10) for _ in range(10)]
    clustered = subgroup_scores(items, seed=1)["groups"]["g"]
    by_item = subgroup_scores([(g, v) for g, v, _ in items], seed=1)["groups"]["g"]
    ten = subgroup_scores([("g", float(i % 2)) for i in range(10)], seed=1)["groups"]["g"]
    assert clustered["mean"] == by_item["mean"] == 0.5 and clustered["n"] == 100

    def width(r):
        return r["ci95"][1] - r["ci95"][0]

    assert width(clustered) > 2.5 * width(by_item)
    assert width(clustered) == pytest.approx(width(ten), abs=0.05)
