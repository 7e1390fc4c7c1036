"""Rotation about the centre by a growing angle, clockwise or not at random; the canvas keeps
its size (corners cut off, uncovered corners white)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from . import PERTURBATIONS, level

DEGREES = (3, 6, 10, 15, 25)


@PERTURBATIONS.register("rotation", help="rotation about the centre", rank=50)
def rotation(image: Image.Image, severity: int, rng: np.random.Generator) -> Image.Image:
    angle = level(DEGREES, severity) * (1 if rng.random() < 0.5 else -1)
    return image.rotate(
        angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=(255, 255, 255)
    )
