"""Images as base64 data URLs for ``image_url`` message parts (DESIGN §2)."""

from __future__ import annotations

import base64
import io
from pathlib import Path

from PIL import Image

from ...imaging import open_checked

# Formats every vision endpoint accepts as they are; others are re-encoded.
_SENT_AS_IS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}


def image_reference(sha256: str, max_side: int) -> str:
    """What stands for the image in cached messages: its content, not its bytes."""
    return f"llavar2-image:sha256:{sha256}:max-side-{max_side}"


def data_url(path: Path, max_side: int, max_pixels: int) -> str:
    """The image, longer side at most ``max_side`` pixels, as a ``data:`` URL. Unchanged files
    are sent byte for byte; downscaled ones as PNG (lossless: text stays sharp), or JPEG for
    JPEG sources. ``max_pixels`` is the build's limit, which ingest already checked."""
    raw = Path(path).read_bytes()
    with open_checked(raw, max_pixels) as image:
        fmt = image.format or ""
        if max(image.size) <= max_side and fmt in _SENT_AS_IS:
            return f"data:{_SENT_AS_IS[fmt]};base64,{base64.b64encode(raw).decode()}"
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        if fmt == "JPEG":
            image.convert("RGB").save(out, "JPEG", quality=90)
            mime = "image/jpeg"
        else:
            keep = image.mode if image.mode in ("RGB", "RGBA", "L", "LA") else "RGBA"
            image.convert(keep).save(out, "PNG")
            mime = "image/png"
    return f"data:{mime};base64,{base64.b64encode(out.getvalue()).decode()}"
