"""Additive Gaussian noise per pixel and channel; σ as a share of the 0–255 range (ImageNet-C's
levels)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from . import PERTURBATIONS, level

SIGMA = (0.08, 0.12, 0.18, 0.26, 0.38)


@PERTURBATIONS.register("gaussian_noise")
def gaussian_noise(image: Image.Image, severity: int, rng: np.random.Generator) -> Image.Image:
    pixels = np.asarray(image, dtype=np.float32) / 255.0
    noisy = pixels + rng.normal(0.0, level(SIGMA, severity), pixels.shape)
    return Image.fromarray((np.clip(noisy, 0, 1) * 255).round().astype(np.uint8))
