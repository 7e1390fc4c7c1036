"""Opening untrusted image files with our pixel limit instead of Pillow's global one.

Pillow guards against decompression bombs with a process-wide ``Image.MAX_IMAGE_PIXELS``,
checked in ``Image.open``. We never change that global, not even for a moment: it belongs to
the user's process, and other threads decode images meanwhile. Instead ``open_checked``
identifies the file with Pillow's format plugins the way ``Image.open`` does, minus that one
check, and compares the header's size with the caller's ``max_pixels``: the limit is per call.

A few plugins (TIFF, GIF, WebP, MPO) check Pillow's global again while opening or decoding.
An image of those formats over twice Pillow's limit is refused by Pillow whatever
``max_pixels`` says; it comes out as ``TooManyPixels`` naming Pillow's limit.
"""

from __future__ import annotations

import hashlib
import io
import struct
from pathlib import Path
from typing import BinaryIO

from PIL import Image, UnidentifiedImageError


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


def _identify(fp: BinaryIO, filename: str) -> Image.Image:
    """What ``Image.open(fp)`` returns, without its decompression-bomb check (see above)."""
    prefix = fp.read(16)
    Image.preinit()
    tried: set[str] = set()
    for load in (None, Image.init):  # the common plugins first, then all of them
        if load is not None:
            load()
        for name in [n for n in Image.ID if n not in tried]:
            tried.add(name)
            factory, accept = Image.OPEN[name]
            try:
                found = not accept or accept(prefix)
                if not found or isinstance(found, str):  # a str: a format it nearly is
                    continue
                fp.seek(0)
                return factory(fp, filename)
            except (SyntaxError, IndexError, TypeError, struct.error):
                continue
    raise UnidentifiedImageError(f"cannot identify image file {filename or 'data'!r}")


def open_checked(source: str | Path | bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Open (header only) an image whose pixel count is within ``max_pixels``.

    Raises TooManyPixels before any pixel is decoded, or whatever Pillow raises for a file
    that is not an image. Thread-safe: no process-wide setting is read or changed but Pillow's
    own limit in the plugins named above.
    """
    if isinstance(source, bytes):
        fp: BinaryIO = io.BytesIO(source)
        filename = ""
    else:
        fp, filename = open(source, "rb"), str(source)
    try:
        image = _identify(fp, filename)
    except Image.DecompressionBombError as e:  # a plugin's own check of Pillow's global
        fp.close()
        raise TooManyPixels(f"more pixels than Pillow's process-wide limit allows ({e})") from None
    except BaseException:
        fp.close()
        raise
    if filename:
        image._exclusive_fp = True  # type: ignore[attr-defined]  # closed with the image
    width, height = image.size
    if width * height > max_pixels:
        image.close()
        fp.close()
        raise TooManyPixels(f"{width}x{height} = {width * height} pixels (limit {max_pixels})")
    return image
