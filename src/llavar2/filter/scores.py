"""Selection by score (DESIGN §4): thresholds on mIFD / FFD / IFD / VFD, then the top-k or top
fraction of what remains ranked by one score (lower is better).

scores.jsonl may hold hundreds of thousands of ``DuoScores`` lines: only the four ratios (and
the reasons of unscorable terms) are held in memory, with each line's offset so that a dropped
duo's full scores can be read back when it is written to dropped.jsonl.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from ..errors import UsageError
from ..layout import SCORES
from ..records import DuoScores
from .config import ScoreSelection
from .rules import Drop

LABELS = {"mifd": "mIFD", "ffd": "FFD", "ifd": "IFD", "vfd": "VFD"}

Key = tuple[str, int]  # (image id, duo index)


@dataclass(frozen=True)
class ScoreLine:
    ratios: dict[str, float | None]
    offset: int  # byte offset of the line in scores.jsonl
    unscorable: dict[str, str] = field(default_factory=dict)


def read_scores(path: Path) -> dict[Key, ScoreLine]:
    """Every line of ``path`` by (id, duo); a malformed line or a key given twice is an error."""
    found: dict[Key, ScoreLine] = {}
    offset = 0
    with open(path, "rb") as f:
        for lineno, line in enumerate(f, 1):
            start, offset = offset, offset + len(line)
            if not line.strip():
                continue
            try:
                s = DuoScores.model_validate(json.loads(line))
            except (json.JSONDecodeError, ValidationError) as e:
                raise UsageError(f"{path}:{lineno}: not a DuoScores record: {e}") from None
            key = (s.id, s.duo)
            if key in found:
                raise UsageError(f"{path}:{lineno}: image {s.id} duo {s.duo} is scored twice")
            ratios = {"mifd": s.mifd, "ffd": s.ffd, "ifd": s.ifd, "vfd": s.vfd}
            found[key] = ScoreLine(ratios, start, s.unscorable)
    return found


def score_record(path: Path, line: ScoreLine) -> DuoScores:
    with open(path, "rb") as f:
        f.seek(line.offset)
        return DuoScores.model_validate_json(f.readline())


def _unscorable(name: str, line: ScoreLine | None) -> Drop:
    if line is None:
        return Drop("unscorable", f"no line for this duo in {SCORES}")
    why = "; ".join(f"{term}: {reason}" for term, reason in sorted(line.unscorable.items()))
    return Drop("unscorable", f"{LABELS[name]} is None" + (f" ({why})" if why else ""))


def _above(value: float, limit: float) -> str:
    """``value`` with enough digits to read as more than ``limit`` (1.0003, not 1)."""
    for digits in (4, 6, 17):
        shown = f"{value:.{digits}g}"
        if float(shown) > limit:
            return shown
    return repr(value)


def threshold_drop(line: ScoreLine | None, selection: ScoreSelection) -> Drop | None:
    """The first threshold the duo's scores exceed, or a missing needed score; else None."""
    for name, limit in selection.maxima().items():
        value = line.ratios[name] if line is not None else None
        if value is None:
            if selection.keep_unscorable:
                continue
            return _unscorable(name, line)
        if value > limit:
            return Drop(f"{name}_above_max", f"{LABELS[name]} {_above(value, limit)} > {limit:g}")
    return None


def rank_value(
    line: ScoreLine | None, selection: ScoreSelection
) -> tuple[float | None, Drop | None]:
    """(the score the duo is ranked by, None) or (None, why it cannot be ranked: None when
    unscorable duos are kept unranked)."""
    value = line.ratios[selection.rank_by] if line is not None else None
    if value is None:
        return None, None if selection.keep_unscorable else _unscorable(selection.rank_by, line)
    return value, None


def top_drops(ranked: list[tuple[float, Key]], selection: ScoreSelection) -> dict[Key, Drop]:
    """Of ``ranked`` (score, key) in input order, the ones outside the best ``top_k`` (or the
    best ``top_fraction``, rounded down); ties go to the earlier duo."""
    n = len(ranked)
    if selection.top_k is not None:
        k = selection.top_k
        limit = f"--top-k {k}"
    elif selection.top_fraction is not None:
        k = math.floor(selection.top_fraction * n)
        limit = f"--top-fraction {selection.top_fraction:g} of {n} = {k}"
    else:
        raise ValueError("top_drops needs top_k or top_fraction")
    order = sorted(range(n), key=lambda i: (ranked[i][0], i))
    label = LABELS[selection.rank_by]
    return {
        ranked[i][1]: Drop(
            "below_top", f"{label} {ranked[i][0]:.4g} ranks {rank + 1} of {n} ({limit})"
        )
        for rank, i in enumerate(order)
        if rank >= k
    }
