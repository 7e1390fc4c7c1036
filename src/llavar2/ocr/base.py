"""The OCR engine interface and the engine registry.

An engine turns one RGB image into raw text lines (any order; ``llavar2.ocr.layout`` orders
them). Engines are built lazily, once per process: ONNX Runtime sessions and subprocess
wrappers can't be pickled, so worker processes build their own (see ``llavar2.ocr.run``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np
from PIL import Image

from ..records import OcrLine
from ..registry import Registry


class EngineUnavailable(RuntimeError):
    """The engine's package or program is not installed; the message says what to install."""


class OcrEngine(ABC):
    name: ClassVar[str]
    version: str  # package version + model/configuration identity: part of the OCR cache key

    def __init__(self, threads: int | None = None) -> None:  # noqa: B027  (no setup by default)
        """``threads``: CPU threads the engine may use; None lets it decide (all cores)."""

    @abstractmethod
    def read(self, image: Image.Image) -> list[OcrLine]:
        """Text lines of an RGB image, boxes in its pixel coordinates, in no particular order."""


ENGINES: Registry[type[OcrEngine]] = Registry("OCR engine")
DEFAULT_ENGINE = "rapidocr"  # installed with llavar2; the others are optional


def get_engine(name: str, threads: int | None = None) -> OcrEngine:
    """Build the engine registered as ``name`` (``UnknownName`` if unknown, EngineUnavailable
    if it is not installed)."""
    return ENGINES.get(name)(threads=threads)


def to_rgb(image: Image.Image) -> Image.Image:
    """An 8-bit RGB copy of any PIL image.

    Transparent pixels become a background that contrasts with the visible ones (white
    behind dark text, black behind light text): a plain ``convert("RGB")`` keeps whatever
    colour the transparent pixels hold, often black, which hides black text. 16-bit and float
    grayscale are scaled to 8 bits instead of clipped.
    """
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        values = np.asarray(image, dtype=np.float64)
        if values.size and values.max() > 255:
            values = values * (255.0 / 65535.0)
        image = Image.fromarray(np.clip(values, 0, 255).astype(np.uint8), "L")
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info
    )
    if not has_alpha:
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    alpha = np.asarray(rgba.getchannel("A"))
    visible = np.asarray(rgba.convert("L"))[alpha > 0]
    dark_ink = visible.size == 0 or visible.mean() < 128
    background = Image.new("RGB", rgba.size, (255, 255, 255) if dark_ink else (0, 0, 0))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background
