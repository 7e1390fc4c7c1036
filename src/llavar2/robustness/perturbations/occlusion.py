"""Occlusion: opaque grey rectangles at random places covering a growing share of the image
(they may overlap, so the covered share is at most the target)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from . import PERTURBATIONS, level

AREA = (0.05, 0.10, 0.20, 0.30, 0.45)
PATCHES = 4  # per severity level


@PERTURBATIONS.register("occlusion", help="grey rectangles over the image", rank=60)
def occlusion(image: Image.Image, severity: int, rng: np.random.Generator) -> Image.Image:
    out = image.copy()
    draw = ImageDraw.Draw(out)
    n = PATCHES * severity
    patch_area = level(AREA, severity) * image.width * image.height / n
    for _ in range(n):
        aspect = rng.uniform(0.5, 2.0)
        w = min(image.width, max(1, int(np.sqrt(patch_area * aspect))))
        h = min(image.height, max(1, int(patch_area / w)))
        x, y = int(rng.integers(0, image.width - w + 1)), int(rng.integers(0, image.height - h + 1))
        grey = int(rng.integers(60, 200))
        draw.rectangle([x, y, x + w - 1, y + h - 1], fill=(grey, grey, grey))
    return out
