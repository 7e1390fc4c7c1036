"""The comparison statistics of ``llavar2 validate report``.

- Paired bootstrap: the same items resampled for both arms (and for every seed at once), so
  the interval of a difference reflects only which items the benchmark happens to hold; the
  statistic is the difference of the seed-averaged means.
- McNemar's exact test (two-sided binomial on the discordant pairs, as statsmodels'
  ``mcnemar(exact=True)``) for exact match, per seed.
"""

from __future__ import annotations

from math import comb
from typing import Any

import numpy as np

from ..human_eval.agreement import bootstrap_mean_ci

N_BOOT = 2000


def paired_bootstrap(
    arm: list[list[float]], control: list[list[float]], seed: int = 0, n_boot: int = N_BOOT
) -> dict[str, Any]:
    """``arm[s][i]`` and ``control[s][i]``: seed s, item i (the same items in the same order).
    The mean difference over items and seeds, with a 95% percentile interval."""
    a, c = np.asarray(arm, dtype=float), np.asarray(control, dtype=float)
    if a.shape != c.shape or a.ndim != 2 or a.shape[1] == 0:
        raise ValueError(f"paired scores need the same seeds × items: {a.shape} vs {c.shape}")
    # A resample draws items, for every seed alike: the bootstrap of the per-item differences
    # averaged over seeds.
    per_item = (a - c).mean(axis=0)
    diff = float(per_item.mean())
    lo, hi = (
        bootstrap_mean_ci(per_item, n_boot=n_boot, seed=seed) if per_item.size > 1 else (diff, diff)
    )
    return {
        "diff": diff,
        "ci95": [float(lo), float(hi)],
        "n_items": int(per_item.size),
        "n_seeds": int(a.shape[0]),
        "n_boot": n_boot,
    }


def mcnemar_exact(arm: list[float], control: list[float]) -> dict[str, Any]:
    """Exact McNemar test on right (1) / wrong (0) per item: ``b`` items only the arm gets
    right, ``c`` only the control; two-sided p."""
    b = sum(1 for x, y in zip(arm, control, strict=True) if x >= 0.5 > y)
    c = sum(1 for x, y in zip(arm, control, strict=True) if y >= 0.5 > x)
    n = b + c
    tail = sum(comb(n, k) for k in range(min(b, c) + 1))
    p = min(1.0, 2 * tail / 2**n) if n else 1.0
    return {"b": b, "c": c, "p": p}
