"""Inter-rater agreement and interval statistics for ``llavar2 human-eval analyze``.

A ratings matrix is ``list[list[object | None]]``: one row per item, one column per rater,
``None`` for a missing rating. ``categories`` is the ordered list of possible values (the order
gives the ordinal weights); any other value raises ValueError. Items with fewer than two
ratings carry no agreement information and are ignored by every agreement statistic.
Undefined statistics (no item with two ratings, chance agreement of 1, ...) are ``nan``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist
from typing import Literal

import krippendorff
import numpy as np

Matrix = Sequence[Sequence[object | None]]
Weights = Literal["linear", "quadratic"] | None
NAN = float("nan")


def _indices(matrix: Matrix, categories: Sequence) -> np.ndarray:
    """Items x raters array of category indices, -1 where missing."""
    lookup = {c: i for i, c in enumerate(categories)}
    if len(lookup) != len(categories):
        raise ValueError(f"categories are not unique: {list(categories)!r}")
    widths = {len(row) for row in matrix}
    if len(widths) > 1:
        raise ValueError(f"rows have different numbers of raters: {sorted(widths)}")
    out = np.full((len(matrix), widths.pop() if widths else 0), -1, dtype=np.intp)
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            if value is not None:
                if value not in lookup:
                    raise ValueError(f"rating {value!r} is not one of {list(categories)!r}")
                out[i, j] = lookup[value]
    return out


def _counts(matrix: Matrix, categories: Sequence) -> np.ndarray:
    """Items x categories table r_ik: how many raters put item i in category k."""
    idx = _indices(matrix, categories)
    return (idx[:, :, None] == np.arange(len(categories))).sum(axis=1).astype(float)


def _percentile(stats: np.ndarray, confidence: float) -> tuple[float, float]:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    stats = stats[~np.isnan(stats)]
    if stats.size == 0:
        return NAN, NAN
    lo, hi = np.quantile(stats, [(1 - confidence) / 2, (1 + confidence) / 2])
    return float(lo), float(hi)


def percent_agreement(matrix: Matrix, categories: Sequence) -> float:
    """Mean over items with >= 2 ratings of the share of agreeing rater pairs,
    sum_k r_ik (r_ik - 1) / (r_i (r_i - 1)) (Fleiss' P_i, allowing missing ratings)."""
    r = _counts(matrix, categories)
    r = r[r.sum(1) >= 2]
    if len(r) == 0:
        return NAN
    ri = r.sum(1)
    return float(np.mean((r * (r - 1)).sum(1) / (ri * (ri - 1))))


def cohen_kappa(a: Sequence, b: Sequence, categories: Sequence, weights: Weights = None) -> float:
    """Cohen's kappa of two raters, 1 - sum(W*O) / sum(W*E) with O the confusion matrix and E the
    outer product of its marginals over N; W is 1 off the diagonal (None), |i-j| ("linear") or
    (i-j)^2 ("quadratic") on category indices. Pairs with a None are dropped. Equals
    ``sklearn.metrics.cohen_kappa_score(a, b, labels=categories, weights=weights)``."""
    if len(a) != len(b):
        raise ValueError(f"rater label lists differ in length: {len(a)} != {len(b)}")
    if weights not in (None, "linear", "quadratic"):
        raise ValueError(f"unknown weights {weights!r}")
    idx = _indices([list(p) for p in zip(a, b)], categories).reshape(-1, 2)
    idx = idx[(idx >= 0).all(1)]
    q = len(categories)
    confusion = np.zeros((q, q))
    np.add.at(confusion, (idx[:, 0], idx[:, 1]), 1)
    n = confusion.sum()
    if n == 0:
        return NAN
    # Same operation order as sklearn, so the two agree to the last bits.
    expected = np.outer(confusion.sum(0), confusion.sum(1)) / n
    k = np.arange(q, dtype=float)
    diff = k[None, :] - k[:, None]
    w = {None: (diff != 0).astype(float), "linear": np.abs(diff), "quadratic": diff**2}[weights]
    denominator = (w * expected).sum()
    if denominator == 0:  # one category only: chance agreement is 1
        return NAN
    return float(1 - (w * confusion).sum() / denominator)


def pairwise_cohen(
    matrix: Matrix, categories: Sequence, weights: Weights = None
) -> dict[tuple[int, int], float]:
    """``cohen_kappa`` for every rater pair (columns i < j) over the items both rated."""
    _indices(matrix, categories)  # validate once, with a clear error
    m = len(matrix[0]) if matrix else 0
    cols = [[row[j] for row in matrix] for j in range(m)]
    return {
        (i, j): cohen_kappa(cols[i], cols[j], categories, weights)
        for i in range(m)
        for j in range(i + 1, m)
    }


def fleiss_kappa(matrix: Matrix, categories: Sequence) -> float:
    """Fleiss' kappa (Fleiss 1971) over the items rated by every rater (complete rows):
    (P_bar - P_e) / (1 - P_e), P_bar the mean percent agreement, P_e = sum_k p_k^2. Equals
    ``statsmodels.stats.inter_rater.fleiss_kappa(table, method="fleiss")`` on the count table."""
    idx = _indices(matrix, categories)
    if idx.shape[1] < 2:
        return NAN
    table = (idx[:, :, None] == np.arange(len(categories))).sum(1).astype(float)
    table = table[(idx >= 0).all(1)]
    if len(table) == 0:
        return NAN
    n_rat = float(idx.shape[1])
    # Same operation order as statsmodels.
    p_cat = table.sum(0) / table.sum()
    p_mean = (((table * table).sum(1) - n_rat) / (n_rat * (n_rat - 1.0))).mean()
    p_exp = (p_cat * p_cat).sum()
    return NAN if p_exp == 1 else float((p_mean - p_exp) / (1 - p_exp))


Level = Literal["nominal", "ordinal", "interval"]


def _alpha_from_counts(counts: np.ndarray, level: Level) -> float:
    if counts.shape[1] < 2 or len(counts) == 0:  # the package raises on both
        return NAN
    with np.errstate(divide="ignore", invalid="ignore"):  # one value used: 0/0 -> nan
        value = krippendorff.alpha(
            value_counts=counts, value_domain=np.arange(counts.shape[1]), level_of_measurement=level
        )
    return float(value)


def krippendorff_alpha(matrix: Matrix, categories: Sequence, level: Level = "nominal") -> float:
    """Krippendorff's alpha (Krippendorff 2011, "Computing Krippendorff's alpha-reliability"),
    1 - D_o / D_e, computed by ``krippendorff.alpha`` with categories mapped to indices 0..k-1
    (so "interval" treats the categories as equally spaced). The per-item value counts given to
    the package are exactly what it derives from raters x items reliability data with nan."""
    counts = _counts(matrix, categories)
    return _alpha_from_counts(counts[counts.sum(1) >= 2], level)


def bootstrap_alpha(
    matrix: Matrix,
    categories: Sequence,
    level: Level = "nominal",
    n_boot: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> tuple[float, float]:
    """Percentile bootstrap CI of ``krippendorff_alpha``, resampling items with replacement
    (numpy Generator seeded with ``seed``). Only items with >= 2 ratings are resampled, since
    alpha ignores the others; resamples where alpha is nan are skipped."""
    counts = _counts(matrix, categories)
    counts = counts[counts.sum(1) >= 2]
    if len(counts) == 0:
        return NAN, NAN
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(counts), size=(n_boot, len(counts)))
    return _percentile(np.array([_alpha_from_counts(counts[d], level) for d in draws]), confidence)


def _gwet_weights(q: int, weights: str) -> np.ndarray:
    k = np.arange(q, dtype=float)
    d = np.abs(k[:, None] - k[None, :])
    if weights == "identity":
        return (d == 0).astype(float)
    if q < 2:
        return np.ones((q, q))
    if weights == "linear":
        return 1 - d / (q - 1)
    if weights == "quadratic":
        return 1 - d**2 / (q - 1) ** 2
    raise ValueError(f"unknown weights {weights!r}")


def gwet_ac2(
    matrix: Matrix,
    categories: Sequence,
    weights: Literal["quadratic", "linear", "identity"] = "quadratic",
) -> float:
    """Gwet's AC2 for several raters with missing ratings (Gwet, Handbook of Inter-Rater
    Reliability, 4th ed. 2014, ch. 2-3; as in Gwet's irrCAC ``gwet.ac1.raw``):
    r_ik raters putting item i in category k, r_i = sum_k r_ik, r*_ik = sum_l w_kl r_il;
    p_a = mean over the n' items with r_i >= 2 of sum_k r_ik (r*_ik - 1) / (r_i (r_i - 1));
    pi_k = mean over the n items with r_i >= 1 of r_ik / r_i;
    p_e = T_w / (q (q - 1)) * sum_k pi_k (1 - pi_k), T_w = sum_kl w_kl, q = len(categories);
    AC2 = (p_a - p_e) / (1 - p_e). Weights are on category indices (equally spaced values):
    identity [k == l], linear 1 - |k-l|/(q-1), quadratic 1 - (k-l)^2/(q-1)^2.
    Convention: single-rating items enter pi_k (as in the book), not p_a; nan if q < 2."""
    r = _counts(matrix, categories)
    q = len(categories)
    w = _gwet_weights(q, weights)
    ri = r.sum(1)
    if q < 2 or not (ri >= 2).any():
        return NAN
    pair = r[ri >= 2]
    r_star = pair @ w.T  # r*_ik = sum_l w_kl r_il
    n2 = ri[ri >= 2]
    p_a = float(np.mean((pair * (r_star - 1)).sum(1) / (n2 * (n2 - 1))))
    pi = (r[ri >= 1] / ri[ri >= 1, None]).mean(0)
    p_e = float(w.sum() / (q * (q - 1)) * (pi * (1 - pi)).sum())
    return NAN if p_e == 1 else (p_a - p_e) / (1 - p_e)


def gwet_ac1(matrix: Matrix, categories: Sequence) -> float:
    """Gwet's AC1: ``gwet_ac2`` with identity weights, i.e. p_e = sum_k pi_k (1 - pi_k) / (q - 1)
    (Gwet 2008, Br. J. Math. Stat. Psychol. 61; Handbook 4th ed. ch. 2)."""
    return gwet_ac2(matrix, categories, weights="identity")


def wilson_interval(successes: float, n: float, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval (Wilson 1927) for the proportion successes / n; n may be an
    effective, non-integer sample size. (nan, nan) if n == 0. Matches statsmodels'
    ``proportion_confint(successes, n, alpha=1 - confidence, method="wilson")``."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if n < 0 or not 0 <= successes <= max(n, 0):
        raise ValueError(f"need 0 <= successes <= n, got successes={successes}, n={n}")
    if n == 0:
        return NAN, NAN
    z = NormalDist().inv_cdf((1 + confidence) / 2)
    p, z2 = successes / n, z * z
    denom = 1 + z2 / n
    center = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    # Exact bounds at p = 0 and p = 1, where center -/+ half cancel only up to rounding.
    lo = 0.0 if successes == 0 else max(0.0, center - half)
    hi = 1.0 if successes == n else min(1.0, center + half)
    return lo, hi


def bootstrap_mean_ci(
    values: Sequence[float] | np.ndarray,
    n_boot: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
    weights: Sequence[float] | np.ndarray | None = None,
) -> tuple[float, float]:
    """Percentile bootstrap CI of the mean (sum w v / sum w if ``weights``), resampling the
    (value, weight) pairs with replacement (numpy Generator seeded with ``seed``). nan values
    are dropped with their weights; (nan, nan) if fewer than two values remain."""
    v = np.asarray(values, dtype=float)
    w = np.ones_like(v) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != v.shape:
        raise ValueError(f"weights shape {w.shape} != values shape {v.shape}")
    keep = ~np.isnan(v)
    v, w = v[keep], w[keep]
    if not (np.isfinite(w).all() and (w >= 0).all()):
        raise ValueError("weights must be finite and non-negative")
    if v.size < 2:
        return NAN, NAN
    rng = np.random.default_rng(seed)
    means = np.empty(n_boot)
    chunk = max(1, 2_000_000 // v.size)  # bounds memory at ~16 MB per index array
    for start in range(0, n_boot, chunk):
        idx = rng.integers(0, v.size, size=(min(chunk, n_boot - start), v.size))
        with np.errstate(invalid="ignore"):  # all-zero weights in a resample -> nan, skipped
            means[start : start + len(idx)] = (w[idx] * v[idx]).sum(1) / w[idx].sum(1)
    return _percentile(means, confidence)


def _ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n, tied values sharing the mean of their ranks."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(1, len(values) + 1)
    for value in np.unique(values):
        tied = values == value
        ranks[tied] = ranks[tied].mean()
    return ranks


def spearman(a: Sequence, b: Sequence, categories: Sequence) -> float:
    """Spearman's rank correlation of two raters' ordinal labels (pairs where either is None
    dropped): Pearson's correlation of their tie-averaged ranks, as ``scipy.stats.spearmanr``.
    ``nan`` with fewer than two pairs or when either side is constant."""
    if len(a) != len(b):
        raise ValueError(f"the two raters rate {len(a)} and {len(b)} items")
    idx = _indices([[x, y] for x, y in zip(a, b)], categories)
    idx = idx[(idx >= 0).all(axis=1)] if idx.size else idx
    if len(idx) < 2:
        return NAN
    x, y = _ranks(idx[:, 0].astype(float)), _ranks(idx[:, 1].astype(float))
    if x.std() == 0 or y.std() == 0:
        return NAN
    return float(np.corrcoef(x, y)[0, 1])
