"""Empty, too short or too long turns. Lengths are counted in words (``text.words.words``:
punctuation is not a word, so "..." is empty)."""

from __future__ import annotations

from dataclasses import dataclass

from ...text.words import words
from . import RULES, Drop, DuoItem, StatelessRule

TURNS = ("extractive question", "extractive answer", "self-explain question", "self-explain answer")


@RULES.register("length", help="empty, too short or too long turns, in words")
@dataclass
class LengthRule(StatelessRule):
    min_question_words: int = 2
    min_explanation_words: int = 3  # an extractive answer may be one word; its explanation not
    max_answer_words: int = 32  # extractive answers are spans of the image's text, not pages
    max_turn_words: int = 256

    def check(self, item: DuoItem) -> Drop | None:
        counts = [len(words(text)) for text in item.turns()]
        for name, n in zip(TURNS, counts):
            if n == 0:
                return Drop("empty", f"the {name} has no words")
        q, a, sq, sa = counts
        for name, n in ((TURNS[0], q), (TURNS[2], sq)):
            if n < self.min_question_words:
                return Drop("too_short", f"the {name} has {n} < {self.min_question_words} words")
        if sa < self.min_explanation_words:
            return Drop(
                "too_short", f"the {TURNS[3]} has {sa} < {self.min_explanation_words} words"
            )
        if a > self.max_answer_words:
            return Drop("too_long", f"the {TURNS[1]} has {a} > {self.max_answer_words} words")
        for name, n in zip(TURNS, counts):
            if n > self.max_turn_words:
                return Drop("too_long", f"the {name} has {n} > {self.max_turn_words} words")
        return None
