"""Rule filters of ``llavar2 filter`` (DESIGN §4), one per file, registered by name.

A rule looks at one duo conversation with its image's context (OCR text, enriched caption) and
returns a ``Drop`` (reason code + detail) or None. Rules run in ``DEFAULT_ORDER``; the first
that fires gives the duo's reason. Rules that remember what they have seen (duplicates)
learn a duo in ``admit``, which the stage calls only for duos that every rule let through, so
that a duo dropped for another reason never makes a later one a "duplicate".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

from ...records import DuoConversation
from ...registry import Registry
from ..injection import Injection, find_injections


@dataclass(frozen=True)
class ImageContext:
    """What a rule may compare a duo with: the image's OCR text and captions."""

    id: str
    ocr_text: str  # the clean OCR text (``OcrResult.clean_text``): what an answer may quote
    caption: str  # the enriched caption
    human_caption: str
    # All the OCR text, flagged lines included (``OcrResult.text``): what is written in the
    # image, for the rules that look for text there (injection, refusal); None: ``ocr_text``.
    written_ocr_text: str | None = None

    @property
    def written(self) -> str:
        return self.ocr_text if self.written_ocr_text is None else self.written_ocr_text

    @cached_property
    def injections(self) -> list[Injection]:
        """Instructions written in the image's text (found once per image, not per duo)."""
        return find_injections(f"{self.written}\n{self.human_caption}")


@dataclass(frozen=True)
class DuoItem:
    image: ImageContext
    index: int  # position of the duo in its ConversationSet's ``duos``
    duo: DuoConversation

    @property
    def key(self) -> tuple[str, int]:
        return (self.image.id, self.index)

    def turns(self) -> tuple[str, str, str, str]:
        d = self.duo
        return (
            d.extractive.question,
            d.extractive.answer,
            d.self_explain.question,
            d.self_explain.answer,
        )


@dataclass(frozen=True)
class Drop:
    reason: str  # short machine-readable code, e.g. "near_duplicate"
    detail: str = ""


class Rule(Protocol):
    def check(self, item: DuoItem) -> Drop | None: ...

    def admit(self, item: DuoItem) -> None: ...


class StatelessRule:
    """Base of rules that need not remember kept duos."""

    def admit(self, item: DuoItem) -> None:
        return None


# Name → rule class; its constructor's keyword arguments are the rule's parameters.
RULES: Registry[Callable[..., Rule]] = Registry("filter rule")

from . import (  # noqa: E402,F401  (register the rules)
    duplicates,
    grounding,
    injection,
    language,
    length,
    near_duplicates,
    refusal,
)

# Cheap, specific rules first: an empty answer is "empty", not also "ungrounded"; an echoed
# injection is reported as such even when its payload is written in the image.
DEFAULT_ORDER = [
    "length",
    "injection",
    "refusal",
    "language",
    "grounding",
    "exact_duplicate",
    "near_duplicate",
]


def build_rules(names: list[str], params: dict[str, dict[str, Any]]) -> list[tuple[str, Rule]]:
    """Rules by name, in the order given, each with its parameters from ``params``."""
    unknown = set(params) - set(RULES.names())
    if unknown:
        raise ValueError(f"parameters given for unknown rules: {', '.join(sorted(unknown))}")
    return [(name, RULES.get(name)(**params.get(name, {}))) for name in names]
