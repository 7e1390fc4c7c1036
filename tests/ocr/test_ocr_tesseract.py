"""The optional Tesseract engine."""

from __future__ import annotations

import shutil
import sys

import pytest

from llavar2.ocr import EngineUnavailable, get_engine, order_lines
from llavar2.ocr.quality import corpus_error_rates

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="the tesseract program is not installed"
)


@needs_tesseract
def test_tesseract_reads_rendered_text(text_image):
    pytest.importorskip("pytesseract", reason="the pytesseract package is not installed")
    engine = get_engine("tesseract")
    assert engine.version.startswith("tesseract ") and "lang=eng" in engine.version
    pairs = []
    for seed in range(4):
        image, lines = text_image(seed, size=(18, 24, 32, 40)[seed])
        found = order_lines(engine.read(image))
        for line in found:
            (x0, y0), (x1, y1) = line.box[0], line.box[2]
            assert 0 <= x0 < x1 <= image.width and 0 <= y0 < y1 <= image.height
            assert 0 <= line.score <= 1
        pairs.append(("\n".join(line.text for line in found), "\n".join(lines)))
    cer, wer = corpus_error_rates(pairs)
    assert cer <= 0.03 and wer <= 0.05, pairs


def test_missing_program_is_named(monkeypatch):
    pytesseract = pytest.importorskip("pytesseract")
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    with pytest.raises(EngineUnavailable, match="'tesseract' program"):
        get_engine("tesseract")


def test_missing_package_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "pytesseract", None)  # makes the import fail
    with pytest.raises(EngineUnavailable, match="pytesseract"):
        get_engine("tesseract")
