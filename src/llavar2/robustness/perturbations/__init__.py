"""Image perturbations of the robustness suite (DESIGN §7), one module each, registered in
``PERTURBATIONS`` with their help and ``rank`` (their place in a default run).
``apply(image, severity, rng)`` takes an RGB image, a severity 1 (mild) to 5 (harsh) and a
seeded ``numpy.random.Generator``, and returns an RGB image of the same size: down-scaling
shrinks and then enlarges back (the detail is lost, the geometry kept), rotation keeps the
canvas (corners filled white). Every module in this package is imported here, so a new
perturbation is one new file."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from PIL import Image

from ...registry import Registry, import_implementations

SEVERITIES = (1, 2, 3, 4, 5)
Perturbation = Callable[[Image.Image, int, np.random.Generator], Image.Image]
PERTURBATIONS: Registry[Perturbation] = Registry("perturbation")


def level(values: tuple[float, ...], severity: int) -> float:
    """The value of a perturbation's setting at ``severity`` (one value per severity)."""
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {SEVERITIES}, got {severity}")
    return values[severity - 1]


def default_order() -> list[str]:
    """The perturbations a suite runs by default: all, by their ``rank`` (then name), so that a
    new perturbation's file says where it goes."""
    return [
        e.name
        for e in sorted(
            PERTURBATIONS.entries(), key=lambda e: (e.meta.get("rank", math.inf), e.name)
        )
    ]


import_implementations(__name__, __path__)
