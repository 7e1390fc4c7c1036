"""What a metric is: a named scorer that states which reference implementation it reproduces.

A metric takes parallel lists, one prediction and a non-empty list of references per item, and
returns the corpus score and one score per item. Caption metrics (``tokenized = True``) receive
text already PTB-tokenised the way pycocoevalcap does it (lower-cased tokens joined by single
spaces), so that ``compute`` tokenises once for all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from ..registry import Registry


@dataclass
class MetricResult:
    name: str
    score: float  # the corpus score, as the reference tool reports it
    per_item: list[float]  # one per input item, same order
    reference: str  # the reference implementation/variant this reproduces
    details: dict[str, Any] = field(default_factory=dict)  # e.g. BLEU's brevity penalty


class Metric(Protocol):
    name: ClassVar[str]
    reference: ClassVar[str]
    tokenized: ClassVar[bool]

    def __call__(
        self, predictions: Sequence[str], references: Sequence[Sequence[str]]
    ) -> MetricResult: ...


class Started(Protocol):
    """A metric begun in other processes (a metric with ``start(predictions, references)``
    returns one): ``result()`` finishes it, ``cancel()`` abandons it."""

    def result(self) -> MetricResult: ...

    def cancel(self) -> None: ...


# Name → factory of a Metric (a class, or a function for families such as bleu_1..bleu_4).
METRICS: Registry[Callable[[], Metric]] = Registry("metric")
