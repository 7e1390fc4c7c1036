"""Decoding and colour conversion before an engine sees an image."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from llavar2.ocr import decode_image, to_rgb


def test_transparent_background_contrasts_with_the_ink():
    dark_ink = Image.new("RGBA", (4, 1), (0, 0, 0, 0))
    dark_ink.putpixel((0, 0), (10, 10, 10, 255))
    light_ink = Image.new("RGBA", (4, 1), (0, 0, 0, 0))
    light_ink.putpixel((0, 0), (250, 250, 250, 255))
    assert to_rgb(dark_ink).getpixel((1, 0)) == (255, 255, 255)
    assert to_rgb(dark_ink).getpixel((0, 0)) == (10, 10, 10)
    assert to_rgb(light_ink).getpixel((1, 0)) == (0, 0, 0)


def test_palette_with_transparency_and_gray_alpha():
    palette = Image.new("P", (2, 1))
    palette.putpalette([0, 0, 0, 20, 20, 20])
    palette.putpixel((1, 0), 1)
    palette.info["transparency"] = 0
    assert to_rgb(palette).getpixel((0, 0)) == (255, 255, 255)
    assert to_rgb(Image.new("LA", (1, 1), (0, 0))).getpixel((0, 0)) == (255, 255, 255)


def test_sixteen_bit_gray_is_scaled_not_clipped():
    values = np.array([[0, 32768, 65535]], dtype=np.uint16)
    rgb = to_rgb(Image.fromarray(values))
    assert [rgb.getpixel((x, 0))[0] for x in range(3)] == [0, 127, 255]


@pytest.mark.parametrize("mode", ["1", "L", "CMYK", "RGB", "YCbCr"])
def test_other_modes_become_rgb(mode):
    assert to_rgb(Image.new(mode, (3, 2))).mode == "RGB"


def test_decode_rejects_truncated_files():
    buffer = io.BytesIO()
    Image.effect_noise((64, 64), 50).save(buffer, "PNG")
    data = buffer.getvalue()
    assert decode_image(data).size == (64, 64)
    with pytest.raises(OSError):
        decode_image(data[: len(data) // 2])
