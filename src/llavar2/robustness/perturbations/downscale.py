"""Low resolution: shrunk by a factor (box filter, as a camera sensor would average), then
enlarged back to the original size (bilinear), so the image keeps its size and loses detail."""

from __future__ import annotations

import numpy as np
from PIL import Image

from . import PERTURBATIONS, level

FACTOR = (2, 3, 4, 6, 8)


@PERTURBATIONS.register("downscale", help="low resolution: shrunk, then enlarged back", rank=40)
def downscale(image: Image.Image, severity: int, rng: np.random.Generator) -> Image.Image:
    del rng  # deterministic
    factor = level(FACTOR, severity)
    small = image.resize(
        (max(1, round(image.width / factor)), max(1, round(image.height / factor))),
        Image.Resampling.BOX,
    )
    return small.resize(image.size, Image.Resampling.BILINEAR)
