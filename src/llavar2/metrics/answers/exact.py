"""Exact match after light normalisation (llavar2's own definition, DESIGN §5).

Each string is lower-cased (``str.lower``), stripped, its whitespace runs collapsed to one space,
and then trailing sentence punctuation removed: any run at the end made of ``. , ; : ! ?``, the
ellipsis ``…``, their full-width/CJK forms ``。 ． ， 、 ； ： ！ ？`` and spaces. Other symbols are
kept (``45%``, ``f(x)``, ``"quoted"``, ``$5``), no Unicode normalisation is applied (NFC and NFD
spellings of a character differ), and leading punctuation stays. An item scores 1 when the
normalised prediction equals some normalised reference; corpus = mean.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from ..base import METRICS
from ._common import ItemMetric

TRAILING_PUNCTUATION = ".,;:!?…。．，、；：！？"


def normalize(text: str) -> str:
    return " ".join(text.lower().split()).rstrip(TRAILING_PUNCTUATION + " ")


def exact_item(prediction: str, references: Sequence[str]) -> float:
    pred = normalize(prediction)
    return 1.0 if any(normalize(ref) == pred for ref in references) else 0.0


@METRICS.register(
    "exact_match", help="equal to a reference after case, spacing and end punctuation"
)
class ExactMatch(ItemMetric):
    name: ClassVar[str] = "exact_match"
    reference: ClassVar[str] = (
        "llavar2 exact match (own definition, DESIGN §5; no external tool): str.lower, strip, "
        "whitespace runs -> one space, strip trailing . , ; : ! ? … and 。．，、；：！？; "
        "item = 1 if equal to any reference so normalised; corpus = mean on 0-1"
    )
    item = staticmethod(exact_item)
