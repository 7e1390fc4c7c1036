"""Which candidates become an image's duo conversations: varied types, evidence and answers
first, never the same question twice."""

from __future__ import annotations

import random
from collections import defaultdict

from llavar2.backends.offline.candidates import LAYOUT_TYPES, Candidate

# Relaxed one after another until enough are chosen:
# (each type once, each OCR line once, each answer once).
# Only the last passes repeat an answer (asked another way), so that an image with little text
# still gets a few conversations.
_PASSES = (
    (True, True, True),
    (True, False, True),
    (False, True, True),
    (False, False, True),
    (True, False, False),
    (False, False, False),
)


def _type_order(types: list[str], rng: random.Random) -> list[str]:
    """Shuffled, two content types to each layout type: every image has layout questions, and
    they would otherwise crowd out the rarer questions about prices, dates and names."""
    content = [t for t in types if t not in LAYOUT_TYPES]
    layout = [t for t in types if t in LAYOUT_TYPES]
    rng.shuffle(content)
    rng.shuffle(layout)
    order = []
    while content or layout:
        order += content[:2] + layout[:1]
        content, layout = content[2:], layout[1:]
    return order


def select_questions(
    options: list[tuple[Candidate, list[str]]], n: int, rng: random.Random
) -> list[tuple[int, str]]:
    """Up to ``n`` (option index, question) pairs, given each candidate with its phrasings in
    preferred order."""
    by_type: dict[str, list[int]] = defaultdict(list)
    for i, (candidate, _) in enumerate(options):
        by_type[candidate.qtype].append(i)
    types = _type_order(sorted(by_type), rng)

    chosen: list[tuple[int, str]] = []
    picked: set[int] = set()
    used_types: set[str] = set()
    asked: set[str] = set()
    answers: set[str] = set()
    lines: set[int] = set()

    def eligible(i: int, new_lines_only: bool, new_answers_only: bool) -> tuple[int, str] | None:
        candidate, questions = options[i]
        if i in picked:  # one question per candidate, however many phrasings it has
            return None
        if new_answers_only and candidate.answer.casefold() in answers:
            return None
        if new_lines_only and lines.intersection(candidate.evidence):
            return None
        question = next((q for q in questions if q not in asked), None)
        return (i, question) if question is not None else None

    for new_types_only, new_lines_only, new_answers_only in _PASSES:
        progress = True
        while progress and len(chosen) < n:
            progress = False
            for qtype in types:  # round robin, so no type piles up while others wait
                if len(chosen) == n or (new_types_only and qtype in used_types):
                    continue
                picks = (eligible(i, new_lines_only, new_answers_only) for i in by_type[qtype])
                pool = [pick for pick in picks if pick]
                if pool:
                    i, question = rng.choice(pool)
                    chosen.append((i, question))
                    picked.add(i)
                    used_types.add(qtype)
                    asked.add(question)
                    answers.add(options[i][0].answer.casefold())
                    lines.update(options[i][0].evidence)
                    progress = True
    return chosen
