"""Duo conversations for one image: an extractive question answered by an OCR span, then a
self-explain question answered with where that text is and a verbatim quote of it."""

from __future__ import annotations

import random
from typing import Any

from llavar2.backends.offline.candidates import ENTITY_TYPES, Candidate, find_candidates
from llavar2.backends.offline.layout import PlacedLine, place_lines
from llavar2.backends.offline.selection import select_questions
from llavar2.prompts import Template
from llavar2.records import QA, DuoConversation, OcrResult


def _fields(
    candidate: Candidate, lines: dict[int, PlacedLine], data: dict[str, Any]
) -> dict[str, str]:
    line = lines[candidate.evidence[-1]]
    fields = {
        **candidate.fields,
        "answer": candidate.answer,
        "line": line.text,
        "where": data["regions"][f"{line.row}-{line.column}"],
    }
    if candidate.qtype in ENTITY_TYPES:
        fields["noun"] = data["entity_nouns"][candidate.qtype]
    if candidate.qtype == "person":
        fields["role"] = data["roles"][candidate.anchor]
    return fields


def compose_duos(
    ocr: OcrResult, template: Template, rng: random.Random, n_duos: int
) -> list[DuoConversation]:
    data = template.data
    placed = place_lines(ocr)
    lines = {line.index: line for line in placed}
    candidates = find_candidates(placed, ocr.text, place_lines(ocr, flagged=True))
    fields = [_fields(candidate, lines, data) for candidate in candidates]
    options = []
    for candidate, values in zip(candidates, fields):
        questions = [q.format(**values) for q in data["questions"][candidate.qtype][candidate.form]]
        rng.shuffle(questions)
        options.append((candidate, questions))
    chosen = select_questions(options, n_duos, rng)

    # Follow-up phrasings drawn without repeats, so one image's duos do not all ask alike.
    explain_questions = rng.sample(data["explain_questions"], len(data["explain_questions"]))
    duos = []
    for k, (i, question) in enumerate(chosen):
        candidate, values = candidates[i], fields[i]
        # Entity types share their explanations, which name the kind with {noun}.
        group = "entity" if candidate.qtype in ENTITY_TYPES else candidate.qtype
        reason = rng.choice(data["reasons"][group][candidate.form]).format(**values)
        explanation = rng.choice(data["explain_answers"]).format(**values, reason=reason)
        follow_up = explain_questions[k % len(explain_questions)]
        duos.append(
            DuoConversation(
                qtype=candidate.qtype,
                extractive=QA(question=question, answer=candidate.answer),
                self_explain=QA(question=follow_up, answer=explanation),
                evidence=list(candidate.evidence),
            )
        )
    return duos
