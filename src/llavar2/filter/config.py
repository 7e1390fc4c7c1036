"""Typed settings of ``llavar2 filter`` (recorded in filter_report.json)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# The rules ``llavar2 filter`` applies by default, in order (``rules.RULES`` names them all).
# Cheap, specific rules first: an empty answer is "empty", not also "ungrounded"; an echoed
# injection is reported as such even when its payload is written in the image.
DEFAULT_RULES = (
    "length",
    "injection",
    "refusal",
    "language",
    "grounding",
    "exact_duplicate",
    "near_duplicate",
)

ScoreName = Literal["mifd", "ffd", "ifd", "vfd"]


class ScoreSelection(BaseModel):
    """DESIGN §4: a ratio ≥ 1 means the context did not help; the default drops ratio > 1 (as
    Cherry_LLM does for IFD) on mIFD (extractive pairs) and FFD (duos). None: no threshold."""

    model_config = ConfigDict(extra="forbid")

    mifd_max: float | None = 1.0
    ffd_max: float | None = 1.0
    ifd_max: float | None = None
    vfd_max: float | None = None
    top_k: int | None = Field(default=None, ge=0)
    top_fraction: float | None = Field(default=None, gt=0, le=1)
    rank_by: ScoreName = "mifd"  # lower is better
    keep_unscorable: bool = False  # keep duos whose needed score is None

    @model_validator(mode="after")
    def _one_top(self) -> ScoreSelection:
        if self.top_k is not None and self.top_fraction is not None:
            raise ValueError("give top_k or top_fraction, not both")
        return self

    def maxima(self) -> dict[str, float]:
        """Score → its threshold, for the thresholds that are set, in the order checked."""
        given = {
            "mifd": self.mifd_max,
            "ffd": self.ffd_max,
            "ifd": self.ifd_max,
            "vfd": self.vfd_max,
        }
        return {name: limit for name, limit in given.items() if limit is not None}

    @property
    def ranks(self) -> bool:
        return self.top_k is not None or self.top_fraction is not None


class FilterConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[str] = Field(default_factory=lambda: list(DEFAULT_RULES))  # in order
    rule_params: dict[str, dict[str, Any]] = Field(default_factory=dict)  # rule → parameters
    scores: ScoreSelection = Field(default_factory=ScoreSelection)
