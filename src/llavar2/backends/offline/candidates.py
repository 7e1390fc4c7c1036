"""Every question the offline rules could ask about one image, each with an answer that is a
verbatim span of the OCR text and an anchor that makes the question unambiguous.

A question type collects candidates from the laid-out lines; ``find_candidates`` then drops any
whose question would have more than one right answer (same type and anchor, different answers).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from llavar2.backends.offline.layout import PlacedLine, most_prominent
from llavar2.text.entities import (
    Span,
    find_credit,
    find_entities,
    find_key_value,
    has_words,
    misread_number,
)

ENTITY_TYPES = ("price", "percentage", "number", "date", "time", "url", "email", "phone")
CONTENT_TYPES = ("title", "key_value", "person", *ENTITY_TYPES)  # about what the text says
LAYOUT_TYPES = ("region", "next_line", "top_line", "bottom_line")  # about where text is
QUESTION_TYPES = CONTENT_TYPES + LAYOUT_TYPES

MAX_ANSWER_CHARS = 120  # a longer "answer" is a paragraph, not something to extract
MAX_EVIDENCE_CHARS = 200  # the explanation quotes its evidence line whole
MAX_ANCHOR_CHARS = 60  # text quoted inside a question
MAX_CONTEXT_WORDS = 5
# Menu dot leaders, bullets and separators between a label and its value.
_LEADERS = " \t.:;,-–—_·…|*•>+"


@dataclass(frozen=True)
class Candidate:
    qtype: str
    form: str  # which group of the type's phrasings fits, e.g. "anchored" or "alone"
    answer: str
    evidence: tuple[int, ...]  # OCR line indices; the last one holds the answer
    anchor: str  # what the question pins down besides its type ("" when the type alone does)
    fields: dict[str, str] = field(default_factory=dict)  # placeholders for the phrasings


def _title(lines: list[PlacedLine]) -> Iterator[Candidate]:
    line = most_prominent(lines)
    if line:
        yield Candidate("title", "default", line.text, (line.index,), "")


def _region(lines: list[PlacedLine]) -> Iterator[Candidate]:
    by_region: dict[tuple[str, str], list[PlacedLine]] = defaultdict(list)
    for line in lines:
        by_region[line.region].append(line)
    for region, members in by_region.items():
        first = members[0]  # lines are in reading order
        form = "only" if len(members) == 1 else "first"
        yield Candidate("region", form, first.text, (first.index,), "-".join(region))


def _key_value(lines: list[PlacedLine]) -> Iterator[Candidate]:
    for line in lines:
        pair = find_key_value(line.text)
        if not pair:
            continue
        label, value = pair
        # "Price: $48.00 Ticket No. 0048213": OCR merged two fields; the value is the leading
        # entity. (Not for a bare number, which is usually followed by its unit: "2.4 kg".)
        spans = find_entities(value.text)
        leading = next((s for s in spans if s.start == 0 and s.kind != "number"), None)
        answer = leading.text if leading and has_words(value.text[leading.end :]) else value.text
        fields = {"label": label.text}
        yield Candidate("key_value", "default", answer, (line.index,), label.text.lower(), fields)


def _person(lines: list[PlacedLine]) -> Iterator[Candidate]:
    for line in lines:
        credit = find_credit(line.text)
        if credit:
            cue, name = credit
            role = cue.text.lower()  # one of CREDIT_CUES; the template names the role
            yield Candidate("person", "default", name.text, (line.index,), role, {"cue": cue.text})


def _row_partner(line: PlacedLine, lines: list[PlacedLine]) -> PlacedLine | None:
    """The nearest line to the left on the same row: the item name of a menu or receipt price."""
    middle = (line.top + line.bottom) / 2
    left = [
        other
        for other in lines
        if other is not line
        and other.right <= line.left + line.height / 2
        and other.top <= middle <= other.bottom
    ]
    return max(left, key=lambda other: (other.right, -other.index), default=None)


def _entity_candidate(
    line: PlacedLine, span: Span, partner: PlacedLine | None, alone_ok: bool
) -> Candidate | None:
    """Anchor an entity to the words beside it on its line, or else to the line left of it;
    with words on both sides, blank it out instead."""
    before = line.text[: span.start].strip(_LEADERS)
    after = line.text[span.end :].strip(_LEADERS + "()[]!")
    context = before if has_words(before) else after
    # A short label reads well as an anchor; words on both sides or a long lead-in read better
    # as a fill-in-the-blank.
    if (has_words(before) and has_words(after)) or len(context.split()) > MAX_CONTEXT_WORDS:
        cloze = f"{line.text[: span.start]}___{line.text[span.end :]}"
        if len(cloze) > MAX_ANCHOR_CHARS:
            return None
        fields = {"cloze": cloze}
        return Candidate(span.kind, "cloze", span.text, (line.index,), cloze.lower(), fields)
    if has_words(context):
        fields = {"context": context}
        return Candidate(span.kind, "anchored", span.text, (line.index,), context.lower(), fields)
    if partner and has_words(partner.text) and len(partner.text) <= MAX_ANCHOR_CHARS:
        # The question names the item ("Total"); the explanation quotes its line whole ("Total:").
        name = partner.text.strip(_LEADERS)
        fields = {"context": name, "partner": partner.text}
        evidence = (partner.index, line.index)
        return Candidate(span.kind, "beside", span.text, evidence, name.lower(), fields)
    return Candidate(span.kind, "alone", span.text, (line.index,), "") if alone_ok else None


def _entities(lines: list[PlacedLine]) -> Iterator[Candidate]:
    spans = {line.index: find_entities(line.text) for line in lines}
    per_image = Counter(span.kind for found in spans.values() for span in found)
    for line in lines:
        per_line = Counter(span.kind for span in spans[line.index])
        partner = _row_partner(line, lines)
        if partner and any(s.kind in per_line for s in spans[partner.index]):
            partner = None  # "Milk $2 | $3": the name does not say which amount is meant
        for span in spans[line.index]:
            if per_line[span.kind] > 1:  # "$4 / $6": no words tell the two apart
                continue
            if span.kind == "number" and "-" in line.text[span.end : span.end + 1] + (
                line.text[max(0, span.start - 2) : span.start].strip()
            ):
                continue  # "SR 100100000009-Seafood", "A-12": one part of a hyphenated code
            candidate = _entity_candidate(line, span, partner, alone_ok=per_image[span.kind] == 1)
            if candidate:
                yield candidate


def _next_line(lines: list[PlacedLine]) -> Iterator[Candidate]:
    for above in lines:
        if not has_words(above.text) or len(above.text) > MAX_ANCHOR_CHARS:
            continue
        below = _below(above, lines)
        if not below or below[0].top - above.bottom > 3 * above.height:
            continue
        if len(below) > 1 and below[1].top < (below[0].top + below[0].bottom) / 2:
            continue  # two lines side by side right under it: "directly below" is ambiguous
        evidence = (above.index, below[0].index)
        fields = {"above": above.text}
        yield Candidate("next_line", "default", below[0].text, evidence, above.text.lower(), fields)


def _extreme_line(
    lines: list[PlacedLine], qtype: str, key: Callable[[PlacedLine], float]
) -> Iterator[Candidate]:
    """The line furthest up (or down) when no other line shares its height band."""
    ranked = sorted(lines, key=lambda line: (key(line), line.index))
    if not ranked:
        return
    first = ranked[0]
    middle = key(first) + abs(first.bottom - first.top) / 2
    if len(ranked) > 1 and key(ranked[1]) < middle:
        return
    yield Candidate(qtype, "default", first.text, (first.index,), "")


def _top_line(lines: list[PlacedLine]) -> Iterator[Candidate]:
    return _extreme_line(lines, "top_line", lambda line: line.top)


def _bottom_line(lines: list[PlacedLine]) -> Iterator[Candidate]:
    return _extreme_line(lines, "bottom_line", lambda line: -line.bottom)


_COLLECTORS = (_title, _region, _key_value, _person, _entities, _next_line, _top_line, _bottom_line)


def _below(above: PlacedLine, lines: list[PlacedLine]) -> list[PlacedLine]:
    """Lines that start below the middle of ``above`` and overlap it horizontally, nearest
    first."""
    return sorted(
        (
            line
            for line in lines
            if line.top >= (above.top + above.bottom) / 2
            and min(line.right, above.right) > max(line.left, above.left)
        ),
        key=lambda line: (line.top, line.index),
    )


def _contradicted(
    candidate: Candidate, placed: dict[int, PlacedLine], flagged: list[PlacedLine]
) -> bool:
    """Whether a flagged line (junk the gate keeps out of quotes, but visible all the same)
    sits where the layout question says there is nothing: between a line and "the line
    below", above "the top line", below "the bottom line", or in a region whose "only" or
    "first" line the answer claims to be."""
    if not flagged or candidate.qtype not in LAYOUT_TYPES:
        return False
    line = placed[candidate.evidence[-1]]
    if candidate.qtype == "next_line":
        above = placed[candidate.evidence[0]]
        return any(junk.top < line.top for junk in _below(above, flagged))
    if candidate.qtype == "top_line":
        return any(junk.top < (line.top + line.bottom) / 2 for junk in flagged)
    if candidate.qtype == "bottom_line":
        return any(junk.bottom > (line.top + line.bottom) / 2 for junk in flagged)
    return any(
        junk.region == line.region and (candidate.form == "only" or junk.index < line.index)
        for junk in flagged
    )  # region


def find_candidates(
    lines: list[PlacedLine], ocr_text: str, flagged: list[PlacedLine] | None = None
) -> list[Candidate]:
    """Unambiguous candidates with verbatim answers, in a fixed order.

    ``lines`` are the clean lines (``place_lines(ocr)``); ``flagged`` the lines the quality gate
    flagged (``place_lines(ocr, flagged=True)``), which no candidate quotes but which drop a
    layout question they would make false."""
    placed = {line.index: line for line in lines}
    flagged = flagged or []
    too_long = {line.index for line in lines if len(line.text) > MAX_EVIDENCE_CHARS}
    # Collect over every line (a long line still counts as "the line below" or "the top line"),
    # then drop what would quote a long line or give a long answer.
    found = [
        candidate
        for collect in _COLLECTORS
        for candidate in collect(lines)
        # Guards against an OCR record whose text and lines disagree.
        if candidate.answer in ocr_text
        and len(candidate.answer) <= MAX_ANSWER_CHARS
        and not misread_number(candidate.answer)
        and not too_long.intersection(candidate.evidence)
        and not _contradicted(candidate, placed, flagged)
        # A layout question quotes its lines whole: each must read as print. When the true top
        # line (or the line below) does not, the question is not asked of the next best one.
        and (
            candidate.qtype not in LAYOUT_TYPES
            or all(placed[i].printed for i in candidate.evidence)
        )
    ]
    answers: dict[tuple[str, str], set[str]] = defaultdict(set)
    for candidate in found:
        answers[candidate.qtype, candidate.anchor].add(candidate.answer)
    unique, seen = [], set()
    for candidate in found:
        key = (candidate.qtype, candidate.anchor)
        if len(answers[key]) == 1 and key not in seen:
            seen.add(key)
            unique.append(candidate)
    return unique
