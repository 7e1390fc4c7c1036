"""RapidOCR on text the test draws, so the right answer is known exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from llavar2.ocr import get_engine, order_lines, run_ocr, scan_images, to_rgb
from llavar2.ocr.quality import corpus_error_rates
from llavar2.records import OcrResult


@pytest.fixture(scope="module")
def engine():
    return get_engine("rapidocr")


def ocr_folder(folder: Path) -> dict[str, OcrResult]:
    results = list(run_ocr(scan_images(folder), folder))
    assert all(isinstance(r, OcrResult) for r in results), results
    return {r.image: r for r in results}


def test_rendered_text_accuracy(tmp_path, text_image):
    """Random words and numbers, several sizes, colours and backgrounds, as PNG and JPEG."""
    references = {}
    for seed in range(10):
        image, lines = text_image(seed, size=(14, 18, 24, 32, 48)[seed % 5])
        name = f"{seed}.png" if seed % 2 else f"{seed}.jpg"
        image.save(tmp_path / name, quality=70 + 2 * seed)
        references[name] = "\n".join(lines)
    results = ocr_folder(tmp_path)
    pairs = [(results[name].text, ref) for name, ref in references.items()]
    cer, wer = corpus_error_rates(pairs)
    assert cer <= 0.03
    assert wer <= 0.05  # word spacing kept: words neither run together nor split
    # One output line per drawn line, in order.
    assert (
        sum(
            r.text.count("\n") == ref.count("\n")
            for r, ref in ((results[n], ref) for n, ref in references.items())
        )
        >= 9
    )


def test_boxes_cover_the_drawn_text(tmp_path, engine):
    font = ImageFont.load_default(size=40)
    image = Image.new("RGB", (900, 300), "white")
    draw = ImageDraw.Draw(image)
    draw.text((100, 60), "Opening hours", font=font, fill="black")
    draw.text((500, 200), "Tel 5551234", font=font, fill="navy")
    image.save(tmp_path / "a.png")
    result = ocr_folder(tmp_path)["a.png"]
    assert (result.width, result.height) == (900, 300)
    assert [ocr_line.text for ocr_line in result.lines] == ["Opening hours", "Tel 5551234"]
    for ocr_line, xy in zip(result.lines, [(100, 60), (500, 200)]):
        drawn = draw.textbbox(xy, ocr_line.text, font=font)
        assert_box_around(ocr_line.box, drawn, tolerance=12)
        assert 0.8 <= ocr_line.score <= 1.0


def assert_box_around(box: list[list[float]], drawn: tuple[float, ...], tolerance: float) -> None:
    """The box is clockwise from top-left, contains the drawn ink's centre, and its edges are
    within ``tolerance`` (plus the detector's margin above and below glyphs) of the ink's."""
    (x0, y0), (x1, _), (_, y1), _ = box
    assert box[0][0] < box[1][0] and box[1][1] < box[2][1], box
    ink_height = drawn[3] - drawn[1]
    assert abs((x0 + x1) / 2 - (drawn[0] + drawn[2]) / 2) <= tolerance, (box, drawn)
    assert abs((y0 + y1) / 2 - (drawn[1] + drawn[3]) / 2) <= tolerance, (box, drawn)
    assert abs(x0 - drawn[0]) <= tolerance and abs(x1 - drawn[2]) <= tolerance, (box, drawn)
    assert 0.8 * ink_height <= y1 - y0 <= 2.5 * ink_height + tolerance, (box, drawn)


def draw_texts(size: tuple[int, int], texts: list[tuple[str, tuple[int, int]]], font_size: int):
    """A white image with each text drawn at its position; and the drawn ink boxes."""
    font = ImageFont.load_default(size=font_size)
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    for text, xy in texts:
        draw.text(xy, text, font=font, fill="black")
    return image, [draw.textbbox(xy, text, font=font) for text, xy in texts]


def test_large_image_boxes_in_original_pixels(engine):
    """A 4000x3000 photo is read at 2000x1500; boxes are mapped back to the 4000x3000 pixels."""
    texts = [
        ("Opening hours 9 to 5", (400, 400)),
        ("Exit 42", (1500, 1200)),
        ("Platform 3", (2200, 2400)),
    ]
    image, drawn = draw_texts((4000, 3000), texts, font_size=120)
    lines = order_lines(engine.read(image))
    assert [ocr_line.text for ocr_line in lines] == [text for text, _ in texts]
    for ocr_line, ink in zip(lines, drawn):
        assert_box_around(ocr_line.box, ink, tolerance=0.35 * 120 + 2)


@pytest.mark.parametrize(
    "width, height, font_size", [(6000, 300, 100), (3000, 100, 50), (150, 24, 12)]
)
def test_thin_and_tiny_images_keep_original_coordinates(engine, width, height, font_size):
    """Wide or tiny images are scaled and padded before detection; boxes come back in place."""
    xy = (width // 2 - 3 * font_size, (height - font_size) // 2 - font_size // 4)
    image, (ink,) = draw_texts((width, height), [("Exit 42", xy)], font_size)
    (line,) = engine.read(image)
    assert line.text == "Exit 42"
    assert_box_around(line.box, ink, tolerance=0.35 * font_size + 2)


def _modes(image: Image.Image) -> dict[str, Image.Image]:
    """The same picture stored as the PNG modes found in the wild."""
    gray = image.convert("L")
    transparent = Image.new("RGBA", image.size, (0, 0, 0, 0))  # black, fully transparent
    transparent.putalpha(Image.eval(gray, lambda v: 255 - v))  # ink opaque, paper transparent
    sixteen_bit = Image.fromarray(np.asarray(gray, dtype=np.uint16) * 257)
    return {
        "L": gray,
        "1": gray.point(lambda v: 255 if v > 128 else 0).convert("1"),
        "P": image.convert("P", palette=Image.Palette.ADAPTIVE),
        "RGBA": transparent,
        "I;16": sixteen_bit,
    }


def test_image_modes_are_converted_to_rgb(tmp_path, engine):
    image = Image.new("RGB", (420, 90), "white")
    ImageDraw.Draw(image).text(
        (20, 20), "Platform 9 Gate", font=ImageFont.load_default(size=36), fill="black"
    )
    for mode, variant in _modes(image).items():
        variant.save(tmp_path / f"{mode.replace(';', '')}.png")
        reloaded = Image.open(tmp_path / f"{mode.replace(';', '')}.png")
        assert to_rgb(reloaded).mode == "RGB"
    results = ocr_folder(tmp_path)
    assert {name: r.text for name, r in results.items()} == {
        f"{mode.replace(';', '')}.png": "Platform 9 Gate" for mode in _modes(image)
    }


def test_image_without_text_gives_no_lines(tmp_path):
    Image.new("RGB", (300, 200), (40, 120, 200)).save(tmp_path / "blank.png")
    result = ocr_folder(tmp_path)["blank.png"]
    assert result.lines == [] and result.text == ""
