"""Refusals ("I'm sorry, I cannot read ...", "As an AI ...") and chat boilerplate ("I hope
this helps") in the answers: a model talking about itself instead of the image.

A phrase that is written in the image (its OCR text or captions: a sign saying "Sorry, we are
closed") is content, not a refusal, and does not count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...text.words import contains
from . import RULES, Drop, DuoItem, StatelessRule

_REFUSAL = re.compile(
    r"""
    \bas\s+an\s+ai\b
    | \bas\s+a\s+(?:large\s+)?language\s+model\b
    | \bi(?:'m|\s+am)\s+(?:sorry|unable|not\s+able)\b
    | \bi\s+(?:cannot|can't|can\s+not|won't|will\s+not)\b
    | \bi\s+apologi[sz]e\b
    | \bunable\s+to\s+(?:see|view|read|access|determine|identify)\b
    | \b(?:cannot|can't)\s+(?:see|view|read|access)\s+(?:the|this|any|that)\s+image\b
    """,
    re.IGNORECASE | re.VERBOSE,
)
_BOILERPLATE = re.compile(
    r"""
    \bi\s+hope\s+(?:this|that)\s+helps\b
    | \bfeel\s+free\s+to\s+ask\b
    | \blet\s+me\s+know\s+if\b
    | \bis\s+there\s+anything\s+else\b
    | \b(?:happy|glad)\s+to\s+help\b
    """,
    re.IGNORECASE | re.VERBOSE,
)


@RULES.register(
    "refusal", help="refusals and chat boilerplate in the answers, unless written in the image"
)
@dataclass
class RefusalRule(StatelessRule):
    def check(self, item: DuoItem) -> Drop | None:
        image = item.image
        written = f"{image.written}\n{image.caption}\n{image.human_caption}"
        for turn, text in (
            ("extractive", item.duo.extractive.answer),
            ("self-explain", item.duo.self_explain.answer),
        ):
            text = text.replace("\u2019", "'")  # typographic apostrophes: "I’m sorry"
            for reason, pattern in (("refusal", _REFUSAL), ("boilerplate", _BOILERPLATE)):
                for match in pattern.finditer(text):
                    if not contains(written, match.group()):
                        return Drop(reason, f"the {turn} answer says {match.group()!r}")
        return None
