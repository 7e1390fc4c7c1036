"""Text images rendered at test time with Pillow's built-in scalable font, so that the expected
transcription is known exactly and no machine font or downloaded file is involved."""

from __future__ import annotations

import random

import pytest
from PIL import Image, ImageDraw, ImageFont

WORDS = (
    "the quick brown fox jumps over lazy dog coffee market street open daily fresh bread "
    "water station north south river garden summer winter green house price total amount "
    "order number ticket train gate platform museum library welcome please keep door "
    "closed exit entrance parking only hours monday friday sunday special offer today "
    "menu breakfast lunch dinner hotel room floor building city center public school "
    "Hello World Coffee Bakery Station Garden Market Street Avenue Total Price Sale Open"
).split()


def random_token(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.75:
        return rng.choice(WORDS)
    if kind < 0.85:
        return str(rng.randint(1, 99999))
    if kind < 0.95:
        return f"${rng.randint(1, 99)}.{rng.randint(0, 99):02d}"
    return f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/20{rng.randint(10, 30)}"


def random_lines(rng: random.Random, n_lines: int, max_words: int = 6) -> list[str]:
    return [
        " ".join(random_token(rng) for _ in range(rng.randint(2, max_words)))
        for _ in range(n_lines)
    ]


def _colours(rng: random.Random) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """(background, text) with strong contrast, dark-on-light or light-on-dark."""
    light = tuple(rng.randint(200, 255) for _ in range(3))
    dark = tuple(rng.randint(0, 70) for _ in range(3))
    return (light, dark) if rng.random() < 0.7 else (dark, light)


def _background(
    rng: random.Random, size: tuple[int, int], colour: tuple[int, int, int]
) -> Image.Image:
    image = Image.new("RGB", size, colour)
    if rng.random() < 0.5:  # a soft vertical gradient
        w, h = size
        draw = ImageDraw.Draw(image)
        shift = rng.choice((-1, 1)) * rng.randint(10, 30)
        for y in range(h):
            c = tuple(max(0, min(255, v + shift * y // max(h, 1))) for v in colour)
            draw.line([(0, y), (w, y)], fill=c)
    return image


def render_lines(rng: random.Random, lines: list[str], size: int) -> Image.Image:
    """Draw ``lines`` one under another at font ``size`` with random margins and colours."""
    font = ImageFont.load_default(size=size)
    widths = [font.getlength(line) for line in lines]
    margin = rng.randint(size // 2, 2 * size)
    spacing = int(size * rng.uniform(1.4, 1.9))
    width = int(max(widths)) + 2 * margin + rng.randint(0, 4 * size)
    height = spacing * len(lines) + 2 * margin
    background, ink = _colours(rng)
    image = _background(rng, (width, height), background)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((margin, margin + i * spacing), line, font=font, fill=ink)
    return image


@pytest.fixture
def text_image():
    """``text_image(seed, size)`` → (image, drawn lines): 2–5 random lines at font ``size``."""

    def make(seed: int, size: int) -> tuple[Image.Image, list[str]]:
        rng = random.Random(seed)
        lines = random_lines(rng, rng.randint(2, 5))
        return render_lines(rng, lines, size), lines

    return make
