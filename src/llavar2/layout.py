"""The build folder's layout: every file and folder name a stage writes into ``OUT``, once.

Stages import their names from here (never from each other or from a runner), so a file's
name is in one place and a stage that reads another's output does not import that stage.
"""

from __future__ import annotations

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
