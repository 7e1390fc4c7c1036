"""Typed records that flow between stages (DESIGN §3).

Every stage reads and writes these as JSON Lines, one object per line. Each record is keyed by
the image ``id`` (sha256 of the image bytes unless the manifest names one), which is what makes
stages resumable: a rerun skips ids whose outcome is already on disk.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class ImageRecord(Record):
    """One validated input: an image file under the images folder and its human caption."""

    id: str
    image: str  # POSIX path relative to the images folder
    caption: str
    row: int  # position in the manifest, 0-based; fixes output order
    sha256: str
    width: int
    height: int
    format: str  # PIL format name, e.g. PNG, JPEG
    meta: dict[str, Any] = Field(default_factory=dict)  # extra manifest columns, kept verbatim


class Reject(Record):
    """An input that a stage could not use, and why. One per rejected input and stage."""

    stage: str
    reason: str  # short machine-readable code, e.g. "missing_file"
    detail: str = ""  # human-readable explanation
    image: str | None = None
    id: str | None = None
    row: int | None = None
    raw_output: list[str] | None = None  # what the model wrote that the stage could not use


class OcrLine(Record):
    text: str
    box: list[list[float]]  # four (x, y) corners, clockwise from top-left, in pixels
    score: float
    # Set by the OCR quality gate (``llavar2.ocr.gate``): why the line is unfit to quote
    # (e.g. "other_script", "garbled"; empty = clean) and its quality in [0, 1].
    flags: list[str] = Field(default_factory=list)
    quality: float | None = None

    @property
    def clean(self) -> bool:
        return not self.flags


class OcrResult(Record):
    id: str
    image: str
    engine: str
    width: int
    height: int
    lines: list[OcrLine]  # in reading order
    text: str  # the lines joined with "\n" in reading order, flagged ones included

    @property
    def clean_text(self) -> str:
        """The clean lines (no quality flag) joined with "\n": what generation may quote."""
        return "\n".join(line.text for line in self.lines if line.clean)


class Provenance(Record):
    """How a generated record was made (DESIGN §1: every generated record keeps it)."""

    stage: str
    backend: str
    model: str
    template: str  # prompt/template name with its version, e.g. "offline-qa@1"
    params: dict[str, Any] = Field(default_factory=dict)
    created_at: str = Field(default_factory=utc_now)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    raw_output: str | None = None  # kept when parsing the model's output failed


class EnrichedCaption(Record):
    id: str
    image: str
    human_caption: str
    caption: str  # the detail-enriched caption
    instruction: str  # the caption request used for this image in exports
    provenance: Provenance


class QA(Record):
    question: str
    answer: str


class Grounding(Record):
    """Where an extractive answer was found (``llavar2.text.grounding``)."""

    source: str  # "ocr" or "caption"
    score: float  # similarity in [0, 1] of the answer and the text it matched; 1 = exact
    match: str  # the OCR or caption text the answer matched


class DuoConversation(Record):
    """Extractive QA followed by a self-explain QA about the same piece of text."""

    qtype: str  # question type, one of backends.offline.candidates.QUESTION_TYPES when offline
    extractive: QA
    self_explain: QA
    evidence: list[int]  # indices into the image's OCR lines that support the answer
    grounding: Grounding | None = None  # set by the generation-time filter


class DroppedDuo(Record):
    """A generated duo conversation that a filter removed, and why."""

    duo: DuoConversation
    reason: str  # short machine-readable code, e.g. "ungrounded_answer"
    detail: str = ""


class ConversationSet(Record):
    """All duo conversations generated for one image."""

    id: str
    image: str
    duos: list[DuoConversation]
    provenance: Provenance
    dropped: list[DroppedDuo] = Field(default_factory=list)


class DuoScores(Record):
    """The selection scores of one duo conversation (DESIGN §4), one line of ``scores.jsonl``.

    ``losses`` holds each ``L(X | C)`` term by name: ``"A|Q"``, ``"A"`` (IFD), ``"QA|I"``,
    ``"QA"`` (VFD), ``"S|I,E"``, ``"S|I"`` (FFD; S the self-explain pair, E the extractive
    one); a term that could not be scored is ``None`` with its reason in ``unscorable``, and
    every ratio built on it is ``None``.
    """

    id: str  # the image id (the ConversationSet's)
    duo: int  # index of the duo in the ConversationSet's ``duos``
    scorer: str  # e.g. "hf:/models/llava-1.5-7b"
    model: str
    context: str  # "image", or "facts": the enriched caption + OCR text stood in for the image
    losses: dict[str, float | None]
    ifd: float | None
    vfd: float | None
    mifd: float | None
    ffd: float | None
    unscorable: dict[str, str] = Field(default_factory=dict)  # term → reason


class FilteredDuo(Record):
    """A duo that ``llavar2 filter`` dropped, one line of ``dropped.jsonl``."""

    id: str  # the image id
    image: str
    duo: int  # index in the ConversationSet's ``duos`` (as in scores.jsonl)
    conversation: DuoConversation
    step: str  # the filter's step that dropped it: "rules", "scores" or "top"
    reason: str
    detail: str = ""
    scores: DuoScores | None = None
