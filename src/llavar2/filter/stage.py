"""``llavar2 filter OUT``: the rule filters, then the score thresholds, then top-k selection over
a finished build (DESIGN §4).

Writes, each file replaced atomically (a rerun is safe and gives the same bytes):

* ``kept.jsonl``: the ConversationSets with only their kept duos (an image left with none is
  left out);
* ``dropped.jsonl``: one ``FilteredDuo`` per dropped duo: the duo, the first reason that fired,
  and its scores if any;
* ``filter_report.json``: counts in and out, per reason and per step, and the parameters.

Every input duo is in exactly one of kept.jsonl and dropped.jsonl. Two passes over
conversations.jsonl, each streamed: the first decides (the drops go to a temporary file in input
order; for top-k, one score per duo is held), the second writes.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

from pydantic import BaseModel, ValidationError
from tqdm import tqdm

from ..errors import UsageError
from ..join import merge_join
from ..jsonl import atomic_open, dumps, read_jsonl, write_json_atomic
from ..layout import CAPTIONS, CONVERSATIONS, DROPPED, FILTER_REPORT, KEPT, OCR, SCORES
from ..records import ConversationSet, EnrichedCaption, FilteredDuo, OcrResult
from .config import FilterConfig
from .rules import Drop, DuoItem, ImageContext, Rule, build_rules
from .scores import Key, ScoreLine, rank_value, read_scores, score_record, threshold_drop, top_drops

STEPS = ("rules", "scores", "top")  # in the order they run

M = TypeVar("M", bound=BaseModel)


def _records(path: Path, model: type[M]) -> Iterator[M]:
    """``read_jsonl`` whose errors name the file and record: bad input is a usage error."""
    if not path.is_file():
        raise UsageError(f"{path} is missing: is {path.parent} a finished build?")
    for n, obj in enumerate(read_jsonl(path), 1):
        try:
            yield model.model_validate(obj)
        except ValidationError as e:
            raise UsageError(f"{path}: record {n} is not a {model.__name__}: {e}") from None


def _params(rule: Rule) -> dict[str, Any]:
    if not is_dataclass(rule):
        return {}
    return {f.name: getattr(rule, f.name) for f in fields(rule) if f.init}


class _Verdicts:
    """Pass 1's drops, for pass 2, in input order: the rule and score drops spilled to a
    temporary file (read back by a merge, so memory does not grow with them), the top-k drops,
    which are known only at the end, in memory (only when ranking)."""

    def __init__(self) -> None:
        self._file: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")
        self.top: dict[Key, tuple[str, Drop]] = {}

    def add(self, key: Key, step: str, drop: Drop) -> None:
        self._file.write(json.dumps([key[0], key[1], step, drop.reason, drop.detail]) + "\n")

    def in_order(self) -> Iterator[tuple[Key, tuple[str, Drop]]]:
        self._file.seek(0)
        for line in self._file:
            image, duo, step, reason, detail = json.loads(line)
            yield (image, duo), (step, Drop(reason, detail))

    def close(self) -> None:
        self._file.close()


def _decide(
    out: Path, cfg: FilterConfig, scores: dict[Key, ScoreLine] | None, progress: bool
) -> tuple[_Verdicts, Counter[str], dict[str, Any]]:
    """Pass 1: (the drops, input counts, each rule's parameters)."""
    try:
        rules = build_rules(cfg.rules, cfg.rule_params)  # an unknown name: a UsageError already
    except (TypeError, ValueError) as e:
        raise UsageError(str(e)) from None
    selection = cfg.scores
    drops = _Verdicts()
    ranked: list[tuple[float, Key]] = []
    counts: Counter[str] = Counter()
    joined = merge_join(
        merge_join(_records(out / OCR, OcrResult), _records(out / CAPTIONS, EnrichedCaption)),
        _records(out / CONVERSATIONS, ConversationSet),
    )
    try:
        for (ocr, caption), convs in tqdm(
            joined, desc="filter", unit="img", disable=not progress, leave=False
        ):
            counts["images"] += 1
            image = ImageContext(
                convs.id,
                ocr.clean_text,
                caption.caption,
                caption.human_caption,
                written_ocr_text=ocr.text,
            )
            for index, duo in enumerate(convs.duos):
                counts["duos"] += 1
                item = DuoItem(image, index, duo)
                drop = next((d for _, rule in rules if (d := rule.check(item)) is not None), None)
                if drop is not None:
                    drops.add(item.key, "rules", drop)
                    continue
                line = scores.get(item.key) if scores is not None else None
                if scores is not None:
                    drop = threshold_drop(line, selection)
                    if drop is None and selection.ranks:
                        value, drop = rank_value(line, selection)
                        if value is not None:
                            ranked.append((value, item.key))
                    if drop is not None:
                        drops.add(item.key, "scores", drop)
                        continue
                # Only now do duplicate rules learn the duo: of a group of duplicates, the first
                # that passes every other check is kept.
                for _, rule in rules:
                    rule.admit(item)
    except ValueError as e:  # records missing upstream or out of order
        drops.close()
        raise UsageError(f"{out}: {e}") from None
    if ranked:
        drops.top = {key: ("top", d) for key, d in top_drops(ranked, selection).items()}
    return drops, counts, {name: _params(rule) for name, rule in rules}


def run(out: Path, cfg: FilterConfig, progress: bool = False) -> dict[str, Any]:
    """Filter the build in ``out``; returns the report (also written to filter_report.json)."""
    scores_path = out / SCORES
    scores = read_scores(scores_path) if scores_path.is_file() else None
    drops, counts, rule_params = _decide(out, cfg, scores, progress)

    kept: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    steps: Counter[str] = Counter()
    n_scored = 0  # input duos that have a line in scores.jsonl
    spilled = drops.in_order()
    next_drop = next(spilled, None)
    with (
        closing(drops),
        atomic_open(out / KEPT) as kept_file,
        atomic_open(out / DROPPED) as dropped_file,
    ):
        for convs in _records(out / CONVERSATIONS, ConversationSet):
            keep = []
            for index, duo in enumerate(convs.duos):
                if scores is not None:
                    n_scored += (convs.id, index) in scores
                verdict = drops.top.get((convs.id, index))
                if next_drop is not None and next_drop[0] == (convs.id, index):
                    verdict, next_drop = next_drop[1], next(spilled, None)
                if verdict is None:
                    keep.append(duo)
                    continue
                step, drop = verdict
                line = scores.get((convs.id, index)) if scores is not None else None
                dropped_file.write(
                    dumps(
                        FilteredDuo(
                            id=convs.id,
                            image=convs.image,
                            duo=index,
                            conversation=duo,
                            step=step,
                            reason=drop.reason,
                            detail=drop.detail,
                            scores=score_record(scores_path, line) if line is not None else None,
                        )
                    )
                    + "\n"
                )
                reasons[drop.reason] += 1
                steps[step] += 1
            if keep:
                kept_file.write(dumps(convs.model_copy(update={"duos": keep})) + "\n")
                kept["images"] += 1
                kept["duos"] += len(keep)

    scored = None
    if scores is not None:
        scored = {
            "file": SCORES,
            "lines": len(scores),
            "duos_without_scores": counts["duos"] - n_scored,
            "lines_for_no_duo": len(scores) - n_scored,
        }
    report = {
        "input": {"images": counts["images"], "duos": counts["duos"]},
        "kept": {"images": kept["images"], "duos": kept["duos"]},
        "dropped": {
            "duos": sum(reasons.values()),
            "by_reason": dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
            "by_step": {step: steps[step] for step in STEPS},
        },
        "scores": scored,  # None: no scores.jsonl, the rules alone were applied
        "params": {
            "rules": rule_params,
            "scores": cfg.scores.model_dump(mode="json") if scores is not None else None,
        },
    }
    write_json_atomic(out / FILTER_REPORT, report)
    return report
