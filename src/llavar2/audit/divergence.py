"""Distances between a build's category counts and a reference or a target distribution.

A *dimension* (language, source, question type, ...) is a mapping category -> count. The
reference is either another build's counts of the same dimension or a target given as shares
(values summing to 1). JSD and KL are in bits; entropies use natural logs, which cancel in the
normalised entropy and give the Hill number exp(H) directly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


def _validated(counts: Mapping[str, float]) -> dict[str, float]:
    bad = {k: v for k, v in counts.items() if not (math.isfinite(v) and v >= 0)}
    if bad:
        raise ValueError(f"counts must be finite and non-negative, got {bad!r}")
    return dict(counts)


def shares(counts: Mapping[str, float]) -> dict[str, float]:
    """Each category's share of the total (zero-count categories kept at 0); {} when the
    mapping is empty or all zero, since no distribution is defined then."""
    counts = _validated(counts)
    total = sum(counts.values())
    return {k: v / total for k, v in counts.items()} if total > 0 else {}


def _distribution(counts: Mapping[str, float], side: str) -> dict[str, float]:
    out = shares(counts)
    if not out:
        raise ValueError(f"{side} has no mass: the divergence is undefined")
    return out


def _kl_bits(p: Mapping[str, float], q: Mapping[str, float]) -> float:
    """sum p_i log2(p_i / q_i) over p_i > 0 (0 log 0 = 0); inf where q_i = 0 < p_i."""
    total = 0.0
    for k, pk in p.items():
        if pk > 0:
            qk = q.get(k, 0.0)
            if qk == 0:
                return math.inf
            total += pk * math.log2(pk / qk)
    return total


def js_divergence(p: Mapping[str, float], q: Mapping[str, float]) -> float:
    """Jensen-Shannon divergence in bits (0 <= JSD <= 1) over the union of categories, a missing
    category counting 0; counts or shares (each side is normalised). Equals
    ``scipy.spatial.distance.jensenshannon(p, q, base=2) ** 2`` on aligned vectors."""
    p, q = _distribution(p, "p"), _distribution(q, "q")
    m = {k: (p.get(k, 0.0) + q.get(k, 0.0)) / 2 for k in sorted(p.keys() | q.keys())}
    # max(): rounding can leave a tiny negative value for identical distributions.
    return max(0.0, (_kl_bits(p, m) + _kl_bits(q, m)) / 2)


def kl_divergence(
    p_counts: Mapping[str, float], q_counts: Mapping[str, float], alpha: float = 0.5
) -> float:
    """KL(p || q) in bits after additive (Lidstone) smoothing of both sides over the union of
    categories, (c_i + alpha) / (N + alpha K), so a category absent from q does not make it
    infinite; alpha = 0 gives the unsmoothed (textbook) value, inf if q lacks a category of p.

    Smoothing acts on counts, so a target given as shares must be passed by the caller as
    pseudo-counts, shares x the build's total (``compare`` does this)."""
    if alpha < 0:
        raise ValueError(f"alpha must be >= 0, got {alpha}")
    # Sorted: the sums then come out the same in every process (set order is hashed).
    keys = sorted(_distribution(p_counts, "p").keys() | _distribution(q_counts, "q").keys())

    def smoothed(counts: Mapping[str, float]) -> dict[str, float]:
        denominator = sum(counts.values()) + alpha * len(keys)
        return {k: (counts.get(k, 0.0) + alpha) / denominator for k in keys}

    return _kl_bits(smoothed(p_counts), smoothed(q_counts))


def _entropy(counts: Mapping[str, float]) -> tuple[float, int]:
    """Shannon entropy (nats) and the number of categories with a nonzero count."""
    present = [s for s in shares(counts).values() if s > 0]
    return -sum(s * math.log(s) for s in present), len(present)


def normalised_entropy(counts: Mapping[str, float]) -> float | None:
    """Pielou's evenness H / log K over the K categories with a nonzero count: 1 for a uniform
    spread, near 0 when one category dominates; None when K < 2 (log K would be 0)."""
    h, k = _entropy(counts)
    return h / math.log(k) if k >= 2 else None


def effective_number(counts: Mapping[str, float]) -> float:
    """exp(Shannon entropy), the Hill number of order 1: how many equally common categories
    would be as diverse as this spread; 0 for an empty or all-zero mapping."""
    h, k = _entropy(counts)
    return math.exp(h) if k else 0.0


def largest_share(counts: Mapping[str, float]) -> tuple[str, float] | None:
    """The most common category and its share (ties go to the first name); None if no mass."""
    s = shares(counts)
    return min(s.items(), key=lambda kv: (-kv[1], kv[0])) if s else None


def representation(
    counts: Mapping[str, float], reference: Mapping[str, float], tolerance: float = 0.05
) -> list[dict[str, Any]]:
    """Categories (of the union) whose share differs from the reference share by more than
    ``tolerance`` share points, largest absolute difference first (then by name). ``ratio`` is
    share / reference share, None where the reference share is 0."""
    s, r = shares(counts), shares(reference)
    out = []
    for category in s.keys() | r.keys():
        share, ref = s.get(category, 0.0), r.get(category, 0.0)
        difference = share - ref
        if abs(difference) > tolerance:
            out.append(
                {
                    "category": category,
                    "share": share,
                    "reference_share": ref,
                    "difference": difference,
                    "ratio": share / ref if ref > 0 else None,
                    "status": "over" if difference > 0 else "under",
                }
            )
    return sorted(out, key=lambda d: (-abs(d["difference"]), d["category"]))


def _largest(counts: Mapping[str, float]) -> dict[str, Any] | None:
    top = largest_share(counts)
    return {"category": top[0], "share": top[1]} if top else None


def summary(counts: Mapping[str, float]) -> dict[str, Any]:
    """Spread of one dimension that has no reference to compare with."""
    return {
        "n": sum(_validated(counts).values()),
        "normalised_entropy": normalised_entropy(counts),
        "effective_number": effective_number(counts),
        "largest": _largest(counts),
        "shares": shares(counts),
    }


def compare(
    counts: Mapping[str, float],
    reference: Mapping[str, float],
    tolerance: float = 0.05,
    target: bool = False,
) -> dict[str, Any]:
    """Every distance of this module for one dimension against its reference: another build's
    counts, or (``target``) a target's shares (normalised here; ``reference_n`` is None and the
    smoothed KL uses shares x the build's total as pseudo-counts). ``jsd`` and ``kl_smoothed``
    are None when either side has no mass."""
    n = sum(_validated(counts).values())
    if target:
        reference = shares(reference)
    q_counts = {k: v * n for k, v in reference.items()} if target else reference
    defined = bool(shares(counts)) and bool(shares(reference))
    return {
        "n": n,
        "reference_n": None if target else sum(reference.values()),
        "jsd": js_divergence(counts, reference) if defined else None,
        "kl_smoothed": kl_divergence(counts, q_counts) if defined else None,
        "normalised_entropy": normalised_entropy(counts),
        "reference_normalised_entropy": normalised_entropy(reference),
        "effective_number": effective_number(counts),
        "reference_effective_number": effective_number(reference),
        "largest": _largest(counts),
        "reference_largest": _largest(reference),
        "misrepresented": representation(counts, reference, tolerance),
        "shares": shares(counts),
        "reference_shares": shares(reference),
    }
