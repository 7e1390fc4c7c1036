"""A deterministic stand-in for a multimodal model, for the local test server: it reads the
human caption and the OCR text out of the prompt's delimiters and answers the enrich and qa
requests with grounded JSON, as a well-behaved model would."""

from __future__ import annotations

import json
import re
from typing import Any

from ..prompts import load_template

_BLOCK = r"<{0}>\n(.*?)\n</{0}>"
_NO_TEXT = load_template("llm-enrich@1").data["no_text"]
_N_DUOS = re.compile(r"Write (\d+) duo conversations")


def user_text(messages: list[dict[str, Any]]) -> str:
    """The text of the first user message (repair rounds add later ones)."""
    for message in messages:
        if message.get("role") == "user":
            content = message["content"]
            if isinstance(content, str):
                return content
            return "\n".join(p.get("text", "") for p in content if p.get("type") == "text")
    return ""


def block(text: str, name: str) -> str:
    """The content between ``<name>`` and ``</name>`` in a prompt, or ""."""
    match = re.search(_BLOCK.format(name), text, re.DOTALL)
    return match.group(1) if match else ""


def stage_of(body: dict[str, Any]) -> str:
    """ "enrich" or "qa", from the schema name or, without one, from the prompt's blocks."""
    schema = (body.get("response_format") or {}).get("json_schema") or {}
    if name := schema.get("name"):
        return {"enriched_caption": "enrich", "duo_conversations": "qa"}.get(name, name)
    return "qa" if "<enriched_caption>" in user_text(body.get("messages", [])) else "enrich"


def ocr_lines(text: str) -> list[str]:
    """The OCR lines in a prompt; none when the prompt says that OCR found no text."""
    lines = block(text, "ocr_text").splitlines()
    if lines == [_NO_TEXT]:
        return []
    return [line for line in lines if any(c.isalnum() for c in line)]


def scripted_reply(body: dict[str, Any]) -> str:
    text = user_text(body.get("messages", []))
    lines = ocr_lines(text)
    if stage_of(body) == "enrich":
        quoted = ", ".join(f'"{line}"' for line in lines)
        tail = f" The text in the image reads {quoted}." if lines else " No text is legible."
        return json.dumps({"caption": block(text, "human_caption") + tail})
    match = _N_DUOS.search(text)
    n = int(match.group(1)) if match else 1
    duos = [
        {
            "type": "text",
            "question": f"What does line {i + 1} of the text in the image say?",
            "answer": line,
            "explain_question": "Where in the image is that written?",
            "explain_answer": f'It is line {i + 1} of the text in the image, which reads "{line}".',
        }
        for i, line in enumerate(lines[:n])
    ]
    return json.dumps({"duos": duos})
