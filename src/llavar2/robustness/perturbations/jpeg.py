"""JPEG compression at falling quality (ImageNet-C's levels), decoded back."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from . import PERTURBATIONS, level

QUALITY = (25, 18, 15, 10, 7)


@PERTURBATIONS.register("jpeg", help="JPEG compression", rank=30)
def jpeg(image: Image.Image, severity: int, rng: np.random.Generator) -> Image.Image:
    del rng  # deterministic
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=int(level(QUALITY, severity)))
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return decoded.convert("RGB")
