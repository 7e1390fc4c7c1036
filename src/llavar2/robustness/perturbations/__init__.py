"""Image perturbations of the robustness suite (DESIGN §7), one module each, registered by
name. ``apply(image, severity, rng)`` takes an RGB image, a severity 1 (mild) to 5 (harsh) and a
seeded ``numpy.random.Generator``, and returns an RGB image of the same size: down-scaling
shrinks and then enlarges back (the detail is lost, the geometry kept), rotation keeps the
canvas (corners filled white)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image

from ...registry import Registry

SEVERITIES = (1, 2, 3, 4, 5)
Perturbation = Callable[[Image.Image, int, np.random.Generator], Image.Image]
PERTURBATIONS: Registry[Perturbation] = Registry("perturbation")


def level(values: tuple[float, ...], severity: int) -> float:
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {SEVERITIES}, got {severity}")
    return values[severity - 1]


from . import (
    blur,
    downscale,
    gaussian_noise,
    jpeg,
    occlusion,
    rotation,  # noqa: E402,F401
    typographic,
)
