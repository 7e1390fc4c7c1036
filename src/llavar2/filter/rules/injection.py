"""An answer that repeats an instruction written in the image, or gives what it demands
(``text.injection``: pattern-based, so it catches common phrasings, not every one)."""

from __future__ import annotations

from dataclasses import dataclass

from ...text.injection import echoes_injection
from . import RULES, Drop, DuoItem, StatelessRule


@RULES.register("injection", help="answers that repeat or obey an instruction written in the image")
@dataclass
class InjectionRule(StatelessRule):
    def check(self, item: DuoItem) -> Drop | None:
        for text in (item.duo.extractive.answer, item.duo.self_explain.answer):
            if why := echoes_injection(text, item.image.injections):
                return Drop("prompt_injection", why)
        return None
