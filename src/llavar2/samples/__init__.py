"""The sample set bundled with llavar2: text-rich images, human captions and OCR ground truth.

Rendered by ``scripts/render_samples.py`` (fonts are baked into the committed images).

- ``captions.jsonl``: ``{"image", "caption", "kind"}`` per image, ``image`` relative to ``images/``.
- ``ground_truth.jsonl``: ``{"image", "lines", "text"}`` per image: the exact text drawn, in
  reading order (top to bottom, left to right; one visual line per entry of ``lines``).
"""

from __future__ import annotations

import json
from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parent
IMAGES_DIR = SAMPLES_DIR / "images"
CAPTIONS = SAMPLES_DIR / "captions.jsonl"
GROUND_TRUTH = SAMPLES_DIR / "ground_truth.jsonl"

__all__ = ["SAMPLES_DIR", "IMAGES_DIR", "CAPTIONS", "GROUND_TRUTH", "load_ground_truth"]


def load_ground_truth() -> dict[str, str]:
    """Image file name (relative to ``IMAGES_DIR``) -> ground-truth text, lines joined by
    newlines."""
    out: dict[str, str] = {}
    with open(GROUND_TRUTH, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                out[row["image"]] = row["text"]
    return out
