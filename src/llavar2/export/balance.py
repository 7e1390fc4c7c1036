"""``llavar2 export --balance DIM --cap SHARE``: no category of an image dimension (source,
kind, language, ...; see ``llavar2.audit.features``) is more than ``cap`` of the exported
samples.

The export keeps as many samples as it can: the largest total T for which every category can
fill its quota ``min(n, floor(cap × T))``; categories under the cap keep every sample, the
others a seeded random subset (the same seed, the same subset). Two passes over the samples:
one counts, one writes.
"""

from __future__ import annotations

import bisect
import math
import random
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from fractions import Fraction
from itertools import accumulate
from pathlib import Path

from ..errors import UsageError
from .samples import Sample

SAMPLE_IMAGE = re.compile(r"-(caption|qa\d+)$")  # sample id = image id + this suffix


def quotas(counts: dict[str, int], cap: float) -> dict[str, int]:
    """Per category, how many samples to keep so that none is more than ``cap`` of the total."""
    if not 0 < cap <= 1:
        raise UsageError("--cap is a share between 0 and 1")
    if not counts:
        raise UsageError("no samples to balance")
    share = Fraction(str(cap))  # exact: int(0.29 * 100) would be 28
    if len(counts) * share < 1:
        raise UsageError(
            f"--cap {cap}: {len(counts)} categories cannot each stay under "
            f"{cap:.0%} of the whole (at least {math.ceil(1 / share)} are needed)"
        )
    sizes = sorted(counts.values())
    below = [0, *accumulate(sizes)]  # below[i]: the sum of the i smallest

    def filled(total: int) -> int:  # samples the quotas of ``total`` hold
        limit = math.floor(share * total)
        i = bisect.bisect_right(sizes, limit)
        return below[i] + limit * (len(sizes) - i)

    total = next(t for t in range(sum(sizes), -1, -1) if filled(t) >= t)
    limit = math.floor(share * total)
    return {category: min(n, limit) for category, n in counts.items()}


def image_categories(out: Path, dimension: str) -> dict[str, str]:
    """Image id → its category of ``dimension`` (one pass over the build)."""
    from ..audit.features import IMAGE_DIMENSIONS, IMAGE_FEATURES
    from ..report.build_files import Build

    if dimension not in IMAGE_DIMENSIONS:
        raise UsageError(f"--balance {dimension!r}: one of {', '.join(IMAGE_DIMENSIONS)}")
    feature = IMAGE_FEATURES[dimension]
    return {e.image.id: feature(e.image, e.ocr) for e in Build(out).entries()}


def balanced(
    samples: Callable[[], Iterable[Sample]], categories: dict[str, str], cap: float, seed: int = 0
) -> tuple[Iterator[Sample], dict[str, dict[str, int]]]:
    """The samples kept (a generator over a second pass) and, per category, how many there were
    and how many are kept."""

    def category(sample: Sample) -> str:
        return categories[SAMPLE_IMAGE.sub("", sample.id)]

    counts = Counter(category(s) for s in samples())
    keep = quotas(dict(counts), cap)
    chosen = {
        c: set(random.Random(f"{seed}:{c}").sample(range(n), keep[c])) for c, n in counts.items()
    }

    def kept() -> Iterator[Sample]:
        seen: Counter[str] = Counter()
        for sample in samples():
            c = category(sample)
            if seen[c] in chosen[c]:
                yield sample
            seen[c] += 1

    return kept(), {c: {"samples": counts[c], "kept": keep[c]} for c in sorted(counts)}
