"""Rule filters of ``llavar2 filter`` (DESIGN §4), one per file, registered by name in
``RULES``; every module of this package is imported below, so a new rule is one new file.

A rule looks at one duo conversation with its image's context (OCR text, enriched caption) and
returns a ``Drop`` (reason code + detail) or None. Rules run in the order the configuration
lists them (``filter.config.DEFAULT_RULES`` by default); the first that fires gives the duo's
reason. Rules that remember what they have seen (duplicates) learn a duo in ``admit``, which the
stage calls only for duos that every rule let through, so that a duo dropped for another reason
never makes a later one a "duplicate".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

from ...records import DuoConversation
from ...registry import Registry, import_implementations
from ...text.injection import Injection, find_injections


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


def build_rules(names: Sequence[str], params: dict[str, dict[str, Any]]) -> list[tuple[str, Rule]]:
    """Rules by name, in the order given, each with its parameters from ``params`` (an unknown
    name is ``registry.UnknownName``)."""
    unknown = set(params) - set(RULES.names())
    if unknown:
        raise ValueError(f"parameters given for unknown rules: {', '.join(sorted(unknown))}")
    return [(name, RULES.get(name)(**params.get(name, {}))) for name in names]


# The rules register themselves; last, since their modules import the names above.
import_implementations(__name__, __path__)
