"""Metrics that reproduce the standard tools' numbers (DESIGN §5).

``compute(names, predictions, references)`` returns one ``MetricResult`` per name, in the
order asked. Caption metrics (BLEU, METEOR, ROUGE-L, CIDEr-D) share one PTB tokenisation of
the inputs, done the way pycocoevalcap 1.2 does it, in Python. Metrics that can run in other
processes (``start()``: METEOR on large corpora) begin first, and the others run meanwhile.

Every public module and subpackage here is imported below for its registrations in ``METRICS``,
so a new metric is one new file (here, or in ``answers/`` for an answer metric). Modules named
``_*`` are helpers imported where they are used: ``_ptb`` takes 0.2 s to import and only the
caption metrics need it.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..registry import import_implementations
from .base import METRICS, Metric, MetricResult, Started

__all__ = ["METRICS", "Metric", "MetricResult", "Started", "compute", "validate_inputs"]


def validate_inputs(predictions: Sequence[str], references: Sequence[Sequence[str]]) -> None:
    if not predictions and not references:
        raise ValueError("no items to score")
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions but {len(references)} reference lists")
    for i, (pred, refs) in enumerate(zip(predictions, references)):
        if not isinstance(pred, str):
            raise ValueError(f"item {i}: the prediction is not a string: {pred!r}")
        if isinstance(refs, str) or not refs or not all(isinstance(r, str) for r in refs):
            raise ValueError(f"item {i}: references must be a non-empty list of strings")


def compute(
    names: str | Sequence[str],
    predictions: Sequence[str],
    references: Sequence[Sequence[str]],
) -> dict[str, MetricResult]:
    names = [names] if isinstance(names, str) else list(names)
    validate_inputs(predictions, references)
    metrics = {name: METRICS.get(name)() for name in names}
    tokenized: tuple[list[str], list[list[str]]] | None = None
    if any(m.tokenized for m in metrics.values()):
        from ._ptb import tokenize_each

        # Two calls, as pycocoevalcap makes them (references, then candidates): a tokeniser
        # rule can look past the end of one caption into the next, so one joint call may differ.
        flat, preds = tokenize_each([[r for refs in references for r in refs], predictions])
        rest = iter(flat)
        tokenized = (preds, [[next(rest) for _ in refs] for refs in references])

    def inputs(metric: Metric) -> tuple[Sequence[str], Sequence[Sequence[str]]]:
        return tokenized if metric.tokenized and tokenized else (predictions, references)

    # Metrics that can run in other processes (METEOR) start first; the others run here
    # meanwhile, then this process helps finish them.
    started = {n: m.start(*inputs(m)) for n, m in metrics.items() if hasattr(m, "start")}
    try:
        done = {n: m(*inputs(m)) for n, m in metrics.items() if n not in started}
        done.update((n, s.result()) for n, s in started.items())
    finally:
        for s in started.values():
            s.cancel()
    return {name: done[name] for name in names}


import_implementations(__name__, __path__)
