"""The JSON each stage asks a chat model for: one pydantic model per stage, which is both the
schema sent as ``response_format`` and the validator of the reply.

Constraints that strict JSON-schema modes do not accept (non-blank strings, a non-empty list)
are checked by validators, so they stay out of the generated schema.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

AnswerType = Literal[
    "title", "name", "number", "price", "date", "time", "contact", "place", "text", "other"
]
ANSWER_TYPES: tuple[str, ...] = AnswerType.__args__  # type: ignore[attr-defined]


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be empty")
    return text.strip()


Text = Annotated[str, AfterValidator(_not_blank)]


class Reply(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CaptionReply(Reply):
    caption: Text


class DuoReply(Reply):
    type: AnswerType
    question: Text
    answer: Text
    explain_question: Text
    explain_answer: Text


def _some(duos: list[DuoReply]) -> list[DuoReply]:
    if not duos:
        raise ValueError("must hold at least one duo conversation")
    return duos


class QaReply(Reply):
    duos: Annotated[list[DuoReply], AfterValidator(_some)]


R = TypeVar("R", bound=Reply)


class InvalidReply(ValueError):
    """A reply that is not JSON or does not match its stage's schema; the message says why in
    words the repair prompt can give back to the model."""


_FENCE = re.compile(r"^\s*```(?:json)?\s*\n(.*?)\n\s*```\s*$", re.DOTALL)


def parse_reply(content: str, model: type[R]) -> R:
    """The reply as ``model``; tolerates a Markdown code fence around the JSON, as models
    without a JSON mode often add one."""
    if fenced := _FENCE.match(content):
        content = fenced.group(1)
    try:
        data = json.loads(content)
    except json.JSONDecodeError as e:
        raise InvalidReply(
            f"it is not valid JSON ({e.msg} at line {e.lineno} column {e.colno})"
        ) from None
    try:
        return model.model_validate(data)
    except ValidationError as e:
        problems = [
            f"{'.'.join(map(str, err['loc'])) or 'the reply'}: {err['msg']}"
            for err in e.errors()[:5]
        ]
        raise InvalidReply("it does not match the schema: " + "; ".join(problems)) from None


@cache  # generating a schema costs more than the rest of a request's CPU work
def json_schema(model: type[Reply]) -> dict[str, Any]:
    return model.model_json_schema()
