"""Data-selection scores (DESIGN §4): ``L(X | C)`` by a scorer, IFD, VFD, mIFD and FFD per duo.

``duo`` builds the six loss requests of a duo conversation and the ratios on them; scorers
(``SCORERS``, made with ``make_scorer("name:arg")``) compute the losses; ``stage`` scores
records (``score_duos``) or a whole build into ``OUT/scores.jsonl`` (``run``).

Each scorer registers its help, ``arg`` (what follows ``name:``, e.g. ``PATH``) and
``needs_base_url`` (True: a server's client, which takes the server options).
"""

from __future__ import annotations

from typing import Any

from ..errors import UsageError
from . import scorers  # noqa: F401  (registers the scorers)
from .base import SCORERS, Loss, LossRequest, Message, Part, Scorer
from .duo import RATIOS, TERMS, duo_requests, duo_scores, facts_text


def make_scorer(spec: str, **options: Any) -> Scorer:
    """``spec`` is ``name:arg``, e.g. ``hf:/models/llava-1.5-7b`` or ``openai:MODEL`` (with
    ``base_url=``)."""
    name, sep, arg = spec.partition(":")
    if not sep or not arg:
        raise UsageError(f"scorer {spec!r}: expected NAME:ARG, e.g. hf:/path/to/model")
    return SCORERS.get(name)(arg, **options)


__all__ = [
    "SCORERS",
    "RATIOS",
    "TERMS",
    "Loss",
    "LossRequest",
    "Message",
    "Part",
    "Scorer",
    "duo_requests",
    "duo_scores",
    "facts_text",
    "make_scorer",
]
