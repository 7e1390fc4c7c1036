"""RapidOCR (PP-OCR models run by ONNX Runtime; the models ship inside the PyPI wheel)."""

from __future__ import annotations

import hashlib
import json
import math
from importlib.metadata import version as package_version
from typing import Any

import numpy as np
from PIL import Image

from ...records import OcrLine
from ..base import ENGINES, OcrEngine

# RapidOCR's own pre-resize records only its last scale step, so boxes of images that it both
# shrinks and enlarges (long, thin ones) come back misplaced, and it can round a side to 0 and
# find nothing; its padding of wide images is black, which hides short text from the detector.
# So we scale and pad here, within the same bounds, and map boxes back ourselves.
MAX_SIDE = 2000  # longest side the models see
MIN_SIDE = 30  # shortest side after scaling
MAX_ASPECT = 8  # wider images are padded above and below to this width:height
MIN_HEIGHT = 60  # and so are very short ones (measured: small labels are read only when padded)

SETTINGS: dict[str, Any] = {
    "Global.log_level": "error",  # it logs INFO lines on every model load
    "Global.use_preprocess_img": False,
    "Global.use_vertical_padding": False,
}


@ENGINES.register(
    "rapidocr", help="RapidOCR: PP-OCR models on ONNX Runtime, installed with llavar2"
)
class RapidOcrEngine(OcrEngine):
    name = "rapidocr"

    def __init__(self, threads: int | None = None):
        super().__init__(threads)
        from rapidocr import RapidOCR  # constructing it is cheap: sessions load on first use

        params = dict(SETTINGS)
        if threads is not None:
            params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
            params["EngineConfig.onnxruntime.inter_op_num_threads"] = 1
        self._ocr = RapidOCR(params=params)
        self.version = _version(self._ocr.cfg)

    def read(self, image: Image.Image) -> list[OcrLine]:
        from rapidocr.utils.output import RapidOCROutput  # loaded with RapidOCR already

        width, height = image.size
        prepared, top, scale = _prepare(image)
        out = self._ocr(prepared)
        # With detection, classification and recognition all on, the output is RapidOCROutput.
        assert isinstance(out, RapidOCROutput), type(out)
        if out.txts is None or out.boxes is None or out.scores is None:
            return []
        boxes = np.asarray(out.boxes, dtype=np.float64).reshape(-1, 4, 2)
        boxes[..., 1] -= top
        boxes /= scale
        boxes = np.clip(boxes, 0, (width, height)).round(2)
        return [
            OcrLine(text=text, box=box.tolist(), score=round(float(score), 5))
            for text, box, score in zip(out.txts, boxes, out.scores)
        ]


def _prepare(image: Image.Image) -> tuple[Image.Image, int, tuple[float, float]]:
    """The image scaled into [MIN_SIDE, MAX_SIDE] and padded (centred, with its border colour)
    to at most MAX_ASPECT:1 and at least MIN_HEIGHT; the padding added at the top; the (x, y)
    scale applied."""
    width, height = image.size
    factor = min(max(1.0, MIN_SIDE / min(width, height)), MAX_SIDE / max(width, height))
    if factor != 1.0:
        size = (max(1, round(width * factor)), max(1, round(height * factor)))
        image = image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    scale = (image.width / width, image.height / height)  # exact, after rounding the size
    padded = max(image.height, math.ceil(image.width / MAX_ASPECT), MIN_HEIGHT)
    if padded == image.height:
        return image, 0, scale
    top = (padded - image.height) // 2
    pixels = np.asarray(image)
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    colour = tuple(int(v) for v in np.median(border, axis=0))
    canvas = Image.new("RGB", (image.width, padded), colour)
    canvas.paste(image, (0, top))
    return canvas, top, scale


def _version(cfg: Any) -> str:
    """Package version, the models of each step, and a digest of our settings (thread counts
    left out: they don't change results)."""
    models = " ".join(
        f"{task}={cfg[task].ocr_version.value}/{cfg[task].model_type.value}/"
        f"{getattr(cfg[task].lang_type, 'value', cfg[task].lang_type)}"
        for task in ("Det", "Cls", "Rec")
    )
    settings = {
        "settings": SETTINGS,
        "max_side": MAX_SIDE,
        "min_side": MIN_SIDE,
        "max_aspect": MAX_ASPECT,
        "min_height": MIN_HEIGHT,
    }
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:12]
    return f"rapidocr {package_version('rapidocr')} {models} settings={digest}"
