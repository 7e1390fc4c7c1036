"""The dataset statistics of DESIGN §7, gathered in one streamed pass over a build.

Counters and histograms only, except duplicate detection, which keeps one 8-byte digest per
distinct text (exact duplicates cannot be found with less).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm

from ..records import DuoScores, Reject
from ..text.words import words
from .build_files import Build, ImageEntry
from .histograms import FixedBins, IntHistogram
from .texts import answer_type, language, n_words, ocr_coverage

# Manifest columns (kept in ImageRecord.meta) that name where an image comes from.
SOURCE_COLUMNS = ("source", "domain", "dataset", "kind", "category")
LENGTH_KINDS = (
    "human caption",
    "enriched caption",
    "question",
    "answer",
    "explanation request",
    "explanation",
)
LANGUAGE_KINDS = ("OCR text", "enriched caption", "question", "explanation")
DUPLICATE_KINDS = ("human caption", "enriched caption", "question + answer", "explanation")
SCORE_NAMES = ("mifd", "ffd")


def _coverage_bins() -> FixedBins:
    return FixedBins(0.0, 0.1, 10)


@dataclass
class Duplicates:
    """How many texts of a kind repeat an earlier one (whitespace and case ignored)."""

    seen: set[bytes] = field(default_factory=set)
    n: int = 0
    repeats: int = 0

    def add(self, text: str) -> None:
        key = hashlib.blake2b(" ".join(words(text)).encode(), digest_size=8).digest()
        self.n += 1
        if key in self.seen:
            self.repeats += 1
        else:
            self.seen.add(key)


@dataclass
class DatasetStats:
    stages: Counter[str] = field(default_factory=Counter)
    rejects: Counter[str] = field(default_factory=Counter)  # "stage: reason"
    drops: Counter[str] = field(default_factory=Counter)  # "step: reason"
    lengths: dict[str, IntHistogram] = field(
        default_factory=lambda: {k: IntHistogram() for k in LENGTH_KINDS}
    )
    qtypes: Counter[str] = field(default_factory=Counter)
    kept_qtypes: Counter[str] = field(default_factory=Counter)
    answer_types: Counter[str] = field(default_factory=Counter)
    coverage: dict[str, FixedBins] = field(
        default_factory=lambda: {
            "enriched caption": _coverage_bins(),
            "human caption": _coverage_bins(),
        }
    )
    coverage_words: Counter[str] = field(default_factory=Counter)  # "<kind>" / "OCR"
    no_ocr_text: int = 0  # images whose OCR found no words (no coverage share)
    confidence: FixedBins = field(default_factory=lambda: FixedBins(0.0, 0.05, 20))
    sources: dict[str, Counter[str]] = field(default_factory=dict)
    languages: dict[str, Counter[str]] = field(
        default_factory=lambda: {k: Counter() for k in LANGUAGE_KINDS}
    )
    duplicates: dict[str, Duplicates] = field(
        default_factory=lambda: {k: Duplicates() for k in DUPLICATE_KINDS}
    )
    scores: dict[str, FixedBins] = field(
        default_factory=lambda: {k: FixedBins(0.0, 0.1, 21, open_end=True) for k in SCORE_NAMES}
    )
    unscorable: Counter[str] = field(default_factory=Counter)  # "<score>" → duos with None
    unscorable_terms: Counter[str] = field(default_factory=Counter)  # "term: reason"

    def add(self, entry: ImageEntry, filtered: bool) -> None:
        image, stages = entry.image, self.stages
        stages["images ingested"] += 1
        for column in SOURCE_COLUMNS:
            if column in image.meta:
                self.sources.setdefault(column, Counter())[str(image.meta[column])] += 1
        if entry.ocr is not None:
            self._add_ocr(entry)
        if entry.caption is not None:
            stages["captions"] += 1
            caption = entry.caption
            self.lengths["human caption"].add(n_words(caption.human_caption))
            self.lengths["enriched caption"].add(n_words(caption.caption))
            self.languages["enriched caption"][language(caption.caption)] += 1
            self.duplicates["human caption"].add(caption.human_caption)
            self.duplicates["enriched caption"].add(caption.caption)
            if entry.ocr is not None:
                self._add_coverage(entry.ocr.text, caption.caption, caption.human_caption)
        if entry.conversations is not None:
            self._add_conversations(entry, filtered)

    def _add_ocr(self, entry: ImageEntry) -> None:
        assert entry.ocr is not None
        self.stages["images OCR'd"] += 1
        self.stages["OCR lines"] += len(entry.ocr.lines)
        for line in entry.ocr.lines:
            self.confidence.add(line.score)
            self.stages["OCR lines flagged"] += not line.clean
        self.languages["OCR text"][language(entry.ocr.text, by_words=False)] += 1

    def _add_coverage(self, ocr_text: str, enriched: str, human: str) -> None:
        for kind, caption in (("enriched caption", enriched), ("human caption", human)):
            mentioned, total = ocr_coverage(ocr_text, caption)
            if total == 0:
                self.no_ocr_text += kind == "enriched caption"
                continue
            self.coverage[kind].add(mentioned / total)
            self.coverage_words[kind] += mentioned
            self.coverage_words[f"OCR ({kind})"] += total

    def _add_conversations(self, entry: ImageEntry, filtered: bool) -> None:
        convs, stages = entry.conversations, self.stages
        assert convs is not None
        stages["images with duos"] += 1
        stages["duos generated"] += len(convs.duos) + len(convs.dropped)
        stages["duos kept at generation"] += len(convs.duos)
        for dropped in convs.dropped:
            self.drops[f"generation: {dropped.reason}"] += 1
        kept_any = False
        for index, duo in enumerate(convs.duos):
            ex, se = duo.extractive, duo.self_explain
            self.qtypes[duo.qtype] += 1
            self.answer_types[answer_type(ex.answer)] += 1
            for kind, text in (
                ("question", ex.question),
                ("answer", ex.answer),
                ("explanation request", se.question),
                ("explanation", se.answer),
            ):
                self.lengths[kind].add(n_words(text))
            self.languages["question"][language(ex.question)] += 1
            self.languages["explanation"][language(se.answer)] += 1
            self.duplicates["question + answer"].add(f"{ex.question}\n{ex.answer}")
            self.duplicates["explanation"].add(se.answer)
            if (scores := entry.scores.get(index)) is not None:
                self._add_scores(scores)
            if filtered:
                if (drop := entry.dropped.get(index)) is not None:
                    self.drops[f"{drop.step}: {drop.reason}"] += 1
                    stages["duos dropped by filter"] += 1
                else:
                    kept_any = True
                    self.kept_qtypes[duo.qtype] += 1
                    stages["duos kept by filter"] += 1
        stages["images kept by filter"] += kept_any

    def _add_scores(self, scores: DuoScores) -> None:
        self.stages["duos scored"] += 1
        for name in SCORE_NAMES:
            value = getattr(scores, name)
            if value is None:
                self.unscorable[name] += 1
            else:
                self.scores[name].add(value)
        for term, reason in scores.unscorable.items():
            self.unscorable_terms[f"{term}: {reason}"] += 1

    def add_reject(self, reject: Reject) -> None:
        self.rejects[f"{reject.stage}: {reject.reason}"] += 1
        self.stages["manifest rows"] += reject.stage == "ingest"

    def finish(self) -> None:
        self.stages["manifest rows"] += self.stages["images ingested"]


def collect(
    build: Build,
    progress: bool = False,
    desc: str = "reference",
    each: Callable[[Any], None] | None = None,
) -> DatasetStats:
    """The statistics of a build, in one streamed pass; ``each(entry)`` is called on every
    image's entry too (the report's own pass writes the browser with it)."""
    stats = DatasetStats()
    for reject in build.rejects():
        stats.add_reject(reject)
    for entry in tqdm(build.entries(), desc=desc, unit="img", disable=not progress, leave=False):
        stats.add(entry, build.filtered)
        if each is not None:
            each(entry)
    stats.finish()
    return stats
