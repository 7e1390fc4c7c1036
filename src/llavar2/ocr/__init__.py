"""The OCR stage: text lines with boxes and scores, in reading order (DESIGN §1).

Engines live in a registry (``ENGINES``), one module each in ``engines/``; importing this
package registers them::

    from llavar2 import ocr
    from llavar2.records import ImageRecord

    records = (r for r in ocr.scan_images(folder) if isinstance(r, ImageRecord))
    for result in ocr.run_ocr(records, folder, workers=4):  # OcrResult or Reject, in order
        ...
"""

from __future__ import annotations

from . import engines  # noqa: F401  (registers the engines)
from .base import ENGINES, EngineUnavailable, OcrEngine, get_engine, to_rgb
from .cache import OcrCache, cache_key
from .layout import order_lines
from .run import decode_image, ocr_image, run_ocr
from .scan import IMAGE_EXTENSIONS, scan_images

__all__ = [
    "ENGINES",
    "EngineUnavailable",
    "IMAGE_EXTENSIONS",
    "OcrCache",
    "OcrEngine",
    "cache_key",
    "decode_image",
    "get_engine",
    "ocr_image",
    "order_lines",
    "run_ocr",
    "scan_images",
    "to_rgb",
]
