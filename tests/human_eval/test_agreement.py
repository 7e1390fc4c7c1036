"""Agreement statistics against their reference packages and hand-computed cases.

Tolerance 1e-12 throughout: the implementations use the references' own operation order
(sklearn, statsmodels) or the reference itself (krippendorff), and the Wilson interval differs
from statsmodels only in the normal quantile (stdlib NormalDist vs scipy, ~1e-16 apart).
"""

import math
from fractions import Fraction as F

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss
from statsmodels.stats.proportion import proportion_confint

from llavar2.human_eval.agreement import (
    bootstrap_alpha,
    bootstrap_mean_ci,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    gwet_ac2,
    krippendorff_alpha,
    pairwise_cohen,
    percent_agreement,
    wilson_interval,
)

TOL = 1e-12
ORD = ["no", "partial", "yes"]
LIKERT = [1, 2, 3, 4, 5]


def random_matrix(seed, n_items, n_raters, categories, p_missing=0.0):
    """Correlated ratings (a latent item score plus rater noise), some missing."""
    rng = np.random.default_rng(seed)
    q = len(categories)
    latent = rng.integers(0, q, n_items)
    noise = rng.integers(-1, 2, (n_items, n_raters)) * (rng.random((n_items, n_raters)) < 0.4)
    idx = np.clip(latent[:, None] + noise, 0, q - 1)
    missing = rng.random((n_items, n_raters)) < p_missing
    return [
        [None if missing[i, j] else categories[idx[i, j]] for j in range(n_raters)]
        for i in range(n_items)
    ]


def reliability(matrix, categories):
    """Raters x items float array of category indices, nan where missing (krippendorff's input)."""
    pos = {c: i for i, c in enumerate(categories)}
    return np.array(
        [[np.nan if v is None else pos[v] for v in row] for row in matrix], dtype=float
    ).T


def count_table(matrix, categories):
    return np.array([[row.count(c) for c in categories] for row in matrix])


# --- reference packages ---------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_matches_sklearn(seed, weights):
    cats = ORD if seed % 2 else LIKERT
    m = random_matrix(seed, 40, 2, cats)
    a, b = [r[0] for r in m], [r[1] for r in m]
    ref = cohen_kappa_score(a, b, labels=cats, weights=weights)
    assert cohen_kappa(a, b, cats, weights) == pytest.approx(ref, abs=TOL)


def test_cohen_drops_pairs_with_missing():
    m = random_matrix(7, 60, 2, LIKERT, p_missing=0.3)
    a, b = [r[0] for r in m], [r[1] for r in m]
    kept = [(x, y) for x, y in zip(a, b) if x is not None and y is not None]
    assert 0 < len(kept) < 60
    ref = cohen_kappa_score(*zip(*kept), labels=LIKERT, weights="quadratic")
    assert cohen_kappa(a, b, LIKERT, "quadratic") == pytest.approx(ref, abs=TOL)


def test_pairwise_cohen_matches_sklearn_per_pair():
    m = random_matrix(3, 50, 3, LIKERT, p_missing=0.2)
    got = pairwise_cohen(m, LIKERT, "linear")
    assert set(got) == {(0, 1), (0, 2), (1, 2)}
    for (i, j), value in got.items():
        kept = [(r[i], r[j]) for r in m if r[i] is not None and r[j] is not None]
        ref = cohen_kappa_score(*zip(*kept), labels=LIKERT, weights="linear")
        assert value == pytest.approx(ref, abs=TOL)


@pytest.mark.parametrize("seed", range(5))
def test_fleiss_matches_statsmodels(seed):
    cats = ORD if seed % 2 else LIKERT
    m = random_matrix(seed, 30, 3 + seed % 3, cats)
    ref = sm_fleiss(count_table(m, cats), method="fleiss")
    assert fleiss_kappa(m, cats) == pytest.approx(ref, abs=TOL)


def test_fleiss_uses_complete_rows_only():
    m = random_matrix(11, 60, 4, LIKERT, p_missing=0.1)
    complete = [r for r in m if None not in r]
    assert 0 < len(complete) < len(m)
    ref = sm_fleiss(count_table(complete, LIKERT), method="fleiss")
    assert fleiss_kappa(m, LIKERT) == pytest.approx(ref, abs=TOL)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_alpha_matches_krippendorff_with_missing(seed, level):
    cats = ORD if seed % 2 else LIKERT
    m = random_matrix(seed, 40, 4, cats, p_missing=0.35)
    ref = krippendorff.alpha(
        reliability_data=reliability(m, cats),
        level_of_measurement=level,
        value_domain=list(range(len(cats))),
    )
    assert krippendorff_alpha(m, cats, level) == pytest.approx(ref, abs=TOL)


def test_alpha_published_examples():
    # The krippendorff package's documented examples (Krippendorff 2011, and Hayes &
    # Krippendorff's ordinal example), as items x raters with None.
    data = [
        [None, None, None, None, None, 3, 4, 1, 2, 1, 1, 3, 3, None, 3],
        [1, None, 2, 1, 3, 3, 4, 3, None, None, None, None, None, None, None],
        [None, None, 2, 1, 3, 4, 4, None, 2, 1, 1, 3, 3, None, 4],
    ]
    m = [list(col) for col in zip(*data)]
    assert round(krippendorff_alpha(m, [1, 2, 3, 4], "nominal"), 6) == 0.691358
    assert round(krippendorff_alpha(m, [1, 2, 3, 4], "interval"), 6) == 0.810845
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    ]
    m = [list(col) for col in zip(*data)]
    assert round(krippendorff_alpha(m, LIKERT, "ordinal"), 3) == 0.815


@pytest.mark.parametrize(
    ("k", "n", "confidence"),
    [(0, 10, 0.95), (10, 10, 0.95), (3, 17, 0.95), (7.5, 12.3, 0.9), (1, 2, 0.99), (41, 100, 0.8)],
)
def test_wilson_matches_statsmodels(k, n, confidence):
    lo, hi = proportion_confint(k, n, alpha=1 - confidence, method="wilson")
    got = wilson_interval(k, n, confidence)
    assert got == pytest.approx((lo, hi), abs=TOL)
    assert 0 <= got[0] <= k / n <= got[1] <= 1


# --- hand-computed cases --------------------------------------------------------------------

# 2 raters, 2 categories, 50 items: both yes 20, A yes/B no 5, A no/B yes 10, both no 15.
TABLE = [["yes", "yes"]] * 20 + [["yes", "no"]] * 5 + [["no", "yes"]] * 10 + [["no", "no"]] * 15
YN = ["no", "yes"]


def test_two_by_two_closed_forms():
    a, b = [r[0] for r in TABLE], [r[1] for r in TABLE]
    p_o = (20 + 15) / 50
    p_a_yes, p_b_yes = 25 / 50, 30 / 50
    p_e_cohen = p_a_yes * p_b_yes + (1 - p_a_yes) * (1 - p_b_yes)
    assert cohen_kappa(a, b, YN) == pytest.approx((p_o - p_e_cohen) / (1 - p_e_cohen), abs=TOL)
    assert cohen_kappa(a, b, YN) == pytest.approx(0.4, abs=TOL)
    assert percent_agreement(TABLE, YN) == pytest.approx(0.7, abs=TOL)
    # AC1 with q = 2: p_e = 2 pi (1 - pi), pi the mean share of "yes" over items.
    pi = (25 + 30) / 100
    p_e = 2 * pi * (1 - pi)
    assert gwet_ac1(TABLE, YN) == pytest.approx((p_o - p_e) / (1 - p_e), abs=TOL)
    # Fleiss: P_e = sum of squared category shares.
    p_e_fleiss = pi**2 + (1 - pi) ** 2
    assert fleiss_kappa(TABLE, YN) == pytest.approx((p_o - p_e_fleiss) / (1 - p_e_fleiss), abs=TOL)
    # Nominal alpha from coincidences: 1 - (N-1) * sum_{c!=k} o_ck / sum_{c!=k} n_c n_k,
    # N = 100 pairable values, o_yes,no = o_no,yes = 15, n_yes = 55, n_no = 45.
    assert krippendorff_alpha(TABLE, YN) == pytest.approx(1 - 99 * 30 / (2 * 55 * 45), abs=TOL)


def test_two_by_two_ac2_identity_and_binary_weights_equal_ac1():
    # With two categories linear and quadratic weights are the identity too.
    for w in ("identity", "linear", "quadratic"):
        assert gwet_ac2(TABLE, YN, w) == pytest.approx(gwet_ac1(TABLE, YN), abs=TOL)


@pytest.mark.parametrize("seed", range(4))
def test_ac2_identity_equals_ac1_on_random_data(seed):
    m = random_matrix(seed, 40, 4, LIKERT, p_missing=0.3)
    assert gwet_ac2(m, LIKERT, "identity") == gwet_ac1(m, LIKERT)
    # Credit for near misses: ordinal weights raise AC on these near-agreeing ratings.
    assert gwet_ac2(m, LIKERT, "quadratic") > gwet_ac1(m, LIKERT)


def test_perfect_agreement():
    m = [[c, c, c] for c in [1, 2, 3, 4, 5, 3, 2, 1]]
    assert percent_agreement(m, LIKERT) == 1
    assert fleiss_kappa(m, LIKERT) == pytest.approx(1, abs=TOL)
    assert all(v == pytest.approx(1, abs=TOL) for v in pairwise_cohen(m, LIKERT, None).values())
    for level in ("nominal", "ordinal", "interval"):
        assert krippendorff_alpha(m, LIKERT, level) == pytest.approx(1, abs=TOL)
    assert gwet_ac1(m, LIKERT) == pytest.approx(1, abs=TOL)
    assert gwet_ac2(m, LIKERT, "quadratic") == pytest.approx(1, abs=TOL)
    assert bootstrap_alpha(m, LIKERT, "ordinal", n_boot=200) == pytest.approx((1, 1), abs=TOL)


def test_systematic_disagreement_is_negative():
    a = ["no", "yes", "no", "yes"]
    b = ["yes", "no", "yes", "no"]
    # p_o = 0, p_e = 0.5 -> kappa = -1.
    assert cohen_kappa(a, b, YN) == pytest.approx(-1, abs=TOL)
    m = [list(p) for p in zip(a, b)]
    assert percent_agreement(m, YN) == 0
    assert krippendorff_alpha(m, YN) < 0
    assert gwet_ac1(m, YN) == pytest.approx(-1, abs=TOL)  # pi = 0.5, p_e = 0.5


def test_single_rating_items_are_ignored():
    m = [["a", "a"], ["a", None], ["a", "b"], [None, None]]
    # Pairable items: 1 (agree) and 3 (disagree).
    assert percent_agreement(m, ["a", "b"]) == 0.5
    pairable = [m[0], m[2]]
    for level in ("nominal", "ordinal"):
        assert krippendorff_alpha(m, ["a", "b"], level) == krippendorff_alpha(
            pairable, ["a", "b"], level
        )
    assert cohen_kappa(["a", "a", "a"], ["a", None, "b"], ["a", "b"]) == cohen_kappa(
        ["a", "a"], ["a", "b"], ["a", "b"]
    )


# 3 raters, categories 1..3, with missing ratings (Gwet's AC1/AC2 by hand).
GWET = [
    [1, 1, 2],  # r = (2, 1, 0), r_i = 3
    [2, 2, None],  # r = (0, 2, 0), r_i = 2
    [3, None, None],  # r = (0, 0, 1), r_i = 1: in pi_k only
    [1, 3, 3],  # r = (1, 0, 2), r_i = 3
    [None, None, None],  # no rating: nowhere
]


def test_gwet_three_raters_missing_by_hand():
    cats = [1, 2, 3]
    # p_a over the n' = 3 items with r_i >= 2: sum_k r_ik (r_ik - 1) / (r_i (r_i - 1)).
    p_a = (F(2 * 1, 3 * 2) + F(2 * 1, 2 * 1) + F(2 * 1, 3 * 2)) / 3
    assert p_a == F(5, 9)
    # pi_k over the n = 4 items with r_i >= 1 of r_ik / r_i.
    pi = [
        (F(2, 3) + 0 + 0 + F(1, 3)) / 4,
        (F(1, 3) + 1 + 0 + 0) / 4,
        (0 + 0 + 1 + F(2, 3)) / 4,
    ]
    assert pi == [F(1, 4), F(1, 3), F(5, 12)]
    s = sum(p * (1 - p) for p in pi)
    assert s == F(47, 72)
    p_e = s / (3 - 1)  # identity: T_w = q, so T_w / (q (q - 1)) = 1 / (q - 1)
    ac1 = (p_a - p_e) / (1 - p_e)
    assert ac1 == F(33, 97)
    assert gwet_ac1(GWET, cats) == pytest.approx(float(ac1), abs=TOL)
    assert percent_agreement(GWET, cats) == pytest.approx(float(p_a), abs=TOL)

    # Quadratic weights: w = 1 - (k-l)^2/4 -> [[1, .75, 0], [.75, 1, .75], [0, .75, 1]],
    # T_w = 6, T_w / (q (q - 1)) = 1. r*_i = w r_i:
    #   item 1: r* = (2.75, 2.5, 0.75) -> (2*1.75 + 1*1.5) / 6 = 5/6
    #   item 2: r* = (1.5, 2, 1.5)     -> 2*1 / 2 = 1
    #   item 4: r* = (1, 2.25, 2)      -> (1*0 + 2*1) / 6 = 1/3
    p_a_q = (F(5, 6) + 1 + F(1, 3)) / 3
    p_e_q = F(6, 3 * 2) * s
    assert (p_a_q - p_e_q) / (1 - p_e_q) == F(1, 5)
    assert gwet_ac2(GWET, cats, "quadratic") == pytest.approx(0.2, abs=TOL)

    # Linear weights: w = 1 - |k-l|/2 -> [[1, .5, 0], [.5, 1, .5], [0, .5, 1]], T_w = 5.
    #   item 1: r* = (2.5, 2, 0.5) -> (2*1.5 + 1*1) / 6 = 2/3
    #   item 2: r* = (1, 2, 1)     -> 1
    #   item 4: r* = (1, 1.5, 2)   -> 2/6 = 1/3
    p_a_l = (F(2, 3) + 1 + F(1, 3)) / 3
    p_e_l = F(5, 3 * 2) * s
    assert (p_a_l - p_e_l) / (1 - p_e_l) == F(53, 197)
    assert gwet_ac2(GWET, cats, "linear") == pytest.approx(53 / 197, abs=TOL)


def test_one_category_used_kappa_undefined_ac1_defined():
    m = [["yes", "yes"]] * 5
    assert math.isnan(cohen_kappa(["yes"] * 5, ["yes"] * 5, YN))
    assert math.isnan(fleiss_kappa(m, YN))
    assert math.isnan(krippendorff_alpha(m, YN))
    # AC1's chance agreement is 0 when one category takes all ratings: p_a = 1 -> AC1 = 1.
    assert gwet_ac1(m, YN) == 1


def test_undefined_cases_are_nan():
    only_singles = [["yes", None], [None, "no"], [None, None]]
    for f in (percent_agreement, fleiss_kappa, krippendorff_alpha, gwet_ac1, gwet_ac2):
        assert math.isnan(f(only_singles, YN)), f.__name__
        assert math.isnan(f([], YN)), f.__name__
    assert all(math.isnan(x) for x in bootstrap_alpha(only_singles, YN))
    assert math.isnan(cohen_kappa(["yes", None], [None, "no"], YN))
    assert math.isnan(cohen_kappa([], [], YN))
    pairs = pairwise_cohen(only_singles, YN, None)
    assert list(pairs) == [(0, 1)] and math.isnan(pairs[0, 1])
    assert math.isnan(krippendorff_alpha([["a", "a"]], ["a"]))  # one-value domain
    assert math.isnan(gwet_ac1([["a", "a"]], ["a"]))
    assert all(math.isnan(x) for x in wilson_interval(0, 0))
    assert all(math.isnan(x) for x in bootstrap_mean_ci([1.0]))
    assert all(math.isnan(x) for x in bootstrap_mean_ci([1.0, float("nan")]))


def test_values_outside_categories_raise():
    bad = [["yes", "maybe"], ["no", "no"]]
    for f in (percent_agreement, fleiss_kappa, krippendorff_alpha, gwet_ac1, gwet_ac2):
        with pytest.raises(ValueError, match="maybe"):
            f(bad, YN)
    with pytest.raises(ValueError, match="maybe"):
        cohen_kappa(["yes", "maybe"], ["no", "no"], YN)
    with pytest.raises(ValueError, match="maybe"):
        pairwise_cohen(bad, YN, None)
    with pytest.raises(ValueError, match="maybe"):
        bootstrap_alpha(bad, YN)
    with pytest.raises(ValueError, match="length"):
        cohen_kappa(["yes"], ["yes", "no"], YN)
    with pytest.raises(ValueError, match="raters"):
        percent_agreement([["yes", "no"], ["yes"]], YN)


# --- bootstrap intervals --------------------------------------------------------------------


def test_bootstrap_alpha_resamples_items():
    m = random_matrix(5, 30, 3, LIKERT)
    lo, hi = bootstrap_alpha(m, LIKERT, "ordinal", n_boot=300, seed=1)
    assert lo < krippendorff_alpha(m, LIKERT, "ordinal") < hi
    assert (lo, hi) == bootstrap_alpha(m, LIKERT, "ordinal", n_boot=300, seed=1)
    # The same draws by hand on raters x items reliability data.
    rel = reliability(m, LIKERT)
    draws = np.random.default_rng(1).integers(0, 30, size=(300, 30))
    ref = [
        krippendorff.alpha(
            reliability_data=rel[:, d], level_of_measurement="ordinal", value_domain=range(5)
        )
        for d in draws
    ]
    assert (lo, hi) == pytest.approx(tuple(np.quantile(ref, [0.025, 0.975])), abs=TOL)
    narrow = bootstrap_alpha(m, LIKERT, "ordinal", n_boot=300, seed=1, confidence=0.5)
    assert lo < narrow[0] < narrow[1] < hi


def test_bootstrap_alpha_skips_nan_resamples():
    # Resamples of only the first two items use one value: alpha is nan there and skipped.
    m = [["a", "a"], ["a", "a"], ["b", "a"]]
    lo, hi = bootstrap_alpha(m, ["a", "b"], n_boot=200)
    assert math.isfinite(lo) and math.isfinite(hi) and lo <= hi


def test_bootstrap_mean_ci():
    values = np.random.default_rng(0).normal(3.0, 1.0, 200)
    lo, hi = bootstrap_mean_ci(values, n_boot=500, seed=2)
    assert lo < values.mean() < hi and hi - lo < 0.5
    draws = np.random.default_rng(2).integers(0, 200, size=(500, 200))
    ref = np.quantile(values[draws].mean(1), [0.025, 0.975])
    assert (lo, hi) == pytest.approx(tuple(ref), abs=TOL)
    # nan values are ignored; equal weights give the unweighted mean.
    with_nan = [*values[:100], float("nan"), *values[100:]]
    assert bootstrap_mean_ci(with_nan, n_boot=500, seed=2) == (lo, hi)
    assert bootstrap_mean_ci(values, n_boot=500, seed=2, weights=[2.0] * 200) == pytest.approx(
        (lo, hi), abs=TOL
    )
    assert bootstrap_mean_ci([4.0, 4.0, 4.0]) == (4.0, 4.0)


def test_bootstrap_mean_ci_weighted():
    values = [1.0, 2.0, 3.0, 1000.0]
    lo, hi = bootstrap_mean_ci(values, weights=[1, 1, 1, 0], n_boot=500)
    assert 1.0 <= lo < hi <= 3.0  # the zero-weight outlier never moves the mean
    with pytest.raises(ValueError):
        bootstrap_mean_ci(values, weights=[1, 1, 1, -1])


def test_spearman_matches_scipy_with_ties_and_missing_pairs():
    from scipy.stats import spearmanr

    from llavar2.human_eval.agreement import spearman

    rng = np.random.default_rng(11)
    cats = [1, 2, 3, 4, 5]
    for _ in range(5):
        a = [int(v) for v in rng.integers(1, 6, 40)]
        b = [min(5, max(1, v + int(rng.integers(-1, 2)))) for v in a]
        a_missing = [None if i % 7 == 0 else v for i, v in enumerate(a)]
        keep = [i for i in range(40) if i % 7]
        expected = spearmanr([a[i] for i in keep], [b[i] for i in keep]).statistic
        assert spearman(a_missing, b, cats) == pytest.approx(expected, abs=1e-12)
    assert math.isnan(spearman([1, 1, 1], [1, 2, 3], cats))
    assert spearman(
        ["no", "partial", "yes"], ["no", "yes", "yes"], ["no", "partial", "yes"]
    ) == pytest.approx(spearmanr([0, 1, 2], [0, 2, 2]).statistic)
