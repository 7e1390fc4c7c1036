"""Is an extractive answer written in the image? DESIGN §1: it must be a span of the OCR text or
of the enriched caption, after normalisation (``text.words.words``), up to OCR-like edits.

Two modes:

* ``exact``: the answer's words occur, in order and adjacent, in the text (score 1.0).
* ``fuzzy`` (the default): an exact match still scores 1.0; otherwise the answer is aligned with
  every word-aligned span of the text of about its length (rapidfuzz Levenshtein) and the best
  span that passes every guard below grounds it, with its score in [0, 1).

What an OCR engine gets wrong is a few characters, and some more easily than others (b/h, rn/m,
0/O, l/1). The score is the mean of two normalised Levenshtein similarities of the answer and the
span: on their words as they are, and on their words *folded* (confusable characters mapped to
one: in a word that holds a digit and is otherwise made of o, l and i, or has no more letters
than digits, o→0, l/i→1; in a word
without digits rn→m, vv→w, h→b, i→l). A confusable substitution thus costs half an edit.
Guards (on the folded words):

* ``MIN_FUZZY_CHARS``: an answer of fewer letters and digits (spaces aside) must match exactly;
* digits are facts: the runs of digits of the answer and the span must be the same, and a word
  of the answer that holds a digit ("7", "60", "4b", "rm5") may not be edited at all (spacing
  aside), so "$7.60" is not grounded by "$7.80", nor "2018" by "2019", "Suite 4B" by "Suite 4D"
  or "Guest1" by "Guest0"; "2018" is by "2O18", and "7.60 S" by "7.60S";
* no word may take more than ``len(word) // 6`` of the edits (folded, spacing aside): none in
  a word of 1-5 characters ("Rice" does not ground "Price", nor "Ttal" "Total", but "bonor"
  grounds "honor" and "ltem" "Item"), one in a word of 6-11, two in a word of 12-17: OCR
  errors are scattered, a different word ("Monday" for "Tuesday", "refundable" for
  "returnable") is not an OCR error;
* the score must be at least ``min_score`` (``DEFAULT_MIN_SCORE``, 0.8: about one edit per five
  characters, e.g. one in "honor", two in "bound by honor"), so the edits allowed grow with the
  answer's length.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from ..records import Grounding, OcrLine
from .words import WORD, collapse_spaces, joined, words

MAX_EVIDENCE_LINES = 4  # an answer may wrap over a few OCR lines, not over a whole page
GroundingMode = Literal["exact", "fuzzy"]
MODES: tuple[str, ...] = ("exact", "fuzzy")
DEFAULT_MODE: GroundingMode = "fuzzy"
DEFAULT_MIN_SCORE = 0.8
MIN_FUZZY_CHARS = 4  # answers of 1-3 letters and digits must match exactly

_TO_DIGIT = str.maketrans({"o": "0", "l": "1", "i": "1"})
_LETTER = str.maketrans({"h": "b", "i": "l"})
_DIGITS = re.compile(r"\d+")


def check_params(mode: str, min_score: float) -> None:
    """Raise ValueError for a mode or threshold that grounding does not take."""
    if mode not in MODES:
        raise ValueError(f"grounding mode {mode!r}: give one of {', '.join(MODES)}")
    if not 0.5 < min_score <= 1:
        raise ValueError(f"grounding min_score {min_score}: give a number in (0.5, 1]")


def fold(word: str) -> str:
    """``word`` (normalised) with OCR-confusable characters mapped to one of them."""
    digits = sum(c.isdigit() for c in word)
    numeric = word.translate(_TO_DIGIT)
    if digits and (numeric.isdigit() or digits >= sum(c.isalpha() for c in word)):
        return numeric
    if digits:
        return word
    return word.replace("rn", "m").replace("vv", "w").translate(_LETTER)


@dataclass(frozen=True)
class _Word:
    text: str  # normalised (``text.words.words``)
    start: int  # where it is in the NFKC form of the source text
    end: int


class Text:
    """A text prepared for looking answers up in it: its words, as written and folded."""

    def __init__(self, text: str):
        self.source = unicodedata.normalize("NFKC", text)
        # as ``words`` splits them (casefolding may split a word: "İ" → "i" + a combining dot)
        self.words = [
            _Word(w, m.start(), m.end())
            for m in WORD.finditer(self.source)
            for w in WORD.findall(m.group().casefold())
        ]
        self.plain = [w.text for w in self.words]
        self.folded = [fold(w) for w in self.plain]

    @cached_property
    def joined(self) -> str:
        return joined(self.plain)

    def quote(self, i: int, j: int) -> str:
        """Words ``i`` to ``j`` (excluded) as written in the text, spacing collapsed."""
        return collapse_spaces(self.source[self.words[i].start : self.words[j - 1].end])

    def find_exact(self, target: list[str]) -> tuple[int, int] | None:
        """The first span of words equal to ``target``."""
        at = self.joined.find(joined(target))
        if at < 0:
            return None
        i = self.joined.count(" ", 0, at + 1) - 1
        return i, i + len(target)

    def find_fuzzy(self, target: list[str], min_score: float) -> tuple[float, int, int] | None:
        """(score, i, j) of the best span of words that grounds ``target`` fuzzily (see the
        module docstring), the first of equal ones; None when none does."""
        plain, folded = " ".join(target), " ".join(fold(w) for w in target)
        floor = 2 * min_score - 1  # the least each of the two similarities can be
        longest = len(folded) / floor
        spans: list[tuple[int, int]] = []
        texts: list[str] = []
        for i in range(len(self.folded)):
            size = -1
            for j in range(i + 1, len(self.folded) + 1):
                size += len(self.folded[j - 1]) + 1
                if size > longest:
                    break
                if size >= len(folded) * floor:
                    spans.append((i, j))
                    texts.append(" ".join(self.folded[i:j]))
        if not texts:
            return None
        digits = _DIGITS.findall(folded)
        owner = _owners(folded)
        best: tuple[float, int, int] | None = None
        for _, folded_sim, k in process.extract(
            folded, texts, scorer=Levenshtein.normalized_similarity, score_cutoff=floor, limit=None
        ):
            i, j = spans[k]
            if _DIGITS.findall(texts[k]) != digits:
                continue
            score = (
                folded_sim + Levenshtein.normalized_similarity(plain, " ".join(self.plain[i:j]))
            ) / 2
            if score < min_score or (best is not None and (-score, i) >= (-best[0], best[1])):
                continue
            if _scattered(folded, texts[k], owner):
                best = (score, i, j)
        return best


def _owners(text: str) -> list[int]:
    """For each position in ``text`` (and its end), the index of the word it belongs to; a space
    belongs to the word before it."""
    owner, n = [], 0
    for c in text:
        owner.append(n)
        n += c == " "
    owner.append(n)
    return owner


def _scattered(target: str, span: str, owner: list[int]) -> bool:
    """Whether the edits from ``target`` to ``span`` (folded) leave its words with digits
    alone and give no other word more than its share, spacing aside."""
    tokens = target.split(" ")
    per_word: dict[int, int] = {}
    for op in Levenshtein.editops(target, span):
        changed = span[op.dest_pos] if op.tag == "insert" else target[op.src_pos]
        if op.tag != "replace" and changed == " ":
            continue  # a word split or two words run together
        w = owner[op.src_pos]
        if any(c.isdigit() for c in tokens[w]):
            return False
        per_word[w] = per_word.get(w, 0) + 1
    return all(n <= len(tokens[w]) // 6 for w, n in per_word.items())


def _short(target: list[str]) -> bool:
    return sum(map(len, target)) < MIN_FUZZY_CHARS


def match(
    answer: str, text: str | Text, mode: str = DEFAULT_MODE, min_score: float = DEFAULT_MIN_SCORE
) -> tuple[float, str] | None:
    """(score, the text matched) of ``answer`` in ``text``, or None (see the module
    docstring)."""
    check_params(mode, min_score)
    target = words(answer)
    if not target:
        return None
    found = text if isinstance(text, Text) else Text(text)
    if (span := found.find_exact(target)) is not None:
        return 1.0, found.quote(*span)
    if mode == "exact" or _short(target):
        return None
    if (fuzzy := found.find_fuzzy(target, min_score)) is not None:
        score, i, j = fuzzy
        return round(min(score, 0.9999), 4), found.quote(i, j)
    return None


def ground(
    answer: str,
    ocr_text: str | Text,
    caption: str | Text,
    mode: str = DEFAULT_MODE,
    min_score: float = DEFAULT_MIN_SCORE,
) -> Grounding | None:
    """Where ``answer`` is written: an exact match in the OCR text, else in the caption, else
    (fuzzy mode) the best fuzzy match in the OCR text, else in the caption; None when none.
    ``ocr_text`` should be the clean OCR text (``OcrResult.clean_text``). A ``Text`` may be
    given for a text that several answers are looked up in."""
    check_params(mode, min_score)
    sources = [
        (source, text if isinstance(text, Text) else Text(text))
        for source, text in (("ocr", ocr_text), ("caption", caption))
    ]
    for each in dict.fromkeys(("exact", mode)):
        for source, text in sources:
            if (found := match(answer, text, each, min_score)) is not None:
                return Grounding(source=source, score=found[0], match=found[1])
    return None


def grounded_in(
    answer: str,
    ocr_text: str,
    caption: str,
    mode: str = DEFAULT_MODE,
    min_score: float = DEFAULT_MIN_SCORE,
) -> str | None:
    """ "ocr" or "caption" (where the answer was found), or None."""
    found = ground(answer, ocr_text, caption, mode, min_score)
    return found.source if found is not None else None


def evidence_lines(
    answer: str,
    lines: Sequence[str | OcrLine],
    mode: str = DEFAULT_MODE,
    min_score: float = DEFAULT_MIN_SCORE,
) -> list[int]:
    """Indices into ``lines`` of the OCR lines that hold ``answer``, among the clean ones (a
    string is a clean line; an ``OcrLine`` with flags is skipped, and lines on either side of it
    count as consecutive): every line that holds it whole, else the first run of consecutive
    lines it wraps over; exact matches first, then (fuzzy mode) the best-scoring fuzzy ones;
    [] when no line does."""
    check_params(mode, min_score)
    target = words(answer)
    if not target:
        return []
    clean = [
        (i, line if isinstance(line, str) else line.text)
        for i, line in enumerate(lines)
        if isinstance(line, str) or line.clean
    ]
    line_words = [words(text) for _, text in clean]
    for width in range(1, MAX_EVIDENCE_LINES + 1):
        hits = [
            k
            for k in range(len(clean) - width + 1)
            if joined(target) in joined([w for ws in line_words[k : k + width] for w in ws])
        ]
        if hits:
            return _indices(clean, hits, width)
    if mode == "exact" or _short(target):
        return []
    for width in range(1, MAX_EVIDENCE_LINES + 1):
        scored = []
        for k in range(len(clean) - width + 1):
            found = Text("\n".join(text for _, text in clean[k : k + width]))
            if (fuzzy := found.find_fuzzy(target, min_score)) is not None:
                scored.append((fuzzy[0], k))
        if scored:
            top = max(score for score, _ in scored)
            return _indices(clean, [k for score, k in scored if score == top], width)
    return []


def _indices(clean: list[tuple[int, str]], hits: list[int], width: int) -> list[int]:
    if width == 1:
        return [clean[k][0] for k in hits]
    return [clean[k][0] for k in range(hits[0], hits[0] + width)]
