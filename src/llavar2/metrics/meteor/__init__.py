"""METEOR 1.5 (``-l en -norm``) in Python, as pycocoevalcap 1.2 runs the METEOR jar.

``meteor(predictions, references)`` returns pycocoevalcap's ``(score, scores)``: the score of
the summed sufficient statistics (the jar's EVAL line, not the mean of the item scores) and
one score per item (against its best-scoring reference). It reproduces the jar step by step:
pycocoevalcap's ``SCORE`` line and the jar's ``|||`` split (``normalize.score_line_parts``),
the ``-norm`` Normalizer and lower-casing (``normalize``), the exact / stem (the jar's 2010
Snowball stemmer, ``stem``) / synonym (WordNet) / paraphrase modules and the beam-search
aligner with its tie-breaking (``aligner``), the English parameters and the statistics
aggregation (``scorer``). Tested against the jar (tests/metrics/test_meteor.py).

The data is read from the installed pycocoevalcap package (``data``): small files from the
jar (a zip), the paraphrase table from ``meteor/data/paraphrase-en.gz``, which llavar2 ships
parsed and unpacks on first use into an on-disk cache (``$LLAVAR2_CACHE_DIR/meteor`` or
``~/.cache/llavar2/meteor``). No Java at
run time. Corpora of 1,000 items or more are scored in forked processes, one per usable CPU
(``$LLAVAR2_METEOR_WORKERS`` sets the number; 1 keeps it in-process); results do not depend
on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from ..base import METRICS, MetricResult
from .scorer import StatsJob, meteor, scores, segment_stats, start_segment_stats

__all__ = ["Meteor", "meteor", "segment_stats"]


@METRICS.register("meteor", help="caption METEOR 1.5, as pycocoevalcap 1.2 runs the jar")
class Meteor:
    name: ClassVar[str] = "meteor"
    reference: ClassVar[str] = "METEOR 1.5 (-l en -norm), as run by pycocoevalcap 1.2"
    tokenized: ClassVar[bool] = True

    def __call__(
        self, predictions: Sequence[str], references: Sequence[Sequence[str]]
    ) -> MetricResult:
        return self.start(predictions, references).result()

    def start(self, predictions: Sequence[str], references: Sequence[Sequence[str]]) -> _Started:
        """Begin scoring in worker processes (``start_segment_stats``); ``result()`` finishes."""
        return _Started(self, start_segment_stats(predictions, references))

    def _result(self, score: float, per_item: list[float]) -> MetricResult:
        return MetricResult(
            name=self.name,
            score=score,
            per_item=per_item,
            reference=self.reference,
            details={"corpus_score": "score of the summed statistics (the jar's EVAL line)"},
        )


class _Started:
    def __init__(self, metric: Meteor, job: StatsJob):
        self.metric, self.job = metric, job

    def result(self) -> MetricResult:
        return self.metric._result(*scores(self.job.result()))

    def cancel(self) -> None:
        self.job.cancel()
