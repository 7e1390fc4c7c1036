"""Chat messages of the enrich and qa stages, filled from the versioned prompt templates.

The human caption, the enriched caption and the OCR text are untrusted: they go between
delimiters that the system prompt declares to hold content, never instructions. A delimiter
that appears inside such text is defused, so the text cannot close its block early and speak
outside it.
"""

from __future__ import annotations

import re
from typing import Any

from ...prompts import Template
from ...records import EnrichedCaption, ImageRecord, OcrResult
from .replies import ANSWER_TYPES

Message = dict[str, Any]

DELIMITED = ("human_caption", "enriched_caption", "ocr_text")
_DELIMITER = re.compile(r"<\s*/?\s*(?:" + "|".join(DELIMITED) + r")\s*>", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def defuse(text: str, delimiters: tuple[str, ...] = DELIMITED) -> str:
    """``text`` with anything that reads as one of the delimiters made inert."""
    pattern = (
        _DELIMITER
        if delimiters == DELIMITED
        else re.compile(r"<\s*/?\s*(?:" + "|".join(delimiters) + r")\s*>", re.IGNORECASE)
    )
    return pattern.sub(lambda m: m.group(0).replace("<", "‹").replace(">", "›"), text)


def fill(phrasing: str, **values: str) -> str:
    """Replace ``{name}`` placeholders (and only those: JSON examples keep their braces)."""

    def value(match: re.Match[str]) -> str:
        if match.group(1) not in values:
            raise KeyError(f"no value for placeholder {match.group(0)} in a prompt template")
        return values[match.group(1)]

    return _PLACEHOLDER.sub(value, phrasing)


def _ocr_block(template: Template, ocr: OcrResult) -> str:
    """The clean OCR lines: what the quality gate flagged is never put before the model."""
    text = ocr.clean_text
    return defuse(text) if text.strip() else template.data["no_text"]


def _conversation(template: Template, image_part: Message, user_text: str) -> list[Message]:
    return [
        {"role": "system", "content": template.data["system"]},
        {"role": "user", "content": [image_part, {"type": "text", "text": user_text}]},
    ]


def enrich_messages(
    template: Template, image_part: Message, image: ImageRecord, ocr: OcrResult
) -> list[Message]:
    user = fill(
        template.data["user"],
        human_caption=defuse(image.caption),
        ocr_text=_ocr_block(template, ocr),
    )
    return _conversation(template, image_part, user)


def qa_messages(
    template: Template,
    image_part: Message,
    image: ImageRecord,
    ocr: OcrResult,
    caption: EnrichedCaption,
    n_duos: int,
) -> list[Message]:
    user = fill(
        template.data["user"],
        human_caption=defuse(image.caption),
        enriched_caption=defuse(caption.caption),
        ocr_text=_ocr_block(template, ocr),
        n_duos=str(n_duos),
        types=", ".join(ANSWER_TYPES),
    )
    return _conversation(template, image_part, user)


def repair_messages(
    template: Template, messages: list[Message], reply: str, error: str
) -> list[Message]:
    """The conversation continued with the unusable reply and a request to fix it."""
    return [
        *messages,
        {"role": "assistant", "content": reply},
        {"role": "user", "content": fill(template.data["repair"], error=error)},
    ]
