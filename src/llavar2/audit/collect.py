"""One streamed pass over a build: the audit's counts.

Memory is counters (categories × dimensions), the identity and personal-data statistics (vocab
and a bounded list), and, only when model scores are to be split by subgroup, each duo's
categories.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from tqdm import tqdm

from ..report.build_files import Build, ImageEntry
from .features import DUO_DIMENSIONS, IMAGE_DIMENSIONS, duo_features, image_features
from .groups import ClusterSums
from .identity import IdentityStats
from .pii import PiiStats

DIMENSIONS = IMAGE_DIMENSIONS + DUO_DIMENSIONS


@dataclass
class AuditCounts:
    images: dict[str, Counter[str]] = field(
        default_factory=lambda: {d: Counter() for d in IMAGE_DIMENSIONS}
    )
    duos: dict[str, Counter[str]] = field(  # every duo of the pool, by image and duo category
        default_factory=lambda: {d: Counter() for d in DIMENSIONS}
    )
    kept: dict[str, Counter[str]] = field(
        default_factory=lambda: {d: Counter() for d in DIMENSIONS}
    )
    # Per dimension and category: the pool's duos and drops summed per image (cluster).
    drops: dict[str, dict[str, ClusterSums]] = field(
        default_factory=lambda: {d: defaultdict(ClusterSums) for d in DIMENSIONS}
    )
    drop_steps: Counter[str] = field(default_factory=Counter)  # "step: reason"
    pii: PiiStats = field(default_factory=PiiStats)
    identity: IdentityStats = field(default_factory=IdentityStats)
    # "<image id>:<k>" → the duo's categories of the dimensions asked for (subgroup scores).
    duo_categories: dict[str, dict[str, str]] = field(default_factory=dict)

    def add(self, entry: ImageEntry, filtered: bool, keep: list[str], texts: bool) -> None:
        """``keep``: the dimensions whose categories to keep per duo; ``texts``: scan the
        texts for personal data and identity terms (not needed of a reference build)."""
        image = image_features(entry.image, entry.ocr)
        for dim, category in image.items():
            self.images[dim][category] += 1
        if texts and entry.ocr is not None:
            self.pii.add(entry.image.image, entry.ocr.text)
        if texts:
            self.identity.add(entry.image.caption, "human caption")
        if texts and entry.caption is not None:
            self.identity.add(entry.caption.caption, "enriched caption")
        if entry.conversations is None:
            return
        here: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])  # duos, dropped
        for k, duo in enumerate(entry.conversations.duos):
            categories = {**image, **duo_features(duo)}
            if texts:
                self.identity.add(duo.extractive.answer, "answer")
            if keep:
                self.duo_categories[f"{entry.image.id}:{k}"] = {d: categories[d] for d in keep}
            drop = entry.dropped.get(k) if filtered else None
            if drop is not None:
                self.drop_steps[f"{drop.step}: {drop.reason}"] += 1
            for dim, category in categories.items():
                self.duos[dim][category] += 1
                if filtered:
                    here[dim, category][0] += 1
                    here[dim, category][1] += drop is not None
                    if drop is None:
                        self.kept[dim][category] += 1
        for (dim, category), (n, d) in here.items():
            self.drops[dim][category].add(n, d)


def collect(
    build: Build,
    keep: list[str] | None = None,
    texts: bool = True,
    progress: bool = False,
    desc: str = "audit",
) -> AuditCounts:
    counts = AuditCounts()
    for entry in tqdm(build.entries(), desc=desc, unit="img", disable=not progress, leave=False):
        counts.add(entry, build.filtered, keep or [], texts)
    return counts
