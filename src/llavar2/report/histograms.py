"""Streaming histograms: memory grows with the number of distinct values or bins, never with
the number of records."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

NICE_WIDTHS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000)


@dataclass
class IntHistogram:
    """Exact counts of small non-negative integers (lengths in words)."""

    counts: Counter[int] = field(default_factory=Counter)

    def add(self, value: int) -> None:
        self.counts[value] += 1

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    def mean(self) -> float:
        return sum(v * c for v, c in self.counts.items()) / self.n

    def quantile(self, q: float) -> int:
        """The smallest value with at least ``q`` of the counts at or below it."""
        need, seen = q * self.n, 0
        for value in sorted(self.counts):
            seen += self.counts[value]
            if seen >= need:
                return value
        raise ValueError("empty histogram")

    def bins(self, max_bins: int = 20) -> list[tuple[int, int, int]]:
        """(low, high, count) of equal-width bins, both ends included, from the bin of the
        smallest value to that of the largest, the width the smallest of ``NICE_WIDTHS`` that
        needs at most ``max_bins``."""
        bottom, top = min(self.counts), max(self.counts)
        width = next(
            (w for w in NICE_WIDTHS if top // w - bottom // w + 1 <= max_bins), NICE_WIDTHS[-1]
        )
        binned: Counter[int] = Counter()
        for value, count in self.counts.items():
            binned[value // width] += count
        return [
            (b * width, b * width + width - 1, binned[b])
            for b in range(bottom // width, top // width + 1)
        ]


@dataclass
class FixedBins:
    """Counts of floats in ``n_bins`` bins of ``width`` from ``low``; the last bin takes all
    values above it (``open_end``) or only up to its upper end (values beyond are then an error
    of the caller)."""

    low: float
    width: float
    n_bins: int
    open_end: bool = False
    counts: Counter[int] = field(default_factory=Counter)
    total: float = 0.0

    def add(self, value: float) -> None:
        index = max(0, math.floor((value - self.low) / self.width + 1e-9))
        self.counts[min(index, self.n_bins - 1)] += 1
        self.total += value

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    def mean(self) -> float:
        return self.total / self.n

    def edges(self, index: int) -> tuple[float, float]:
        low = self.low + index * self.width
        return low, low + self.width
