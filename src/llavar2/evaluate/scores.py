"""The ``metrics`` part of a result file, the same for a benchmark run and for scored files."""

from __future__ import annotations

from typing import Any

from ..metrics import MetricResult

# The caption metrics whose numbers depend on which items are evaluated together.
SET_DEPENDENT = {"cider": "CIDEr-D document frequencies come from the evaluated references"}


def metrics_record(results: dict[str, MetricResult]) -> dict[str, Any]:
    """Per metric: the corpus score, the reference tool it reproduces, a note when the score
    depends on the evaluated set, and the metric's details."""
    return {
        name: {
            "score": r.score,
            "reference": r.reference,
            **({"note": SET_DEPENDENT[name]} if name in SET_DEPENDENT else {}),
            **({"details": r.details} if r.details else {}),
        }
        for name, r in results.items()
    }
