"""The SROIE reference reading order on annotations written for the test (no scans needed)."""

from __future__ import annotations

import math

import pytest

from llavar2.testing import sroie


def write_boxes(root, name: str, segments: list[tuple[str, float, float, float, float]]):
    (root / "box").mkdir(parents=True, exist_ok=True)
    rows = [f"{x0},{y0},{x1},{y0},{x1},{y1},{x0},{y1},{text}" for text, x0, y0, x1, y1 in segments]
    (root / "box" / f"{name}.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def quad(x0: float, y0: float, x1: float, y1: float, degrees: float) -> list[list[float]]:
    a = math.radians(degrees)
    c, s = math.cos(a), math.sin(a)
    return [[x * c - y * s, x * s + y * c] for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]


def tilted_receipt(degrees: float) -> list[tuple[str, float, float, float, float]]:
    """Rows of a label on the left and an amount on the right, 30 px apart, 20 px tall, the
    page rotated by ``degrees``: the upright rectangles an annotator draws around each."""
    found = []
    for i, (label, amount) in enumerate(
        [("SUBTOTAL", "9.00"), ("TAX", "0.54"), ("TOTAL", "9.54"), ("CASH", "10.00")]
    ):
        y = 100 + 30 * i
        for text, x0, x1 in ((label, 20, 200), (amount, 600, 700)):
            points = quad(x0, y, x1, y + 20, degrees)
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            found.append((text, min(xs), min(ys), max(xs), max(ys)))
    return found


def test_skew_is_measured_from_long_boxes():
    boxes = [quad(0, 30 * i, 500, 30 * i + 20, -4.0) for i in range(5)]
    boxes.append(quad(0, 200, 20, 220, 30.0))  # a short box: its angle is noise
    assert math.degrees(sroie.text_skew(boxes)) == pytest.approx(-4.0)
    assert sroie.text_skew([quad(0, 0, 500, 20, 0.3)]) == 0.0  # straight enough
    assert sroie.text_skew([]) == 0.0


def test_rows_of_a_tilted_scan_follow_its_baselines(tmp_path):
    write_boxes(tmp_path, "001", tilted_receipt(-4.0))
    expected = "SUBTOTAL 9.00\nTAX 0.54\nTOTAL 9.54\nCASH 10.00"
    # Upright, each amount (600 px to the right, so 42 px higher) overlaps the row above.
    assert sroie.reference_text("001", tmp_path) != expected
    assert sroie.reference_text("001", tmp_path, math.radians(-4.0)) == expected


def test_a_straight_scan_reads_by_rows(tmp_path):
    write_boxes(tmp_path, "002", tilted_receipt(0.0))
    assert sroie.reference_text("002", tmp_path) == (
        "SUBTOTAL 9.00\nTAX 0.54\nTOTAL 9.54\nCASH 10.00"
    )
