"""Tesseract, through pytesseract; optional (needs the ``tesseract`` program and the
``pytesseract`` package)."""

from __future__ import annotations

import os
from collections import defaultdict
from importlib.metadata import version as package_version

from PIL import Image

from ...records import OcrLine
from ..base import ENGINES, EngineUnavailable, OcrEngine

LANG = "eng"
CONFIG = "--oem 1 --psm 3"  # LSTM recogniser, automatic page segmentation
TIMEOUT_S = 300  # a stuck tesseract process fails its image instead of the run


@ENGINES.register(
    "tesseract",
    help="Tesseract through pytesseract; needs llavar2[tesseract] and the tesseract program",
)
class TesseractEngine(OcrEngine):
    name = "tesseract"

    def __init__(self, threads: int | None = None):
        super().__init__(threads)
        try:
            import pytesseract
        except ImportError:
            raise EngineUnavailable(
                "the tesseract OCR engine needs the Python package 'pytesseract': "
                "pip install 'llavar2[tesseract]'"
            ) from None
        try:
            program_version = str(pytesseract.get_tesseract_version())
        except pytesseract.TesseractNotFoundError:
            raise EngineUnavailable(
                "the tesseract OCR engine needs the 'tesseract' program on PATH "
                "(apt install tesseract-ocr, brew install tesseract, or conda install tesseract)"
            ) from None
        except SystemExit as e:  # pytesseract exits on versions older than it supports
            raise EngineUnavailable(f"unsupported tesseract program: {e}") from None
        if threads is not None:  # tesseract's OpenMP threads; read by the child process
            os.environ["OMP_THREAD_LIMIT"] = str(threads)
        self._pytesseract = pytesseract
        self.version = (
            f"tesseract {program_version} pytesseract {package_version('pytesseract')} "
            f"lang={LANG} config={CONFIG}"
        )

    def read(self, image: Image.Image) -> list[OcrLine]:
        data = self._pytesseract.image_to_data(
            image,
            lang=LANG,
            config=CONFIG,
            timeout=TIMEOUT_S,
            output_type=self._pytesseract.Output.DICT,
        )
        words: dict[tuple[int, ...], list[int]] = defaultdict(list)  # tesseract line → words
        for i, text in enumerate(data["text"]):
            if text.strip() and float(data["conf"][i]) >= 0:  # -1: a page/block/line row
                key = tuple(
                    data[level][i] for level in ("page_num", "block_num", "par_num", "line_num")
                )
                words[key].append(i)
        return [_line(data, indices) for indices in words.values()]


def _line(data: dict[str, list], indices: list[int]) -> OcrLine:
    """One tesseract line: its words joined by spaces, the union of their boxes."""
    x0 = float(min(data["left"][i] for i in indices))
    y0 = float(min(data["top"][i] for i in indices))
    x1 = float(max(data["left"][i] + data["width"][i] for i in indices))
    y1 = float(max(data["top"][i] + data["height"][i] for i in indices))
    score = sum(float(data["conf"][i]) for i in indices) / len(indices) / 100
    return OcrLine(
        text=" ".join(data["text"][i].strip() for i in indices),
        box=[[x0, y0], [x1, y0], [x1, y1], [x0, y1]],
        score=round(score, 5),
    )
