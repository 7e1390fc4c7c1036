"""Gaussian blur; the radius grows with the image (a share of the shorter side), so that a
severity means the same loss of legibility on small and large images."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from . import PERTURBATIONS, level

RADIUS_SHARE = (0.001, 0.002, 0.003, 0.0045, 0.006)  # 1, 2, 3, 4.5, 6 px at 1000 px


@PERTURBATIONS.register("blur", help="Gaussian blur", rank=20)
def blur(image: Image.Image, severity: int, rng: np.random.Generator) -> Image.Image:
    del rng  # deterministic
    radius = level(RADIUS_SHARE, severity) * min(image.size)
    return image.filter(ImageFilter.GaussianBlur(radius))
