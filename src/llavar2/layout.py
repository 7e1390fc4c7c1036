"""The build folder's layout: every file and folder name a stage writes into ``OUT``, once.

Stages import their names from here (never from each other or from a runner), so a file's
name is in one place and a stage that reads another's output does not import that stage.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .errors import UsageError
from .imaging import DEFAULT_MAX_PIXELS

# llavar2 build (ingest → ocr → enrich → qa → export)
IMAGES = "images.jsonl"
OCR = "ocr.jsonl"
CAPTIONS = "captions.jsonl"
CONVERSATIONS = "conversations.jsonl"
REJECTS = "rejects.jsonl"
SUMMARY = "summary.json"
BUILD = "build.json"  # the settings the records were made with, and the images folder
LLAVA = "llava.json"  # the export the build ends with

# llavar2 score
SCORES = "scores.jsonl"

# llavar2 filter
KEPT = "kept.jsonl"  # what the filter kept of conversations.jsonl
DROPPED = "dropped.jsonl"
FILTER_REPORT = "filter_report.json"

# llavar2 report: a folder of report.md, plots/ and browser/
REPORT_DIR = "report"
REPORT_MD = "report.md"
PLOTS_DIR = "plots"
BROWSER_DIR = "browser"

# llavar2 audit: a folder of audit.json, audit.md and plots/, and the dataset's cards
AUDIT_DIR = "audit"
AUDIT_JSON = "audit.json"
AUDIT_MD = "audit.md"
CROISSANT = "croissant.json"
DATASET_CARD = "dataset_card.md"

# llavar2 human-eval analyze: the reports it wrote, which llavar2 report links
HUMAN_EVAL_LINKS = "human_eval.json"


def recorded_settings(out: Path) -> dict[str, Any] | None:
    """The settings build.json records (the images folder, --max-pixels, ...); None without
    one."""
    path = out / BUILD
    if not path.is_file():
        return None
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise UsageError(f"{path}: invalid JSON: {e}") from None
    if not isinstance(settings, dict):
        raise UsageError(f"{path}: not a build's settings (not a JSON object)")
    return settings


def recorded_images_dir(out: Path) -> Path | None:
    """The images folder the build in ``out`` read; None when build.json does not say."""
    settings = recorded_settings(out)
    folder = settings.get("images_dir") if settings else None
    return Path(folder) if folder else None


def recorded_max_pixels(out: Path) -> int:
    """The ``--max-pixels`` the build in ``out`` was made with: what the stages that open its
    images again (score, report) allow by default. Pillow's default without a build.json."""
    settings = recorded_settings(out) or {}
    try:
        return int(settings.get("max_pixels") or DEFAULT_MAX_PIXELS)
    except (ValueError, TypeError) as e:
        raise UsageError(f"{out / BUILD}: not a build's settings ({e})") from None
