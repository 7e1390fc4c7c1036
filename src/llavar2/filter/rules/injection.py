"""An answer that repeats an instruction written in the image, or gives what it demands
(``filter.injection``: pattern-based, so it catches common phrasings, not every one)."""

from __future__ import annotations

from dataclasses import dataclass

from ..injection import echoes_injection
from . import RULES, Drop, DuoItem, StatelessRule


@RULES.register("injection")
@dataclass
class InjectionRule(StatelessRule):
    def check(self, item: DuoItem) -> Drop | None:
        for text in (item.duo.extractive.answer, item.duo.self_explain.answer):
            if why := echoes_injection(text, item.image.injections):
                return Drop("prompt_injection", why)
        return None
