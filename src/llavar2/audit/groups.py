"""Per-group disparities: how often each group's items are dropped by a build's filters, and how
a model's per-item scores differ between groups.

Undefined quantities are None (not nan) so the results serialise as plain JSON.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import astuple, dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

from llavar2.human_eval.agreement import bootstrap_mean_ci, wilson_interval

Z95 = NormalDist().inv_cdf(0.975)


def _ordered(groups: dict[str, list]) -> list[str]:
    """Largest groups first, then by name, so reports list the best-supported groups on top."""
    return sorted(groups, key=lambda g: (-len(groups[g]), g))


def _rate(sums: ClusterSums, fallback: float) -> dict[str, Any]:
    d_eff, n_eff = sums.effective(fallback)
    return {
        "n": sums.n,
        "dropped": sums.d,
        "rate": sums.d / sums.n if sums.n else None,
        "ci95": wilson_interval(d_eff, n_eff) if sums.n else None,
        "effective_n": n_eff,
    }


def _katz_ci(a: float, n1: float, c: float, n2: float) -> tuple[float, float]:
    """Katz et al. (1978) log-method 95% CI of the risk ratio (a/n1) / (c/n2):
    exp(log RR +/- z sqrt(1/a - 1/n1 + 1/c - 1/n2)). When any cell of the 2x2 table is 0, 0.5 is
    added to all four (Haldane-Anscombe), which keeps the log finite. Without zero cells this
    is statsmodels' ``Table2x2(table).riskratio_confint()``, whose own zero shift differs: it
    replaces only the zero cells by 0.5."""
    cells = (a, n1 - a, c, n2 - c)
    shift = 0.5 if 0 in cells else 0.0
    a1, n1s, c1, n2s = a + shift, n1 + 2 * shift, c + shift, n2 + 2 * shift
    log_rr = math.log((a1 / n1s) / (c1 / n2s))
    se = math.sqrt(1 / a1 - 1 / n1s + 1 / c1 - 1 / n2s)
    return math.exp(log_rr - Z95 * se), math.exp(log_rr + Z95 * se)


@dataclass
class ClusterSums:
    """One group's drops summed over clusters (the duos of one image are one cluster: a filter
    that drops a whole image's duos makes them fall together)."""

    m: int = 0  # clusters
    n: int = 0  # items
    d: int = 0  # dropped items
    nn: int = 0  # sum of n_i^2
    nd: int = 0  # sum of n_i d_i
    dd: int = 0  # sum of d_i^2

    def add(self, n: int, d: int) -> None:
        """One cluster of ``n`` items, ``d`` of them dropped."""
        self.m, self.n, self.d = self.m + 1, self.n + n, self.d + d
        self.nn, self.nd, self.dd = self.nn + n * n, self.nd + n * d, self.dd + d * d

    def __add__(self, other: ClusterSums) -> ClusterSums:
        return ClusterSums(*(a + b for a, b in zip(astuple(self), astuple(other))))

    def __sub__(self, other: ClusterSums) -> ClusterSums:
        return ClusterSums(*(a - b for a, b in zip(astuple(self), astuple(other))))

    def design_effect(self) -> float | None:
        """The cluster-robust variance of the drop rate (the ratio estimator's) over the
        binomial one, at least 1; 1 with one item per cluster; None when it cannot be estimated
        (a rate of 0 or 1, or a single cluster)."""
        if self.m == self.n:
            return 1.0
        r = self.d / self.n if self.n else 0.0
        if r in (0.0, 1.0) or self.m < 2:
            return None
        robust = self.m / (self.m - 1) * (self.dd - 2 * r * self.nd + r * r * self.nn)
        return max(1.0, robust / (self.n * r * (1 - r)))

    def effective(self, fallback: float = 1.0) -> tuple[float, float]:
        """(dropped, items) divided by the design effect (``fallback`` where it cannot be
        estimated: the whole build's)."""
        deff = self.design_effect() or fallback
        return self.d / deff, self.n / deff


def drop_rates(pairs: Iterable[tuple[str, bool]], flag_ratio: float = 1.5) -> dict[str, Any]:
    """``drop_rates_clustered`` with every item its own cluster (e.g. one pair per duo)."""
    sums: dict[str, ClusterSums] = defaultdict(ClusterSums)
    for group, dropped in pairs:
        sums[group].add(1, int(bool(dropped)))
    return drop_rates_clustered(sums, flag_ratio)


def drop_rates_clustered(sums: dict[str, ClusterSums], flag_ratio: float = 1.5) -> dict[str, Any]:
    """Drop rate per group with its Wilson 95% CI, and its risk ratio against all other items
    with a Katz 95% CI, both on counts scaled by the design effect of the clusters
    (``ClusterSums.effective``; where a group's own cannot be estimated, the whole build's), so
    that duos dropped together count as less evidence.

    A group is flagged when its ratio is >= ``flag_ratio`` or <= 1 / ``flag_ratio`` and the
    ratio's CI excludes 1: a large disparity that sampling noise does not explain. A group with
    drops while the rest has none has no finite ratio (``ratio_vs_rest`` None) but counts as
    above ``flag_ratio``: it is the most extreme disparity, not an undefined one. Ratio and CI are
    None with a single group, or when neither this group nor the rest has any drop."""
    if flag_ratio < 1:
        raise ValueError(f"flag_ratio must be >= 1, got {flag_ratio}")
    total = sum(sums.values(), ClusterSums())
    pooled = total.design_effect() or 1.0
    groups: dict[str, dict[str, Any]] = {}
    for g in sorted(sums, key=lambda g: (-sums[g].n, g)):
        here, rest = sums[g], total - sums[g]
        n, d, rest_n, rest_d = here.n, here.d, rest.n, rest.d
        # One division of integer products: a 3x rate comes out as exactly 3.0.
        ratio = d * rest_n / (n * rest_d) if rest_d else None
        # Drops here but none elsewhere: an infinite ratio, reported as None yet flaggable.
        extreme = math.inf if rest_n and d and not rest_d else ratio
        ci, flagged = None, False
        if extreme is not None:
            ci = _katz_ci(*here.effective(pooled), *rest.effective(pooled))
            flagged = (extreme >= flag_ratio or extreme <= 1 / flag_ratio) and not (
                ci[0] <= 1 <= ci[1]
            )
        groups[g] = {
            **_rate(here, pooled),
            "ratio_vs_rest": ratio,
            "ratio_ci95": ci,
            "flagged": flagged,
        }
    return {"overall": _rate(total, pooled), "groups": groups}


def _clustered(items: list[tuple[float, str | None]]) -> tuple[np.ndarray, np.ndarray]:
    """(score sum, item count) per cluster, in first-seen order; an item without a cluster is
    a cluster of its own."""
    index: dict[Any, int] = {}
    sums: list[float] = []
    sizes: list[int] = []
    for i, (score, cluster) in enumerate(items):
        key = (0, cluster) if cluster is not None else (1, i)
        if key not in index:
            index[key] = len(sums)
            sums.append(0.0)
            sizes.append(0)
        sums[index[key]] += score
        sizes[index[key]] += 1
    return np.array(sums), np.array(sizes, dtype=float)


def _mean_ci(items: list[tuple[float, str | None]], seed: int, n_boot: int) -> dict[str, Any]:
    sums, sizes = _clustered(items)
    # Resampling clusters, each with its mean and its size as weight: the mean of a resample is
    # its items' mean (with one item per cluster, the plain item bootstrap).
    lo, hi = (
        bootstrap_mean_ci(
            sums / sizes if sums.size else sums, n_boot=n_boot, seed=seed, weights=sizes
        )
        if sums.size >= 2
        else (math.nan, math.nan)
    )
    return {
        "n": len(items),
        "mean": float(sums.sum() / sizes.sum()) if items else None,
        "ci95": None if math.isnan(lo) else (lo, hi),
    }


def _boot_means(
    rng: np.random.Generator, sums: np.ndarray, sizes: np.ndarray, n_boot: int
) -> np.ndarray:
    """Item means of ``n_boot`` resamples of the clusters with replacement, in chunks that
    bound memory (~16 MB)."""
    chunk = max(1, 2_000_000 // sums.size)
    counts = [min(chunk, n_boot - start) for start in range(0, n_boot, chunk)]
    draws = (rng.integers(0, sums.size, size=(k, sums.size)) for k in counts)
    return np.concatenate([sums[idx].sum(1) / sizes[idx].sum(1) for idx in draws])


def subgroup_scores(
    pairs: Iterable[tuple[str, float] | tuple[str, float, str]], seed: int = 0, n_boot: int = 2000
) -> dict[str, Any]:
    """Mean per-item score per group with percentile bootstrap 95% CIs (seeded, deterministic),
    and the gap between the best and the worst group. A third element of a pair names the
    item's cluster (the image a question is about): clusters are resampled whole, since the
    questions of one image succeed or fail together.

    ``largest_gap`` follows fairlearn's ``MetricFrame.difference()`` and ``ratio()`` with
    ``method="between_groups"``: difference = max - min of the group means, ratio = min / max
    (None when the max is 0). Its CI resamples clusters within each of the two groups (None
    when either has fewer than two); ``largest_gap`` is None with fewer than two groups."""
    scores: dict[str, list[tuple[float, str | None]]] = defaultdict(list)
    every = []  # in the order given
    for group, score, *cluster in pairs:
        if not math.isfinite(score):
            raise ValueError(f"score of group {group!r} is not finite: {score!r}")
        item = (float(score), cluster[0] if cluster else None)
        scores[group].append(item)
        every.append(item)
    groups = {g: _mean_ci(scores[g], seed, n_boot) for g in _ordered(scores)}
    overall = _mean_ci(every, seed, n_boot)
    if len(groups) < 2:
        return {"overall": overall, "groups": groups, "largest_gap": None}
    # Ties by name; high and low are distinct groups even when all means are equal.
    ranked = sorted(groups, key=lambda g: (-groups[g]["mean"], g))
    high, low = ranked[0], ranked[-1]
    mean_high, mean_low = groups[high]["mean"], groups[low]["mean"]
    ci = None
    high_c, low_c = _clustered(scores[high]), _clustered(scores[low])
    if min(high_c[0].size, low_c[0].size) >= 2:
        rng = np.random.default_rng(seed)
        diffs = _boot_means(rng, *high_c, n_boot) - _boot_means(rng, *low_c, n_boot)
        lo, hi = np.quantile(diffs, [0.025, 0.975])
        ci = (float(lo), float(hi))
    gap = {
        "high": high,
        "low": low,
        "difference": mean_high - mean_low,
        "ci95": ci,
        "ratio": mean_low / mean_high if mean_high else None,
    }
    return {"overall": overall, "groups": groups, "largest_gap": gap}
