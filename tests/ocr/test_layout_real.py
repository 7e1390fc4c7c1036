"""Reading order on real scanned receipts (SROIE): printed rows stay together.

The engine splits a receipt row wherever the gap is wide ("TOTAL:" ........ "87.45"); the layout
must put the pieces back on one line, and never join rows into one tall box.
"""

from __future__ import annotations

import math

import pytest

from llavar2.ocr import EngineUnavailable, decode_image, get_engine, order_lines
from llavar2.records import OcrLine
from llavar2.testing import sroie

# Four stores: a tilted stamp over the header, a scan rotated by about 4 degrees, items with
# the name over the quantity and price, tightly printed rows.
RECEIPTS = ["051", "135", "552", "619"]


@pytest.fixture(scope="module")
def engine():
    if not sroie.sroie_dir().is_dir():
        pytest.skip(f"real receipts not found at {sroie.sroie_dir()} (set LLAVAR2_REALDATA)")
    try:
        return get_engine("rapidocr")
    except EngineUnavailable as e:
        pytest.skip(f"rapidocr unavailable: {e}")


def own_height(line: OcrLine) -> float:
    """The box's height across its own baseline (left and right sides averaged)."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = line.box
    return (math.hypot(x3 - x0, y3 - y0) + math.hypot(x2 - x1, y2 - y1)) / 2


def inside(line: OcrLine, x: float, y: float, tolerance: float = 2.0) -> bool:
    xs, ys = [p[0] for p in line.box], [p[1] for p in line.box]
    return min(xs) - tolerance <= x <= max(xs) + tolerance and (
        min(ys) - tolerance <= y <= max(ys) + tolerance
    )


def parts(merged: OcrLine, raw: list[OcrLine]) -> list[OcrLine]:
    """The engine lines a merged line was joined from: their text is in it and their centre
    inside its box."""
    return [
        ocr_line
        for ocr_line in raw
        if ocr_line.text.strip()
        and ocr_line.text.strip() in merged.text
        and inside(merged, sum(p[0] for p in ocr_line.box) / 4, sum(p[1] for p in ocr_line.box) / 4)
    ]


@pytest.mark.slow  # a few seconds: the engine reads four receipt scans
@pytest.mark.parametrize("name", RECEIPTS)
def test_receipt_rows_are_kept(name, engine):
    raw = engine.read(decode_image(sroie.image_path(name).read_bytes()))
    ordered = order_lines(raw)
    total = sroie.key_fields(name)["total"]
    # The annotation has a row with a TOTAL label and the amount, and the engine read the
    # amount as a box of its own: the layout has to join them.
    assert any(
        any("TOTAL" in s.text.upper() for s in row)
        and any(s.text.strip().endswith(total) for s in row)
        for row in sroie.reference_rows(name)
    )
    assert any(
        ocr_line.text.strip().endswith(total) and "TOTAL" not in ocr_line.text.upper()
        for ocr_line in raw
    )
    holding = [ocr_line.text for ocr_line in ordered if total in ocr_line.text]
    assert any("TOTAL" in text.upper() for text in holding), holding
    # Rows in order: the text reads at least as close to the annotated transcription as the
    # engine's own box order does (the old layout read price columns after the item names).
    reference = sroie.reference_text(name, skew=sroie.text_skew(ocr_line.box for ocr_line in raw))
    ours, _ = sroie.order_aware_errors("\n".join(ocr_line.text for ocr_line in ordered), reference)
    engine_order, _ = sroie.order_aware_errors(
        "\n".join(ocr_line.text for ocr_line in raw), reference
    )
    assert ours <= engine_order
    # Every word read is output once, and no line grew to cover rows it doesn't hold.
    assert sorted(" ".join(ocr_line.text for ocr_line in ordered).split()) == sorted(
        " ".join(ocr_line.text for ocr_line in raw).split()
    )
    for line in ordered:
        if line not in raw:
            joined = parts(line, raw)
            assert len(joined) >= 2, line.text
            assert own_height(line) <= 2 * max(own_height(p) for p in joined), line.text
