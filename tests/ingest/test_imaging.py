"""``open_checked``: our pixel limit per call, Pillow's process-wide one never touched."""

import functools
import io
import types

import pytest
from PIL import Image

from llavar2.imaging import TooManyPixels, open_checked


@functools.cache
def _png(size, mode="1") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def pillow_limit_writes(monkeypatch):
    """Every value assigned to ``PIL.Image.MAX_IMAGE_PIXELS`` while the test runs."""
    writes: list = []
    original = Image.MAX_IMAGE_PIXELS

    class Watched(types.ModuleType):
        def __setattr__(self, name, value):
            if name == "MAX_IMAGE_PIXELS":
                writes.append(value)
            super().__setattr__(name, value)

    cls = Image.__class__
    Image.__class__ = Watched
    try:
        yield writes
    finally:
        Image.__class__ = cls
        Image.MAX_IMAGE_PIXELS = original


@pytest.mark.parametrize("as_path", [False, True])
def test_a_bomb_is_refused_without_switching_pillows_limit_off(
    tmp_path, pillow_limit_writes, as_path
):
    data = _png((20000, 20000))  # 400 Mpx: over twice Pillow's default limit
    source = data
    if as_path:
        source = tmp_path / "bomb.png"
        source.write_bytes(data)
    with pytest.raises(TooManyPixels, match="20000x20000"):
        open_checked(source)
    assert pillow_limit_writes == []


def test_the_limit_is_per_call_and_may_exceed_pillows(tmp_path, pillow_limit_writes):
    path = tmp_path / "wide.png"
    path.write_bytes(_png((30000, 7000)))  # 210 Mpx: Image.open refuses it
    with pytest.raises(Image.DecompressionBombError):
        Image.open(path)
    with open_checked(path, max_pixels=300_000_000) as image:
        assert image.size == (30000, 7000) and image.format == "PNG"
    with pytest.raises(TooManyPixels, match="limit 1000"):
        open_checked(path, max_pixels=1000)
    assert pillow_limit_writes == []


def test_a_user_set_pillow_limit_stays_as_it_was_and_does_not_decide(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    with open_checked(_png((40, 40))) as image:  # 1600 px: over Pillow's 2 x 100
        image.load()
        assert image.size == (40, 40)
    assert Image.MAX_IMAGE_PIXELS == 100


def test_not_an_image_raises_and_closes_the_file(tmp_path):
    path = tmp_path / "x.png"
    path.write_text("not an image")
    with pytest.raises(Image.UnidentifiedImageError):
        open_checked(path)
    with pytest.raises(Image.UnidentifiedImageError):
        open_checked(b"")


def test_other_formats_open(tmp_path):
    for fmt in ("JPEG", "BMP", "GIF", "TIFF", "WEBP"):
        buf = io.BytesIO()
        Image.new("RGB", (30, 20), (1, 2, 3)).save(buf, fmt)
        with open_checked(buf.getvalue()) as image:
            image.load()
            assert (image.size, image.format) == ((30, 20), fmt)
