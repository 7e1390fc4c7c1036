"""Input checks, the corpus mean and the per-item metric shape shared by the answer metrics."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

from ..base import MetricResult


def validate(
    name: str, predictions: Sequence[str], references: Sequence[Sequence[str]]
) -> tuple[list[str], list[list[str]]]:
    """Check the inputs of an answer metric and return them as plain lists.

    Raises ``ValueError`` with the metric's name and the offending item when the two lists differ
    in length, the corpus is empty, an item has no reference, or a prediction/reference is not a
    string (a bare string given as an item's references is refused: it would be read as a list of
    one-character references).
    """
    if isinstance(predictions, str) or isinstance(references, str):
        raise ValueError(  # noqa: TRY004  (ValueError for every bad input, as compute() does)
            f"{name}: predictions and references must be lists, not a single string"
        )
    preds = list(predictions)
    refs_in = list(references)
    if len(preds) != len(refs_in):
        raise ValueError(
            f"{name}: {len(preds)} predictions but {len(refs_in)} reference lists; "
            "they must be parallel (one list of references per prediction)"
        )
    if not preds:
        raise ValueError(f"{name}: no items to score (empty predictions and references)")
    refs: list[list[str]] = []
    for i, (pred, item_refs) in enumerate(zip(preds, refs_in)):
        if not isinstance(pred, str):
            raise ValueError(f"{name}: prediction {i} is {type(pred).__name__}, not str")  # noqa: TRY004
        if isinstance(item_refs, str):
            raise ValueError(  # noqa: TRY004
                f"{name}: references of item {i} is a string ({item_refs!r}); "
                f"give a list of reference strings, e.g. [{item_refs!r}]"
            )
        item = list(item_refs)
        if not item:
            raise ValueError(f"{name}: item {i} has no reference (at least one is required)")
        for j, ref in enumerate(item):
            if not isinstance(ref, str):
                raise ValueError(  # noqa: TRY004
                    f"{name}: reference {j} of item {i} is {type(ref).__name__}, not str"
                )
        refs.append(item)
    return preds, refs


def corpus_mean(per_item: Sequence[float]) -> float:
    """``sum(per_item) / len(per_item)`` with the builtin ``sum``, exactly as the reference tools
    write it (lmms-eval's ``mean`` aggregation, pix2struct, the DocVQA script), so that the float
    is the one they print on the same Python (3.12+ ``sum`` compensates rounding on floats, for
    them and for us alike)."""
    return float(sum(per_item)) / len(per_item)


class ItemMetric(ABC):
    """A metric whose corpus score is the mean of an item rule: subclasses set ``item``."""

    name: ClassVar[str]
    reference: ClassVar[str]
    tokenized: ClassVar[bool] = False

    @staticmethod
    @abstractmethod
    def item(prediction: str, references: Sequence[str]) -> float:
        """The item's score against its references."""

    def details(self, per_item: list[float], references: list[list[str]]) -> dict[str, Any]:
        return {"n_items": len(per_item), "n_correct": int(sum(per_item))}

    def __call__(
        self, predictions: Sequence[str], references: Sequence[Sequence[str]]
    ) -> MetricResult:
        preds, refs = validate(self.name, predictions, references)
        per_item = [float(type(self).item(p, r)) for p, r in zip(preds, refs)]
        return MetricResult(
            name=self.name,
            score=corpus_mean(per_item),
            per_item=per_item,
            reference=self.reference,
            details=self.details(per_item, refs),
        )
