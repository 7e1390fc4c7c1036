"""Non-English duos, by an offline heuristic over the text the model wrote (both questions and
the explanation; the extractive answer and quoted spans are copied from the image, which may be
in any language, and are left out):

1. script: fewer than ``min_latin`` of its letters are Latin → not English (CJK, Cyrillic,
   Arabic, ... text);
2. common words: with at least ``min_words`` words, fewer than ``min_common_share`` of them
   are common English words (``COMMON_ENGLISH``: "the", "of", "where", ...): not English. English
   prose has 35-55 %; French, Spanish, German or Italian prose shares only a few short words
   ("in", "a", "so") with the list.

Limits: texts shorter than ``min_words`` are judged by script only; another Latin-script
language written with many English words, or mixed-language text, may pass; telegraphic English
(lists of names, numbers) may fail the common-word test when it is long enough to be judged.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ...text.common_english import COMMON_ENGLISH
from ...text.words import words
from . import RULES, Drop, DuoItem, StatelessRule

# Straight, typographic and CJK quotation marks around a span copied from the image.
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|「[^」]*」|『[^』]*』|«[^»]*»")


def _is_latin(char: str) -> bool:
    return unicodedata.name(char, "").startswith("LATIN")


@RULES.register(
    "language", help="non-English questions and explanations, by script and common English words"
)
@dataclass
class EnglishRule(StatelessRule):
    min_latin: float = 0.5
    min_words: int = 8
    min_common_share: float = 0.2

    def check(self, item: DuoItem) -> Drop | None:
        d = item.duo
        prose = _QUOTED.sub(
            " ", "\n".join((d.extractive.question, d.self_explain.question, d.self_explain.answer))
        )
        letters = [c for c in prose if c.isalpha()]
        if letters:
            latin = sum(map(_is_latin, letters)) / len(letters)
            if latin < self.min_latin:
                return Drop(
                    "non_english",
                    f"{latin:.0%} of its letters are Latin script (< {self.min_latin:.0%})",
                )
        tokens = words(prose)
        if len(tokens) >= self.min_words:
            share = sum(t in COMMON_ENGLISH for t in tokens) / len(tokens)
            if share < self.min_common_share:
                return Drop(
                    "non_english",
                    f"{share:.0%} of its {len(tokens)} words are common "
                    f"English words (< {self.min_common_share:.0%})",
                )
        return None
