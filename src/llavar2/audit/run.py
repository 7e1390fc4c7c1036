"""``llavar2 audit OUT``: how a build's mix compares with a reference build or a target, what
filtering changed, who its texts mention, what personal data its OCR text holds, and how a
model's scores differ by subgroup. Writes ``OUT/audit/{audit.json,audit.md,plots/}``, then the
dataset card (``OUT/croissant.json``, ``OUT/dataset_card.md``) filled from it."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..imaging import file_sha256
from ..jsonl import read_jsonl, write_json_atomic
from ..layout import AUDIT_DIR, AUDIT_JSON, AUDIT_MD, CONVERSATIONS, PLOTS_DIR
from ..report.build_files import Build
from .collect import DIMENSIONS, AuditCounts, collect
from .divergence import compare, js_divergence, summary
from .features import IMAGE_DIMENSIONS
from .groups import drop_rates_clustered, subgroup_scores

# Item ids of a build benchmark ("<image id>:<k>") and of validate's held-out file
# ("<image id>-qa<k>").
ITEM_ID = re.compile(r"^(?P<image>.+?)(?::|-qa)(?P<k>\d+)$")


def read_target(path: Path) -> dict[str, dict[str, float]]:
    """``{"dimension": {"category": share, ...}, ...}``; shares are normalised per dimension."""
    try:
        target = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise UsageError(f"--target {path}: {e}") from None
    if not isinstance(target, dict) or not target:
        raise UsageError(f"--target {path}: expected an object of dimensions")
    for dim, shares in target.items():
        if dim not in DIMENSIONS:
            raise UsageError(
                f"--target {path}: unknown dimension {dim!r} (known: {', '.join(DIMENSIONS)})"
            )
        if (
            not isinstance(shares, dict)
            or not shares
            or not all(
                isinstance(v, (int, float)) and math.isfinite(v) and v >= 0 for v in shares.values()
            )
            or sum(shares.values()) <= 0
        ):
            raise UsageError(f"--target {path}: {dim} needs non-negative shares, not all 0")
    return target


def _target_warnings(counts: AuditCounts, target: dict[str, dict[str, float]]) -> list[str]:
    """Target categories the build never has (a typo, or a real gap: either way, say so)."""
    return [
        f"target {dim}: {category!r} does not occur in this build"
        for dim, shares in target.items()
        for category in shares
        if category not in _counts(counts, dim)
    ]


def _unit(dim: str) -> str:
    return "image" if dim in IMAGE_DIMENSIONS else "duo"


def _counts(counts: AuditCounts, dim: str) -> Any:
    return counts.images[dim] if dim in IMAGE_DIMENSIONS else counts.duos[dim]


def _dimensions(
    counts: AuditCounts,
    reference: AuditCounts | None,
    target: dict[str, dict[str, float]] | None,
    tolerance: float,
) -> dict[str, Any]:
    out = {}
    for dim in DIMENSIONS:
        mine = _counts(counts, dim)
        entry: dict[str, Any] = {"unit": _unit(dim), **summary(mine)}
        if reference is not None:
            entry["vs_reference"] = compare(mine, _counts(reference, dim), tolerance)
        elif target is not None and dim in target:
            entry["vs_target"] = compare(mine, target[dim], tolerance, target=True)
        out[dim] = entry
    return out


def _filtering(counts: AuditCounts, flag_ratio: float) -> dict[str, Any]:
    """Per dimension: each category's drop rate (Wilson CI) and its ratio to the rest, and how
    far the kept set's mix moved from the pool's."""
    out = {}
    for dim in DIMENSIONS:
        rates = drop_rates_clustered(counts.drops[dim], flag_ratio)
        out[dim] = {
            "jsd_pool_vs_kept": js_divergence(counts.duos[dim], counts.kept[dim])
            if counts.kept[dim]
            else None,
            **rates,
        }
    return out


def _eval(
    path: Path, out: Path, counts: AuditCounts, by: Sequence[str], seed: int
) -> dict[str, Any]:
    """Per-subgroup scores of a ``llavar2 evaluate`` result on this build's questions."""
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
        metric, items_file = result["primary_metric"], path.with_name(result["items_file"])
        items = [row for row in read_jsonl(items_file) if isinstance(row, dict)]
        evaluated = result.get("benchmark", {})
    except (OSError, KeyError, TypeError, AttributeError, ValueError) as e:
        raise UsageError(f"--eval {path}: not a llavar2 evaluate result ({e})") from None
    conversations = out / CONVERSATIONS
    if (
        evaluated.get("format") == "build"
        and conversations.is_file()
        and evaluated.get("sha256") != file_sha256(conversations)
    ):
        # Its duo numbers count the duos of another file (kept.jsonl, another build).
        raise UsageError(
            f"--eval {path}: it evaluated {evaluated.get('file')}, not "
            f"{conversations}; evaluate --benchmark {out}"
        )
    matched, unmatched = [], 0
    for row in items:
        m = ITEM_ID.match(str(row.get("id", "")))
        categories = counts.duo_categories.get(f"{m['image']}:{m['k']}") if m else None
        value = row.get(metric)
        if (
            m is None
            or categories is None
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
        ):
            unmatched += 1
        else:
            matched.append((categories, float(value), m["image"]))
    if not matched:
        raise UsageError(
            f"--eval {path}: none of its {len(items)} items is a duo of this "
            "build (ids <image id>:<k> or <image id>-qa<k>)"
        )
    return {
        "file": str(path),
        "model": result.get("model"),
        "metric": metric,
        "items": len(items),
        "matched": len(matched),
        "unmatched": unmatched,
        # The questions of one image are one cluster of the bootstrap.
        "by": {
            dim: subgroup_scores(((c[dim], v, image) for c, v, image in matched), seed=seed)
            for dim in by
        },
    }


def run_audit(
    out: Path,
    reference: Path | None = None,
    target: Path | None = None,
    eval_result: Path | None = None,
    by: Sequence[str] = ("source", "kind"),
    tolerance: float = 0.05,
    flag_ratio: float = 1.5,
    seed: int = 0,
    progress: bool = False,
    license: str | None = None,
) -> dict[str, Any]:
    from .card import write_cards
    from .report_files import write_markdown, write_plots

    if reference is not None and target is not None:
        raise UsageError("give --reference or --target, not both")
    for dim in by:
        if dim not in DIMENSIONS:
            raise UsageError(f"--by {dim!r}: known dimensions are {', '.join(DIMENSIONS)}")
    build = Build(out)
    shares = read_target(target) if target is not None else None
    counts = collect(build, keep=list(by) if eval_result is not None else [], progress=progress)
    ref_counts = (
        collect(Build(reference), texts=False, progress=progress, desc="reference")
        if reference is not None
        else None
    )
    audit: dict[str, Any] = {
        "build": str(out.resolve()),
        "reference": (
            {"build": str(reference.resolve())}
            if reference is not None
            else {"target": str(target)}
            if target is not None
            else None
        ),
        "images": sum(counts.images["source"].values()),
        "duos": sum(counts.duos["qtype"].values()),
        "filtered": build.filtered,
        "tolerance": tolerance,
        "flag_ratio": flag_ratio,
        "dimensions": _dimensions(counts, ref_counts, shares, tolerance),
        "filtering": _filtering(counts, flag_ratio) if build.filtered else None,
        "filter_drops": dict(counts.drop_steps.most_common()),
        "identity": counts.identity.result(),
        "personal_data": counts.pii.result(),
        "eval": _eval(eval_result, out, counts, by, seed) if eval_result is not None else None,
        "warnings": _target_warnings(counts, shares) if shares else [],
    }
    folder = out / AUDIT_DIR
    (folder / PLOTS_DIR).mkdir(parents=True, exist_ok=True)
    plots = write_plots(audit, folder / PLOTS_DIR)
    write_json_atomic(folder / AUDIT_JSON, audit)
    (folder / AUDIT_MD).write_text(write_markdown(audit, plots, folder), encoding="utf-8")
    write_cards(out, audit, license)
    return audit
