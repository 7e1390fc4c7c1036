"""Additive Gaussian noise per pixel and channel; σ as a share of the 0–255 range. ImageNet-C's
levels (0.08–0.38) left OCR of the bundled samples untouched; these reach where reading fails."""

from __future__ import annotations

import numpy as np
from PIL import Image

from . import PERTURBATIONS, level

SIGMA = (0.1, 0.2, 0.3, 0.4, 0.5)


@PERTURBATIONS.register("gaussian_noise", help="additive Gaussian noise", rank=10)
def gaussian_noise(image: Image.Image, severity: int, rng: np.random.Generator) -> Image.Image:
    pixels = np.asarray(image, dtype=np.float32) / 255.0
    noisy = pixels + rng.normal(0.0, level(SIGMA, severity), pixels.shape)
    return Image.fromarray((np.clip(noisy, 0, 1) * 255).round().astype(np.uint8))
