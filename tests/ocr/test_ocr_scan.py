"""scan_images: the records ``llavar2 ocr DIR`` feeds to run_ocr."""

from __future__ import annotations

import hashlib
import shutil

from PIL import Image

from llavar2.ocr import scan_images
from llavar2.records import ImageRecord, Reject


def test_scan_finds_images_recursively_in_sorted_order(tmp_path):
    (tmp_path / "b" / "deeper").mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    Image.new("RGB", (30, 20), "red").save(tmp_path / "a.png")
    Image.new("L", (10, 40)).save(tmp_path / "b" / "z.JPG", format="JPEG")
    Image.new("RGB", (5, 5), "blue").save(tmp_path / "b" / "deeper" / "c.webp")
    Image.new("RGB", (5, 5)).save(tmp_path / ".hidden" / "skip.png")
    Image.new("RGB", (6, 5)).save(tmp_path / ".skip.png")
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "b" / "broken.png").write_bytes(b"\x89PNG not really")
    shutil.copy(tmp_path / "a.png", tmp_path / "b" / "same_as_a.png")

    found = list(scan_images(tmp_path))
    assert [(type(r).__name__, r.image, r.row) for r in found] == [
        ("ImageRecord", "a.png", 0),
        ("Reject", "b/broken.png", 1),
        ("Reject", "b/same_as_a.png", 2),
        ("ImageRecord", "b/z.JPG", 3),
        ("ImageRecord", "b/deeper/c.webp", 4),
    ]
    a, broken, duplicate, z, c = found
    sha = hashlib.sha256((tmp_path / "a.png").read_bytes()).hexdigest()
    assert a == ImageRecord(
        id=sha, image="a.png", caption="", row=0, sha256=sha, width=30, height=20, format="PNG"
    )
    assert (z.width, z.height, z.format, c.format) == (10, 40, "JPEG", "WEBP")
    assert isinstance(broken, Reject) and (broken.stage, broken.reason) == (
        "ocr",
        "unreadable_image",
    )
    assert broken.id == hashlib.sha256(b"\x89PNG not really").hexdigest()
    assert isinstance(duplicate, Reject) and duplicate.reason == "duplicate_image"
    assert duplicate.detail == "same bytes as a.png" and duplicate.id is None


def test_scan_of_an_empty_folder(tmp_path):
    assert list(scan_images(tmp_path)) == []
